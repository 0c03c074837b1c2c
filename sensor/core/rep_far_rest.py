"""Supine: the rest at the far end of a rep is timed from the shin's first arrival at the pose it
returns from, whatever small movements come in between.

Between supine sets the foot goes back to the floor, rests there for seconds, and the leg comes
back up to tabletop: a shin sweep down, a long still rest and a sweep back, which the rep
detector takes for a flex-down, a hold and an extend-up. :class:`sensor.core.phases.RepDetector`
refuses a supine rep whose still rest at the far turn lasts longer than
``RepConfig.max_far_hold_s`` (a glide holds the bottom for a breath; a foot on the floor rests),
timed from the far turn's *newest* extreme. A fidget with the foot on the floor (shifting,
scratching: a quick wobble of up to ~12 deg that comes back to the same pose, as
``sensor.sim.activities.fidget`` writes it) moves that extreme on: the rest then restarts at the
fidget and each part of it is short. Negative 3409 analysed supine (52 Hz): the foot lands at
112.0 s, rests 7.9 s, a fidget wobbles the shin 9.8 deg deeper at 120 s and back, the foot rests
5.5 s more and the leg comes up at 126.3 s; the rest read 5.5 s, and the fidget's dip made the
range 65.6 deg where the pose's was ~57 (under ``supine_min_rom_deg``). (Its top passed
``supine_top_min_deg`` because every angle of that recording reads ~27 deg high: tabletop 6 deg
read 33, calibrated at 72.6 s from the lever of its first two movements, the setup and the set
break after it: whole-leg movements, the thigh turning 40-55 deg with the shin, not a shin
swinging about a still knee.)

What separates that from a glide is where the shin *rests*, not where its wobbles reach: the
return leaves from the pose the foot has rested in since it first came down (within a wiggle,
``turn_deg``, the detector's own size of a movement that is not a turn). So the far-end rest is
timed from the first movement of the rep that *stopped* within ``turn_deg`` of the angle the
return starts from (the last still sample before it) to the return's start. A glide arrives at
its bottom, holds it and leaves from it: the two timings agree. A flex-down that pauses part-way
(classic 126: 57 -> -16, still 7.8 s, -> -45, the return from -45) rests 29 deg from where the
return starts, and its pause is not a rest at the far end (the far-end rest rule of round 8,
which timed any rest before a movement that moved the turn on, refused that true rep).

The return itself may also start with the fidget: negative 13889 analysed supine (104 Hz, every
angle ~38 deg high, its mounting taught by set-ups) rests 3.2 s on the floor, lifts the foot and
dips it 12 deg deeper, comes back 11 deg and stays still 1.8 s before the leg goes up to
tabletop; the return was read from the dip, where the shin never rested. A glide's return is one
movement (counted supine reps stop at most 0.56 s on the way up, :mod:`sensor.core.held_bottom`),
so when a return stood still for ``RepConfig.rest_restart_s`` (1 s, the stillness that restarts a
rep) or more, the rest is also timed to the start of the movement that left that stillness
(:func:`resumed_start`). Measured with it on: no counted supine rep of variants 0-299 or mixed
0-399 has such a return (50 and 33 candidates do, all refused by other rules); variants 0-999,
mixed 0-999, short 0-299 and classic 0-499 count exactly as without it; 13889 counts 0.

Measured margins are in ``RepConfig.far_rest_from_first_stop``'s comment. The older timing (from
the newest extreme, ``Rep.hold_bottom_s``) applies as well: both are checked here, and a rep is
refused when either rest is longer than ``max_far_hold_s``, unless the rep looks like its set's
counted reps (:mod:`sensor.core.held_bottom`: a bottom held "for a few seconds", left by one
extension to the set's top; a set break goes back to tabletop). When the
return's own segment or a stop near its starting angle is not kept, the rule says nothing (9 of
the 8153 counted supine reps measured, reps while the mounting was still being refined).

Per closed movement segment (a handful per rep) the detector keeps its start and stop (time and
angle) for ``KEEP_S`` of data time; the verdict depends on the segments alone, so it is the same
for any chunking. Stored angles move with the elevation offset when it is refined.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from sensor.core.events import Event, Rep
from sensor.core.held_bottom import SetPoses
from sensor.core.phases import RepDetector
from sensor.core.rep_config import RepConfig
from sensor.core.slow_set import slow_vouched
from sensor.core.types import Posture

__all__ = ["KEEP_S", "FarRestCheckedDetector", "far_rest_s", "resumed_start", "return_pause_s", "return_stills"]

# (read once: an enum member is a class attribute lookup, ~0.2 us, and the closes ask per movement)
_SUPINE = Posture.SUPINE

# Segments kept (data time): longer than any rep candidate that can still pass max_phase_s and the
# rest bound (two phases moving <= 5 s each, holds, a creep closed up to creep_keep_s late).
KEEP_S = 60.0


def far_rest_s(moves: deque[tuple[float, float, float, float]], far: dict[str, Any], tol_deg: float) -> float | None:
    """Seconds from the first movement of the rep (from ``far['start_t']``) that stopped within
    ``tol_deg`` of the angle the return started from, to the return's start; None when the
    return's own segment or such a stop is not kept. ``moves``: (t0, e0, t1, e1) per closed
    movement segment, oldest first."""
    ret = far.get("ret_start")
    if ret is None:
        return None
    e_ret = None
    for t0, e0, _t1, _e1 in reversed(moves):  # (a loop: no generator for the newest few)
        if t0 == ret:
            e_ret = e0
            break
    if e_ret is None:
        return None
    start = float(far["start_t"])
    for _t0, _e0, t1, e1 in moves:
        if start <= t1 <= ret and abs(e1 - e_ret) <= tol_deg:
            return float(ret) - t1
    return None


def return_stills(
    moves: deque[tuple[float, float, float, float]], ret_start: float, t_end: float
) -> list[tuple[float, float]]:
    """(stillness, start of the movement after it) between the closed movement segments of a
    return (from ``ret_start`` to ``t_end``), in time order; empty for a return of one movement."""
    ends = [(t0, t1) for t0, _e0, t1, _e1 in moves if t0 >= ret_start and t1 <= t_end]
    return [(b[0] - a[1], b[0]) for a, b in zip(ends, ends[1:])]


def return_pause_s(stills: list[tuple[float, float]]) -> float:
    """The longest stillness of a return's ``stills``; 0 for a return of one movement."""
    return max((gap for gap, _t in stills), default=0.0)


def resumed_start(stills: list[tuple[float, float]], still_s: float) -> float | None:
    """The start of the return's last movement that followed a stillness of ``still_s`` or more
    (the return left from a rest, not from the wobble before it); None when the return never
    stopped that long."""
    after = [t for gap, t in stills if gap >= still_s]
    return after[-1] if after else None


class FarRestCheckedDetector(RepDetector):
    """:class:`RepDetector`; supine, the still rest at the far end is timed from the first stop at
    the pose the return leaves from (a fidget there does not restart it)."""

    def __init__(self, posture: str = "supine", cfg: RepConfig | None = None):
        super().__init__(posture, cfg)
        self._ends: deque[tuple[float, float, float, float]] = deque()  # (t0, e0, t1, e1) per closed segment
        self.last_far_rest_s: float | None = None  # the newest supine candidate's rest (diagnostics)
        self._set = SetPoses(self.cfg.held_bottom)  # the counted reps a held bottom is judged by

    @property
    def _rest_on(self) -> bool:
        return self.posture == _SUPINE and self.cfg.far_rest_from_first_stop

    def reset_motion(self) -> None:
        super().reset_motion()
        self._ends.clear()  # older samples are analysed again: their segments come again
        self._set.clear()  # a new mounting: the counted reps' angles are in another frame

    def shift(self, delta_e: float) -> None:
        super().shift(delta_e)
        self._ends = deque((t0, e0 + delta_e, t1, e1 + delta_e) for t0, e0, t1, e1 in self._ends)
        self._set.shift(delta_e)

    def _close(self, t1: float, e1: float, events: list[Event]) -> None:
        seg = self._seg
        if seg is not None and self.posture == _SUPINE:
            ends = self._ends
            ends.append((float(seg["t0"]), float(seg["e0"]), t1, e1))
            while ends and ends[0][2] < t1 - KEEP_S:
                ends.popleft()
        n = len(self.reps)
        super()._close(t1, e1, events)
        if len(self.reps) > n and self.posture == _SUPINE:
            self._set.add(self.reps[-1].top_deg, self.reps[-1].bottom_deg, self.reps[-1].end_s)

    def _make_rep(self, t_end: float, e_end: float, min_rom: float | None = None) -> Rep | None:
        far = self._far
        rep = super()._make_rep(t_end, e_end, min_rom)
        if rep is None or self.posture != _SUPINE or far is None:
            return rep
        ret = float(far.get("ret_start", far["t"]))
        stills = return_stills(self._ends, ret, t_end)
        pause = return_pause_s(stills)
        cfg = self.cfg
        if self.moved_s > cfg.supine_max_phase_s and not slow_vouched(self._set, rep, pause, cfg, self._nonex_t):
            return None  # a slow phase with no set to vouch for it: lying down, a set break (slow_set)
        rest = rep.hold_bottom_s  # from the newest extreme at the far turn
        if self._rest_on:
            self.last_far_rest_s = first = far_rest_s(self._ends, far, self.cfg.turn_deg)
            rest = max(rest, first or 0.0)
            resumed = resumed_start(stills, self.cfg.rest_restart_s)
            if resumed is not None:  # timed to the movement that left the rest, too
                rest = max(rest, far_rest_s(self._ends, far | {"ret_start": resumed}, self.cfg.turn_deg) or 0.0)
        if rest <= self.cfg.max_far_hold_s:
            return rep
        if self._set.vouch(rep.top_deg, rep.bottom_deg, pause, self.cfg.rest_restart_s):
            return rep  # a bottom held for seconds, left by an extension to the set's top
        return None  # the foot came down and rested there (a fidget or two on the floor between)
