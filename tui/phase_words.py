"""The phase panel's words: which big word, colour class and hint each moment of a session shows.

The panel is the dashboard's largest text, so it must never describe a movement that is not a
rep: while the activity context says counting is paused (on one's feet, changing position; see
``sensor.core.context_status``) it says so instead of "extend-up", and while the seated reading
is refused because the movement looks like lying down it says which posture to choose instead
of "learning how the sensor sits".
"""

from __future__ import annotations

from sensor.core.context_status import PAUSED
from sensor.core.types import ContextShown, WorkoutState

PHASES = {
    # key: (big word, CSS class, hint supine, hint seated)
    "flex_down": (
        "▼ DOWN",
        "flex-down",
        "flex-down: lower the heel toward the glute, slowly",
        "flex-down: bend the knee back, slowly",
    ),
    "extend_up": (
        "▲ UP",
        "extend-up",
        "extend-up: straighten the leg toward the ceiling, slowly",
        "extend-up: straighten the knee, slowly",
    ),
    "hold": ("HOLD", "hold", "hold", "hold"),
    "paused": ("PAUSED", "paused", "set paused: reps are not counted", "set paused: reps are not counted"),
    "rest": ("REST", "rest", "rest between sets", "rest between sets"),
    "setup": ("SETUP", "setup", "learning how the sensor sits", "learning how the sensor sits"),
    "done": ("DONE", "done", "session complete", "session complete"),
    "ready": ("READY", "ready", "start when you are ready", "start when you are ready"),
    # (the block font has no F, G, M or V: the hint says which pause)
    "on_feet": ("PAUSED", "paused", "on your feet: lie back down to count", "on your feet: sit down to count"),
    "changing": ("PAUSED", "paused", "changing position: counting paused", "changing position: counting paused"),
    "choose_supine": ("SETUP", "setup", "looks like lying down: choose supine", "looks like lying down: choose supine"),
}


def phase_key(state: WorkoutState, calibrated: bool, phase: str | None, shown: ContextShown) -> str:
    """The PHASES key for this moment: the workout's state first, then why there is no
    reading, then the context, then the detector's phase."""
    if state == WorkoutState.PAUSED:
        return "paused"
    if state == WorkoutState.RESTING:
        return "rest"
    if state == WorkoutState.DONE:
        return "done"
    if not calibrated:
        return "choose_supine" if shown == ContextShown.LOOKS_SUPINE else "setup"
    if shown in PAUSED:
        return "on_feet" if shown == ContextShown.ON_FEET else "changing"
    return phase or "ready"
