"""Seated: a rep's two phases keep a glide's tempo; a quick kick crept back over seconds is not one.

Exact minimum-jerk elevation curves straight into the rep detector (no mounting, no filter),
whole and in live-sized pieces. The guide's phases take 1-4 s each, so the longer lasts at most
~4x the shorter (``RepConfig.seated_max_phase_ratio`` allows 5).
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
    assert ratio <= RepConfig().seated_max_phase_ratio


@pytest.mark.parametrize("chunk", [None, 7, 64])
@pytest.mark.parametrize("up_s,down_s", [(0.8, 4.8), (4.8, 0.8)])
def test_kick_and_creep_is_not_a_rep(chunk, up_s, down_s):
    assert _reps(_rep(up_s, down_s), chunk) == []
    # the same movement counts when the bound is lifted: the ratio alone refused it
    assert len(_reps(_rep(up_s, down_s), chunk, RepConfig(seated_max_phase_ratio=100.0))) == 1
