"""Leg motion of whole sessions, written from published kinematics, not from the detector.

The test bed for "count only the glide" (issue 11). A :class:`Motion` holds, on a fine time grid,
the angles and positions that fix where a shin-worn sensor is and how it is turned: shin and
thigh elevation in the leg's sagittal plane, hip height and forward speed, heading (turning
while walking), leg roll (sideways swings, rolling over) and the strap's turn about the shin.
Activity writers append to it; :mod:`sensor.sim.people` turns it into accelerometer and
gyroscope samples. Joint moves are minimum-jerk (Flash & Hogan 1985, J Neurosci 5:1688);
cyclic activities are periodic cubic splines through published joint-angle waypoints.

Conventions (as in :mod:`sensor.sim.simulator`): elevation is the angle of the knee->ankle
(shin) or hip->knee (thigh) vector above the horizontal, in the plane spanned by the person's
forward direction and up. Standing: shin and thigh -90. Seated on a chair: thigh 0, shin -90.
Supine, feet flat: thigh ~+45, shin ~-45; tabletop: thigh +90, shin 0. Shin elevation above -90
means the ankle is ahead of the knee; below -90 it is behind (kneeling: about -180). The foot
channel ``ft`` is the elevation of the ankle -> forefoot lever: ~-27 flat, steeper with the heel up.

Foot-planted stretches (squats, lunges, stance of step-ups and -downs, and the moves between
postures of :mod:`sensor.sim.postures`) are marked with :meth:`Motion.plant`: the renderer
derives the hip from the fixed forefoot and the angles, so the shank turns about the ankle (heel
down) or the forefoot (heel up) as a real stance leg does, not sliding with a free hip path.

Sources for shapes and ranges (values below are read off their published curves, rounded):
- Level walking: Winter DA, *Biomechanics and Motor Control of Human Movement*, 4th ed. (2009),
  appendix gait data; Perry J & Burnfield JM, *Gait Analysis* (2010): hip ~40 deg total
  excursion, knee 0-5 deg at heel strike, ~15-20 deg loading flexion, ~60-65 deg peak in
  swing at ~73 % of the stride; cadence 100-120 steps/min; walking speed 1.0-1.5 m/s.
- Tibial shock at heel strike with skin-mounted sensors: ~1.5-4 g walking (Lafortune MA et al.
  1995, J Biomech 28:1059; Lafortune 1991 J Biomech 24:877).
- Stairs: McFadyen BJ & Winter DA 1988, J Biomech 21:733 (ascent: hip flexion to ~60 deg,
  knee flexion ~90-100 deg in swing; descent: knee to ~85-90 deg in stance), Protopapadaki A
  et al. 2007, Clin Biomech 22:203.
- Squats: Escamilla RF 2001, Med Sci Sports Exerc 33:127; Hemmerich A et al. 2006, J Orthop
  Res 24:770 (knee flexion 90-130 deg, ankle dorsiflexion 20-35 deg, i.e. shank forward tilt).
  Decline squats: Zwerver J et al. 2007, Am J Sports Med 35:1165 (more knee, less ankle).
- Lunges: Farrokhi S et al. 2008, J Orthop Sports Phys Ther 38:403; Comfort P et al. 2015
  (front knee ~90 deg with a near-vertical shank, rear knee ~90-100 deg, rear shank near
  horizontal behind the body).
- Sit-to-stand: Schenkman M et al. 1990, Phys Ther 70:638; Hughes MA et al. 1994 (trunk
  flexion phase, shank forward tilt of ~10-15 deg at seat-off, 1.5-3 s in total).
- Step-up / step-down (15-30 cm step): Protopapadaki 2007 as for stairs; lateral step-down
  knee flexion ~60-70 deg (Earl JE et al. 2007, J Orthop Sports Phys Ther 37:245).
- The exercise itself: the glide as described in the project guide (thigh at tabletop, shin
  1-4 s a phase through ~120 deg), and the seated knee extension of the UCI recordings.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy.interpolate import CubicSpline

from sensor.sim.motion import FOOT_FLAT, FOOT_LEVER_H, SHANK_H, STAND_HZ, Motion, mj
from sensor.sim.postures import get_up as get_up
from sensor.sim.postures import lie_down as lie_down
from sensor.sim.postures import sit_down as sit_down
from sensor.sim.postures import stand_up as stand_up

LEG_M = 0.87  # nominal hip -> ankle length of a ~1.75 m adult (thigh + shank, Winter 2009)

# ---------------------------------------------------------------------------- cyclic activities
# Phase waypoints (fraction of the cycle) with thigh flexion and knee flexion in degrees; the
# shank's tilt from vertical (+ = ankle ahead of the knee) is thigh - knee.
GAIT = {
    "phase": [0.0, 0.12, 0.30, 0.50, 0.62, 0.73, 0.87],
    "thigh": [25.0, 22.0, 5.0, -12.0, -5.0, 18.0, 28.0],
    "knee": [3.0, 18.0, 5.0, 10.0, 38.0, 62.0, 25.0],
}
STAIRS_UP = {
    "phase": [0.0, 0.20, 0.45, 0.60, 0.75, 0.90],
    "thigh": [60.0, 45.0, 10.0, 5.0, 35.0, 65.0],
    "knee": [62.0, 45.0, 10.0, 35.0, 92.0, 75.0],
}
STAIRS_DOWN = {
    "phase": [0.0, 0.20, 0.45, 0.60, 0.80],
    "thigh": [25.0, 30.0, 35.0, 20.0, 15.0],
    "knee": [10.0, 40.0, 85.0, 60.0, 20.0],
}


def _cycle_spline(table: Mapping[str, list[float]], which: str) -> CubicSpline:
    ph = np.asarray(table["phase"] + [1.0])
    vals = np.asarray(table[which] + [table[which][0]])
    return CubicSpline(ph, vals, bc_type="periodic")


def cyclic(
    m: Motion,
    rng: np.random.Generator,
    table: Mapping[str, list[float]],
    kind: str,
    cycles: int,
    period_s: float,
    speed: float,
    climb_m: float = 0.0,
    impact_g: tuple[float, float] = (1.5, 4.0),
    turn_every: int = 0,
) -> None:
    """Strides of walking or stairs: amplitude ramps in over the first cycle and out over the
    last, so angles, rates and the hip speed start and end continuous with standing."""
    t0 = m.t
    amp = rng.uniform(0.8, 1.15)
    n = int(round(cycles * period_s * m.fs))
    tt = np.arange(1, n + 1) / m.fs
    jitter = 1 + 0.03 * np.sin(2 * np.pi * tt / (period_s * rng.uniform(5, 9)) + rng.uniform(0, 6))
    phase = np.cumsum(jitter) / m.fs / period_s  # cycle-to-cycle tempo variation
    ph = phase % 1.0
    thigh = _cycle_spline(table, "thigh")(ph)
    knee = _cycle_spline(table, "knee")(ph)
    shank = thigh - knee
    ramp_n = min(int(period_s * m.fs), n // 2)
    ramp = np.ones(n)
    prof, _ = mj(ramp_n)
    ramp[:ramp_n] = prof
    ramp[n - ramp_n :] = prof[::-1]
    e0, p0 = m.state["e"], m.state["p"]
    e = e0 + ramp * amp * shank
    p = p0 + ramp * amp * thigh
    hz = m.state["hz"] + ramp * 0.02 * np.cos(4 * np.pi * ph) - 0.02 * ramp
    if climb_m:
        hz = hz + climb_m * 2 * np.cumsum(ramp) / m.fs / period_s  # one step (climb_m) per half cycle
    v = speed * ramp * (1 + 0.06 * np.sin(4 * np.pi * ph))
    psi = np.full(n, m.state["psi"])
    if turn_every:
        for c in range(turn_every, cycles - 1, turn_every):
            a = int(c * period_s * m.fs)
            b = min(a + int(1.5 * period_s * m.fs), n)
            prof2, _ = mj(b - a)
            d = rng.choice([-1, 1]) * rng.uniform(60, 180)
            psi[a:b] += d * prof2
            psi[b:] += d
    m.curves({"e": e, "p": p, "hz": hz, "v": v, "psi": psi})
    # heel strike (or foot contact on the step) once per cycle, full-strength once ramped in
    for c in range(cycles):
        tc = t0 + c * period_s
        g = rng.uniform(*impact_g) * (0.4 if c == 0 or c == cycles - 1 else 1.0)
        m.impacts.append((tc + 0.01, g * 9.80665, rng.uniform(15, 35)))
    m.segment(kind, t0)


def walk(m: Motion, rng: np.random.Generator, seconds: float, turns: bool = True) -> None:
    period = rng.uniform(0.95, 1.25)  # stride time (two steps): 96-126 steps/min
    cycles = max(int(seconds / period), 3)
    cyclic(m, rng, GAIT, "walk", cycles, period, rng.uniform(1.0, 1.5), turn_every=int(rng.integers(6, 15)) * turns)


def stairs(m: Motion, rng: np.random.Generator, up: bool, steps: int) -> None:
    period = rng.uniform(1.1, 1.5)
    table = STAIRS_UP if up else STAIRS_DOWN
    rise = rng.uniform(0.15, 0.18) * (1 if up else -1)
    g = (1.0, 2.5) if up else (2.0, 4.5)
    cyclic(m, rng, table, "stairs_up" if up else "stairs_down", max(steps // 2, 3), period, 0.45, rise, g)


# ---------------------------------------------------------------------------- discrete activities
def stand_still(m: Motion, rng: np.random.Generator, seconds: float) -> None:
    """Quiet standing: postural sway of ~1 deg at the ankle (Winter 1995, Gait Posture 3:193)."""
    t0 = m.t
    n = int(seconds * m.fs)
    tt = np.arange(n) / m.fs
    sway = 1.0 * np.sin(2 * np.pi * 0.2 * tt + rng.uniform(0, 6)) * np.minimum(1, np.minimum(tt, tt[::-1]) / 1.0)
    m.curves({"e": m.state["e"] + sway, "p": m.state["p"] + 0.5 * sway})
    m.segment("stand", t0)


def squats(m: Motion, rng: np.random.Generator, reps: int, decline: bool = False) -> None:
    """Both feet flat the whole set: the shank turns about the ankle, the hip follows the angles."""
    t0 = m.t
    i0 = m.here()
    for _ in range(reps):
        tilt = rng.uniform(30, 45) if decline else rng.uniform(20, 35)  # shank forward tilt (ankle behind knee)
        knee = rng.uniform(90, 130)
        thigh_from_vertical = knee - tilt
        m.move(rng.uniform(1.2, 2.5), e=-90 - tilt, p=-90 + thigh_from_vertical, hz=STAND_HZ - rng.uniform(0.3, 0.45))
        m.hold(rng.uniform(0.0, 1.0))
        m.move(rng.uniform(1.0, 2.2), e=-90.0, p=-90.0, hz=STAND_HZ)
        m.hold(rng.uniform(0.3, 2.0))
    m.plant(i0)
    m.segment("decline_squat" if decline else "squat", t0)


def _swing(m: Motion, rng: np.random.Generator, dx: float, hz: float = STAND_HZ, **pose: float) -> None:
    """The foot in the air: lift (knee and hip flex), then reach to the target pose; heel contact."""
    lift = dict(e=-90 - rng.uniform(15, 35), p=-90 + rng.uniform(20, 35), ft=FOOT_FLAT)
    m.move(rng.uniform(0.4, 0.7), dx=dx / 2, hz=(m.state["hz"] + hz) / 2, **lift)
    m.move(rng.uniform(0.4, 0.7), dx=dx / 2, hz=hz, **pose)
    m.impacts.append((m.t, rng.uniform(1.0, 2.5) * 9.80665, rng.uniform(15, 30)))


def _lunge_front(m: Motion, rng: np.random.Generator, step: float, walking: bool) -> None:
    """Sensor leg leads: step forward (swing, heel contact), lower and rise on the planted foot,
    knee ~90 deg with a near-vertical shank at the bottom, then step back (or, walking, rise over it)."""
    reach = float(np.degrees(np.arcsin(step / 2 / LEG_M)))  # leg ahead of vertical at contact
    hz_split = STAND_HZ - LEG_M * (1 - np.cos(np.radians(reach)))  # hip height, feet apart, knees straight
    contact = dict(e=-90 + reach - rng.uniform(0, 5), p=-90 + reach + rng.uniform(0, 5))
    _swing(m, rng, step / 2, hz=hz_split, **contact)
    m.hold(rng.uniform(0.1, 0.4))
    i0 = m.here()
    tilt = rng.uniform(-5, 20)
    m.move(rng.uniform(1.0, 2.2), e=-90 - tilt, p=-90 + 90 - tilt + rng.uniform(-10, 5), hz=0.5)
    m.hold(rng.uniform(0.0, 0.8))
    if walking:  # rise and bring the body over the front foot
        m.move(rng.uniform(0.9, 2.0), e=-90.0, p=-90.0, hz=STAND_HZ)
        m.plant(i0)
        return
    m.move(rng.uniform(0.9, 2.0), hz=hz_split, **contact)
    m.plant(i0)
    _swing(m, rng, -step / 2, e=-90.0, p=-90.0)


def _lunge_rear(m: Motion, rng: np.random.Generator, step: float, walking: bool) -> None:
    """Sensor leg trails: its forefoot stays planted while the other leg steps, the heel rises and
    the rear knee sinks toward the floor (thigh near vertical, shank near horizontal behind)."""
    reach = float(np.degrees(np.arcsin(step / 2 / LEG_M)))
    i0 = m.here()
    m.move(rng.uniform(0.6, 1.0), dx=step / 2, e=-90 - reach, p=-90 - reach, ft=FOOT_FLAT - rng.uniform(10, 25))
    m.impacts.append((m.t, rng.uniform(0.3, 1.0) * 9.80665, rng.uniform(15, 30)))  # the other heel, via the pelvis
    hip_ext = rng.uniform(5, 20)
    knee = rng.uniform(85, 110)
    ft = -rng.uniform(55, 75)
    # the knee stops >= 3 cm above the floor: the ankle is at most (ankle height - 3 cm) above it
    lift = (FOOT_LEVER_H * np.sin(np.radians(-ft)) - 0.03 / 1.75) / SHANK_H  # per unit shank
    e = max(-90 - hip_ext - knee, -180 - float(np.degrees(np.arcsin(lift))))
    m.move(rng.uniform(1.0, 2.2), e=e, p=-90 - hip_ext, ft=ft, hz=0.5)
    m.hold(rng.uniform(0.0, 0.8))
    hz_split = STAND_HZ - LEG_M * (1 - np.cos(np.radians(reach)))
    m.move(rng.uniform(0.9, 2.0), e=-90 - reach, p=-90 - reach, ft=FOOT_FLAT - rng.uniform(10, 25), hz=hz_split)
    if walking:  # the rear leg swings through to stand beside the other
        m.plant(i0)
        _swing(m, rng, step / 2, e=-90.0, p=-90.0)
        return
    m.move(rng.uniform(0.6, 1.0), dx=-step / 2, e=-90.0, p=-90.0, ft=FOOT_FLAT, hz=STAND_HZ)  # other leg steps back
    m.plant(i0)
    m.impacts.append((m.t, rng.uniform(0.5, 1.5) * 9.80665, rng.uniform(15, 30)))  # own heel back down


def lunges(m: Motion, rng: np.random.Generator, reps: int, walking: bool = False) -> None:
    """Forward lunges; the sensor leg leads or trails (walking lunges alternate)."""
    t0 = m.t
    front = rng.random() < 0.5
    for _ in range(reps):
        step = rng.uniform(0.6, 0.9)
        (_lunge_front if front else _lunge_rear)(m, rng, step, walking)
        m.hold(rng.uniform(0.2, 1.5))
        if walking:
            front = not front
    m.segment("walking_lunge" if walking else "lunge", t0)


def step_ups(m: Motion, rng: np.random.Generator, reps: int, down: bool = False) -> None:
    """Step up onto (or down from) a 15-30 cm box, leading with the sensor leg or the other."""
    t0 = m.t
    h = rng.uniform(0.15, 0.30)
    for _ in range(reps):
        lead = rng.random() < 0.5
        if not down:
            if lead:  # lift the foot onto the box, then push up
                m.move(rng.uniform(0.5, 0.9), e=-90 - rng.uniform(5, 15), p=-90 + rng.uniform(45, 65))
                m.impacts.append((m.t, rng.uniform(1.0, 2.0) * 9.80665, 20.0))
                i0 = m.here()
                m.move(rng.uniform(0.8, 1.5), dx=0.3, e=-90.0, p=-90.0, hz=STAND_HZ + h)
                m.plant(i0)  # stance on the box
            else:  # stance on the floor, then trail up
                i0 = m.here()
                m.move(
                    rng.uniform(0.8, 1.5),
                    dx=0.3,
                    e=-90 + rng.uniform(10, 20),
                    p=-90 - rng.uniform(5, 15),
                    hz=STAND_HZ + h / 2,
                )
                m.plant(i0)
                m.move(rng.uniform(0.5, 0.9), e=-90 - rng.uniform(40, 70), p=-90 + rng.uniform(20, 40), hz=STAND_HZ + h)
                m.move(rng.uniform(0.4, 0.8), e=-90.0, p=-90.0)
                m.impacts.append((m.t, rng.uniform(1.0, 2.0) * 9.80665, 20.0))
            m.hold(rng.uniform(0.3, 1.5))
            m.move(rng.uniform(0.8, 1.5), dx=-0.3, e=-90.0, p=-90.0, hz=STAND_HZ)  # back down
            m.impacts.append((m.t, rng.uniform(1.5, 3.5) * 9.80665, 25.0))
        else:
            # stance knee flexes 60-70 deg slowly while the other foot reaches the floor (lateral step-down)
            k = rng.uniform(55, 75)
            tilt = rng.uniform(20, 35)
            i0 = m.here()
            m.move(rng.uniform(1.2, 2.5), e=-90 - tilt, p=-90 + k - tilt, hz=STAND_HZ - h)
            m.hold(rng.uniform(0.0, 0.6))
            m.move(rng.uniform(1.0, 2.0), e=-90.0, p=-90.0, hz=STAND_HZ)
            m.plant(i0)  # the stance foot stays on the box
        m.hold(rng.uniform(0.5, 2.0))
    m.segment("step_down" if down else "step_up", t0)


def leg_swings(m: Motion, rng: np.random.Generator, swings: int) -> None:
    """Standing leg swings, front-back (sagittal) or sideways (about the forward axis)."""
    t0 = m.t
    sideways = rng.random() < 0.4
    for _ in range(swings):
        half = rng.uniform(0.5, 0.8)
        if sideways:
            a = rng.uniform(20, 40)
            m.move(half, roll=a)
            m.move(half, roll=-a * 0.3)
        else:
            a = rng.uniform(25, 50)
            m.move(half, p=-90 + a, e=-90 + a - rng.uniform(10, 40))
            m.move(half, p=-90 - a * 0.5, e=-90 - a * 0.5 - rng.uniform(10, 40))
    m.move(0.6, p=-90.0, e=-90.0, roll=0.0)
    m.segment("leg_swing", t0)


def fidget(m: Motion, rng: np.random.Generator, count: int) -> None:
    """Small fast shin wobbles around the current pose (shifting, scratching, restlessness)."""
    t0 = m.t
    e0 = m.state["e"]
    for _ in range(count):
        m.move(rng.uniform(0.15, 0.5), e=e0 + rng.uniform(-12, 12), roll=rng.uniform(-5, 5))
    m.move(0.3, e=e0, roll=0.0)
    m.segment("fidget", t0)


def strap_adjust(m: Motion, rng: np.random.Generator) -> None:
    """Hands re-seat the strap: the box turns on the shin by up to ~15 deg, with a wobble."""
    t0 = m.t
    s0 = m.state["strap"]
    target = s0 + rng.uniform(-15, 15)
    for _ in range(int(rng.integers(2, 5))):
        m.move(rng.uniform(0.1, 0.3), strap=s0 + rng.uniform(-25, 25), e=m.state["e"] + rng.uniform(-3, 3))
    m.move(0.3, strap=target)
    m.segment("strap_adjust", t0)
