"""Moving between postures: sitting down, standing up, lying down on a mat and getting up.

These are the moves a person makes on the way into and out of the exercise posture, and every
session of the issue-11 corpus has some. Conventions, sources and the planting mechanism are
those of :mod:`sensor.sim.activities` (which re-exports these writers).

Where the foot is on the floor the stretch is planted (:meth:`Motion.plant`), so the shank turns
about the ankle (or, heel up, the forefoot) as it does in reality, not about the knee with a hip
path chosen independently of the angles (that reads as a knee swing: a glide):

- Stand-to-sit and sit-to-stand: the feet stay where they were placed (Schenkman M et al. 1990,
  Phys Ther 70:638; Hughes MA et al. 1994); drawing the feet back before rising slides them.
- Squatting down onto a mat and lying back with the knees bent, and coming up from supine to a
  squat and standing: the feet stay flat while hip and trunk go down or up. Rolling to the side
  first, the feet are then brought under the body (they move).
- Kneeling down: the foot is the only contact until the knee lands, so the forefoot stays while
  the heel rises and the shank turns over it, as the rear leg of a lunge does (Farrokhi S et al.
  2008, J Orthop Sports Phys Ther 38:403), on until the knee rests on the mat. The shank then lies
  near horizontal with the ankle a little above the knee; the foot ends between toes tucked
  (foot near vertical, ankle near neutral) and its back on the mat (plantarflexed ~60 deg): the
  ankle's height over the forefoot is what puts the knee on the mat. Sitting round from kneeling
  with the feet brought in front is a rearrangement of the legs: not planted.
"""

from __future__ import annotations

import numpy as np

from sensor.sim.motion import ANKLE_HEIGHT_H, FLOOR_HZ, FOOT_FLAT, FOOT_LEVER_H, SEAT_HZ, SHANK_H, STAND_HZ, Motion

KNEE_ON_MAT_H = 0.03  # knee joint centre over the floor when kneeling: ~5 cm (half the knee's depth)


def kneel_foot_deg(ankle_over_knee_deg: float) -> float:
    """Foot elevation (ankle -> forefoot) that puts the knee on the mat with the forefoot on the
    floor, for a shank lying ``ankle_over_knee_deg`` above horizontal (ankle higher than the knee).
    The forefoot points down and back: -107 (toes tucked) to -153 (the foot's back on the mat)
    over the 2-12 deg that :func:`lie_down` draws."""
    over = (KNEE_ON_MAT_H + SHANK_H * np.sin(np.radians(ankle_over_knee_deg))) / FOOT_LEVER_H
    return -180.0 + float(np.degrees(np.arcsin(np.clip(over, ANKLE_HEIGHT_H / FOOT_LEVER_H, 1.0))))


def sit_down(m: Motion, rng: np.random.Generator) -> None:
    """Stand-to-sit onto a chair, feet placed (planted): the shank tilts forward about the ankle,
    then settles near vertical as the hip goes back onto the seat."""
    t0 = m.t
    i0 = m.here()
    m.move(rng.uniform(0.8, 1.4), e=-90 - rng.uniform(8, 15), p=-90 + rng.uniform(40, 60), hz=0.7)
    m.move(rng.uniform(0.8, 1.5), e=-90 - rng.uniform(-10, 10), p=rng.uniform(-10, 5), hz=SEAT_HZ)
    m.impacts.append((m.t, rng.uniform(0.5, 1.5) * 9.80665, 12.0))
    m.plant(i0)
    m.segment("sit_down", t0)


def stand_up(m: Motion, rng: np.random.Generator) -> None:
    """Sit-to-stand: feet drawn back (they slide), then on the placed (planted) feet a shank
    forward tilt of ~10-15 deg at seat-off and extension."""
    t0 = m.t
    m.move(rng.uniform(0.5, 1.0), e=-90 - rng.uniform(10, 20))
    i0 = m.here()
    m.move(rng.uniform(1.0, 2.0), e=-90.0, p=-90.0, hz=STAND_HZ)
    m.plant(i0)
    m.segment("stand_up", t0)


def lie_down(m: Motion, rng: np.random.Generator) -> None:
    """From standing to supine with the feet flat: squat down, sit and lie back (planted
    throughout), or kneel down over the forefoot (planted), sit round and lie back."""
    t0 = m.t
    i0 = m.here()
    squat = rng.random() < 0.5
    if squat:  # squat down onto the mat
        m.move(rng.uniform(1.2, 2.5), e=-90 - rng.uniform(25, 40), p=-90 + rng.uniform(70, 95), hz=0.35)
    else:  # kneel: the knee goes down to the mat, the shin lies on it pointing backwards
        m.move(rng.uniform(1.0, 2.0), e=-90 - rng.uniform(20, 40), p=-90 + rng.uniform(40, 60), hz=0.6)
        dur, up = rng.uniform(0.8, 1.5), rng.uniform(2, 12)  # the ankle 2-12 deg above the knee
        m.move(dur, e=-180 - up, p=-90 + rng.uniform(-5, 10), hz=0.5, ft=kneel_foot_deg(up))
        m.impacts.append((m.t, rng.uniform(1.0, 2.0) * 9.80665, 15.0))
        m.hold(rng.uniform(0.5, 2.0))
        m.plant(i0)
        m.move(
            rng.uniform(1.5, 3.0),
            e=-90 - rng.uniform(20, 40),
            p=rng.uniform(20, 50),
            hz=0.2,
            roll=rng.uniform(-30, 30),
            ft=FOOT_FLAT,
        )
    m.impacts.append((m.t, rng.uniform(0.5, 1.5) * 9.80665, 12.0))
    m.move(rng.uniform(1.5, 3.0), e=-rng.uniform(40, 55), p=rng.uniform(35, 50), hz=FLOOR_HZ, roll=0.0)
    m.hold(rng.uniform(1.0, 4.0))
    if squat:
        m.plant(i0)
    m.segment("lie_down", t0)


def get_up(m: Motion, rng: np.random.Generator) -> None:
    """From supine (feet flat) to standing, often rolling to one side first. Straight up, the feet
    stay flat as the body comes over them to a squat and rises (planted); after a roll the feet are
    brought under the body (they move) and only the rise from the squat is planted."""
    t0 = m.t
    rolled = rng.random() < 0.5
    if rolled:
        m.move(
            rng.uniform(1.0, 2.0),
            roll=rng.choice([-1, 1]) * rng.uniform(40, 80),
            e=-rng.uniform(60, 80),
            p=rng.uniform(20, 50),
        )
    i0 = m.here()
    m.move(rng.uniform(1.0, 2.0), e=-90 - rng.uniform(25, 40), p=-90 + rng.uniform(70, 95), hz=0.35, roll=0.0)
    if rolled:
        i0 = m.here()
    m.move(rng.uniform(1.0, 2.0), e=-90.0, p=-90.0, hz=STAND_HZ)
    m.plant(i0)
    m.segment("get_up", t0)
