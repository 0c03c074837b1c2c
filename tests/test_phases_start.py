"""Where a rep starts: at the rest before it, never at an older turning point or while on one's feet.

Exact elevation curves straight into the rep detector (no mounting, no filter), fed whole and
in live-sized pieces, so each criterion is tested on its own and for chunk invariance.
"""

import math

import numpy as np
import pytest
from helpers import detector_reps
from helpers import min_jerk_curve as _curve

from sensor.core.phases import RepConfig, RepDetector


def _reps(posture, points, chunk=None, cfg=None):
    return detector_reps(posture, *_curve(points), chunk, cfg)


# Seated set break: the foot tucked under the chair (shin 50 deg behind vertical), brought
# forward to hanging, a rest, then the set's first rep: extend to near horizontal and back.
TUCK_THEN_REP = [(0, -140.0), (3.0, -140.0), (2.0, -95.0), (3.0, -95.0), (2.0, -10.0), (1.0, -10.0), (2.0, -92.0)]


@pytest.mark.parametrize("chunk", [None, 5, 37, 256])
def test_seated_first_rep_after_a_break_starts_at_the_rest(chunk):
    reps = _reps("seated", TUCK_THEN_REP, chunk)
    assert len(reps) == 1
    # the movement began at the end of the rest (t = 8 s), not at the tuck 5 s earlier
    assert 7.5 <= reps[0].start_s <= 8.3, reps[0].start_s
    assert abs(reps[0].top_deg + 10.0) < 1.0 and abs(reps[0].bottom_deg + 92.0) < 1.0


def test_without_the_rest_rule_the_rep_is_back_dated_into_the_break():
    never = RepConfig(rest_restart_s=math.inf)
    reps = _reps("seated", TUCK_THEN_REP, cfg=never)
    assert len(reps) == 1 and reps[0].start_s < 4.0  # began at the tuck, 5 s before the movement
    # a deeper tuck, past the knee's flexion limit as a start, loses the rep altogether
    deeper = [(0, -155.0)] + TUCK_THEN_REP[1:]
    deeper[1] = (3.0, -155.0)
    assert _reps("seated", deeper, cfg=never) == []
    assert len(_reps("seated", deeper)) == 1


@pytest.mark.parametrize("pause_s", [0.4, 1.5, 4.0])
def test_a_pause_half_way_up_does_not_split_the_movement(pause_s):
    # real seated reps hold ~1 s half-extended (UCI subject 2): the rep still starts from hanging
    paused = [(0, -92.0), (3.0, -92.0), (1.2, -50.0), (pause_s, -50.0), (1.2, -10.0), (1.0, -10.0), (2.0, -92.0)]
    reps = _reps("seated", paused)
    assert len(reps) == 1 and reps[0].start_s < 3.3


@pytest.mark.parametrize("chunk", [None, 11])
def test_supine_rep_after_a_rest_at_tabletop_starts_there(chunk):
    # a set break: tabletop, foot to the floor, a rest, back to tabletop, a rest, then a glide
    pts = [(0, 0.0), (2.0, 0.0), (3.0, -45.0), (6.0, -45.0), (3.0, 0.0), (2.0, 0.0), (2.0, -50.0), (0.5, -50.0)]
    pts += [(2.0, 75.0), (1.0, 75.0)]
    reps = _reps("supine", pts, chunk)
    assert len(reps) == 1
    assert 15.5 <= reps[0].start_s <= 16.3 and reps[0].top_deg > 70


def _glide_with_nonex(last_nonex_before_replay):
    """The pipeline's re-learning: the first pass saw the person on their feet (last_nonex up to
    ``last_nonex_before_replay``), then the mounting is re-learned, the detector reset and the same
    samples re-analysed with a fresh context tracker that has not seen them (last_nonex -inf)."""
    t, e, v = _curve([(0, 0.0), (2.0, 0.0), (2.0, -50.0), (0.5, -50.0), (2.0, 75.0), (1.0, 75.0)])
    det = RepDetector("supine")
    k = int(np.searchsorted(t, 3.0))
    det.process(t[:k], e[:k], v[:k], np.zeros(k, bool), last_nonex=np.full(k, last_nonex_before_replay))
    det.reset_motion()
    det.process(t, e, v, np.zeros(len(t), bool), last_nonex=np.full(len(t), -np.inf))
    return det.reps


def test_on_feet_is_not_forgotten_when_the_samples_are_re_analysed():
    assert _glide_with_nonex(2.5) == []  # began (t = 2 s) while on feet: not a rep
    assert len(_glide_with_nonex(-np.inf)) == 1  # the same curve, never on feet: one rep


# Seated: hanging at rest, a fidget draws the foot back under the seat, and the extension starts
# straight from there (no rest): the rep starts 18 deg behind hanging.
FIDGET_THEN_REP = [(0, -100.0), (3.0, -100.0), (0.4, -118.0), (2.0, -10.0), (1.0, -10.0), (2.0, -95.0), (1.0, -95.0)]


@pytest.mark.parametrize("chunk", [None, 9])
def test_seated_rep_may_start_drawn_back_under_the_seat(chunk):
    reps = _reps("seated", FIDGET_THEN_REP, chunk)
    assert len(reps) == 1 and abs(reps[0].top_deg + 10.0) < 1.0


def test_seated_start_behind_the_knee_flexion_limit_is_refused():
    # the same curve with a start limit at -110 (the old symmetric rule) loses the rep
    assert _reps("seated", FIDGET_THEN_REP, cfg=RepConfig(seated_start_min_deg=-110.0)) == []


def test_seated_rep_that_starts_already_extended_is_not_a_glide():
    # from a shin held 35 deg forward of hanging (not a rest a glide starts from) up and down
    forward = [(0, -55.0), (3.0, -55.0), (2.0, 10.0), (1.0, 10.0), (2.0, -92.0), (1.0, -92.0)]
    assert _reps("seated", forward) == []
    assert len(_reps("seated", forward, cfg=RepConfig(seated_rest_max_deg=-50.0))) == 1
