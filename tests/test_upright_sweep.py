"""The rest just before the first knee sweep (sensor.core.upright.rest_before_sweep).

Issue 11, negatives seeds 492 (supine, 100 Hz) and 672 (supine, 25 Hz): the recording starts
standing, the person sits, adjusts the strap (the first movement, off the knee axis, so the
first-rest rule is silent), stands up and walks-lunges. The lunge's first sweep taught the
mounting before any foot landing (no contact to refuse it), upside down: standing read as the
foot to the ceiling, and 3 and 4 lunges were counted as supine glides. The standing just before
that first sweep says where the ankle is.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from sensor.core.bent_set import BentSetConfig
from sensor.core.pipeline import analyze
from sensor.core.pipeline_config import PipelineConfig
from sensor.core.shin_prior import PriorConfig
from sensor.core.upright import rest_before_sweep
from sensor.sim.corpus import make_session


def _rule_off() -> PipelineConfig:
    off = PipelineConfig()
    off.mount = replace(off.mount, prior=PriorConfig(first_sweep_deg=1e9))  # no sweep is ever that large
    off.__post_init__()
    # the supine soft landings (ContextConfig.landing_mps2) refuse some lunges on their own: left at
    # a step's shock, so that this test shows what the rest-before-sweep rule alone does
    off.context.landing_mps2 = off.context.impact_mps2
    off.context.landing_curve_mps2 = float("inf")  # (and the curve landings, sensor.core.landing)
    # and the bent-return sets (sensor.core.bent_set): with the landings left at a step's shock, 672's
    # lunges (level bottoms, ranges 71-82) repeat like a set of bent returns, and two
    # more of them count (5)
    off.reps.bent_set = BentSetConfig(enabled=False)
    return off


# 672: 4 lunges counted without the upright rule on main; sensor.core.rep_bottom refuses one of them
# (read bottoms -9..+2 deg, ranges 71-82: not a flexed knee's). 492 counted 3 without it on the
# point-sampled simulator; on the anti-aliased one (samples are period means, as a MEMS IMU's
# filter gives) its lunges keep no movement window at all (the foot contacts next to them are
# seen), so no lunge teaches and the mounting comes from the set breaks at 146 s: 0 without it.
@pytest.mark.parametrize(("seed", "counted_without"), [(492, 0), (672, 3)])
def test_walking_lunges_after_standing_up_count_nothing(seed: int, counted_without: int) -> None:
    cs = make_session("negative", seed)
    assert cs.posture == "supine"
    whole, _ = analyze(cs.chunk, cs.posture, cs.rate_hz)
    assert whole.reps == []
    chunked, _ = analyze(cs.chunk, cs.posture, cs.rate_hz, chunk_size=257)  # live equals offline
    assert chunked.reps == []
    without, _ = analyze(cs.chunk, cs.posture, cs.rate_hz, config=_rule_off())
    assert len(without.reps) == counted_without


def _case(before: np.ndarray, fs: float = 100.0) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[tuple[int, int]]]:
    """A still second and a half, ``before`` (deg/s about the knee axis z, one row per sample,
    3 columns), a 60-deg sweep about z; windows over the moving runs."""
    still = np.zeros((150, 3))
    sweep = np.zeros((100, 3))
    sweep[:, 2] = 60.0  # 60 deg/s for 1 s
    gyr = np.concatenate([still, before, sweep])
    t = np.arange(len(gyr)) / fs
    moving = np.linalg.norm(gyr, axis=1) > 5.0
    d = np.diff(np.concatenate([[0], moving.astype(np.int8), [0]]))
    windows = list(zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist()))
    return t, gyr, moving, windows


E1, E2 = np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0])  # e1 x e2 = z, the knee axis


def test_the_rest_before_the_first_sweep_is_found_through_a_small_knee_turn() -> None:
    turn = np.zeros((30, 3))
    turn[:, 2] = 40.0  # 12 deg about the knee axis (a lunge's start), then the sweep
    t, gyr, moving, windows = _case(turn)
    assert rest_before_sweep(t, gyr, moving, E1, E2, windows, PriorConfig()) == slice(0, 150)


def test_no_rest_when_the_box_was_turned_off_the_knee_axis_in_between() -> None:
    turn = np.zeros((50, 3))
    turn[:, 0] = 120.0  # strapped on: 60 deg about another axis, straight into the sweep
    t, gyr, moving, windows = _case(turn)
    assert rest_before_sweep(t, gyr, moving, E1, E2, windows, PriorConfig()) == slice(0, 0)


def test_no_rest_when_the_knee_turned_a_sweep_in_between() -> None:
    turn = np.zeros((100, 3))
    turn[:, 2] = 50.0  # 45 deg in small windows (40 before the sweep's): the ankle may be up by now
    turn[::10] = 0.0
    t, gyr, moving, windows = _case(turn)
    assert rest_before_sweep(t, gyr, moving, E1, E2, windows, PriorConfig()) == slice(0, 0)
