"""The exercise in the simulated sessions: how one person does the glide, the setup into the
start pose and the set breaks (foot back on the floor supine; shin hanging seated).

Written from the glide as the project guide describes it (thigh at tabletop, the shin 1-4 s a
phase through ~120 deg) and the seated knee extension of the UCI recordings; rep labels are
written here, at the true bottom, top and end of every rep.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sensor.sim.activities import fidget, strap_adjust
from sensor.sim.motion import Motion


@dataclass
class Glider:
    """How one person does the glide: their range, tempo, holds and fatigue."""

    top: float
    bottom: float
    tabletop: float
    tempo: float
    holds: tuple[float, float]
    fatigue: float
    thigh_k: float  # thigh reacts to the shin a little (real thighs are not clamped)

    @classmethod
    def draw(cls, rng: np.random.Generator, posture: str) -> Glider:
        supine = posture == "supine"
        return cls(
            top=rng.uniform(55, 88) if supine else rng.uniform(-20, 5),
            bottom=rng.uniform(-50, -28) if supine else rng.uniform(-100, -85),
            tabletop=rng.uniform(-10, 10),
            tempo=rng.uniform(0.8, 1.25),
            holds=(0.0, float(rng.uniform(0.5, 2.5))),
            fatigue=float(rng.uniform(0.0, 0.25)),
            thigh_k=float(rng.uniform(-0.08, 0.08)),
        )


def glide_set(m: Motion, rng: np.random.Generator, g: Glider, posture: str, reps: int, wiggles: bool = True) -> None:
    """One set of reps from the start pose (tabletop supine, hanging seated); labels each rep."""
    t0 = m.t
    supine = posture == "supine"
    p_base = m.state["p"]
    for k in range(reps):
        loss = g.fatigue * k / max(reps - 1, 1)
        top = g.top - (g.top - g.tabletop) * loss * 0.6 + rng.normal(0, 3)
        bottom = g.bottom + (g.tabletop - g.bottom) * loss * 0.4 + rng.normal(0, 2.5)
        far, near = (bottom, top) if supine else (top, bottom)
        start = m.t

        def phase(loss: float = loss) -> float:
            return float(np.clip(rng.uniform(1.0, 4.0) * g.tempo * (1 + 0.3 * loss), 1.0, 4.0))

        mid = 0.5 * (far + near)
        m.move(phase(), e=far, p=p_base + g.thigh_k * (far - mid))
        t_far = m.t
        m.hold(rng.uniform(*g.holds))
        m.move(phase(), e=near, p=p_base + g.thigh_k * (near - mid))
        t_near = m.t
        tb, tt = (t_far, t_near) if supine else (t_near, t_far)
        m.reps.append(
            {"start_s": start, "bottom_s": tb, "top_s": tt, "end_s": t_near, "bottom_deg": bottom, "top_deg": top}
        )
        m.hold(rng.uniform(*g.holds))
        if wiggles and rng.random() < 0.1:
            fidget(m, rng, int(rng.integers(1, 3)))
    m.move(0.5, p=p_base)
    m.segment("glide_set", t0)


def to_start_pose(m: Motion, rng: np.random.Generator, g: Glider, posture: str) -> None:
    """Setup: foot on the floor -> thigh up to tabletop (supine); seated: the shin settles hanging."""
    t0 = m.t
    if posture == "supine":
        m.move(rng.uniform(1.5, 3.5), e=g.tabletop, p=rng.uniform(85, 95))
        m.hold(rng.uniform(1.0, 4.0))
        m.segment("setup", t0)
    else:
        m.move(rng.uniform(0.5, 1.5), e=g.bottom, p=m.state["p"])
        m.hold(rng.uniform(1.0, 3.0))
        m.segment("settle", t0)


def set_break(m: Motion, rng: np.random.Generator, g: Glider, posture: str, rest_s: float) -> None:
    """Between sets: supine, the foot goes back to the floor (a ~45-50 deg sweep of the shin,
    thigh from vertical to ~45 deg), rests, and comes back up to tabletop; seated, the shin
    hangs and the person shifts in the chair."""
    t0 = m.t
    if posture == "supine":
        m.move(rng.uniform(1.5, 4.0), e=-rng.uniform(40, 55), p=rng.uniform(35, 50))
        m.impacts.append((m.t, rng.uniform(0.3, 1.0) * 9.80665, 15.0))
        _rest(m, rng, rest_s)
        m.move(rng.uniform(1.5, 4.0), e=g.tabletop + rng.uniform(-5, 5), p=rng.uniform(85, 95))
        m.hold(rng.uniform(1.0, 4.0))
    else:
        m.move(rng.uniform(0.8, 2.0), e=-90 - rng.uniform(-5, 10))
        _rest(m, rng, rest_s)
        m.move(rng.uniform(0.5, 1.5), e=g.bottom)
        m.hold(rng.uniform(1.0, 3.0))
    m.segment("set_break", t0)


def _rest(m: Motion, rng: np.random.Generator, seconds: float) -> None:
    end = m.t + seconds
    while m.t < end - 1.0:
        m.hold(min(rng.uniform(3.0, 20.0), max(end - m.t, 0.1)))
        if m.t < end - 3.0 and rng.random() < 0.4:
            fidget(m, rng, int(rng.integers(1, 4)))
        elif m.t < end - 3.0 and rng.random() < 0.15:
            strap_adjust(m, rng)
    m.hold(max(end - m.t, 0.05))
