"""The typed events the workout state machine (:mod:`sensor.core.workout`) emits.

Plain frozen dataclasses like the pipeline's events, so runs compare equal; every one carries
``t_s``, the sensor time at which the workout knew it. ``Cue`` (from the coaching rules) is one
of them too.
"""

from __future__ import annotations

from dataclasses import dataclass

from sensor.core.coach import Cue
from sensor.core.events import Rep
from sensor.core.types import WorkoutState

__all__ = [
    "Cue",
    "RepCounted",
    "RepNotCounted",
    "RestEnded",
    "RestStarted",
    "SessionCompleted",
    "SetCompleted",
    "SetStarted",
    "StateChanged",
    "WorkoutEvent",
]


@dataclass(frozen=True, slots=True)
class StateChanged:
    t_s: float
    old: WorkoutState
    new: WorkoutState


@dataclass(frozen=True, slots=True)
class SetStarted:
    t_s: float
    set_index: int


@dataclass(frozen=True, slots=True)
class RepCounted:
    """A rep the plan counts: ``rep.index`` is numbered across the session."""

    t_s: float
    rep: Rep
    set_index: int
    rep_in_set: int


@dataclass(frozen=True, slots=True)
class RepNotCounted:
    """A rep done while the set was paused or after the session was over."""

    t_s: float
    state: WorkoutState


@dataclass(frozen=True, slots=True)
class SetCompleted:
    t_s: float
    set_index: int
    rep_count: int
    early: bool  # ended by the person (or the stream) before the planned reps


@dataclass(frozen=True, slots=True)
class RestStarted:
    t_s: float
    until_s: float
    next_set: int


@dataclass(frozen=True, slots=True)
class RestEnded:
    t_s: float
    by: str  # "timer" | "person" | "movement"


@dataclass(frozen=True, slots=True)
class SessionCompleted:
    t_s: float
    rep_count: int
    set_count: int
    complete: bool  # the whole plan was done


WorkoutEvent = (
    StateChanged
    | SetStarted
    | RepCounted
    | RepNotCounted
    | SetCompleted
    | RestStarted
    | RestEnded
    | SessionCompleted
    | Cue
)
