"""The workout state machine: the one owner of the plan, sets, rests, counted reps and cues.

Sans-IO in the style of h11: feed it the pipeline's events (:meth:`Workout.handle`), the
passage of sensor time (:meth:`Workout.advance`) and the person's actions (pause, end the set,
start the next one); it changes ``state`` and returns typed workout events. It owns no clock:
time is always the sensor time that came with the events or the explicit ``advance(t_s)``, so
a replay, a re-analysis from history and a test driven by plain event lists see exactly what
the live session saw. The dashboard, the exports and ``glide history`` only read it.

States (:class:`~sensor.core.types.WorkoutState`)::

    CALIBRATING --calibrated / rep--> ACTIVE --last rep of a set / end_set--> RESTING
    ACTIVE <--> PAUSED (pause / resume)   RESTING --timer / start_next_set / a rep--> ACTIVE
    any --last rep of the last set / end_set on the last set / finish--> DONE

A rep reported while PAUSED or DONE is not counted (:class:`RepNotCounted`). Moving again
during the rest ends it: the rep counts toward the next set.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from sensor.core.ankle_reps import AnkleRep
from sensor.core.coach import DEFAULT_RANGE_DEG, Cue, CueRules, Plan
from sensor.core.events import Event, Hold, PartialRep, PhaseStarted, Rep, RepCompleted, SensorStatus, TurnReached
from sensor.core.summary import set_summary
from sensor.core.types import CueKind, Phase, Posture, SensorStatusKind, WorkoutState
from sensor.core.workout_events import (
    RepCounted,
    RepNotCounted,
    RestEnded,
    RestStarted,
    SessionCompleted,
    SetCompleted,
    SetStarted,
    StateChanged,
    WorkoutEvent,
)

__all__ = [
    "Cue",
    "Plan",
    "RepCounted",
    "RepNotCounted",
    "RestEnded",
    "RestStarted",
    "SessionCompleted",
    "SetCompleted",
    "SetRecord",
    "SetStarted",
    "StateChanged",
    "Workout",
    "WorkoutEvent",
    "infer_plan",
    "replay_workout",
]


@dataclass
class SetRecord:
    index: int
    reps: list[Rep] = field(default_factory=list)
    started_s: float | None = None
    ended_s: float | None = None

    def summary(self) -> dict[str, Any]:
        return {"set": self.index, **set_summary(self.reps)}


# ---------------------------------------------------------------------------- the machine
class Workout:
    """Plan, sets, rests, counted reps and cues of one session."""

    def __init__(
        self,
        plan: Plan | None = None,
        posture: str = Posture.SUPINE,
        *,
        repeat_s: float = 8.0,
        tolerance: float | None = None,
        calibrated: bool = False,
    ) -> None:
        self.plan = plan or Plan()
        self.posture = Posture(posture)
        self.rules = (
            CueRules(self.plan, self.posture, repeat_s)
            if tolerance is None
            else CueRules(self.plan, self.posture, repeat_s, tolerance)
        )
        self._state = WorkoutState.ACTIVE if calibrated else WorkoutState.CALIBRATING
        self.calibrated = calibrated
        self.sets: list[SetRecord] = [SetRecord(1)]
        self.reps: list[Rep] = []  # counted reps, numbered across the session
        self.uncounted = 0
        self.rep_notes: dict[int, str] = {}  # rep index -> the cue it earned ("slow down", ...)
        self.best_rom = 0.0
        self.best_top = -180.0
        self.best_bottom = 180.0
        self.cue: Cue | None = None  # the last cue given
        self.resting_until: float | None = None
        self.phase: Phase | None = None  # what the shin is doing (flex_down | extend_up | hold)
        self.phase_where = ""  # for a hold: "bottom", "top" or "rest"
        self.t_s = 0.0  # the latest sensor time seen
        self.ankle: dict[int, AnkleRep] = {}  # rep index -> its ankle figures (only with a foot sensor)

    # ------------------------------------------------------------------ state
    @property
    def state(self) -> WorkoutState:
        return self._state

    def _set_state(self, new: WorkoutState, out: list[WorkoutEvent]) -> None:
        if new != self._state:
            out.append(StateChanged(self.t_s, self._state, new))
            self._state = new

    def _done(self) -> bool:
        return self._state == WorkoutState.DONE

    def _running_state(self) -> WorkoutState:
        return WorkoutState.ACTIVE if self.calibrated else WorkoutState.CALIBRATING

    @property
    def current(self) -> SetRecord:
        return self.sets[-1]

    @property
    def set_index(self) -> int:
        return self.current.index

    @property
    def reps_in_set(self) -> int:
        return len(self.current.reps)

    @property
    def total_reps(self) -> int:
        return len(self.reps)

    @property
    def complete(self) -> bool:
        """The whole plan is done (every set with its reps)."""
        return len(self.sets) >= self.plan.sets and self.reps_in_set >= self.plan.reps_per_set

    @property
    def last_rep(self) -> Rep | None:
        return self.reps[-1] if self.reps else None

    def sets_done(self) -> list[SetRecord]:
        """Sets with at least one rep (the current one included)."""
        return [s for s in self.sets if s.reps]

    def finished_sets(self) -> list[SetRecord]:
        """Sets that have ended, with at least one rep."""
        return [s for s in self.sets if s.reps and s.ended_s is not None]

    def shown_set(self) -> SetRecord:
        """The set whose numbers to show: the current one, or the last one while resting before the next."""
        if not self.current.reps and len(self.sets) > 1:
            return self.sets[-2]
        return self.current

    def rest_remaining(self, t_s: float | None = None) -> float | None:
        """Seconds of rest left at sensor time ``t_s`` (default: now), 0 once over; None when not resting."""
        if self.resting_until is None:
            return None
        return max(self.resting_until - (self.t_s if t_s is None else t_s), 0.0)

    def rest_cue(self, t_s: float | None = None) -> Cue | None:
        """The countdown line to show during the rest (not rate-limited)."""
        left = self.rest_remaining(t_s)
        if left is None:
            return None
        t = self.t_s if t_s is None else t_s
        nxt = f"set {self.current.index} of {self.plan.sets}"
        if left > 0:
            return Cue(t, CueKind.REST, f"Rest {left:.0f} s: lower the leg and relax. Next: {nxt}.")
        return Cue(t, CueKind.REST, f"Rest over: start {nxt} when you are ready.")

    def target_range(self) -> tuple[float, float]:
        """(bottom, top) shin elevation in degrees to aim for, for gauges and plots.

        Until three reps are in, a comfortable default for the posture; then the person's own
        best bottom and top so far (the reference the range cues use too).
        """
        lo, hi = DEFAULT_RANGE_DEG[self.posture]
        if self.total_reps > 2:
            return (
                min(self.best_bottom, hi - self.plan.min_rom_deg),
                max(self.best_top, lo + self.plan.min_rom_deg),
            )
        return lo, hi

    # ------------------------------------------------------------------ inputs: time and events
    def advance(self, t_s: float) -> list[WorkoutEvent]:
        """Sensor time has reached ``t_s``: ends the rest when its timer runs out."""
        self.t_s = max(self.t_s, t_s)
        out: list[WorkoutEvent] = []
        if self._state == WorkoutState.RESTING and self.rest_remaining() == 0:
            self._end_rest("timer", out)
        return out

    def handle(self, ev: Event) -> list[WorkoutEvent]:
        """One pipeline event in, the workout events it causes out."""
        out = self.advance(ev.t_s)
        if isinstance(ev, RepCompleted):
            self._count(ev, out)
        elif isinstance(ev, PhaseStarted):
            self.phase, self.phase_where = ev.phase, ""
        elif isinstance(ev, TurnReached):
            self.phase, self.phase_where = Phase.HOLD, ev.where
        elif isinstance(ev, Hold):
            if self.phase != Phase.HOLD:
                self.phase, self.phase_where = Phase.HOLD, ev.where
        elif isinstance(ev, PartialRep):
            if self._state in (WorkoutState.ACTIVE, WorkoutState.CALIBRATING):
                self._cue(self.rules.partial(ev), out)
        elif isinstance(ev, SensorStatus) and ev.kind == SensorStatusKind.CALIBRATED:
            self.calibrated = True
            if self._state == WorkoutState.CALIBRATING:
                self._set_state(WorkoutState.ACTIVE, out)
        return out

    def handle_all(self, events: Iterable[Event]) -> list[WorkoutEvent]:
        out: list[WorkoutEvent] = []
        for ev in events:
            out.extend(self.handle(ev))
        return out

    # ------------------------------------------------------------------ inputs: the person
    def toggle_pause(self) -> list[WorkoutEvent]:
        """Space: pause a running set, resume a paused one, or start the next set from the rest."""
        out: list[WorkoutEvent] = []
        if self._state == WorkoutState.PAUSED:
            self._set_state(self._running_state(), out)
        elif self._state in (WorkoutState.ACTIVE, WorkoutState.CALIBRATING):
            self._set_state(WorkoutState.PAUSED, out)
        elif self._state == WorkoutState.RESTING:
            out.extend(self.start_next_set())
        return out

    def end_set(self, t_s: float | None = None) -> list[WorkoutEvent]:
        """Close the current set now (the rest starts, or the session ends after the last set).

        Nothing happens on a set without reps or once the session is done.
        """
        if t_s is not None:
            self.t_s = max(self.t_s, t_s)
        out: list[WorkoutEvent] = []
        if self._state == WorkoutState.DONE or not self.current.reps:
            return out
        self._close_set(self.t_s, out)
        return out

    def start_next_set(self) -> list[WorkoutEvent]:
        """The person starts the next set before the rest timer has run out."""
        out: list[WorkoutEvent] = []
        if self._state == WorkoutState.RESTING:
            self._end_rest("person", out)
        return out

    def recalibrate(self) -> list[WorkoutEvent]:
        """The mounting is learned afresh: counting resumes once it is."""
        out: list[WorkoutEvent] = []
        self.calibrated = False
        self.phase, self.phase_where = None, ""
        if self._state in (WorkoutState.ACTIVE, WorkoutState.PAUSED):
            self._set_state(WorkoutState.CALIBRATING, out)
        return out

    def finish(self, t_s: float | None = None) -> list[WorkoutEvent]:
        """The stream is over: close the set in progress and end the session."""
        if t_s is not None:
            self.t_s = max(self.t_s, t_s)
        out: list[WorkoutEvent] = []
        if self._state == WorkoutState.DONE:
            return out
        if self.current.reps:
            self._close_set(self.t_s, out, rest=False)  # the last set ends the session itself
        if not self._done():
            self.resting_until = None
            out.append(SessionCompleted(self.t_s, self.total_reps, len(self.sets_done()), self.complete))
            self._set_state(WorkoutState.DONE, out)
        return out

    def ankle_figures(self, rep_index: int, ankle: AnkleRep, t_s: float) -> list[WorkoutEvent]:
        """A counted rep's ankle figures (:mod:`sensor.core.ankle_live`), kept for logs and screen.
        A wrong ankle pattern earns the foot's cue only for the latest rep within 3 s of its end
        (not figures that came late), when the shin's rules had nothing more pressing for it."""
        self.t_s = max(self.t_s, t_s)
        self.ankle[rep_index] = ankle
        out: list[WorkoutEvent] = []
        last = self.last_rep
        latest = last is not None and last.index == rep_index and self.t_s - last.end_s <= 3.0
        running = self._state in (WorkoutState.ACTIVE, WorkoutState.RESTING)
        if latest and running and self.rep_notes.get(rep_index, "good") == "good":
            cue = self.rules.ankle(ankle, self.t_s)
            if cue is not None:
                self.rep_notes[rep_index] = cue.kind.replace("_", " ")
            self._cue(cue, out)
        return out

    # ------------------------------------------------------------------ transitions
    def _count(self, ev: RepCompleted, out: list[WorkoutEvent]) -> None:
        if self._state in (WorkoutState.PAUSED, WorkoutState.DONE):
            self.uncounted += 1
            out.append(RepNotCounted(ev.t_s, self._state))
            return
        if self._state == WorkoutState.RESTING:
            self._end_rest("movement", out, announce=False)  # moving again ends the rest
        rep = replace(ev.rep, index=len(self.reps) + 1)
        cur = self.current
        if cur.started_s is None:
            cur.started_s = rep.start_s
            out.append(SetStarted(ev.t_s, cur.index))
        cur.reps.append(rep)
        self.reps.append(rep)
        out.append(RepCounted(ev.t_s, rep, cur.index, len(cur.reps)))
        reference = self.best_rom if self.total_reps > 2 else None
        cue = self.rules.judge(rep, ev.t_s, cur.reps, reference, self.best_top, self.best_bottom)
        self.best_rom = max(self.best_rom, rep.rom_deg)
        self.best_top = max(self.best_top, rep.top_deg)
        self.best_bottom = min(self.best_bottom, rep.bottom_deg)
        if cue is not None:
            self.rep_notes[rep.index] = cue.kind.replace("_", " ")
        self._cue(cue, out)
        if self._state == WorkoutState.CALIBRATING:
            self._set_state(WorkoutState.ACTIVE, out)
        if len(cur.reps) >= self.plan.reps_per_set:
            self._close_set(ev.t_s, out)

    def _close_set(self, t: float, out: list[WorkoutEvent], rest: bool = True) -> None:
        """End the current set at sensor time ``t``; then the rest, or the end of the session
        after the last set. ``rest=False``: the stream ended, no rest follows."""
        cur = self.current
        cur.ended_s = t
        out.append(SetCompleted(t, cur.index, len(cur.reps), len(cur.reps) < self.plan.reps_per_set))
        if len(self.sets) >= self.plan.sets:
            text = f"Session done: {self.total_reps} reps in {len(self.sets)} sets. Well done."
            self._cue(self.rules.emit(Cue(t, CueKind.SESSION_DONE, text), force=True), out)
            self.resting_until = None
            out.append(SessionCompleted(t, self.total_reps, len(self.sets_done()), self.complete))
            self._set_state(WorkoutState.DONE, out)
            return
        if not rest:
            return
        self.sets.append(SetRecord(len(self.sets) + 1))
        self.resting_until = t + self.plan.rest_s
        text = f"Set {cur.index} done: {len(cur.reps)} reps. Rest {self.plan.rest_s:.0f} s."
        self._cue(self.rules.emit(Cue(t, CueKind.SET_DONE, text), force=True), out)
        out.append(RestStarted(t, self.resting_until, self.current.index))
        self._set_state(WorkoutState.RESTING, out)

    def _end_rest(self, by: str, out: list[WorkoutEvent], announce: bool = True) -> None:
        self.resting_until = None
        out.append(RestEnded(self.t_s, by))
        if announce:
            n = f"set {self.current.index} of {self.plan.sets}"
            text = f"Rest over: start {n} when you are ready." if by == "timer" else f"{n.capitalize()}: go."
            self._cue(Cue(self.t_s, CueKind.REST, text), out)
        self._set_state(self._running_state(), out)

    def _cue(self, cue: Cue | None, out: list[WorkoutEvent]) -> None:
        if cue is not None:
            self.cue = cue
            out.append(cue)


def replay_workout(
    events: Iterable[Event], plan: Plan | None = None, posture: str = Posture.SUPINE, finish: bool = True
) -> Workout:
    """A workout driven by a recorded run of pipeline events (re-analysis, exports, tests)."""
    w = Workout(plan, posture)
    w.handle_all(events)
    if finish:
        w.finish()
    return w


def infer_plan(reps: list[Rep], base: Plan | None = None, rest_gap_s: float = 15.0) -> Plan:
    """The plan a recording followed: its reps split into sets wherever the person paused for
    more than ``rest_gap_s`` between reps (so a replayed 10-rep trace is "1 x 10", not "3 x 10").
    Tempo and rest targets are kept from ``base``; without reps, ``base`` itself."""
    base = base or Plan()
    if not reps:
        return base
    sizes = [1]
    for prev, rep in zip(reps[:-1], reps[1:]):
        if rep.start_s - prev.end_s > rest_gap_s:
            sizes.append(1)
        else:
            sizes[-1] += 1
    return replace(base, reps_per_set=max(sizes), sets=len(sizes))
