"""Seated bounds (rep_config): how far back a rep may end, and how quick a rep may be.

How far back: within the knee's range, and near hanging.
With the thigh on the seat the knee flexes to ~135-145 deg (Soucie et al. 2011), so a shin
drawn back to 20-25 deg behind vertical at the end of a rep is a real pose, and a box tilted on
the shin reads it several degrees further (mixed 694: a true -104.7 read -113). What bounds a
rep's end is the rest near hanging (within 28 deg of vertical, either side), not a tighter limit
behind vertical.

How quick: a glide's phases take 1-4 s (the fastest real reps, UCI "fast", 1.92 s for both
phases); a standing leg swing or a step-up's trailing leg kicks up and back in 0.7-0.8 s a phase.

Exact elevation curves into the rep detector, whole and in live-sized pieces.
"""

import pytest
from helpers import detector_reps
from helpers import min_jerk_curve as _curve

from sensor.core.rep_config import RepConfig


def _set(bottom: float) -> list[tuple[float, float]]:
    """Hanging, then two reps that extend to near horizontal and return to ``bottom``."""
    rep = [(2.0, -10.0), (1.0, -10.0), (2.5, bottom), (2.0, bottom)]
    return [(0, -92.0), (3.0, -92.0)] + rep + [(1.5, -92.0), (2.0, -92.0)] + rep


@pytest.mark.parametrize("chunk", [None, 7, 300])
def test_a_rep_ending_drawn_back_behind_vertical_counts(chunk):
    reps = detector_reps("seated", *_curve(_set(-113.0)), chunk)
    assert len(reps) == 2
    assert all(abs(r.bottom_deg + 113.0) < 1.0 for r in reps)


def test_the_old_limit_behind_vertical_lost_those_reps():
    assert detector_reps("seated", *_curve(_set(-113.0)), cfg=RepConfig(seated_bottom_min_deg=-110.0)) == []


@pytest.mark.parametrize("bottom", [-125.0, -140.0])
def test_a_return_far_behind_hanging_is_not_a_rep_end(bottom):
    # within the knee's range, but 35-50 deg behind vertical: not the hanging rest a glide returns to
    assert detector_reps("seated", *_curve(_set(bottom))) == []


def _kicks(phase_s: float) -> list[tuple[float, float]]:
    """Hanging, then three swings up to -30 and back, ``phase_s`` each way, 1.5 s apart."""
    one = [(phase_s, -30.0), (phase_s, -92.0), (1.5, -92.0)]
    return [(0, -92.0), (3.0, -92.0)] + one * 3


@pytest.mark.parametrize("chunk", [None, 13])
def test_leg_swing_tempo_is_not_a_glide(chunk):
    assert detector_reps("seated", *_curve(_kicks(0.8)), chunk) == []
    # the same swings without the bound: three "reps" (each phase passes min_phase_s alone)
    assert len(detector_reps("seated", *_curve(_kicks(0.8)), chunk, RepConfig(seated_min_rep_s=0.0))) == 3


@pytest.mark.parametrize("phase_s", [1.0, 2.5])
def test_glide_tempo_counts(phase_s):
    assert len(detector_reps("seated", *_curve(_kicks(phase_s)))) == 3
