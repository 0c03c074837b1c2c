"""The project's vocabularies: one enum per concept, shared by the core, the shells and the exports.

Every enum is a :class:`enum.StrEnum`, so a member *is* its string: it compares equal to the
plain strings older code and files use (``Posture.SUPINE == "supine"``), and JSON, CSV and
f-strings print the bare value. Exports therefore stay byte-identical while the code gains one
checked spelling per concept. The activity context vocabulary lives in ``sensor.core.context``.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "Context",
    "ContextShown",
    "CueKind",
    "LinkStatus",
    "Phase",
    "Posture",
    "PostureMismatch",
    "SensorStatusKind",
    "Severity",
    "WorkoutState",
]


class Posture(StrEnum):
    """How the exercise is done: lying on the back (heel down first) or seated (shin hanging)."""

    SUPINE = "supine"
    SEATED = "seated"


class Phase(StrEnum):
    """What the shin is doing, as the phase detector reports it."""

    FLEX_DOWN = "flex_down"
    EXTEND_UP = "extend_up"
    HOLD_BOTTOM = "hold_bottom"
    HOLD_TOP = "hold_top"
    HOLD = "hold"


class SensorStatusKind(StrEnum):
    """``SensorStatus.kind``: the sensor's and the self-calibration's state."""

    CALIBRATING = "calibrating"
    CALIBRATED = "calibrated"
    UNCALIBRATED = "uncalibrated"
    MOUNTING_CHANGED = "mounting_changed"
    GAP = "gap"
    SKIPPED = "skipped"
    BUFFER_TRIMMED = "buffer_trimmed"
    # The mounting was refused because the movement looks like the *other* posture; ``detail``
    # is a :class:`PostureMismatch` value (the dashboard and the voice say which one to choose).
    POSTURE_MISMATCH = "posture_mismatch"


class PostureMismatch(StrEnum):
    """``SensorStatus.detail`` of a ``posture_mismatch`` status: why no reading can be taught."""

    LOOKS_SUPINE = "looks_supine"  # seated chosen, but the rests look like lying on the back


class LinkStatus(StrEnum):
    """Where the stream of samples stands (a BLE link, a replay, the simulated sensor)."""

    SCANNING = "scanning"
    CONNECTING = "connecting"
    STREAMING = "streaming"
    PAUSED = "paused"
    RECONNECTING = "reconnecting"
    STOPPED = "stopped"
    ENDED = "ended"
    FAILED = "failed"


class WorkoutState(StrEnum):
    """The workout state machine's state (``sensor.core.workout``)."""

    CALIBRATING = "calibrating"  # the mounting is not learned yet (reps still count once it is)
    ACTIVE = "active"  # a set is running
    PAUSED = "paused"  # the person paused the set: reps are not counted
    RESTING = "resting"  # between sets, the rest timer runs in sensor time
    DONE = "done"  # the plan is complete or the stream ended


class CueKind(StrEnum):
    """What a coaching cue is about (``Cue.kind``)."""

    SLOW_DOWN = "slow_down"
    EXTEND_FURTHER = "extend_further"
    LOWER_FURTHER = "lower_further"
    HOLD_END_RANGE = "hold_end_range"
    STEADY_RHYTHM = "steady_rhythm"
    PARTIAL_REP = "partial_rep"
    REST = "rest"
    SET_DONE = "set_done"
    SESSION_DONE = "session_done"
    GOOD = "good"
    FLEX_FOOT = "flex_foot"  # the foot sensor saw no dorsiflexion while lowering (issue 16)
    POINT_TOES = "point_toes"  # ... no plantarflexion while straightening


class Severity(StrEnum):
    """How a message is shown: plainly, as a warning, or as an error."""

    INFO = "info"
    WARN = "warn"
    ERROR = "error"


class Context(StrEnum):
    """What the wearer is doing, as far as counting is concerned (see ``sensor.core.context``)."""

    UNKNOWN = "unknown"  # the mounting is not learned yet
    EXERCISE = "exercise"  # in the exercise posture: reps count
    ON_FEET = "on_feet"  # standing, walking, stepping, squatting, lunging: counting paused
    REPOSITIONING = "repositioning"  # lying down, getting up, rolling over, re-strapping


class ContextShown(StrEnum):
    """What the person is told about counting (``sensor.core.context_status``): the activity
    context once it has lasted long enough to say, or why there is no context yet."""

    GET_INTO_POSITION = "get_into_position"  # the mounting is not learned yet
    RELEARNING = "relearning"  # the sensor moved on the shin: learning how it sits again
    LOOKS_SUPINE = "looks_supine"  # seated chosen, the movement looks like lying: choose supine
    COUNTING = "counting"  # in the exercise posture
    ON_FEET = "on_feet"  # standing, walking...: counting paused
    CHANGING = "changing"  # lying down, getting up, rolling over: counting paused
