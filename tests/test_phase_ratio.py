"""A rep's two phases keep a glide's tempo; a quick kick crept back over seconds is not one.

Exact minimum-jerk elevation curves straight into the rep detector (no mounting, no filter),
whole and in live-sized pieces. The guide's phases take 1-4 s each, so the longer lasts at most
~4x the shorter (``RepConfig.max_phase_ratio`` allows 5), in both postures.
"""

import pytest
from helpers import detector_reps
from helpers import min_jerk_curve as _curve

from sensor.core.phases import RepConfig


def _reps(points, chunk=None, cfg=None):
    return detector_reps("seated", *_curve(points), chunk, cfg)


def _rep(up_s, down_s):
    # hanging, a rest, extend to near horizontal, back to hanging, a rest
    return [(0, -90.0), (2.0, -90.0), (up_s, -10.0), (down_s, -90.0), (2.0, -90.0)]


@pytest.mark.parametrize("chunk", [None, 7, 64])
@pytest.mark.parametrize("up_s,down_s", [(1.0, 4.0), (4.0, 1.0), (0.9, 3.0), (2.0, 2.0)])
def test_glide_tempos_count(chunk, up_s, down_s):
    reps = _reps(_rep(up_s, down_s), chunk)
    assert len(reps) == 1
    ratio = max(reps[0].extend_up_s, reps[0].flex_down_s) / min(reps[0].extend_up_s, reps[0].flex_down_s)
    assert ratio <= RepConfig().max_phase_ratio


@pytest.mark.parametrize("chunk", [None, 7, 64])
@pytest.mark.parametrize("up_s,down_s", [(0.8, 4.8), (4.8, 0.8)])
def test_kick_and_creep_is_not_a_rep(chunk, up_s, down_s):
    assert _reps(_rep(up_s, down_s), chunk) == []
    # the same movement counts when the bound is lifted: the ratio alone refused it
    assert len(_reps(_rep(up_s, down_s), chunk, RepConfig(max_phase_ratio=100.0))) == 1


def _supine(down_s, up_s):
    # tabletop, flex-down to -40 deg, a short bottom hold, extend-up to 75 deg, a rest
    return [(0, 0.0), (2.0, 0.0), (down_s, -40.0), (0.3, -40.0), (up_s, 75.0), (2.0, 75.0)]


@pytest.mark.parametrize("chunk", [None, 7, 64])
@pytest.mark.parametrize("down_s,up_s", [(4.0, 1.0), (1.0, 4.0), (2.0, 2.0)])
def test_supine_glide_tempos_count(chunk, down_s, up_s):
    reps = detector_reps("supine", *_curve(_supine(down_s, up_s)), chunk)
    assert len(reps) == 1
    ratio = max(reps[0].extend_up_s, reps[0].flex_down_s) / min(reps[0].extend_up_s, reps[0].flex_down_s)
    assert ratio <= RepConfig().max_phase_ratio


@pytest.mark.parametrize("chunk", [None, 7, 64])
def test_supine_slow_sink_and_kick_up_is_not_a_rep(chunk):
    """Issue 11, negatives 202 (a step-up read supine): 5.4 s down, then up in 0.71 s."""
    points = _supine(4.8, 0.8)
    assert detector_reps("supine", *_curve(points), chunk) == []
    lifted = RepConfig(max_phase_ratio=100.0)
    assert len(detector_reps("supine", *_curve(points), chunk, lifted)) == 1
