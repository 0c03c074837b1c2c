"""Coaching: turns the pipeline's events into sets, targets and at most one short cue at a time.

Pure logic (no clock, no screen): time is the sensor time carried by events, so a replay gives
the same cues as the live session, and tests drive it with plain event lists. The TUI shows
``Cue.text``; the CLI prints it.

Cues follow what physiotherapists ask of this exercise: slow, controlled phases, a full and
comfortable range, a brief hold at the end range, a steady rhythm, and rest between sets. A cue
is never repeated within ``repeat_s`` seconds and never more than one per rep, so the person is
not nagged mid-movement.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from sensor.core.events import Event, PartialRep, Rep, RepCompleted
from sensor.core.safety import SAFETY_NOTE  # noqa: F401  (re-exported: one wording everywhere)

CueKind = Literal[
    "slow_down",
    "extend_further",
    "lower_further",
    "hold_end_range",
    "steady_rhythm",
    "partial_rep",
    "rest",
    "set_done",
    "session_done",
    "good",
]


# Default (bottom, top) shin elevation to aim for before the person's own range is known:
# supine, heel toward the glute and leg toward the ceiling; seated, hanging and near horizontal.
DEFAULT_RANGE_DEG = {"supine": (-30.0, 60.0), "seated": (-80.0, -20.0)}


@dataclass(frozen=True)
class Targets:
    reps_per_set: int = 10
    sets: int = 3
    down_s: float = 2.0  # target duration of the flex-down
    up_s: float = 2.0  # target duration of the extend-up
    hold_s: float = 1.0  # target hold at the end range
    rest_s: float = 60.0  # rest between sets
    min_rom_deg: float = 30.0
    target_rom_deg: float | None = None  # None: the person's own best so far is the reference


@dataclass(frozen=True)
class Cue:
    t_s: float
    kind: CueKind
    text: str
    severity: Literal["info", "warn"] = "info"


@dataclass
class SetRecord:
    index: int
    reps: list[Rep] = field(default_factory=list)
    started_s: float | None = None
    ended_s: float | None = None

    def summary(self) -> dict:
        from sensor.core.summary import set_summary

        return {"set": self.index, **set_summary(self.reps)}


class Coach:
    """Feed it every pipeline event; it keeps the sets and returns the cue to show, if any."""

    def __init__(
        self, targets: Targets | None = None, posture: str = "supine", repeat_s: float = 8.0, tolerance: float = 0.35
    ) -> None:
        self.targets = targets or Targets()
        self.posture = posture
        self.repeat_s = repeat_s
        self.tol = tolerance
        self.sets: list[SetRecord] = [SetRecord(1)]
        self.best_rom: float = 0.0
        self.best_top: float = -180.0
        self.best_bottom: float = 180.0
        self.last_cue: Cue | None = None
        self._last_by_kind: dict[str, float] = {}
        self.resting_until: float | None = None

    # ------------------------------------------------------------------ state
    @property
    def current(self) -> SetRecord:
        return self.sets[-1]

    @property
    def reps_in_set(self) -> int:
        return len(self.current.reps)

    @property
    def total_reps(self) -> int:
        return sum(len(s.reps) for s in self.sets)

    @property
    def done(self) -> bool:
        return len(self.sets) >= self.targets.sets and self.reps_in_set >= self.targets.reps_per_set

    def end_set(self, t_s: float) -> Cue | None:
        """Close the current set (by the user or automatically) and start the rest."""
        cur = self.current
        if not cur.reps:
            return None
        cur.ended_s = t_s
        if len(self.sets) >= self.targets.sets:
            return self._emit(
                Cue(t_s, "session_done", f"Session done: {self.total_reps} reps in {len(self.sets)} sets. Well done."),
                force=True,
            )
        self.sets.append(SetRecord(len(self.sets) + 1))
        self.resting_until = t_s + self.targets.rest_s
        return self._emit(
            Cue(t_s, "set_done", f"Set {cur.index} done: {len(cur.reps)} reps. Rest {self.targets.rest_s:.0f} s."),
            force=True,
        )

    # ------------------------------------------------------------------ rest and targets
    def rest_remaining(self, t_s: float) -> float | None:
        """Seconds of rest left at sensor time ``t_s`` (0 once it is over); None when not resting."""
        if self.resting_until is None:
            return None
        return max(self.resting_until - t_s, 0.0)

    def end_rest(self) -> None:
        """The person chose to start the next set before the rest timer ran out."""
        self.resting_until = None

    def rest_cue(self, t_s: float) -> Cue | None:
        """The cue to show during the rest between sets (not rate-limited: it is a countdown)."""
        left = self.rest_remaining(t_s)
        if left is None:
            return None
        nxt = f"set {self.current.index} of {self.targets.sets}"
        if left > 0:
            return Cue(t_s, "rest", f"Rest {left:.0f} s: lower the leg and relax. Next: {nxt}.")
        return Cue(t_s, "rest", f"Rest over: start {nxt} when you are ready.")

    def target_range(self) -> tuple[float, float]:
        """(bottom, top) shin elevation in degrees to aim for, for gauges and plots.

        Until three reps are in, a comfortable default for the posture; then the person's own
        best bottom and top so far (the reference the range cues use too).
        """
        lo, hi = DEFAULT_RANGE_DEG[self.posture]
        if self.total_reps > 2:
            return (
                min(self.best_bottom, hi - self.targets.min_rom_deg),
                max(self.best_top, lo + self.targets.min_rom_deg),
            )
        return lo, hi

    # ------------------------------------------------------------------ events
    def on_event(self, ev: Event) -> Cue | None:
        if isinstance(ev, PartialRep):
            return self._emit(
                Cue(
                    ev.t_s,
                    "partial_rep",
                    f"Partial rep ({ev.rom_deg:.0f}° of {ev.min_rom_deg:.0f}°) not counted: go through the full range.",
                    "warn",
                )
            )
        if not isinstance(ev, RepCompleted):
            return None
        rep = ev.rep
        if self.resting_until is not None:
            self.resting_until = None  # moving again ends the rest
        cur = self.current
        if cur.started_s is None:
            cur.started_s = rep.start_s
        cur.reps.append(rep)
        cue = self._judge(rep, ev.t_s)
        self.best_rom = max(self.best_rom, rep.rom_deg)
        self.best_top = max(self.best_top, rep.top_deg)
        self.best_bottom = min(self.best_bottom, rep.bottom_deg)
        if self.reps_in_set >= self.targets.reps_per_set:
            return self.end_set(ev.t_s) or cue
        return cue

    def _judge(self, rep: Rep, t: float) -> Cue | None:
        tg, tol = self.targets, self.tol
        # One cue per rep, most important first.
        if rep.flex_down_s < tg.down_s * (1 - tol):
            return self._emit(
                Cue(
                    t,
                    "slow_down",
                    f"Slow down: lower over {tg.down_s:.0f} s (that was {rep.flex_down_s:.1f} s).",
                    "warn",
                )
            )
        if rep.extend_up_s < tg.up_s * (1 - tol):
            return self._emit(
                Cue(
                    t,
                    "slow_down",
                    f"Slow down: straighten over {tg.up_s:.0f} s (that was {rep.extend_up_s:.1f} s).",
                    "warn",
                )
            )
        ref = tg.target_rom_deg or (self.best_rom if self.total_reps > 2 else None)
        if ref and rep.rom_deg < 0.85 * ref:
            # which end fell short, against this person's best top and bottom so far
            top_short = self.best_top - rep.top_deg
            bottom_short = rep.bottom_deg - self.best_bottom
            if top_short >= bottom_short:
                return self._emit(
                    Cue(
                        t,
                        "extend_further",
                        f"Straighten a little further if it stays comfortable ({rep.rom_deg:.0f}° of {ref:.0f}°).",
                    )
                )
            return self._emit(
                Cue(
                    t,
                    "lower_further",
                    f"Bend the knee a little further if it stays comfortable ({rep.rom_deg:.0f}° of {ref:.0f}°).",
                )
            )
        far_hold = rep.hold_bottom_s if self.posture == "supine" else rep.hold_top_s
        if tg.hold_s > 0 and far_hold < tg.hold_s * (1 - tol):
            where = "bottom" if self.posture == "supine" else "top"
            return self._emit(Cue(t, "hold_end_range", f"Pause briefly at the {where} (about {tg.hold_s:.0f} s)."))
        durations = [r.duration_s for r in self.current.reps[-5:]]
        if len(durations) >= 4:
            cv = float(np.std(durations, ddof=1) / np.mean(durations))
            if cv > 0.3:
                return self._emit(Cue(t, "steady_rhythm", "Keep a steady rhythm from rep to rep."))
        return self._emit(
            Cue(t, "good", f"Good rep: {rep.rom_deg:.0f}°, down {rep.flex_down_s:.1f} s, up {rep.extend_up_s:.1f} s.")
        )

    def _emit(self, cue: Cue, force: bool = False) -> Cue | None:
        last = self._last_by_kind.get(cue.kind)
        if not force and cue.kind != "good" and last is not None and cue.t_s - last < self.repeat_s:
            return None
        self._last_by_kind[cue.kind] = cue.t_s
        self.last_cue = cue
        return cue
