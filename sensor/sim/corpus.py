"""Labelled sessions for issue 11: long sessions with set breaks and walking, 1-3-rep sessions,
and recordings of other activities that must count zero, in both postures.

Every session is fixed by (kind, seed): ``make_session("long", 7)`` is the same everywhere. The
person, sensor, rate, mounting and leg are drawn from the seed (:class:`sensor.sim.people.Person`),
the motion from published kinematics (:mod:`sensor.sim.activities`). Kinds:

- ``long``: >= 15 min. Walk in (sometimes stairs or a warm-up of squats, lunges, swings), lie
  down (supine) or sit down (seated), get into position, 2-4 sets of 6-15 reps with the foot
  back on the floor and a rest of 20-120 s between sets, then get up and walk away.
- ``short``: 1-3 reps, sometimes with walking before or after.
- ``standard``: one set of 4-15 reps with setup and finish, sometimes walking after.
- ``negative``: 30-200 s of 1-4 other activities (walking, stairs, squats, decline squats,
  lunges, walking lunges, step-ups and step-downs, sit-to-stand, leg swings, lying down and
  getting up, getting into position and back without reps, fidgets, strap adjustments): 0 reps.
- ``mixed``: a quarter long, a quarter short, a quarter standard, a quarter negative.
- ``variants``: 1-3 sets done the ways handouts teach and patients do (extension first, back to
  a bent knee, holds, slow and brisk, a tight nerve's short range, a pause on the floor, ankle
  pumps, tucked and slumped seated): :mod:`sensor.sim.variants`. Not part of ``mixed``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sensor.core.samples import ImuChunk
from sensor.sim import activities as act
from sensor.sim import exercise as ex
from sensor.sim import motion as mo
from sensor.sim import variants as var
from sensor.sim.people import Person, render

KINDS = ("long", "short", "standard", "negative", "mixed", "variants")  # append only: the index seeds the rng
LONG_MIN_S = 900.0


@dataclass
class CorpusSession:
    kind: str
    seed: int
    posture: str
    chunk: ImuChunk
    labels: dict[str, Any]
    truth_t: np.ndarray = field(repr=False, default_factory=lambda: np.empty(0))
    truth_e: np.ndarray = field(repr=False, default_factory=lambda: np.empty(0))

    @property
    def rate_hz(self) -> float:
        return float(self.labels["rate_hz"])


def _warmup(m: mo.Motion, rng: np.random.Generator, count: int) -> None:
    """Other leg work a person might do on their feet before or after the glides."""
    for _ in range(count):
        k = rng.integers(0, 9)
        if k == 0:
            act.squats(m, rng, int(rng.integers(3, 10)))
        elif k == 1:
            act.squats(m, rng, int(rng.integers(3, 10)), decline=True)
        elif k == 2:
            act.lunges(m, rng, int(rng.integers(3, 10)))
        elif k == 3:
            act.lunges(m, rng, int(rng.integers(4, 10)), walking=True)
        elif k == 4:
            act.step_ups(m, rng, int(rng.integers(3, 8)))
        elif k == 5:
            act.step_ups(m, rng, int(rng.integers(3, 8)), down=True)
        elif k == 6:
            act.leg_swings(m, rng, int(rng.integers(5, 15)))
        elif k == 7:
            act.stairs(m, rng, up=True, steps=int(rng.integers(8, 20)))
            act.stand_still(m, rng, rng.uniform(1, 4))
            act.stairs(m, rng, up=False, steps=int(rng.integers(8, 20)))
        else:
            act.walk(m, rng, rng.uniform(10, 40))
        act.stand_still(m, rng, rng.uniform(1.0, 5.0))


def _into_position(m: mo.Motion, rng: np.random.Generator, posture: str) -> None:
    if posture == "supine":
        act.lie_down(m, rng)
    else:
        act.sit_down(m, rng)
        act.fidget(m, rng, int(rng.integers(0, 3))) if rng.random() < 0.3 else None
        m.hold(rng.uniform(1.0, 5.0))


def _out_of_position(m: mo.Motion, rng: np.random.Generator, posture: str, g: ex.Glider) -> None:
    if posture == "supine":
        t0 = m.t
        m.move(rng.uniform(1.5, 4.0), e=-rng.uniform(40, 55), p=rng.uniform(35, 50))
        m.hold(rng.uniform(1.0, 6.0))
        m.segment("finish", t0)
        act.get_up(m, rng)
    else:
        m.hold(rng.uniform(1.0, 5.0))
        act.stand_up(m, rng)


def _long(m: mo.Motion, rng: np.random.Generator, posture: str, g: ex.Glider) -> None:
    act.stand_still(m, rng, rng.uniform(2, 8))
    act.walk(m, rng, rng.uniform(30, 120))
    if rng.random() < 0.5:
        _warmup(m, rng, int(rng.integers(1, 3)))
    act.stand_still(m, rng, rng.uniform(1, 5))
    _into_position(m, rng, posture)
    sets = int(rng.integers(2, 5))
    per_set = [int(rng.integers(6, 16)) for _ in range(sets)]
    # rests fill the session to at least LONG_MIN_S with walking in and out
    reps_s = sum(per_set) * 6.0
    rest_total = max(LONG_MIN_S - m.t - reps_s - 120.0, 20.0 * (sets - 1))
    rests = rng.dirichlet(np.ones(sets)) * rest_total
    rests = np.maximum(rests, 20.0)
    ex.to_start_pose(m, rng, g, posture)
    for k, n in enumerate(per_set):
        ex.glide_set(m, rng, g, posture, n)
        if k < sets - 1:
            ex.set_break(m, rng, g, posture, float(min(rests[k], 300.0)))
    _out_of_position(m, rng, posture, g)
    act.walk(m, rng, max(LONG_MIN_S - m.t + rng.uniform(5, 60), rng.uniform(20, 60)))
    act.stand_still(m, rng, rng.uniform(2, 6))


def _short(m: mo.Motion, rng: np.random.Generator, posture: str, g: ex.Glider) -> None:
    walk_in = rng.random() < 0.5
    if walk_in:
        act.walk(m, rng, rng.uniform(5, 25))
        act.stand_still(m, rng, rng.uniform(1, 3))
        _into_position(m, rng, posture)
    else:  # the recording starts with the person already in place
        m.state.update(e=-45.0, p=45.0, hz=mo.FLOOR_HZ) if posture == "supine" else m.state.update(
            e=-90.0, p=0.0, hz=mo.SEAT_HZ
        )
        m.hold(rng.uniform(1.0, 4.0))
    ex.to_start_pose(m, rng, g, posture)
    ex.glide_set(m, rng, g, posture, int(rng.integers(1, 4)), wiggles=False)
    m.hold(rng.uniform(0.5, 3.0))
    if rng.random() < 0.5:
        _out_of_position(m, rng, posture, g)
        act.walk(m, rng, rng.uniform(5, 30))
        act.stand_still(m, rng, rng.uniform(1, 3))


def _standard(m: mo.Motion, rng: np.random.Generator, posture: str, g: ex.Glider) -> None:
    m.state.update(e=-45.0, p=45.0, hz=mo.FLOOR_HZ) if posture == "supine" else m.state.update(
        e=-90.0, p=0.0, hz=mo.SEAT_HZ
    )
    m.hold(rng.uniform(1.0, 4.0))
    ex.to_start_pose(m, rng, g, posture)
    ex.glide_set(m, rng, g, posture, int(rng.integers(4, 16)))
    if rng.random() < 0.3:
        act.strap_adjust(m, rng)
        ex.glide_set(m, rng, g, posture, int(rng.integers(2, 6)))
    _out_of_position(m, rng, posture, g)
    if rng.random() < 0.5:
        act.walk(m, rng, rng.uniform(5, 40))
    act.stand_still(m, rng, rng.uniform(1, 3))


def _negative(m: mo.Motion, rng: np.random.Generator, posture: str, g: ex.Glider) -> None:
    """Anything but the glide; ``posture`` is only how the recording is analysed."""
    act.stand_still(m, rng, rng.uniform(1, 4))
    for _ in range(int(rng.integers(1, 5))):
        k = rng.integers(0, 5)
        if k == 0:
            _warmup(m, rng, 1)
        elif k == 1:  # lie down, get into position, feet back down, get up: no reps
            act.lie_down(m, rng)
            for _ in range(int(rng.integers(1, 4))):
                ex.to_start_pose(m, rng, g, "supine")
                ex.set_break(m, rng, g, "supine", rng.uniform(3, 20))
            _out_of_position(m, rng, "supine", g)
        elif k == 2:  # sit-to-stand repetitions
            for _ in range(int(rng.integers(2, 8))):
                act.sit_down(m, rng)
                m.hold(rng.uniform(0.3, 3.0))
                act.stand_up(m, rng)
                act.stand_still(m, rng, rng.uniform(0.5, 2.0))
        elif k == 3:  # seated: fidgets, strap adjustments, crossing/uncrossing, stand up
            act.sit_down(m, rng)
            for _ in range(int(rng.integers(1, 5))):
                m.hold(rng.uniform(1.0, 10.0))
                if rng.random() < 0.5:
                    act.fidget(m, rng, int(rng.integers(1, 6)))
                else:
                    act.strap_adjust(m, rng)
            act.stand_up(m, rng)
        else:
            act.walk(m, rng, rng.uniform(10, 60))
        act.stand_still(m, rng, rng.uniform(1, 4))


WRITERS: dict[str, Callable[[mo.Motion, np.random.Generator, str, ex.Glider], None]] = {
    "long": _long,
    "short": _short,
    "standard": _standard,
    "negative": _negative,
}


def make_session(kind: str, seed: int, posture: str | None = None) -> CorpusSession:
    if posture is None:
        posture = "supine" if (seed // 4 if kind == "mixed" else seed) % 2 == 0 else "seated"
    if kind == "mixed":
        kind = ("long", "short", "standard", "negative")[seed % 4]
    if kind not in KINDS:
        raise ValueError(f"corpus kind must be one of {', '.join(KINDS)}, not {kind!r}")
    rng = np.random.default_rng([seed, KINDS.index(kind), 11])
    person = Person.draw(rng)
    fs = 400.0 if person.rate_hz > 100 else 200.0
    m = mo.new_motion(fs, posture)
    g = ex.Glider.draw(rng, posture)
    variant = var.variant_of(seed, posture) if kind == "variants" else None
    if variant is None:
        WRITERS[kind](m, rng, posture, g)
    else:
        var.session(m, rng, posture, g, variant, _into_position, _out_of_position)
    chunk, tt, te = render(m, person, rng)
    labels = {
        "format": "glide-labels/1",
        "kind": kind,
        "posture": posture,
        "leg": person.leg,
        "rate_hz": person.rate_hz,
        "seed": seed,
        "duration_s": round(m.t, 3),
        "rep_count": len(m.reps),
        "reps": [{k: round(float(v), 4) for k, v in r.items()} for r in m.reps],
        "segments": [{"kind": k, "start_s": a, "end_s": b} for k, a, b in m.segments],
    }
    if variant is not None:
        labels["variant"] = variant
    return CorpusSession(kind, seed, posture, chunk, labels, tt, te)
