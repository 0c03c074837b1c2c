"""The kinematics container the activity writers fill: one leg on a fine time grid.

A :class:`Motion` holds shin and thigh elevation in the sagittal plane, hip height and forward
speed, heading, leg roll, the strap's turn about the shin and the foot's elevation (ankle ->
forefoot; conventions in :mod:`sensor.sim.activities`). Foot-planted stretches (squats, lunges,
the stance of a step) are marked with :meth:`Motion.plant`: over them the renderer places the hip
from the fixed forefoot and the leg's angles instead of the free ``v`` / ``hz`` channels, so the
foot stays on the floor as a real stance foot does. Moves are minimum-jerk (Flash & Hogan 1985, J Neurosci 5:1688),
so every channel stays smooth; :mod:`sensor.sim.people` renders it into IMU samples.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

CHANNELS = ("e", "p", "hz", "v", "psi", "roll", "strap", "ft")
STAND_HZ = 0.92  # hip height standing (m), for a ~1.75 m adult
SEAT_HZ = 0.46
FLOOR_HZ = 0.10
# Foot lever ankle -> forefoot (metatarsal heads) and ankle height, as fractions of body height
# (ankle height 0.039 H: Winter 2009, Fig. 4.1 segment lengths); flat on the floor the lever
# points forward and down by asin(0.039 / 0.085) ~ 27 deg.
FOOT_LEVER_H = 0.085
ANKLE_HEIGHT_H = 0.039
SHANK_H = 0.246  # knee -> ankle as a fraction of body height (Winter 2009, Fig. 4.1)
FOOT_FLAT = -float(np.degrees(np.arcsin(ANKLE_HEIGHT_H / FOOT_LEVER_H)))


def mj(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Minimum-jerk profile (0 -> 1) and its derivative per unit of normalised time."""
    tau = np.arange(1, n + 1) / n
    return 10 * tau**3 - 15 * tau**4 + 6 * tau**5, 30 * tau**2 - 60 * tau**3 + 30 * tau**4


@dataclass
class Motion:
    """Fine-grid kinematics of one leg, built by appending; every channel stays continuous."""

    fs: float
    state: dict[str, float] = field(default_factory=dict)
    parts: dict[str, list[np.ndarray]] = field(default_factory=lambda: {k: [] for k in CHANNELS})
    n: int = 0
    reps: list[dict[str, float]] = field(default_factory=list)
    segments: list[tuple[str, float, float]] = field(default_factory=list)  # ground truth of what happened
    impacts: list[tuple[float, float, float]] = field(default_factory=list)  # (t, peak m/s^2, freq Hz)
    planted: list[tuple[int, int]] = field(default_factory=list)  # fine-grid [i0, i1] with the forefoot fixed

    @property
    def t(self) -> float:
        return self.n / self.fs

    def _append(self, arrays: Mapping[str, np.ndarray]) -> None:
        m = len(next(iter(arrays.values())))
        for k in CHANNELS:
            a = arrays.get(k)
            if a is None:
                a = np.full(m, self.state[k])
            self.parts[k].append(np.asarray(a, float))
            self.state[k] = float(a[-1])
        self.n += m

    def move(self, dur: float, dx: float = 0.0, **targets: float) -> float:
        """Minimum-jerk move of the named channels to their targets (hip forward by ``dx`` m)."""
        m = max(int(round(dur * self.fs)), 1)
        prof, dprof = mj(m)
        arrays = {k: self.state[k] + (v - self.state[k]) * prof for k, v in targets.items()}
        if dx:
            arrays["v"] = self.state["v"] + dx * dprof / (m / self.fs)
        self._append(arrays)
        return self.t

    def hold(self, dur: float) -> float:
        m = max(int(round(dur * self.fs)), 1)
        self._append({k: np.full(m, self.state[k]) for k in CHANNELS})
        return self.t

    def curves(self, arrays: Mapping[str, np.ndarray]) -> float:
        self._append(arrays)
        return self.t

    def here(self) -> int:
        """Index of the current (at rest) sample, where a planted stretch starts."""
        return max(self.n - 1, 0)

    def plant(self, i0: int) -> None:
        """Mark samples ``i0 .. now`` foot-planted: the forefoot stays where it was at ``i0``.

        Start and end the stretch at rest (the ends of minimum-jerk moves or holds, ``v`` = 0),
        so the hip's velocity is continuous where the free integration takes over again."""
        if self.n - 1 > i0:
            self.planted.append((i0, self.n - 1))

    def segment(self, kind: str, t0: float) -> None:
        self.segments.append((kind, round(t0, 4), round(self.t, 4)))

    def arrays(self) -> dict[str, np.ndarray]:
        return {k: np.concatenate(v) if v else np.empty(0) for k, v in self.parts.items()}


def new_motion(fs: float, posture: str) -> Motion:
    """Start standing (both postures begin on their feet: they walk to the mat or the chair)."""
    m = Motion(fs)
    m.state = {"e": -90.0, "p": -90.0, "hz": STAND_HZ, "v": 0.0, "psi": 0.0, "roll": 0.0, "strap": 0.0, "ft": FOOT_FLAT}
    return m
