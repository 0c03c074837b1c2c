"""The sagittal filter takes the accelerometer's direction for gravity's only when it is near 1 g.

While walking, a foot strike or the swing through the air can leave a specific force near zero
once the knee lever's own accelerations are removed; its direction is then anywhere. Counted as
they came, such samples spun the accelerometer angle round the origin, the unwrapper kept each
whole turn and the angle swept a full circle that read as a 2-s "rep" (issue 11: simulated long
seated session mixed 244, three reps while walking after the fixed-knee fit moved to the trapezoid
rule, which changed the learned lever and with it which turns happened).
"""

from __future__ import annotations

import numpy as np

from sensor.core.mounting import Mounting
from sensor.core.orientation import SagittalFilter
from sensor.core.pipeline import analyze
from sensor.sim.corpus import make_session

G = 9.80665


def _still_leg_with_weak_spins(n_spins: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A shin held still (gyro zero, gravity along -e1), with bursts where a 0.1-0.3 g vector runs
    once round the origin in the swing plane: what a walk's near-free-fall moments can read."""
    rate = 50.0
    n = 3000
    t = np.arange(n) / rate
    acc = np.tile(np.array([-G, 0.0, 0.0]), (n, 1))
    for k in range(n_spins):
        a = 200 + k * 250
        ang = np.pi + np.linspace(0.0, 2 * np.pi, 12, endpoint=False)  # from gravity, once round
        acc[a : a + 12, 0] = 0.2 * G * np.cos(ang)
        acc[a : a + 12, 1] = 0.2 * G * np.sin(ang)
    return t, acc, np.zeros((n, 3)), np.zeros(n, bool)


def _filter() -> SagittalFilter:
    m = Mounting(
        u=np.array([0.0, 0.0, 1.0]),
        e1=np.array([1.0, 0.0, 0.0]),
        e2=np.array([0.0, 1.0, 0.0]),
        beta_deg=0.0,
        sigma=1,
        axis_dominance=1.0,
        windows_used=3,
        lever_m=0.2,
    )
    return SagittalFilter(m, 0.02)


def test_weak_spins_do_not_turn_a_still_shin() -> None:
    t, acc, gyr, gap = _still_leg_with_weak_spins(8)
    elev, _ = _filter().process(t, acc, gyr, gap)
    still = elev[100]
    assert float(np.max(np.abs(elev - still))) < 2.0  # it held still: no turn, no sweep
    for step in (7, 100, 997):  # any chunking, the same angle
        f = _filter()
        parts = [
            f.process(t[a : a + step], acc[a : a + step], gyr[a : a + step], gap[a : a + step])[0]
            for a in range(0, len(t), step)
        ]
        assert np.array_equal(np.concatenate(parts), elev)


def test_the_rule_matters_a_full_g_spin_still_turns() -> None:
    """The same spins at 1 g are gravity's direction: the angle must follow them (the filter still
    unwraps real turns), so the test above cannot pass by ignoring the accelerometer."""
    t, acc, gyr, gap = _still_leg_with_weak_spins(8)
    acc[:, :2] *= np.where(np.linalg.norm(acc, axis=1) < 0.5 * G, 5.0, 1.0)[:, None]
    elev, _ = _filter().process(t, acc, gyr, gap)
    assert float(np.max(np.abs(elev - elev[100]))) > 30.0


def test_long_seated_walk_counts_no_reps() -> None:
    cs = make_session("mixed", 244)
    assert cs.posture == "seated" and "walk" in {s["kind"] for s in cs.labels["segments"]}
    p, _ = analyze(cs.chunk, cs.posture, cs.rate_hz)
    assert len(p.reps) == len(cs.labels["reps"]) == 22
