"""What a session starts from: the person's setup, the settling (calibration) progress the setup
screen shows, and the scrolling angle history. No Textual, no files: :mod:`tui.session` holds them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from sensor.core.coach import Plan
from sensor.core.constants import STANDARD_GRAVITY
from sensor.core.samples import ImuChunk

STILL_GYRO_DPS = 12.0  # a UI hint only: the pipeline does its own rest detection
HOLD_STILL_S = 1.0  # stillness the pipeline needs before it trusts the gyro bias


@dataclass
class SessionSetup:
    leg: str = "left"
    posture: str = "supine"
    reps_per_set: int = 10
    sets: int = 3
    down_s: float = 2.0
    up_s: float = 2.0
    rest_s: float = 60.0

    def targets(self) -> Plan:
        return Plan(
            reps_per_set=self.reps_per_set, sets=self.sets, down_s=self.down_s, up_s=self.up_s, rest_s=self.rest_s
        )

    def validate(self) -> list[str]:
        problems: list[str] = []
        if self.leg not in ("left", "right"):
            problems.append("leg must be left or right")
        if self.posture not in ("supine", "seated"):
            problems.append("posture must be supine or seated")
        if not 1 <= self.reps_per_set <= 100:
            problems.append("reps per set: 1 to 100")
        if not 1 <= self.sets <= 20:
            problems.append("sets: 1 to 20")
        for name in ("down_s", "up_s"):
            if not 0.5 <= getattr(self, name) <= 20:
                problems.append(f"{name.replace('_s', '')} tempo: 0.5 to 20 s")
        if not 0 <= self.rest_s <= 900:
            problems.append("rest: 0 to 900 s")
        return problems


@dataclass
class Calibration:
    """Progress of the settling phase, as the setup screen shows it."""

    samples: int = 0
    still_s: float = 0.0
    held_still: bool = False
    movements: int = 0
    calibrated: bool = False
    detail: str = ""
    _moving: bool = False
    _last_t: float | None = None

    @property
    def progress(self) -> float:
        if self.calibrated:
            return 1.0
        if not self.samples:
            return 0.0
        if not self.held_still:
            return 0.1 + 0.4 * min(self.still_s / HOLD_STILL_S, 1.0)
        return 0.5 + 0.4 * min(self.movements / 2.0, 1.0)

    @property
    def step(self) -> int:
        """0: waiting for samples, 1: hold still, 2: first slow rep, 3: done."""
        if self.calibrated:
            return 3
        if not self.samples:
            return 0
        return 2 if self.held_still else 1

    def add(self, chunk: ImuChunk) -> None:
        self.samples += len(chunk)
        g = np.sqrt((chunk.gyr * chunk.gyr).sum(axis=1))
        a = np.sqrt((chunk.acc * chunk.acc).sum(axis=1))
        moving = bool((g > STILL_GYRO_DPS).any() or (np.abs(a - STANDARD_GRAVITY) > 2.0).any())
        t0 = self._last_t if self._last_t is not None else float(chunk.t[0])
        span = float(chunk.t[-1]) - t0
        self._last_t = float(chunk.t[-1])
        if moving:
            self.still_s = 0.0
        else:
            self.still_s += span
            if self.still_s >= HOLD_STILL_S:
                self.held_still = True
            if self._moving and self.held_still:
                self.movements += 1
        self._moving = moving


class ElevationHistory:
    """The last ``keep_s`` seconds of shin elevation, for the scrolling plot."""

    def __init__(self, keep_s: float = 20.0) -> None:
        self.keep_s = keep_s
        self.t = np.empty(0)
        self.e = np.empty(0)

    def add(self, t: np.ndarray, e: np.ndarray) -> None:
        if not len(t):
            return
        if len(self.t) and self.t[-1] >= t[0]:  # re-analysed history replaces what was shown
            k = int(np.searchsorted(self.t, t[0]))
            self.t, self.e = self.t[:k], self.e[:k]
        self.t = np.concatenate([self.t, t])
        self.e = np.concatenate([self.e, e])
        k = int(np.searchsorted(self.t, self.t[-1] - self.keep_s))
        if k:
            self.t, self.e = self.t[k:], self.e[k:]

    def clear(self) -> None:
        self.t, self.e = np.empty(0), np.empty(0)


def setup_following_trace(path: str, setup: SessionSetup, import_opts: dict[str, Any] | None = None) -> SessionSetup:
    """The setup for replaying ``path`` with the plan the recording followed (its reps split
    into sets at the rests), so a 10-rep trace replays as "1 x 10", not as the default "3 x 10".
    Tempo and rest targets stay as given; a trace without reps keeps ``setup``."""
    from dataclasses import replace

    from sensor.core.pipeline import analyze_stream
    from sensor.core.workout import infer_plan
    from sensor.io.importers import open_trace

    with open_trace(path, **{k: v for k, v in (import_opts or {}).items() if v is not None}) as reader:
        pipe, _ = analyze_stream(reader.chunks(), setup.posture, reader.sample_rate_hz)
    if not pipe.reps:
        return setup
    plan = infer_plan(pipe.reps, setup.targets())
    return replace(setup, reps_per_set=min(plan.reps_per_set, 100), sets=min(plan.sets, 20))


CALIBRATION_STEPS = {
    "supine": [
        "Waiting for the sensor...",
        "Lie on your back, bring the leg to tabletop (knee over hip, shin level) and hold still.",
        "Good. Now one slow rep: lower the heel, then straighten the leg up. glide learns how the sensor sits.",
    ],
    "seated": [
        "Waiting for the sensor...",
        "Sit tall, let the shin hang and hold still.",
        "Good. Now one slow rep: straighten the knee, then lower it back. glide learns how the sensor sits.",
    ],
}
