"""A foot landing is a contact at any sample rate (issue 11 (b), item 5: 25-200 Hz).

Below ~75 Hz a smooth movement may change its acceleration by more between two samples
(``max_jerk`` * dt: 6 m/s^2 at 25 Hz, 3 at 50 Hz) than a foot set gently back on the floor
jolts it, so the sample-to-sample jump missed such landings and a set break counted as a rep
(negatives 4168 at 25 Hz, 4204 at 50 Hz). A contact bends the acceleration's curve within a
sample or two; a movement's curve bends by at most a jerk step's ``max_jerk`` * span / 4
(sensor.core.landing), which the glides' own acceleration stays under.
"""

from __future__ import annotations

import numpy as np
import pytest

from sensor.core.context import ContextConfig, ContextTracker
from sensor.core.landing import curve_residual
from sensor.sim.corpus import make_session

UP = np.array([0.0, 1.0, 0.0])


def _contacts(
    posture: str, t: np.ndarray, acc: np.ndarray, chunk: int | None, cfg: ContextConfig | None = None
) -> list[float]:
    tr = ContextTracker(posture, float(np.median(np.diff(t))), cfg)
    step = chunk or len(t)
    out: list[float] = []
    for a in range(0, len(t), step):
        b = a + step
        n = len(t[a:b])
        tr.process(t[a:b], acc[a:b], np.zeros((n, 3)), np.zeros(n), UP, np.zeros(n, bool))
        out += tr.shock_times.tolist()
    return out


def _still_with_jolt(rate: float, jolt: float) -> tuple[np.ndarray, np.ndarray]:
    """A still shin with one sample jolted along the shin at 2 s (a 30-ms landing as an IMU's
    low-pass delivers it at 25-50 Hz: one sample off the line)."""
    t = np.arange(int(4 * rate)) / rate
    acc = np.tile([0.0, 0.0, 9.80665], (len(t), 1))
    acc[int(2 * rate), 0] += jolt
    return t, acc


@pytest.mark.parametrize("rate", [25.0, 50.0])
@pytest.mark.parametrize("chunk", [None, 1, 7])
def test_a_landing_under_the_jump_bound_is_a_contact(rate: float, chunk: int | None) -> None:
    cfg = ContextConfig()
    jolt = 0.8 * cfg.max_jerk / rate  # under the jump rule's bound (max_jerk * dt) ...
    assert jolt > cfg.max_jerk * (2 / rate) / 4  # ... over the curve rule's (its neighbours at 0)
    t, acc = _still_with_jolt(rate, jolt)
    # (the onset may be the sample before: the jolt bends its neighbours' lines by half of it)
    assert _contacts("supine", t, acc, chunk) == [pytest.approx(2.0, abs=1.01 / rate)]
    # the rule switched off: the jump rule alone misses it
    assert _contacts("supine", t, acc, chunk, ContextConfig(landing_curve_mps2=np.inf)) == []
    assert _contacts("seated", t, acc, chunk) == []  # seated, only a step's shock is a contact


def test_the_bound_grows_with_the_span() -> None:
    """Across a lost packet the line through the neighbours spans twice the time: a movement's
    curve may bend twice as far there, so the same jolt that is a contact at 25 Hz is not when the
    samples either side of it are 80 ms away from it (a jolt of 0.8 x the curve bound's jerk x dt,
    ``max_jerk`` x ``landing_curve_share``: the bound across the hole is that jerk x dt)."""
    rate = 25.0
    cfg = ContextConfig()
    t, acc = _still_with_jolt(rate, 0.8 * cfg.max_jerk * cfg.landing_curve_share / rate)
    assert _contacts("supine", t, acc, None) == [pytest.approx(2.0, abs=1.01 / rate)]
    i = int(2 * rate)
    keep = np.ones(len(t), bool)
    keep[[i - 1, i + 1]] = False
    assert _contacts("supine", t[keep], acc[keep], None) == []


def test_the_residual_of_a_jerk_step_is_jerk_times_span_over_four() -> None:
    """The bound's physics: an acceleration that starts to ramp at a sample (a jerk step of J)
    lies J * span / 4 off the line through its neighbours; a straight ramp lies on it."""
    t = np.array([0.0, 0.04, 0.08])
    j = 150.0
    kink = np.zeros((3, 3))
    kink[2, 0] = j * 0.04
    assert curve_residual(t, kink)[0] == pytest.approx(j * 0.08 / 4)
    ramp = np.zeros((3, 3))
    ramp[:, 1] = 5.0 * t
    assert curve_residual(t, ramp)[0] == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("seed", [730, 898])
def test_simulated_glides_at_25_and_50_hz_leave_no_contact(seed: int) -> None:
    """The supine sessions (25 Hz, 50 Hz) whose reps come nearest the bound in mixed 0-999 (0.66
    and 0.49 of it): no contact from any rep's start to 0.25 s before its end, whole or chunked."""
    s = make_session("mixed", seed)
    assert s.posture == "supine" and s.rate_hz <= 50.0 and s.labels["rep_count"] >= 4
    t, acc = s.chunk.t, s.chunk.acc
    whole = _contacts("supine", t, acc, None)
    assert _contacts("supine", t, acc, 13) == whole
    for r in s.labels["reps"]:
        assert not [x for x in whole if r["start_s"] <= x <= r["end_s"] - 0.25], r
    # the same glides, their acceleration bent by half the bound's floor more at each rep's
    # bottom, would be refused: the test can fail
    i = int(np.searchsorted(t, s.labels["reps"][0]["bottom_s"]))
    acc = acc.copy()
    acc[i, 0] += 2.5 * ContextConfig().max_jerk * (t[i + 1] - t[i - 1]) / 4
    r0 = s.labels["reps"][0]
    assert [x for x in _contacts("supine", t, acc, None) if r0["start_s"] <= x <= r0["end_s"] - 0.25]
