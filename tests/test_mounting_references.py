"""What pins the shin direction when one or two movements must teach it: the rules added for
issue 11's mounting failures (a step-down's still moment taken for quiet standing, a seated
sign voted against a lever 70 deg off, a strap twist tilting the knee axis of a re-learn).

Sessions come from the simulator's activity writers with a chosen sensor placement, so each test
knows the true shin direction and knee axis in sensor axes.
"""

from __future__ import annotations

import numpy as np
import pytest

from sensor.core.dsp import norm3
from sensor.core.mounting import Mounting, estimate_mounting
from sensor.core.orientation import SagittalFilter
from sensor.core.preprocess import Preprocessor, RestConfig
from sensor.core.samples import ImuChunk
from sensor.core.shin_prior import PriorConfig, standing_gravity
from sensor.sim import activities as act
from sensor.sim import exercise as ex
from sensor.sim import motion as mo
from sensor.sim.people import Person, render
from sensor.sim.simulator import flat_on_skin, random_rotation


def _side_person(rng: np.random.Generator, rate_hz: float = 100.0) -> Person:
    """A box on the side of the shin: the board normal lies along the knee axis and says nothing."""
    p = Person.draw(rng, rate_hz)
    side = -1.0 if p.leg == "left" else 1.0
    around = np.radians(side * rng.uniform(80, 95))
    r = rng.uniform(0.03, 0.06)
    p.loc = np.array([rng.uniform(0.10, 0.35), side * r * np.sin(around), r * np.cos(around)])
    p.R_sm = flat_on_skin(random_rotation(rng), np.array([0.0, p.loc[1], p.loc[2]]))
    return p


def _prepped(chunk: ImuChunk) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    dt = float(np.median(np.diff(chunk.t)))
    g, rest, _gap = Preprocessor(dt, RestConfig()).process(chunk.t, chunk.acc, chunk.gyr)
    impact = norm3(np.diff(chunk.acc, axis=0, prepend=chunk.acc[:1])) > max(5.0, 150.0 * dt)
    return g, rest, impact


def _angle_deg(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.degrees(np.arccos(np.clip(a @ b / np.linalg.norm(a) / np.linalg.norm(b), -1.0, 1.0))))


@pytest.mark.parametrize("seed", range(4))
def test_a_step_down_still_moment_is_not_quiet_standing(seed: int) -> None:
    """Walk, then step down from a step: each lowered moment holds the shank tilted 20-35 deg for
    under a second, right after walking. It must not pin the shin direction (it did, 35 deg off)."""
    rng = np.random.default_rng([seed, 1101])
    person = _side_person(rng)
    m = mo.new_motion(400.0, "supine")
    act.walk(m, rng, 20.0)
    act.step_ups(m, rng, 6, down=True)
    chunk, _, _ = render(m, person, rng)
    g, _, impact = _prepped(chunk)
    v = standing_gravity(chunk.t, chunk.acc, g, impact, PriorConfig())
    s = person.R_sm.T @ np.array([1.0, 0.0, 0.0])
    assert v is None or _angle_deg(-v, s) <= 8.0


def _seated_first_rep(seed: int) -> tuple[ImuChunk, np.ndarray, np.ndarray]:
    """One seated glide at 25 Hz from a side-mounted box 10-14 cm below the knee: the shortest
    lever, the fewest samples, the weakest fit."""
    rng = np.random.default_rng([seed, 1102])
    person = _side_person(rng, 25.0)
    person.loc[0] = rng.uniform(0.10, 0.14)
    m = mo.new_motion(400.0, "seated")
    m.state.update(e=-90.0, p=0.0, hz=mo.SEAT_HZ)
    m.hold(rng.uniform(1.0, 4.0))
    g = ex.Glider.draw(rng, "seated")
    ex.to_start_pose(m, rng, g, "seated")
    ex.glide_set(m, rng, g, "seated", 1, wiggles=False)
    m.hold(1.0)
    chunk, tt, te = render(m, person, rng)
    return chunk, tt, te


def _elevation_error(mnt: Mounting, chunk: ImuChunk, g: np.ndarray, tt: np.ndarray, te: np.ndarray) -> np.ndarray:
    f = SagittalFilter(mnt, float(np.median(np.diff(chunk.t))))
    elev, _ = f.process(chunk.t, chunk.acc, g, np.zeros(len(chunk.t), bool))
    truth = np.interp(chunk.t, tt, te)
    return np.abs(elev - truth)[chunk.t > chunk.t[0] + 2.0]  # past the filter's start


def test_one_seated_rep_reads_the_right_way_up_on_a_side_mount() -> None:
    """One seated glide on a side-mounted box: the lever of one short movement can be ~70 deg off,
    the hanging rest is not. The shin direction comes from the rest and the sign is voted after it
    (the sign voted against the lever refused half of these and read one 18 deg off)."""
    learned = 0
    for seed in range(24):
        chunk, tt, te = _seated_first_rep(seed)
        g, rest, _ = _prepped(chunk)
        mnt = estimate_mounting(chunk.t, chunk.acc, g, rest=rest, posture="seated", final=True)
        if mnt is None:  # one movement whose fit is refused: nothing is counted, nothing is wrong
            continue
        learned += 1
        assert mnt.reference == "hanging", seed
        err = _elevation_error(mnt, chunk, g, tt, te)
        assert float(np.median(err)) <= 12.0, seed  # the hanging rest: -100..-85 deg in the simulator
    assert learned >= 10


def test_a_strap_twist_does_not_tilt_the_knee_axis_of_a_relearn() -> None:
    """A re-learn starts at the first off-axis movement: pulling the strap round the shin, a fast
    twist about the shin's long axis. The knee axis then comes from the glide that follows. It
    matters beyond the axis: on a box near the side of the shin the board-normal line u x z turns
    by 1/|u x z| (up to ~3x) the axis error (measured on issue-11 mixed session 694: 3.1 deg of
    axis tilt moved the shin direction 6 deg)."""
    for seed in range(16):
        rng = np.random.default_rng([seed, 1103])
        person = _side_person(rng)
        m = mo.new_motion(400.0, "seated")
        m.state.update(e=-90.0, p=0.0, hz=mo.SEAT_HZ)
        m.hold(0.5)
        act.strap_adjust(m, rng)
        t_strap = m.t
        gl = ex.Glider.draw(rng, "seated")
        ex.glide_set(m, rng, gl, "seated", 1, wiggles=False)
        m.hold(1.0)
        chunk, _, _ = render(m, person, rng)
        g, rest, _ = _prepped(chunk)
        mnt = estimate_mounting(chunk.t, chunk.acc, g, rest=rest, posture="seated", final=True)
        assert mnt is not None
        # the knee axis after the twist: the principal axis of the glide alone
        late = chunk.t > t_strap + 0.5
        gg = g[late & (norm3(g) > 20.0)]
        gg = gg / norm3(gg)[:, None]
        u_true = np.linalg.eigh(gg.T @ gg)[1][:, -1]
        assert min(_angle_deg(mnt.u, u_true), _angle_deg(-mnt.u, u_true)) <= 1.0, seed


def test_leg_swings_pivot_at_the_hip_and_never_teach() -> None:
    """Standing leg swings turn the shank about the hip: the fitted lever is the thigh plus the
    sensor's distance down the shin, longer than any shank (0.39-0.47 m) for a box on the lower
    half of the shin. Such movements must not teach a mounting (in the issue-11 corpus they taught
    mountings that then counted squats as seated glides)."""
    taught = 0
    for seed in range(8):
        rng = np.random.default_rng([seed, 1106])
        person = _side_person(rng)
        person.loc[0] = rng.uniform(0.2, 0.35)
        m = mo.new_motion(400.0, "seated")
        act.stand_still(m, rng, 2.0)
        act.leg_swings(m, rng, 12)
        act.stand_still(m, rng, 2.0)
        chunk, _, _ = render(m, person, rng)
        g, rest, _ = _prepped(chunk)
        for posture in ("seated", "supine"):
            taught += estimate_mounting(chunk.t, chunk.acc, g, rest=rest, posture=posture, final=True) is not None
    assert taught == 0
