"""A supine set break is never a rep (issue 11 (b)): the foot goes down to the floor, rests there
for seconds and comes back up to tabletop. With a mounting learned off by 20-30 deg (it was taught
by the setup and the set break, never by a glide) tabletop reads like a glide's top, so the angles
alone cannot refuse it; the foot's landing on the floor can, since a glide's foot touches nothing.

Two gaps let landings through (negatives corpus, main d060f81):
- the contact window began at the movement that *last* moved the far turn on: a fidget with the
  foot on the floor (negative 1468, a 7.6 m/s^2 landing at 44.6 s, a fidget at 48 s) put the
  window after the landing;
- a foot set down gently lands with less than a step's shock (negative 2376: 4.1 m/s^2, under the
  5 m/s^2 of ``ContextConfig.impact_mps2``): supine, a softer jump is a contact too.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import detector_reps
from helpers import min_jerk_curve as _curve

from sensor.core.context import ContextConfig, ContextTracker
from sensor.core.pipeline import analyze
from sensor.sim.corpus import make_session

# as a mounting 30 deg off reads a set break: tabletop (+40), down to the floor (-25) in 3 s, a
# rest, a fidget with the foot down that dips 7 deg further, a rest, back up to tabletop in 2.5 s
BREAK = [(0, 40.0), (2.0, 40.0), (3.0, -25.0), (3.0, -25.0), (0.3, -32.0), (0.3, -25.0), (2.0, -25.0), (2.5, 40.0)]
BREAK += [(2.0, 40.0)]
LANDING_S = 5.0  # the foot meets the floor as the lowering ends


@pytest.mark.parametrize("chunk", [None, 7, 64])
def test_a_landing_before_a_fidget_at_the_far_turn_refuses(chunk: int | None) -> None:
    t, e, v = _curve(BREAK, 100.0)
    # without the landing this curve passes every other criterion: the contact alone refuses it
    assert len(detector_reps("supine", t, e, v, chunk)) == 1
    assert detector_reps("supine", t, e, v, chunk, shocks=[LANDING_S]) == []


# a glide whose flex-down follows a fidget at tabletop (a 6-deg dip and part of the way back):
# the fidget makes a far turn of its own, which the flex-down moves on by 34 deg
FIDGET_FIRST = [(0, 0.0), (2.0, 0.0), (0.3, -6.0), (0.3, -3.0), (2.0, -40.0), (0.5, -40.0), (2.0, 75.0), (2.0, 75.0)]


@pytest.mark.parametrize("chunk", [None, 7, 64])
def test_a_fidgets_jolt_before_the_flex_down_is_not_a_landing(chunk: int | None) -> None:
    """The window opens at the first arrival only while the far turn then moves on by less than
    ``turn_deg``; a flex-down far past a fidget's dip opens it at its own start (mixed 1000: a
    fidget's jolt 0.04-0.3 s into it refused 6 true reps when the window opened at the fidget)."""
    t, e, v = _curve(FIDGET_FIRST, 100.0)
    jolt = float(t[np.argmax(np.abs(v) > 8.0)]) + 0.05  # just after the fidget's first moving sample
    assert 2.0 < jolt < 2.3
    assert len(detector_reps("supine", t, e, v, chunk, shocks=[jolt])) == 1
    assert detector_reps("supine", t, e, v, chunk, shocks=[3.5]) == []  # in the flex-down: a landing


def _still_then_jolt(rate: float, jolt: float, seconds: float = 4.0) -> tuple[np.ndarray, ...]:
    """A still shin (tabletop, gravity along sensor z) with one damped jolt along the shin at 2 s."""
    n = int(seconds * rate)
    t = np.arange(n) / rate
    acc = np.tile([0.0, 0.0, 9.80665], (n, 1))
    i = int(2.0 * rate)
    acc[i : i + 2, 0] += [jolt, 0.3 * jolt]
    return t, acc, np.zeros((n, 3)), np.zeros(n)


def _contacts(posture: str, rate: float, jolt: float, chunk: int | None = None) -> list[float]:
    t, acc, gyr, elev = _still_then_jolt(rate, jolt)
    tr = ContextTracker(posture, 1.0 / rate)
    step = chunk or len(t)
    out: list[float] = []
    for a in range(0, len(t), step):
        b = a + step
        tr.process(t[a:b], acc[a:b], gyr[a:b], elev[a:b], np.array([0.0, 1.0, 0.0]), np.zeros(len(t[a:b]), bool))
        out += tr.shock_times.tolist()
    return out


@pytest.mark.parametrize("chunk", [None, 5, 64])
def test_a_soft_landing_is_a_contact_supine_only(chunk: int | None) -> None:
    """0.3 g (the softest simulated set-break landing) is a contact supine at 100 Hz; seated, and
    for the on-feet decision, only a step's shock (``impact_mps2``) is. (The curve rule,
    sensor.core.landing, marks the sample before the jolt already: half the jolt off the line
    through its neighbours.)"""
    jolt = 0.3 * 9.80665
    assert ContextConfig().landing_mps2 < jolt < ContextConfig().impact_mps2
    assert _contacts("supine", 100.0, jolt, chunk) == [pytest.approx(1.99)]
    assert _contacts("seated", 100.0, jolt, chunk) == []


def test_small_jolts_are_not_landings() -> None:
    """Below both landing thresholds (a 1 m/s^2 jump; 0.85 m/s^2 off the line through its
    neighbours, under the curve rule's 1 m/s^2 floor) there is no contact; at 25 Hz a jolt within
    what a movement's curve may bend (``max_jerk`` x 80 ms / 4 = 3 m/s^2) is none either."""
    assert _contacts("supine", 100.0, 1.0) == []
    assert _contacts("supine", 25.0, 2.5) == []


@pytest.mark.parametrize("seed", [2376, 1468])
def test_simulated_set_breaks_count_nothing(seed: int) -> None:
    """The two negatives that counted a set break (foot down 3.8-5 s between setups, no glide)."""
    s = make_session("negative", seed)
    assert s.labels["rep_count"] == 0 and any(x["kind"] == "set_break" for x in s.labels["segments"])
    for chunk in (None, 37):
        pipe, _ = analyze(s.chunk, s.posture, s.rate_hz, chunk_size=chunk)
        assert pipe.reps == [], chunk
