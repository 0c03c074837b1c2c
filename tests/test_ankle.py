"""The foot sensor: ankle axis identification, ankle angle, per-rep ankle figures and cues."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from sensor.core.ankle import AnkleTracker, ankle_angle, identify_hinge_axes
from sensor.core.ankle_reps import (
    CUE_FLEX,
    CUE_POINT,
    AnkleRep,
    ankle_cues,
    ankle_metrics,
    ankle_set_from_imu,
    no_foot,
)
from sensor.core.pipeline import analyze
from sensor.sim.foot import FootSession, simulate_foot_for
from sensor.sim.foot_eval import evaluate_foot, main
from sensor.sim.simulator import SimConfig, SimSession, random_rotation, simulate_session


def _angle(u: np.ndarray, v: np.ndarray) -> float:
    return float(np.degrees(np.arccos(np.clip(abs(float(u @ v)), 0.0, 1.0))))


def _rot(axis: np.ndarray, rad: np.ndarray) -> np.ndarray:
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    s, c = np.sin(rad)[:, None, None], np.cos(rad)[:, None, None]
    return np.asarray(np.eye(3) + s * k + (1 - c) * (k @ k))


def _generic_hinge(seed: int, n: int = 3000) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Gyro of two segments joined by a hinge, segment 1 turning freely in 3-D, random mountings."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / 100.0
    w1 = sum(
        rng.normal(0, 1.0, 3)[None, :] * np.sin(2 * np.pi * f * t + p)[:, None] for f, p in rng.uniform(0.1, 1, (4, 2))
    )
    j = rng.normal(size=3)
    j /= np.linalg.norm(j)  # the hinge axis, in both segment frames
    alpha = 0.8 * np.sin(2 * np.pi * 0.3 * t) + 0.3 * np.sin(2 * np.pi * 0.7 * t + 1)
    alpha_d = 0.8 * 2 * np.pi * 0.3 * np.cos(2 * np.pi * 0.3 * t) + 0.3 * 2 * np.pi * 0.7 * np.cos(
        2 * np.pi * 0.7 * t + 1
    )
    w2 = np.einsum("nji,nj->ni", _rot(j, alpha), w1) + alpha_d[:, None] * j
    m1, m2 = random_rotation(rng), random_rotation(rng)  # sensor -> segment
    g1 = np.degrees(w1 @ m1) + rng.normal(0, 0.3, (n, 3))
    g2 = np.degrees(w2 @ m2) + rng.normal(0, 0.3, (n, 3))
    return g1, g2, m1.T @ j, m2.T @ j


@pytest.mark.parametrize("seed", range(6))
def test_hinge_axes_recovered_for_random_mountings(seed: int) -> None:
    g1, g2, j1, j2 = _generic_hinge(seed)
    axes = identify_hinge_axes(g1, g2)
    # up to sign: with segment 1 tumbling freely there is no shared "forward" to orient them by
    # (in the exercise there is: see test_exercise_axes_either_leg)
    assert _angle(axes.j1, j1) < 2.0
    assert _angle(axes.j2, j2) < 2.0
    assert axes.rms_dps < 1.0


def _session(seed: int, leg: str, posture: str = "supine", **foot_kw: Any) -> tuple[SimSession, FootSession]:
    s = simulate_session(SimConfig(seed=seed, leg=leg, posture=posture))  # type: ignore[arg-type]
    return s, simulate_foot_for(s, **foot_kw)


@pytest.mark.parametrize(
    ("seed", "leg", "posture"),
    [(1, "left", "supine"), (2, "right", "supine"), (3, "left", "seated"), (4, "right", "seated")],
)
def test_exercise_axes_either_leg(seed: int, leg: str, posture: str) -> None:
    """In the exercise itself. The shin only turns about the knee axis, so its ankle axis is
    known only up to a cone around the knee axis: the cone's angle (all the gyro part of the
    angle needs) must be right."""
    s, f = _session(seed, leg, posture)
    a = ankle_angle(s.chunk.t, s.chunk.acc, s.chunk.gyr, f.chunk.acc, f.chunk.gyr)
    shin_x, knee = s.truth_axes  # type: ignore[attr-defined]  # set by the simulator for checks
    ax = np.asarray(f.meta["ankle_axis_shin"])
    j1_true = ax[0] * shin_x + ax[1] * knee + ax[2] * np.cross(shin_x, knee)
    j2_true = np.asarray(f.meta["ankle_axis_sensor"])
    # The simulated foot inverts/everts a few degrees (not a perfect hinge) and the ankle axis is
    # oblique to the knee's by up to 25 deg; with the thigh still, that obliquity is seen only
    # through the foot's own turning. Hence 12 and 10 deg here, where a generic hinge gets 2.
    # (The swing barely cares: an axis 10 deg off scales rotations about it by cos 10 = 0.985.)
    assert _angle(a.axes.j2, j2_true) < 12.0
    assert abs(_angle(a.axes.j1, knee) - _angle(j1_true, knee)) < 10.0
    # both point the same way in the world (the shin and foot turn together in the exercise)
    assert np.sign(a.axes.j1 @ j1_true) == np.sign(a.axes.j2 @ j2_true)
    # and the angle follows the truth within a few degrees over any 10 s (its zero is arbitrary)
    err = a.angle_deg * np.sign(a.axes.j1 @ j1_true) - f.ankle_deg
    ten = int(10 / np.median(np.diff(a.t)))
    drift = [np.ptp(err[i : i + ten]) for i in range(0, len(err) - ten, ten)]
    assert np.median(drift) < 6.0


def test_patterns_give_the_right_figures() -> None:
    checks: tuple[tuple[str, Callable[[float], bool]], ...] = (
        ("correct", lambda sw: sw >= 25),
        ("reversed", lambda sw: sw <= -25),
        ("neutral", lambda sw: abs(sw) < 10),
    )
    for pattern, check in checks:
        s, f = _session(7, "right", pattern=pattern)
        p, _ = analyze(s.chunk, posture="supine")
        a = ankle_angle(s.chunk.t, s.chunk.acc, s.chunk.gyr, f.chunk.acc, f.chunk.gyr)
        res = ankle_metrics(list(p.reps), a.t, a.angle_deg, a.shin_deg)
        swings = [r.ankle_swing_deg for r in res.reps]
        assert swings and all(sw is not None and check(sw) for sw in swings), (pattern, swings)
        expected_ok = len(swings) if pattern == "correct" else 0
        assert res.ankle_ok_count == expected_ok
        cues = [ankle_cues(r) for r in res.reps]
        if pattern == "correct":
            assert all(c == [] for c in cues)
        else:
            assert all(c == [CUE_FLEX, CUE_POINT] for c in cues), cues


def test_no_foot_data_gives_nulls() -> None:
    s = simulate_session(SimConfig(seed=5))
    p, _ = analyze(s.chunk)
    res = no_foot(list(p.reps))
    c = s.chunk
    assert ankle_set_from_imu(list(p.reps), c.t, c.acc, c.gyr, None, None) == res
    assert res.ankle_ok_count is None
    assert all(r.ankle_swing_deg is None and r.ankle_ok is None for r in res.reps)
    assert ankle_cues(res.reps[0]) == []
    # foot data that stop before the reps: nulls too, not numbers from extrapolation
    t = s.chunk.t[s.chunk.t < 5.0]
    late = ankle_metrics(list(p.reps), t, np.zeros(len(t)), np.zeros(len(t)))
    assert late.ankle_ok_count is None and all(r.ankle_swing_deg is None for r in late.reps)


def test_cues_per_half() -> None:
    assert ankle_cues(AnkleRep(45.0, True, 15.0)) == []
    assert ankle_cues(AnkleRep(30.0, True, 2.0)) == [CUE_FLEX]
    assert ankle_cues(AnkleRep(8.0, False, 15.0)) == [CUE_POINT]
    assert ankle_cues(AnkleRep(-40.0, False, -15.0)) == [CUE_FLEX, CUE_POINT]
    assert ankle_cues(AnkleRep(None, None)) == []


def test_streaming_tracker_is_chunk_invariant() -> None:
    s, f = _session(11, "left")
    c, fc = s.chunk, f.chunk
    dt = float(np.median(np.diff(c.t)))

    def run(sizes: list[int]) -> tuple[np.ndarray, np.ndarray]:
        tr = AnkleTracker(dt, learn_s=40.0)
        ts, angs, i = [], [], 0
        k = 0
        while i < len(c):
            n = sizes[k % len(sizes)]
            out = tr.feed(c.t[i : i + n], c.acc[i : i + n], c.gyr[i : i + n], fc.acc[i : i + n], fc.gyr[i : i + n])
            ts.append(out[0])
            angs.append(out[1])
            i += n
            k += 1
        out = tr.finish()
        return np.concatenate([*ts, out[0]]), np.concatenate([*angs, out[1]])

    t_a, a_a = run([len(c)])
    t_b, a_b = run([1, 7, 64, 333])
    assert np.array_equal(t_a, c.t) and np.array_equal(t_b, c.t)
    np.testing.assert_allclose(a_a, a_b, atol=1e-6)


def test_bad_input_is_one_clear_error() -> None:
    n = 500
    still = np.tile([0.0, 0.0, 9.81], (n, 1))
    t = np.arange(n) / 100.0
    with pytest.raises(ValueError, match="too little movement"):
        ankle_angle(t, still, np.zeros((n, 3)), still, np.zeros((n, 3)))
    bad = still.copy()
    bad[10, 0] = np.nan
    with pytest.raises(ValueError, match="non-finite"):
        ankle_angle(t, bad, np.zeros((n, 3)), still, np.zeros((n, 3)))
    with pytest.raises(ValueError, match="same rows"):
        ankle_angle(t, still[:-1], np.zeros((n, 3)), still, np.zeros((n, 3)))


def test_cli_rejects_bad_session_count(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as e:
        main(["--sessions", "0"])
    assert e.value.code == 2
    assert "must be at least 1" in capsys.readouterr().err


def _check_acceptance(sessions: int, seed0: int) -> None:
    sc = evaluate_foot(sessions, seed0)
    s = sc.summary()
    assert sc.matched >= 0.95 * sc.truth_reps
    assert s["ankle_ok_right"] >= 0.98, s
    assert s["median_abs_swing_err_deg"] <= 5.0, s
    assert sc.shin_unchanged == sc.sessions
    assert sc.failures == 0


def test_acceptance_fast() -> None:
    """~30 random sessions (posture, leg, mountings, patterns): the issue's targets."""
    _check_acceptance(30, 1000)


@pytest.mark.slow
def test_acceptance_500_sessions() -> None:
    _check_acceptance(500, 0)
