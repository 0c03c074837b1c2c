"""Seated: a pivot verdict read from a weak turn gives way to the set (sensor.core.slow_seated).

The verdict on fits and reps with real numbers (variants 153, seated ``slow``: a movement of a
rep turned at 0.23 1/s^2 and read its pivot 0.70 m above the sensor, beyond a knee's reach), then
the pipeline on variants 153 and 297, whole and in live pieces, with the rule and without it.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from helpers import run_in_pieces

from sensor.core.events import Rep
from sensor.core.pipeline import Pipeline
from sensor.core.pivot import PivotConfig, PivotFit, pivot_beyond_knee
from sensor.core.slow_seated import SlowSeatedConfig, SlowSeatedSet
from sensor.core.types import Posture
from sensor.sim.corpus import make_session


def _rep(start: float, top: float, end: float, top_deg: float, bottom_deg: float) -> Rep:
    return Rep(
        index=1, posture=Posture.SEATED, start_s=start, bottom_s=end, top_s=top, end_s=end, detected_s=end,
        flex_down_s=end - top, extend_up_s=top - start, hold_bottom_s=0.5, hold_top_s=0.4, duration_s=end - start,
        rom_deg=top_deg - bottom_deg, bottom_deg=bottom_deg, top_deg=top_deg, peak_velocity_dps=25.0,
    )  # fmt: skip


# variants 153 as the pipeline reads it: the counted rep before (ended 101.6 s), then the next
# rep, whose flexion (107.1-113.4 s) the reach check fits 0.70 +- 0.022 m off its pivot
COUNTED = _rep(89.5, 94.2, 100.8, -6.0, -97.0)
NEXT = _rep(102.6, 106.7, 113.4, -14.0, -89.0)
FLEXION = PivotFit(np.array([0.0, 0.0, 0.70]), 0.70, 0.022, 0.09, 0.182, 80.0, 0.0, turn_signal=0.23)


def test_the_flexion_alone_reads_beyond_a_knees_reach() -> None:
    assert pivot_beyond_knee(FLEXION, PivotConfig(), either_side=True)  # 9 standard errors past 0.5 m


def test_a_weak_turn_that_repeats_the_counted_rep_is_vouched_for() -> None:
    s = SlowSeatedSet()
    assert not s.vouches(FLEXION, NEXT)  # nothing counted: nothing vouches
    s.counted(COUNTED)
    assert s.vouches(FLEXION, NEXT)
    assert not SlowSeatedSet(SlowSeatedConfig(enabled=False)).vouches(FLEXION, NEXT)


def test_a_strong_turn_a_new_pose_or_standing_up_keeps_the_verdict() -> None:
    s = SlowSeatedSet()
    s.counted(COUNTED)
    assert not s.vouches(dataclasses.replace(FLEXION, turn_signal=2.4), NEXT)  # a leg swing's pace
    assert not s.vouches(FLEXION, dataclasses.replace(NEXT, top_deg=20.0))  # 26 deg above the set's top
    assert not s.vouches(FLEXION, dataclasses.replace(NEXT, bottom_deg=-120.0))  # 23 deg further back
    assert not s.vouches(FLEXION, NEXT, nonex_t=101.0)  # on one's feet after the counted rep
    assert not s.vouches(FLEXION, dataclasses.replace(NEXT, start_s=95.0))  # the counted far turn again
    assert not s.vouches(None, NEXT)
    s.shift(-30.0)  # a refined offset moves the stored rep: its pose no longer matches
    assert not s.vouches(FLEXION, NEXT)
    s.forget()
    assert s.last is None


def _reps(seed: int, on: bool, step: int | None = None) -> tuple[list[Rep], list[dict[str, float]]]:
    cs = make_session("variants", seed)
    assert cs.posture == "seated" and cs.labels["variant"] == "slow"
    p = Pipeline(cs.posture, cs.rate_hz)
    p.detector.check.slow_set.enabled = on
    return run_in_pieces(p, cs.chunk, step).reps, cs.labels["reps"]


@pytest.mark.parametrize(("seed", "with_rule", "without"), [(153, 25, 11), (297, 13, 9)])
def test_slow_seated_sets_count(seed: int, with_rule: int, without: int) -> None:
    on, truth = _reps(seed, True)
    off, _ = _reps(seed, False)
    assert (len(truth), len(on), len(off)) == ({153: 26, 297: 14}[seed], with_rule, without)
    for r in on:  # every counted rep is a true one: its top within a fifth of a slow (4-6 s) phase
        assert min(abs(r.top_s - x["top_s"]) for x in truth) < 1.0
    assert math.isclose(sum(r.end_s - r.start_s for r in on) / len(on), 11.0, abs_tol=1.0)  # 10-12-s reps


@pytest.mark.parametrize("step", [41, 10])
def test_live_equals_offline_with_vouched_slow_reps(step: int) -> None:
    offline, _ = _reps(297, True)
    live, _ = _reps(297, True, step)
    got = [(r.start_s, r.top_s, r.end_s, r.detected_s) for r in live]
    assert len(got) == 13  # 9 without the rule
    assert got == [(r.start_s, r.top_s, r.end_s, r.detected_s) for r in offline]
