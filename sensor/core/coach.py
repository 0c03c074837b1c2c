"""Coaching rules: the plan's targets, the thresholds, and the one short cue a rep earns.

This is the rule book of :mod:`sensor.core.workout`, which owns sets, rests and reps and asks
these rules what to say. Pure logic (no clock, no screen): time is the sensor time carried by
events, so a replay gives the same cues as the live session. Screens that colour a number
green or yellow ask :func:`meets_tempo` and :func:`rhythm_grade` rather than repeating a
threshold.

Cues follow what physiotherapists ask of this exercise: slow, controlled phases, a full and
comfortable range, a brief hold at the end range, a steady rhythm, and rest between sets. A cue
is never repeated within ``repeat_s`` seconds and never more than one per rep, so the person is
not nagged mid-movement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sensor.core.ankle_reps import CUE_FLEX, AnkleConfig, AnkleRep, ankle_cues
from sensor.core.events import PartialRep, Rep
from sensor.core.safety import SAFETY_NOTE  # re-exported: one wording everywhere
from sensor.core.types import CueKind, Posture, Severity

__all__ = [
    "DEFAULT_RANGE_DEG",
    "RANGE_SHORT_FRACTION",
    "RHYTHM_CV_GOOD",
    "RHYTHM_CV_WARN",
    "SAFETY_NOTE",
    "TEMPO_TOLERANCE",
    "Cue",
    "CueRules",
    "Plan",
    "Targets",
    "far_hold_s",
    "meets_tempo",
    "rhythm_grade",
]

# Default (bottom, top) shin elevation to aim for before the person's own range is known:
# supine, heel toward the glute and leg toward the ceiling; seated, hanging and near horizontal.
DEFAULT_RANGE_DEG: dict[str, tuple[float, float]] = {Posture.SUPINE: (-30.0, 60.0), Posture.SEATED: (-80.0, -20.0)}

TEMPO_TOLERANCE = 0.35  # a phase or hold shorter than (1 - this) x its target earns a cue
RANGE_SHORT_FRACTION = 0.85  # a range below this fraction of the reference earns a cue
RHYTHM_CV_WARN = 0.3  # rep-duration coefficient of variation above which the rhythm is uneven
RHYTHM_CV_GOOD = 0.15  # ... and at or below which it is steady
RHYTHM_WINDOW = 5  # the last reps of the set the rhythm is judged on (at least 4 needed)


@dataclass(frozen=True)
class Plan:
    """What the person set out to do: sets x reps, the tempo targets and the rest."""

    reps_per_set: int = 10
    sets: int = 3
    down_s: float = 2.0  # target duration of the flex-down
    up_s: float = 2.0  # target duration of the extend-up
    hold_s: float = 1.0  # target hold at the end range
    rest_s: float = 60.0  # rest between sets
    min_rom_deg: float = 30.0
    target_rom_deg: float | None = None  # None: the person's own best so far is the reference


Targets = Plan  # the name the coach used; the plan is the same thing


@dataclass(frozen=True)
class Cue:
    """One short line of coaching, at sensor time ``t_s``."""

    t_s: float
    kind: CueKind
    text: str
    severity: Severity = Severity.INFO


def far_hold_s(rep: Rep, posture: str) -> float:
    """The hold at the far turning point, the one the plan's ``hold_s`` is about."""
    return rep.hold_bottom_s if posture == Posture.SUPINE else rep.hold_top_s


def meets_tempo(value_s: float, target_s: float, tolerance: float = TEMPO_TOLERANCE) -> bool:
    """Whether a phase or hold lasting ``value_s`` is slow enough for a ``target_s`` target."""
    return value_s >= target_s * (1 - tolerance)


def rhythm_grade(cv: float) -> Severity | None:
    """None when the rhythm is steady, INFO when acceptable, WARN when uneven (the cue's rule)."""
    if cv <= RHYTHM_CV_GOOD:
        return None
    return Severity.WARN if cv > RHYTHM_CV_WARN else Severity.INFO


class CueRules:
    """Which cue a rep earns (most important first) and the rate limit on repeating one."""

    def __init__(self, plan: Plan, posture: str, repeat_s: float = 8.0, tolerance: float = TEMPO_TOLERANCE) -> None:
        self.plan = plan
        self.posture = posture
        self.repeat_s = repeat_s
        self.tol = tolerance
        self._last_by_kind: dict[str, float] = {}

    def partial(self, ev: PartialRep) -> Cue | None:
        text = f"Partial rep ({ev.rom_deg:.0f}° of {ev.min_rom_deg:.0f}°) not counted: go through the full range."
        return self.emit(Cue(ev.t_s, CueKind.PARTIAL_REP, text, Severity.WARN))

    def judge(
        self,
        rep: Rep,
        t: float,
        set_reps: Sequence[Rep],
        reference_rom: float | None,
        best_top: float,
        best_bottom: float,
    ) -> Cue | None:
        """The cue for ``rep`` (already appended to ``set_reps``), judged against the plan and
        against this person's best so far (``reference_rom`` None while it is not known)."""
        tg, tol = self.plan, self.tol
        if rep.has_flex_down and not meets_tempo(rep.flex_down_s, tg.down_s, tol):
            text = f"Slow down: lower over {tg.down_s:.0f} s (that was {rep.flex_down_s:.1f} s)."
            return self.emit(Cue(t, CueKind.SLOW_DOWN, text, Severity.WARN))
        if not meets_tempo(rep.extend_up_s, tg.up_s, tol):
            text = f"Slow down: straighten over {tg.up_s:.0f} s (that was {rep.extend_up_s:.1f} s)."
            return self.emit(Cue(t, CueKind.SLOW_DOWN, text, Severity.WARN))
        ref = tg.target_rom_deg or reference_rom
        if ref and rep.rom_deg < RANGE_SHORT_FRACTION * ref:
            # which end fell short, against this person's best top and bottom so far
            if best_top - rep.top_deg >= rep.bottom_deg - best_bottom:
                what, kind = "Straighten", CueKind.EXTEND_FURTHER
            else:
                what, kind = "Bend the knee", CueKind.LOWER_FURTHER
            text = f"{what} a little further if it stays comfortable ({rep.rom_deg:.0f}° of {ref:.0f}°)."
            return self.emit(Cue(t, kind, text))
        if tg.hold_s > 0 and rep.has_flex_down and not meets_tempo(far_hold_s(rep, self.posture), tg.hold_s, tol):
            where = "bottom" if self.posture == Posture.SUPINE else "top"
            return self.emit(Cue(t, CueKind.HOLD_END_RANGE, f"Pause briefly at the {where} (about {tg.hold_s:.0f} s)."))
        durations = [r.duration_s for r in set_reps[-RHYTHM_WINDOW:] if r.has_flex_down]
        if len(durations) >= 4:
            cv = float(np.std(durations, ddof=1) / np.mean(durations))
            if rhythm_grade(cv) == Severity.WARN:
                return self.emit(Cue(t, CueKind.STEADY_RHYTHM, "Keep a steady rhythm from rep to rep."))
        down = f", down {rep.flex_down_s:.1f} s" if rep.has_flex_down else ""
        text = f"Good rep: {rep.rom_deg:.0f}°{down}, up {rep.extend_up_s:.1f} s."
        return self.emit(Cue(t, CueKind.GOOD, text))

    def ankle(self, ankle: AnkleRep, t: float, config: AnkleConfig | None = None) -> Cue | None:
        """The foot's cue for one rep's ankle figures (issue 16): "flex your foot as you lower" or
        "point your toes as you straighten" when that half of the pattern was missing or reversed
        (rules: :func:`sensor.core.ankle_reps.ankle_cues`). One cue per rep like every other: when
        both halves were wrong, the one said longer ago (or never) comes first, so a reversed
        pattern hears both in turn; each kind is rate-limited as usual."""
        kinds = [
            (CueKind.FLEX_FOOT if text == CUE_FLEX else CueKind.POINT_TOES, text) for text in ankle_cues(ankle, config)
        ]
        kinds.sort(key=lambda kt: self._last_by_kind.get(kt[0], -np.inf))
        for kind, text in kinds:
            cue = self.emit(Cue(t, kind, text[:1].upper() + text[1:] + ".", Severity.WARN))
            if cue is not None:
                return cue
        return None

    def emit(self, cue: Cue, force: bool = False) -> Cue | None:
        """``cue``, unless one of its kind was given less than ``repeat_s`` ago (``good`` always passes)."""
        last = self._last_by_kind.get(cue.kind)
        if not force and cue.kind != CueKind.GOOD and last is not None and cue.t_s - last < self.repeat_s:
            return None
        self._last_by_kind[cue.kind] = cue.t_s
        return cue
