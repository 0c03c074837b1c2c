"""Which foot contacts refuse a rep: a foot lands at the end of a movement toward the ground, so a
contact inside the movement that reaches the far turn (up to just after the return begins) is a
lunge or a step; a jolt at the movement's very first sample is the movement's own start.

Issue 11, corpus mixed 656 (long supine, 25 Hz): a fidget ran into a flex-down, its jerk crossed
the shock threshold on the sample where the movement began, and the whole glide was refused as a
lunge (44 true reps, 43 counted).
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import detector_reps
from helpers import min_jerk_curve as _curve

from sensor.core.rep_config import RepConfig

# supine: tabletop, flex-down to -40 deg, a short bottom hold, extend-up to 75 deg
GLIDE = [(0, 0.0), (2.0, 0.0), (2.0, -40.0), (0.5, -40.0), (2.0, 75.0), (2.0, 75.0)]


def _first_moving_t(rate: float) -> float:
    """The detector's movement onset of the flex-down: the first sample above ``move_dps``."""
    t, _e, v = _curve(GLIDE, rate)
    return float(t[np.argmax(np.abs(v) > RepConfig().move_dps)])


@pytest.mark.parametrize("rate", [25.0, 100.0])
@pytest.mark.parametrize("chunk", [None, 7, 64])
def test_a_jolt_on_the_movements_first_sample_is_its_own_start(rate: float, chunk: int | None) -> None:
    t, e, v = _curve(GLIDE, rate)
    t0 = _first_moving_t(rate)
    assert len(detector_reps("supine", t, e, v, chunk, shocks=[t0])) == 1


@pytest.mark.parametrize("rate", [25.0, 100.0])
def test_a_contact_one_sample_into_the_movement_still_refuses(rate: float) -> None:
    """The window is not widened: from the second moving sample on, a contact is a landing."""
    t, e, v = _curve(GLIDE, rate)
    t0 = _first_moving_t(rate)
    for late in (1.0 / rate, 0.3, 2.1):  # just after the onset, in the approach, at the bottom turn
        assert detector_reps("supine", t, e, v, shocks=[t0 + late]) == [], late
    assert len(detector_reps("supine", t, e, v, shocks=[t0 - 1.0])) == 1  # at rest before: nothing


@pytest.mark.parametrize("chunk", [None, 7, 64])
def test_a_contact_during_the_return_refuses(chunk: int | None) -> None:
    """The foot stays in the air through the return too: a step-up's trailing leg lands on the way
    back (issue 11, mixed 959: contacts 0.6 s into the return and 1.4 s before its end)."""
    t, e, v = _curve(GLIDE, 100.0)
    (rep,) = detector_reps("supine", t, e, v, chunk)
    ret_start = rep.bottom_s + rep.hold_bottom_s
    window = RepConfig().contact_window_s
    for at in (ret_start + 0.6, 0.5 * (ret_start + rep.end_s), rep.end_s - window - 0.05):
        assert detector_reps("supine", t, e, v, chunk, shocks=[at]) == [], at


@pytest.mark.parametrize("chunk", [None, 7, 64])
def test_a_contact_as_the_return_stops_is_not_a_landing(chunk: int | None) -> None:
    """A heel meeting the chair or a fidget as the movement stops (contacts 0.14 s after true reps'
    ends are measured): the last ``contact_window_s`` before the end is left out."""
    t, e, v = _curve(GLIDE, 100.0)
    (rep,) = detector_reps("supine", t, e, v, chunk)
    assert len(detector_reps("supine", t, e, v, chunk, shocks=[rep.end_s - 0.1])) == 1
    assert len(detector_reps("supine", t, e, v, chunk, shocks=[rep.end_s + 0.1])) == 1


def _glide_into_fidget(rate: float, fidget_s: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """GLIDE whose extend-up runs, without stopping, into a quick +10 deg fidget that starts 0.1 s
    before the top (the movement goes on the same way); and the fidget's start, where its jolt is."""
    t, e, _ = _curve(GLIDE, rate)
    top = 6.5  # the extend-up of GLIDE ends here
    t0 = top - 0.1
    tau = np.clip((t - t0) / fidget_s, 0.0, 1.0)
    e = e + 10.0 * (10 * tau**3 - 15 * tau**4 + 6 * tau**5)
    return t, e, np.gradient(e, t), t0


@pytest.mark.parametrize("rate", [25.0, 104.0])
@pytest.mark.parametrize("fidget_s", [0.3, 0.5])
@pytest.mark.parametrize("chunk", [None, 7])
def test_a_fidget_that_carries_the_return_on_is_not_a_landing(rate: float, fidget_s: float, chunk: int | None) -> None:
    """Issue 11, mixed 920 (long supine, 104 Hz; lost on the anti-aliased simulator): a fidget
    began as the extend-up reached the top and went on up, so the rep ended where the fidget ended
    and the fidget's jolt, at its start, lay 0.251 s before that end, just inside the old 0.25-s
    window: the first rep of the last set was refused as a landing. One fidget movement (<= 0.5 s)
    before the end is the return stopping, not a landing."""
    t, e, v, jolt = _glide_into_fidget(rate, fidget_s)
    (rep,) = detector_reps("supine", t, e, v, chunk)
    assert rep.end_s - jolt >= fidget_s - 0.1  # the fidget ends the rep: its start is this far back
    assert len(detector_reps("supine", t, e, v, chunk, shocks=[jolt])) == 1
    # ... while the old window (0.25 s) refused it
    old = RepConfig(contact_window_s=0.25)
    assert detector_reps("supine", t, e, v, chunk, cfg=old, shocks=[jolt]) == []
