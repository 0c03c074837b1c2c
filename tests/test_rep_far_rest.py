"""Supine far-end rest timed from the first stop at the pose the return leaves from
(sensor.core.rep_far_rest): a fidget with the foot on the floor does not restart it.

Exact elevation curves straight into the detector (no mounting, no filter), whole and in
live-sized pieces, and negative 3409 analysed supine, the set break that was counted.
"""

import numpy as np
import pytest
from helpers import min_jerk_curve

from sensor.core.phases import RepDetector
from sensor.core.pipeline import analyze
from sensor.core.rep_config import RepConfig
from sensor.core.rep_far_rest import FarRestCheckedDetector
from sensor.sim.corpus import make_session

# Negative 3409's third set break as the detector read it (every angle ~27 deg high: its mounting
# was taught by sit-to-stands): tabletop, the foot down to the floor, 7.5 s of rest, a fidget 9 deg
# deeper and back, 5.5 s more, back up to tabletop.
BREAK = [(0, 31.0), (2.0, 31.0), (2.5, -24.0), (7.5, -24.0), (0.3, -33.0), (0.3, -24.0), (5.5, -24.0)]
BREAK += [(2.5, 32.0), (2.0, 32.0)]
# Classic 126's true rep: the flex-down pauses 7.8 s part-way, 29 deg short of the bottom.
PAUSED_GLIDE = [(0, 57.0), (1.0, 57.0), (2.0, -16.0), (7.8, -16.0), (1.5, -45.0), (1.0, -45.0), (2.5, 57.0)]
PAUSED_GLIDE += [(1.0, 57.0)]


def _reps(points, chunk=None, on=True, shift_at=None, held=True):
    t, e, v = min_jerk_curve(points)
    cfg = RepConfig(far_rest_from_first_stop=on)
    cfg.held_bottom.enabled = held  # (sensor.core.held_bottom: a held bottom vouched for by its set)
    det = FarRestCheckedDetector("supine", cfg)
    step = chunk or len(t)
    off = 0.0
    for a in range(0, len(t), step):
        b = min(a + step, len(t))
        if shift_at is not None and t[a] >= shift_at and off == 0.0:
            off = 4.0  # the elevation offset is refined mid-rest: stored angles move with it
            det.shift(off)
        det.process(t[a:b], e[a:b] + off, v[a:b], np.zeros(b - a, bool))
    return det.reps


@pytest.mark.parametrize("chunk", [None, 7, 64])
def test_a_fidget_on_the_floor_does_not_restart_the_rest(chunk):
    assert _reps(BREAK, chunk) == []
    # the rule off (or the plain detector): each part of the rest is under 6 s and it counts
    assert len(_reps(BREAK, chunk, on=False)) == 1
    t, e, v = min_jerk_curve(BREAK)
    plain = RepDetector("supine")
    plain.process(t, e, v, np.zeros(len(t), bool))
    assert len(plain.reps) == 1 and plain.reps[0].hold_bottom_s < 6.0


def test_the_rest_is_timed_across_the_fidget():
    t, e, v = min_jerk_curve(BREAK)
    det = FarRestCheckedDetector("supine")
    det.process(t, e, v, np.zeros(len(t), bool))
    assert det.reps == []
    # first stop on the floor ~4.5 s, the return leaves ~18.1 s: 13.6 s, not the 5.5 s after the fidget
    assert det.last_far_rest_s is not None and 13.0 < det.last_far_rest_s < 14.2


def test_a_refined_offset_mid_rest_keeps_the_verdict():
    assert _reps(BREAK, 50, shift_at=8.0) == []
    assert len(_reps(BREAK, 50, on=False, shift_at=8.0)) == 1


@pytest.mark.parametrize("chunk", [None, 7])
def test_a_pause_part_way_down_is_not_a_rest_at_the_far_end(chunk):
    reps = _reps(PAUSED_GLIDE, chunk)
    assert len(reps) == 1 and reps[0].bottom_deg < -44.0


@pytest.mark.parametrize(("before", "after", "counted"), [(2.0, 2.0, 1), (3.0, 2.0, 1), (3.5, 3.0, 0)])
def test_the_bound_is_the_detectors_own_far_hold(before, after, counted):
    # a glide holding the bottom with a fidget in it: counted while the whole rest is <= 6 s
    pts = [(0, 60.0), (1.0, 60.0), (2.0, -40.0), (before, -40.0), (0.3, -48.0), (0.3, -40.0), (after, -40.0)]
    pts += [(2.0, 60.0), (1.0, 60.0)]
    assert len(_reps(pts, held=False)) == counted
    assert len(_reps(pts, on=False, held=False)) == 1
    # a whole glide's range (108 deg) held at the bottom for seconds: sensor.core.held_bottom counts it
    assert len(_reps(pts)) == 1


def test_negative_3409_supine_set_break_is_not_a_rep():
    s = make_session("negative", 3409, posture="supine")
    whole, _ = analyze(s.chunk, s.posture, s.rate_hz)
    chunked, _ = analyze(s.chunk, s.posture, s.rate_hz, chunk_size=13)
    assert whole.reps == [] and chunked.reps == []
    off, _ = analyze(s.chunk, s.posture, s.rate_hz, config=_rule_off())
    assert len(off.reps) == 1  # the third set break, 109-129 s: the foot rested 14 s, a fidget between
    assert off.reps[0].start_s > 108.9 and off.reps[0].end_s < 131.8


def _rule_off():
    from sensor.core.pipeline_config import PipelineConfig

    return PipelineConfig(reps=RepConfig(far_rest_from_first_stop=False))


# Negative 13889's fifth set break analysed supine (104 Hz; every angle ~38 deg high): the foot
# down to the floor, 3.2 s of rest, a fidget (a small lift and a dip 12 deg deeper), back up
# 11 deg, still 1.8 s, then up to tabletop. The fidget's lift back is where the return seemed to
# start, from the dip: no rest there at all.
RESUMED = [(0, 40.0), (1.0, 40.0), (1.4, -8.0), (3.2, -8.0), (0.4, -1.0), (0.6, -20.0), (0.3, -9.0)]
RESUMED += [(1.8, -9.0), (2.0, 43.0), (1.0, 43.0)]


@pytest.mark.parametrize("chunk", [None, 7, 64])
def test_a_return_that_rests_on_the_way_is_timed_from_where_it_left(chunk):
    assert _reps(RESUMED, chunk, held=False) == []
    # without the floor rest before the fidget, the same return is a glide's: 1.8 s still at -9
    # after a dip is within the 6 s either way, and counts
    short = [(0, 40.0), (1.0, 40.0), (1.4, -8.0), (0.5, -8.0)] + RESUMED[4:]
    assert len(_reps(short, chunk, held=False)) == 1
    # a return that pauses under a second (rest_restart_s) is still one movement: timed as before
    quick = RESUMED[:7] + [(0.6, -9.0)] + RESUMED[8:]
    assert len(_reps(quick, chunk, held=False)) == 1


def test_negative_13889_is_not_counted():
    s = make_session("negative", 13889, "supine")
    assert analyze(s.chunk, s.posture, s.rate_hz)[0].reps == []
