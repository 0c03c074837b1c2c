"""The simulator's foot-planted activities keep the stance foot on the floor (issue 11 test bed).

A real squat, lunge or step-down turns the shank about the planted ankle (heel down) or the
forefoot (rear leg of a lunge, heel up); a hip path chosen independently of the leg angles makes
the "planted" foot slide by decimetres, which no real recording shows. These tests render the
motion noise-free and follow the foot itself.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from sensor.sim import activities as act
from sensor.sim.motion import Motion, new_motion
from sensor.sim.people import G, Person, hip_path, render

FS = 400.0


def _frames(ch: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    n = len(ch["e"])
    psi, roll = np.radians(ch["psi"]), np.radians(ch["roll"])
    f = np.stack([np.cos(psi), np.sin(psi), np.zeros(n)], axis=1)
    lat0 = np.stack([-np.sin(psi), np.cos(psi), np.zeros(n)], axis=1)
    up = -np.sin(roll)[:, None] * lat0 + np.cos(roll)[:, None] * np.array([0.0, 0.0, 1.0])
    return f, up


def _unit(deg: np.ndarray, f: np.ndarray, up: np.ndarray) -> np.ndarray:
    a = np.radians(deg)[:, None]
    return np.cos(a) * f + np.sin(a) * up


def _quiet(rng: np.random.Generator) -> Person:
    person = Person.draw(rng, rate_hz=200.0)
    person.noise = {k: (np.zeros(3) if isinstance(v, np.ndarray) else 0) for k, v in person.noise.items()}
    return person


def _front_lunges(m: Motion, rng: np.random.Generator) -> None:
    for _ in range(3):
        act._lunge_front(m, rng, rng.uniform(0.6, 0.9), False)


def _rear_lunges(m: Motion, rng: np.random.Generator) -> None:
    for _ in range(3):
        act._lunge_rear(m, rng, rng.uniform(0.6, 0.9), False)


ACTIVITIES: dict[str, Callable[[Motion, np.random.Generator], None]] = {
    "squat": lambda m, rng: act.squats(m, rng, 4),
    "decline_squat": lambda m, rng: act.squats(m, rng, 4, decline=True),
    "lunge_front": _front_lunges,
    "lunge_rear": _rear_lunges,
    "walking_lunge": lambda m, rng: act.lunges(m, rng, 6, walking=True),
    "step_up": lambda m, rng: act.step_ups(m, rng, 4),
    "step_down": lambda m, rng: act.step_ups(m, rng, 4, down=True),
}


def _session(kind: str, seed: int) -> tuple[Motion, Person, dict[str, np.ndarray]]:
    rng = np.random.default_rng(seed)
    person = _quiet(rng)
    m = new_motion(FS, "seated")
    m.hold(1.0)
    ACTIVITIES[kind](m, rng)
    m.hold(1.0)
    ch = m.arrays()
    f, up = _frames(ch)
    thigh, shin = _unit(ch["p"], f, up), _unit(ch["e"], f, up)
    hip = hip_path(m, person, ch, f, up, thigh, shin)
    knee = hip + person.thigh_m * thigh
    ankle = knee + person.shank_m * shin
    fore = ankle + person.foot_m * _unit(ch["ft"], f, up)
    return m, person, {"hip": hip, "knee": knee, "ankle": ankle, "fore": fore}


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("kind", sorted(ACTIVITIES))
def test_planted_forefoot_stays_within_a_centimetre(kind: str, seed: int) -> None:
    m, _, pts = _session(kind, seed)
    assert m.planted, "a foot-planted activity marks its stance"
    for i0, i1 in m.planted:
        fore = pts["fore"][i0 : i1 + 1]
        assert np.linalg.norm(fore - fore[0], axis=1).max() < 0.01
        if kind != "lunge_rear" and kind != "walking_lunge":  # heel down: the ankle is fixed too
            ankle = pts["ankle"][i0 : i1 + 1]
            assert np.linalg.norm(ankle - ankle[0], axis=1).max() < 0.01


@pytest.mark.parametrize("seed", range(4))
def test_rear_lunge_turns_about_the_forefoot_with_the_heel_up(seed: int) -> None:
    m, _, pts = _session("lunge_rear", seed)
    for i0, i1 in m.planted:
        ankle_rise = pts["ankle"][i0 : i1 + 1, 2] - pts["ankle"][i0, 2]
        assert ankle_rise.max() > 0.04  # heel up: the ankle rises about the fixed forefoot
        # the rear knee sinks toward the floor but stays above it (the floor: the planted forefoot)
        knee_above_floor = pts["knee"][i0 : i1 + 1, 2] - pts["fore"][i0, 2]
        assert 0.0 < knee_above_floor.min() < 0.25


@pytest.mark.parametrize("seed", range(4))
def test_front_lunge_steps_in_the_air_and_lowers_on_a_near_vertical_shank(seed: int) -> None:
    m, _, pts = _session("lunge_front", seed)
    e = m.arrays()["e"]
    for k, (i0, i1) in enumerate(m.planted):
        assert -115 < e[i0 : i1 + 1].min() < -80  # bottom: shank tilt -5..20 deg from vertical
        # before the stretch the foot travelled forward in the air (the step), not while planted
        prev_end = m.planted[k - 1][1] if k else 0
        step = np.linalg.norm(pts["ankle"][prev_end : i0 + 1, :2] - pts["ankle"][i0, :2], axis=1).max()
        assert 0.25 < step < 1.0


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("kind", sorted(ACTIVITIES))
def test_trajectory_is_smooth_at_the_ends_of_planted_stretches(kind: str, seed: int) -> None:
    """The accelerometer is the position's second derivative: a jump in hip position or velocity
    where a stretch starts or ends would show as a spike of tens of g on the fine grid."""
    m, person, pts = _session(kind, seed)
    acc = np.gradient(np.gradient(pts["hip"], 1 / FS, axis=0), 1 / FS, axis=0)
    assert np.linalg.norm(acc, axis=1).max() < 2.0 * G
    # the rendered sensor, outside the heel-strike shocks, stays within 3 g of specific force
    samples, t, _ = render(m, person, np.random.default_rng(seed))
    near_impact = np.zeros(len(t), bool)
    for t_i, _, _ in m.impacts:
        near_impact |= (t >= t_i - 0.01) & (t <= t_i + 0.1)
    mag = np.linalg.norm(samples.acc, axis=1)[~near_impact]
    assert mag.max() < 3.0 * G
