"""A movement stops when the elevation stops, even if the rate reads a leftover gyro bias.

The rest detector takes a slow, smooth creep (a few deg/s) for stillness and learns its rate as
gyro bias; until the next real rest the rate then reads that much while the shin is still. The
elevation is held by gravity and stays flat. Exact minimum-jerk curves with a 2.5 deg/s bias on
the rate, straight into the rep detector; checked to fail with the rule off.
"""

import pytest
from helpers import detector_reps
from helpers import min_jerk_curve as _curve

from sensor.core.phases import RepConfig

BIAS = 2.5  # deg/s: above stop_dps (2), as the mixed-248 session read after its first rep's creep
# tabletop, a flex-down, a 4-s extension to +70 (the guide's slowest), a 1.5-s hold at the top
GLIDE = [(0, 0.0), (2.0, 0.0), (2.0, -40.0), (0.5, -40.0), (4.0, 70.0), (1.5, 70.0), (2.0, -40.0), (1.0, -40.0)]
TOP_S = 8.5


def _reps(cfg=None, chunk=None, glide=GLIDE):
    t, e, v = _curve(glide)
    return detector_reps("supine", t, e, v + BIAS, chunk, cfg)


@pytest.mark.parametrize("chunk", [None, 3, 25, 256])
def test_the_extension_stops_at_the_top_despite_the_bias(chunk):
    reps = _reps(chunk=chunk)
    assert len(reps) == 1
    assert TOP_S - 0.2 <= reps[0].detected_s <= TOP_S + 0.35  # at the top, not when the next phase starts
    assert abs(reps[0].top_deg - 70.0) < 1.0


def test_without_the_elevation_stop_the_hold_is_part_of_the_movement():
    # a 4-s hold at the top ("hold the stretch for a few seconds")
    held = GLIDE[:5] + [(4.0, 70.0)] + GLIDE[6:]
    assert len(_reps(glide=held)) == 1
    # the extension "moves" through the whole hold: 4 s plus 4 s is longer than any glide phase
    # moves (supine_max_phase_s; also over the 7.5 s measured for slow handout phases), so the rep
    # is refused
    assert _reps(RepConfig(stop_elev_s=0.0), glide=held) == []
