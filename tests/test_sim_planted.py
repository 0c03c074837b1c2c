"""The simulator's foot-planted activities keep the stance foot on the floor (issue 11 test bed).

A real squat, lunge, step-down, sit-to-stand or lie-down onto a mat turns the shank about the
planted ankle (heel down) or the forefoot (rear leg of a lunge, heel up); a hip path chosen
independently of the leg angles makes the "planted" foot slide by decimetres, which no real
recording shows. These tests render the motion noise-free and follow the foot itself.
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


def _sit_to_stand(m: Motion, rng: np.random.Generator) -> None:
    act.sit_down(m, rng)
    m.hold(1.0)
    act.stand_up(m, rng)


def _lie_down_get_up(m: Motion, rng: np.random.Generator) -> None:
    act.lie_down(m, rng)
    m.hold(1.0)
    act.get_up(m, rng)


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
    "sit_to_stand": _sit_to_stand,
    "lie_down_get_up": _lie_down_get_up,
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
        if np.ptp(m.arrays()["ft"][i0 : i1 + 1]) < 1e-9:  # heel down: the ankle is fixed too
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


def _segment_end(m: Motion, kind: str) -> int:
    return int(round(next(b for k, _, b in m.segments if k == kind) * FS)) - 1


@pytest.mark.parametrize("seed", range(6))
def test_sitting_down_lands_the_hip_at_seat_height_over_the_placed_feet(seed: int) -> None:
    """Stand-to-sit keeps the feet where they were (Schenkman 1990, Hughes 1994): the hip ends at
    chair height above the floor (knee height 0.25-0.29 H, Winter 2009, so 0.35-0.65 m for these
    people), behind the feet by about a thigh, and the rise puts it back over them, legs straight."""
    m, person, pts = _session("sit_to_stand", seed)
    floor = pts["fore"][0, 2]
    seated = _segment_end(m, "sit_down")
    assert 0.35 < pts["hip"][seated, 2] - floor < 0.65
    behind = np.linalg.norm(pts["ankle"][seated, :2] - pts["hip"][seated, :2])
    assert 0.7 * person.thigh_m < behind < 1.3 * person.thigh_m
    stood = len(pts["hip"]) - 1
    straight = person.thigh_m + person.shank_m + 0.039 * person.height_m  # leg + ankle height
    assert abs(pts["hip"][stood, 2] - floor - straight) < 0.02
    # the stance foot of the rise is the one the person sat down on, moved back by the feet's draw
    assert np.linalg.norm(pts["ankle"][stood] - pts["ankle"][seated]) < 0.25


@pytest.mark.parametrize("seed", range(6))
def test_lying_down_with_the_feet_placed_ends_with_the_hip_on_the_floor(seed: int) -> None:
    """Squatting onto the mat and lying back, the feet stay flat: the shin ends at the supine
    feet-flat angle with the hip ~0.1 m (half the pelvis' depth) above the floor the feet are on."""
    m, _, pts = _session("lie_down_get_up", seed)
    floor = pts["fore"][0, 2]
    lying = _segment_end(m, "lie_down")
    first = m.planted[0]
    if first[1] >= lying - 1:  # squat variant: planted from standing to lying
        assert -0.02 < pts["hip"][lying, 2] - floor < 0.2
        assert np.linalg.norm(pts["fore"][lying] - pts["fore"][0]) < 0.01
    else:  # kneel variant: only the first knee bend is planted, the knee then goes to the mat
        assert first[1] < lying / 2


@pytest.mark.parametrize("seed", [0, 5, 7, 8])
def test_kneeling_down_turns_the_shank_over_the_forefoot_onto_the_knee(seed: int) -> None:
    """Kneeling, the foot is the only contact until the knee lands: the forefoot stays, the heel
    rises, and the knee ends on the mat (its centre a few cm up) with the ankle above the floor."""
    m, _, pts = _session("lie_down_get_up", seed)
    assert m.planted[0][1] < _segment_end(m, "lie_down") - 1, "the kneel variant (see the other test)"
    i0, i1 = m.planted[0]
    floor = pts["fore"][i0, 2]
    assert np.linalg.norm(pts["fore"][i0 : i1 + 1] - pts["fore"][i0], axis=1).max() < 0.01
    knee_up = pts["knee"][i1, 2] - floor
    assert 0.02 < knee_up < 0.09
    assert (pts["ankle"][i0 : i1 + 1, 2] - floor).min() > 0.03  # the ankle never goes through the floor
    assert pts["ankle"][i0 : i1 + 1, 2].max() > pts["ankle"][i0, 2] + 0.02  # the heel rose over the forefoot
    e_end = m.arrays()["e"][i1]
    assert -195 < e_end < -180  # the shin lies on the mat, pointing back, the ankle a little higher
