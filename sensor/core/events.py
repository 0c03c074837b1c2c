"""Typed events the pipeline emits; the TUI, the CLI and the loggers subscribe to these.

Every event carries ``t_s``, the sensor time at which the pipeline knew it (for a rep, the
moment it was counted). Events are plain frozen dataclasses so they compare equal across runs,
which is what the streaming-vs-offline tests rely on.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Literal

from sensor.core.types import Context, Phase, Posture, PostureMismatch, SensorStatusKind

__all__ = [
    "Context",
    "ContextChanged",
    "Event",
    "Hold",
    "PartialRep",
    "Phase",
    "PhaseStarted",
    "Posture",
    "PostureMismatch",
    "Rep",
    "RepCompleted",
    "SensorStatus",
    "SensorStatusKind",
    "TurnReached",
    "posture_mismatch",
]


@dataclass(frozen=True, slots=True)
class Rep:
    """One completed repetition.

    Supine: flex-down from ``start_s`` to the bottom (``bottom_s``), then extend-up to the top
    (``top_s`` == ``end_s``). Seated: extend-up to the top, then flex-down back to the bottom
    (``bottom_s`` == ``end_s``). The hold at the far turning point lies inside the rep; the hold
    at the near end (the top in supine, the hanging rest when seated) is the one *before*
    ``start_s``, because the hold after the rep only ends when the next rep begins.
    """

    index: int
    posture: Posture
    start_s: float
    bottom_s: float
    top_s: float
    end_s: float
    detected_s: float
    flex_down_s: float
    extend_up_s: float
    hold_bottom_s: float
    hold_top_s: float
    duration_s: float
    rom_deg: float
    bottom_deg: float
    top_deg: float
    peak_velocity_dps: float

    @property
    def has_flex_down(self) -> bool:
        """False for a rep counted from its extension alone: the first rep of a supine set begun at
        its own bottom (:mod:`sensor.core.bent_set`) had no flex-down, so ``flex_down_s`` is 0 and
        its duration is the extension's; tempo cues and tempo statistics leave it out."""
        return self.flex_down_s > 0.0

    def to_dict(self) -> dict[str, Any]:
        """Field name -> value, floats rounded to 3 decimals (what rep logs and JSON carry).

        Same dict as ``dataclasses.asdict`` would give (every field is an int, a float or an
        enum, which asdict's deep copy returns as they are), ~10x faster: no recursion, no copy.
        """
        d = {k: getattr(self, k) for k in _REP_FIELDS}
        for k, v in d.items():
            if isinstance(v, float):
                d[k] = round(v, 3)
        return d


_REP_FIELDS = tuple(f.name for f in fields(Rep))


@dataclass(frozen=True, slots=True)
class PhaseStarted:
    t_s: float
    phase: Phase
    angle_deg: float


@dataclass(frozen=True, slots=True)
class TurnReached:
    """The movement stopped: at the bottom (``where='bottom'``) or at the top."""

    t_s: float
    where: Literal["bottom", "top"]
    angle_deg: float


@dataclass(frozen=True, slots=True)
class Hold:
    t_s: float
    where: Literal["bottom", "top", "rest"]
    angle_deg: float


@dataclass(frozen=True, slots=True)
class RepCompleted:
    t_s: float
    rep: Rep


@dataclass(frozen=True, slots=True)
class PartialRep:
    """A return movement that stopped short of the minimum range: not counted."""

    t_s: float
    rom_deg: float
    min_rom_deg: float


@dataclass(frozen=True, slots=True)
class SensorStatus:
    """State of the sensor and of the pipeline's self-calibration.

    kind: 'calibrating' (mounting not yet learned), 'calibrated' (knee axis and shin direction
    known), 'gap' (samples missing), 'skipped' (invalid samples dropped), 'buffer_trimmed'
    (calibration could not finish within the buffer; oldest samples not analysed),
    'posture_mismatch' (the mounting was refused: the movement looks like the other posture;
    ``detail`` is a :class:`PostureMismatch` value, see :func:`posture_mismatch`).
    """

    t_s: float
    kind: SensorStatusKind | str
    detail: str = ""


def posture_mismatch(t_s: float, why: PostureMismatch = PostureMismatch.LOOKS_SUPINE) -> SensorStatus:
    """The status that says the mounting was refused because the movement looks like the other
    posture (e.g. seated chosen, the rests look like lying on the back): the dashboard and the
    voice then say which posture to choose instead of "learning how the sensor sits" forever.
    The pipeline emits it once when the refusal starts; a later ``calibrated`` supersedes it."""
    return SensorStatus(t_s, SensorStatusKind.POSTURE_MISMATCH, why)


@dataclass(frozen=True, slots=True)
class ContextChanged:
    """The activity context changed at ``t_s`` (the dashboard says "walking: counting paused")."""

    t_s: float
    context: Context
    previous: Context


Event = PhaseStarted | TurnReached | Hold | RepCompleted | PartialRep | SensorStatus | ContextChanged
