"""Seated ranges under the plain bounds count on a confirmed knee swing (sensor.core.knee_range).

First principles (test_pivot's rigid-body generator): a tight seated glide (a 35-45 deg
extension from hanging about a still knee 10-35 cm above the sensor) is confirmed once its fit
clears the signal floor, at 25-200 Hz; a shank tilting 20-45 deg over a planted foot (a squat, a
step-down) and a whole leg turning about the hip on the mat (a supine set-up analysed seated)
never are. Then the pipeline: the variants corpus's tight seated sessions (the knee stops 20-50
deg short of straight: sensor.sim.variants) count reps under 46 deg and learn their mounting from
sweeps under 50 deg only with the rule on (and its set check, sensor.core.tight_set), whole and in
live pieces alike.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import run_in_pieces
from test_never_hung import _hip_body
from test_pivot import _movement

from sensor.core.knee_range import KneeRangeConfig, knee_swing_confirmed
from sensor.core.pipeline import Pipeline
from sensor.core.pivot import PivotConfig, fit_pivot, fit_pivot_memo
from sensor.sim.corpus import make_session

PIVOT = PivotConfig()
RULE = KneeRangeConfig()


@pytest.mark.parametrize("rate", [25.0, 50.0, 100.0, 200.0])
def test_tight_glides_about_a_still_knee_are_confirmed(rate: float) -> None:
    rng = np.random.default_rng([int(rate), 13])
    judged = 0
    for _ in range(12):
        t, acc, gyr, _ = _movement("knee", rng.uniform(35, 45), rng.uniform(0.9, 2.0), rate, rng)
        fit = fit_pivot_memo(t, acc, gyr)
        if fit is not None and fit.rot_rms_mps2 >= PIVOT.min_rot_mps2:
            judged += 1
            assert knee_swing_confirmed(fit, PIVOT, RULE), (fit.height_m, fit.z, fit.hang_deg)
    assert judged >= 6  # most clear the floor: the confirmation is exercised


@pytest.mark.parametrize("rate", [25.0, 50.0, 100.0])
def test_shank_over_a_planted_foot_and_whole_leg_are_never_confirmed(rate: float) -> None:
    rng = np.random.default_rng([int(rate), 46])
    for _ in range(12):
        t, acc, gyr, _ = _movement("ankle", rng.uniform(20, 45), rng.uniform(0.9, 2.5), rate, rng)
        assert not knee_swing_confirmed(fit_pivot(t, acc, gyr), PIVOT, RULE)
        t, acc, gyr, _ = _movement("hip", rng.uniform(35, 50), rng.uniform(1.2, 2.5), rate, rng, body=_hip_body(rng))
        assert not knee_swing_confirmed(fit_pivot(t, acc, gyr), PIVOT, RULE)


def test_a_weak_signal_confirms_nothing() -> None:
    rng = np.random.default_rng(331)
    t, acc, gyr, _ = _movement("knee", 40.0, 6.0, 100.0, rng)  # a slow phase: the rotational term is tiny
    fit = fit_pivot(t, acc, gyr)
    assert fit is not None and fit.rot_rms_mps2 < PIVOT.min_rot_mps2
    assert not knee_swing_confirmed(fit, PIVOT, RULE)


def _run(seed: int, on: bool, step: int | None = None) -> Pipeline:
    cs = make_session("variants", seed)
    assert cs.posture == "seated" and cs.labels["variant"] == "tight"
    p = Pipeline(cs.posture, cs.rate_hz)
    p.cfg.mount.knee.enabled = on
    p.detector.check.knee_range.enabled = on
    p.detector.check.tight.enabled = on  # the set that narrow reps must repeat (sensor.core.tight_set)
    run_in_pieces(p, cs.chunk, step)
    return p


def _truth(seed: int) -> list[dict]:
    return make_session("variants", seed).labels["reps"]


def test_tight_reps_under_the_plain_range_bound_count() -> None:
    # variants 193 (100 Hz): 7 reps topping out 43-49 deg below horizontal, ranges 41-53
    on, off = _run(193, True).reps, _run(193, False).reps
    assert len(_truth(193)) == 7 and len(on) == 7 and len(off) == 3
    assert sum(r.rom_deg < 46.0 for r in on) >= 3
    for r, tr in zip(on, _truth(193)):
        assert abs(r.top_s - tr["top_s"]) < 0.5 and abs(r.top_deg - tr["top_deg"]) < 6.0


@pytest.mark.parametrize("step", [None, 701])
def test_tight_sweeps_teach_the_mounting(step: int | None) -> None:
    # variants 157 (104 Hz): every extension sweeps under 50 deg; the plain bound never learns
    p = _run(157, True, step)
    assert p.mounting is not None and p.mounting.reference == "standing"
    assert 7 <= len(p.reps) <= 12  # 12 true; reps under 46 deg whose fit is under the floor stay out
    if step is None:
        off = _run(157, False)
        assert off.mounting is None and off.reps == []
    else:
        whole = _run(157, True)
        key = [(r.start_s, r.end_s, r.top_deg) for r in whole.reps]
        assert [(r.start_s, r.end_s, r.top_deg) for r in p.reps] == key
        assert p.settled_at == whole.settled_at
