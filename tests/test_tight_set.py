"""A tight seated set counts (sensor.core.tight_set, sensor.core.knee_range's sweep tempo).

Unit: the chain counts a narrow candidate that repeats the set's previous one (the earlier one
late), never a lone one, one past the set gap or one that no fit of the pair confirms; a narrow
sweep quicker than a glide's phase teaches no mounting, a glide-paced one does. Pipeline: the
variants corpus's tight seated sessions whose mounting the plain bounds never learned count
their reps, whole and in live pieces alike; the three negatives that the confirmation alone let
through (5174 a lunge, 6820 a leg swing, 8501 a lone 34-deg rep, analysed seated) count nothing.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import run_in_pieces
from test_pivot import _movement

from sensor.core.events import Rep
from sensor.core.knee_range import sweep_ok
from sensor.core.mounting import MountConfig
from sensor.core.pipeline import Pipeline
from sensor.core.tight_set import TightSetChain, TightSetConfig
from sensor.core.types import Posture
from sensor.sim.corpus import make_session


def _cand(start: float, end: float, bottom: float, top: float) -> Rep:
    ext = (end - start) / 2
    return Rep(
        index=1, posture=Posture.SEATED, start_s=start, bottom_s=end, top_s=start + ext, end_s=end, detected_s=end,
        flex_down_s=ext, extend_up_s=ext, hold_bottom_s=0.5, hold_top_s=0.5, duration_s=end - start,
        rom_deg=top - bottom, bottom_deg=bottom, top_deg=top, peak_velocity_dps=60.0,
    )  # fmt: skip


# variants 13's first narrow candidates (the pipeline's own reads): 42-47 deg from hanging
FIRST = _cand(30.12, 33.17, -91.7, -44.7)
SECOND = _cand(33.78, 37.28, -89.3, -47.2)


def test_a_repeat_counts_both_a_lone_one_none() -> None:
    chain = TightSetChain(TightSetConfig())
    assert chain.judge(FIRST, confirmed=True) == (False, None)  # alone: a fidget, a lunge's shank
    count, late = chain.judge(SECOND, confirmed=False)
    assert count and late == FIRST  # the pair is a set: the first counted late
    third = _cand(37.81, 43.72, -85.1, -43.2)
    assert chain.judge(third, confirmed=False) == (True, None)  # the chain goes on


def test_no_repeat_past_the_gap_a_far_pose_or_without_a_confirmation() -> None:
    late = _cand(33.17 + 15.5, 33.17 + 19.0, -89.3, -47.2)  # after a set break
    chain = TightSetChain(TightSetConfig())
    chain.judge(FIRST, confirmed=True)
    assert chain.judge(late, confirmed=True) == (False, None)
    chain = TightSetChain(TightSetConfig())
    chain.judge(FIRST, confirmed=True)
    assert chain.judge(_cand(33.78, 37.28, -89.3, -20.0), confirmed=True) == (False, None)  # top 24.7 off
    chain = TightSetChain(TightSetConfig())
    chain.judge(FIRST, confirmed=False)
    assert chain.judge(SECOND, confirmed=False) == (False, None)  # nothing shows a still knee
    chain = TightSetChain(TightSetConfig())
    chain.judge(FIRST, confirmed=True)
    assert chain.judge(FIRST, confirmed=True) == (False, None)  # the same far turn judged again


def test_a_counted_rep_starts_the_set() -> None:
    chain = TightSetChain(TightSetConfig())
    chain.counted(_cand(27.0, 30.0, -92.0, -40.0))  # 52 deg: counted on its own range
    assert chain.judge(FIRST, confirmed=False) == (True, None)


@pytest.mark.parametrize("rate", [50.0, 100.0])
def test_a_narrow_sweep_teaches_at_a_glides_pace_only(rate: float) -> None:
    cfg = MountConfig()
    rng = np.random.default_rng([int(rate), 35])
    for dur, ok in ((1.5, True), (0.8, True), (0.45, False), (0.3, False)):  # min jerk: span / peak = dur / 1.875
        t, acc, gyr, _ = _movement("knee", 42.0, dur, rate, rng)
        assert sweep_ok(42.0, "seated", cfg, t, acc, gyr) is ok, dur


def _run(kind: str, seed: int, step: int | None = None, tight: bool = True, tempo: bool = True) -> Pipeline:
    cs = make_session(kind, seed, "seated" if kind == "negative" else None)
    assert cs.posture == "seated"
    p = Pipeline(cs.posture, cs.rate_hz)
    p.detector.check.tight.enabled = tight
    if not tempo:
        p.cfg.mount.knee.min_sweep_s = 0.0
    return run_in_pieces(p, cs.chunk, step)


@pytest.mark.parametrize("step", [None, 503])
def test_an_unlearned_tight_session_counts(step: int | None) -> None:
    # variants 13 (tight, every sweep under 50 deg): main learned no mounting and counted 0 of 23
    cs = make_session("variants", 13)
    assert cs.labels["variant"] == "tight" and len(cs.labels["reps"]) == 23
    p = _run("variants", 13, step)
    assert p.mounting is not None and len(p.reps) == 23
    for r, tr in zip(p.reps, cs.labels["reps"]):
        assert abs(r.top_s - tr["top_s"]) < 0.6
    assert all(a.detected_s <= b.detected_s for a, b in zip(p.reps, p.reps[1:]))  # the live count only rises
    if step is not None:
        whole = _run("variants", 13)
        assert [(r.start_s, r.end_s, r.detected_s) for r in p.reps] == [
            (r.start_s, r.end_s, r.detected_s) for r in whole.reps
        ]


def test_the_negatives_the_confirmation_let_through_count_nothing() -> None:
    for seed in (5174, 6820, 8501):
        assert _run("negative", seed).reps == [], seed
    assert len(_run("negative", 6820, tempo=False).reps) == 1  # the leg swing's quick sweeps taught it
    assert len(_run("negative", 8501, tight=False).reps) == 1  # a lone narrow rep its fit confirms
