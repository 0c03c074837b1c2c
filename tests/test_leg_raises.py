"""Real straight-leg raises are not glides: a supine rep must flex the knee down below horizontal.

The UCI recordings of exercises 3-5 (tests/data/uci, right shin u2: supine straight-leg raise,
side-lying hip abduction, prone hip extension, knee straight) turn the whole leg about the hip and
lower it to the mat: 0 glides, analysed in the posture they are done in (lying: supine) and
seated. Subject 3's template session of exercise 3, analysed supine, was counted 5 times before
``sensor.core.rep_bottom`` (bottoms read +24..+29 deg: the leg lying on the mat).
"""

import dataclasses

import numpy as np
import pytest
from helpers import min_jerk_curve

from sensor.core.bent_set import BentSetConfig
from sensor.core.context import ContextConfig
from sensor.core.phases import RepDetector
from sensor.core.pipeline import Pipeline, analyze
from sensor.core.pipeline_config import PipelineConfig
from sensor.core.rep_bottom import BottomCheckedDetector, SupineBottomConfig
from sensor.io.uci import RATE_HZ, read_uci

# shipped: exercise 3 test and template sessions, exercises 4-5 template sessions (README)
RAISES = [
    (e, s, f)
    for s in (1, 2, 3)
    for e, f in [(3, "test"), (3, "template_session"), (4, "template_session"), (5, "template_session")]
]


@pytest.mark.parametrize("posture", ["supine", "seated"])
@pytest.mark.parametrize("exercise,subject,file", RAISES)
def test_real_leg_raises_count_zero(uci_dir, exercise, subject, file, posture):
    pipe, _ = analyze(read_uci(uci_dir / f"s{subject}" / f"e{exercise}" / "u2" / f"{file}.txt"), posture, RATE_HZ)
    assert pipe.reps == [], [(round(r.start_s, 1), round(r.bottom_deg), round(r.top_deg)) for r in pipe.reps]


def _without_bottom_rule(chunk, landing_curve_share: float) -> list:
    cfg = PipelineConfig()
    cfg.context = dataclasses.replace(cfg.context, landing_curve_share=landing_curve_share)
    p = Pipeline("supine", RATE_HZ, cfg)
    assert isinstance(p.detector, BottomCheckedDetector)
    p.detector.bottom = SupineBottomConfig(enabled=False)
    p.feed(chunk)
    p.finish()
    return p.reps


def test_without_the_bottom_rule_the_real_raises_are_counted(uci_dir):
    """The rule is what refuses them: switched off, with the point-sample curve-landing bound
    (share 1), subject 3's template session counts a raise again (5 on main before the foot-landing
    rules; 1 since), bottoming out above horizontal (the leg on the mat, read with a mounting ~24
    deg off), topping out where a glide's top is and sweeping less than a glide. With the bound for
    averaged output samples (share 0.75, sensor.core.context) the leg's landing on the mat refuses
    that one too: two independent rules, each enough on this session."""
    chunk = read_uci(uci_dir / "s3" / "e3" / "u2" / "template_session.txt")
    reps = _without_bottom_rule(chunk, 1.0)
    assert 1 <= len(reps) <= 5
    assert all(r.bottom_deg > 15 and r.top_deg > 75 and r.rom_deg < 70 for r in reps)
    assert _without_bottom_rule(chunk, ContextConfig().landing_curve_share) == []


def _run(det, points, chunk=None):
    t, e, v = min_jerk_curve(points, rate=50.0)
    step = chunk or len(t)
    for a in range(0, len(t), step):
        b = min(a + step, len(t))
        det.process(t[a:b], e[a:b], v[a:b], np.zeros(b - a, bool))
    return det.reps


def _supine_set(bottom_deg, top_deg=80.0):
    """Three supine reps from a held top: flex down in 1.5 s to ``bottom_deg``, hold 1 s, extend
    up in 1.5 s to ``top_deg``, hold 2 s."""
    pts = [(0, top_deg), (2.0, top_deg)]
    for _ in range(3):
        pts += [(1.5, bottom_deg), (1.0, bottom_deg), (1.5, top_deg), (2.0, top_deg)]
    return pts


def _lone():
    """The bottom check alone: the set-level release (sensor.core.bent_set) switched off, so each
    candidate is judged by itself, as a lone movement is."""
    return BottomCheckedDetector("supine", bent=BentSetConfig(enabled=False))


@pytest.mark.parametrize("chunk", [None, 7, 64])
def test_supine_bottom_must_be_below_horizontal(chunk):
    # a glide's bottom (-35): all three counted, by the plain detector and with the rule
    assert len(_run(BottomCheckedDetector("supine"), _supine_set(-35.0), chunk)) == 3
    assert len(_run(RepDetector("supine"), _supine_set(-35.0), chunk)) == 3
    # the same movement lowered only to the mat (+5, range 75 deg): refused by the rule alone
    assert len(_run(RepDetector("supine"), _supine_set(5.0), chunk)) == 3
    assert _run(_lone(), _supine_set(5.0), chunk) == []
    # the bound itself, on a 70-deg rep: a bottom just below it counts, just above it does not
    bound = SupineBottomConfig().max_bottom_deg
    assert len(_run(_lone(), _supine_set(bound - 1.0, bound + 69.0), chunk)) == 3
    assert _run(_lone(), _supine_set(bound + 1.0, bound + 71.0), chunk) == []
    # a glide read in a frame 40 deg high (bottom +5, top +110): it sweeps the knee's 105 deg and
    # counts; a raise from +5 sweeping just under the bound does not, just over it counts
    rom = SupineBottomConfig().min_knee_rom_deg
    assert len(_run(_lone(), _supine_set(5.0, 110.0), chunk)) == 3
    assert _run(_lone(), _supine_set(5.0, 5.0 + rom - 1.0), chunk) == []
    assert len(_run(_lone(), _supine_set(5.0, 5.0 + rom + 1.0), chunk)) == 3
    # with the set-level release on, three such reps in a row are a set of bent-knee returns
    # (tests/test_bent_set.py): the elevation curve alone cannot tell them from soft raises
    assert len(_run(BottomCheckedDetector("supine"), _supine_set(5.0), chunk)) == 3


def test_seated_reps_are_not_asked():
    """Seated, the bottom is the hanging rest (-90): the supine bound does not apply."""
    pts = [(0, -90.0), (2.0, -90.0)]
    for _ in range(3):
        pts += [(1.5, -5.0), (1.0, -5.0), (1.5, -90.0), (2.0, -90.0)]
    assert len(_run(BottomCheckedDetector("seated", bottom=SupineBottomConfig(max_bottom_deg=-100.0)), pts)) == 3
