"""A hole of lost packets inside a return is not the end of the rep.

Bluetooth loses packets in bursts of 0.1-0.5 s. A gap ends the movement in progress (the angle
jumps across it), so a supine extension with a hole half-way closed at the hole: with enough range
already, the rep was counted there, its top read ~50 deg low and ~1.5 s early (issue 11, corpus
short 72: top 31.9 deg against 80.4). A movement still going its way on the sample after the hole
goes on; the rep is counted where the return really stops. One that has stopped in the hole (the
rate after it is still) is counted at once, as before.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import min_jerk_curve

from sensor.core.phases import RepDetector

RATE = 50.0
# supine: tabletop, flex-down to -40 deg, a short bottom hold, extend-up to 80 deg, hold
GLIDE = [(0, 0.0), (2.0, 0.0), (2.0, -40.0), (0.5, -40.0), (2.0, 80.0), (2.0, 80.0)]
T_EXT = 4.5  # the extension's start (s)


def _reps(t_hole: float, hole_s: float, chunk: int | None = None) -> list:
    t, e, v = min_jerk_curve(GLIDE, RATE)
    keep = (t < t_hole) | (t >= t_hole + hole_s)
    t, e, v = t[keep], e[keep], v[keep]
    gap = np.zeros(len(t), bool)
    gap[1:] = np.diff(t) > 1.5 / RATE
    det = RepDetector("supine")
    step = chunk or len(t)
    for a in range(0, len(t), step):
        b = min(a + step, len(t))
        det.process(t[a:b], e[a:b], v[a:b], gap[a:b])
    return det.reps


@pytest.mark.parametrize("chunk", [None, 7, 64])
@pytest.mark.parametrize("where", [0.6, 0.7])  # before the fix: tops 39.8 and 58.8 deg
def test_a_hole_mid_extension_keeps_the_rep_going(where: float, chunk: int | None) -> None:
    reps = _reps(T_EXT + where * 2.0, 0.3, chunk)
    assert len(reps) == 1
    assert abs(reps[0].top_deg - 80.0) < 1.0
    assert reps[0].top_s > T_EXT + 1.8


def test_a_return_that_stopped_in_the_hole_counts_at_once() -> None:
    """The hole swallows the end of the extension; after it the shin holds at the top."""
    reps = _reps(T_EXT + 1.8, 0.4)
    assert len(reps) == 1
    assert reps[0].top_deg > 75.0
    assert reps[0].top_s < T_EXT + 1.85
