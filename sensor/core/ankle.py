"""Ankle plantar/dorsiflexion from a shin IMU and a foot IMU, with no calibration pose.

Why this way: the ankle (talocrural joint) is close to a hinge, so the method of Seel, Raisch and
Schauer ("IMU-based joint angle measurement for gait analysis", Sensors 14(4):6891-6909, 2014)
applies. :mod:`sensor.core.hinge` learns the axis and the joint centre in both sensors' frames;
this module tracks the angle about that axis with the paper's combined estimate (Sect. 3.3):

- the integral of ``g2.j2 - g1.j1`` (the foot's rate relative to the shin's about the axis;
  exact over seconds, drifts with gyro bias), blended by a first-order complementary filter with
- the angle between the two sensors' joint-centre accelerations projected onto the joint plane
  (drift-free, noisy while moving). The blend weight fades when little of that acceleration lies
  in the joint plane (gravity along the axis).

Gyro bias is measured only while both sensors rest (:class:`_JointBias`). Every stage carries its
state between chunks, so a live stream and a whole recording give the same angles.

The angle's zero is arbitrary (there is no calibration pose); what the exercise needs is how
much the foot turns between two instants (the per-rep swing), which the zero does not affect.
The sign is fixed from the knee (see :func:`plantarflexion_sign`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sensor.core.dsp import ffill, lfilter, norm3
from sensor.core.hinge import HingeAxes, gamma_matrix, identify_hinge_axes, identify_joint_centres, rate_derivative
from sensor.core.preprocess import Preprocessor

__all__ = [
    "AnkleAngle",
    "AnkleTracker",
    "HingeAxes",
    "ankle_angle",
    "identify_hinge_axes",
    "identify_joint_centres",
    "plantarflexion_sign",
]

G = 9.80665
_D2R = np.pi / 180.0


def _plane_basis(j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    c = np.eye(3)[int(np.argmin(np.abs(j)))]
    x = np.cross(j, c)
    x /= np.linalg.norm(x)
    return x, np.cross(j, x)


@dataclass
class AnkleAngle:
    """Per-sample output. ``angle_deg``: foot relative to shin about the joint axis (arbitrary
    zero, positive = the foot turns the way j1 points); ``shin_deg``: the shin's own rotation
    about the same axis (integrated gyro), used to tell knee extension from flexion."""

    t: np.ndarray
    angle_deg: np.ndarray
    shin_deg: np.ndarray
    axes: HingeAxes


class _Fuser:
    """The complementary filter with carried state (paper Sect. 3.3), chunk-invariant."""

    def __init__(self, axes: HingeAxes, tau_s: float) -> None:
        self.axes = axes
        self.tau_s = tau_s
        self.x1, self.y1 = _plane_basis(axes.j1)
        self.x2, self.y2 = _plane_basis(axes.j2)
        self.o1 = axes.o1 if axes.o1 is not None else np.zeros(3)
        self.o2 = axes.o2 if axes.o2 is not None else np.zeros(3)
        self.prev: tuple[float, np.ndarray, np.ndarray] | None = None  # last t, g1, g2 (rad/s)
        self.state: float | None = None  # filtered offset of the angle from the gyro integral (rad)
        self.gcum = 0.0  # gyro integral of the relative rate (rad)
        self.shin = 0.0

    def __call__(
        self, t: np.ndarray, acc1: np.ndarray, g1d: np.ndarray, acc2: np.ndarray, g2d: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        g1, g2 = g1d * _D2R, g2d * _D2R
        if self.prev is None:
            self.prev = (float(t[0]), g1[0], g2[0])
        pt, pg1, pg2 = self.prev
        tt = np.concatenate([[pt], t])
        dt = np.clip(np.diff(tt), 0.0, 0.25)  # a gap is not integrated across
        gg1 = np.concatenate([pg1[None], g1])
        gg2 = np.concatenate([pg2[None], g2])
        gd1 = rate_derivative(tt, gg1)[1:]
        gd2 = rate_derivative(tt, gg2)[1:]
        self.prev = (float(t[-1]), g1[-1], g2[-1])
        j1, j2 = self.axes.j1, self.axes.j2
        # trapezoidal increments of the relative rate (foot minus shin) about the axis
        r1 = gg1 @ j1
        r2 = gg2 @ j2
        rel = r2 - r1
        d_rel = 0.5 * (rel[1:] + rel[:-1]) * dt
        d_shin = 0.5 * (r1[1:] + r1[:-1]) * dt
        # accelerometer angle at the joint centre
        v1 = acc1 - np.einsum("nij,j->ni", gamma_matrix(g1, gd1), self.o1)
        v2 = acc2 - np.einsum("nij,j->ni", gamma_matrix(g2, gd2), self.o2)
        p1 = np.arctan2(v1 @ self.y1, v1 @ self.x1)
        p2 = np.arctan2(v2 @ self.y2, v2 @ self.x2)
        inplane = np.hypot(v1 @ self.x1, v1 @ self.y1) * np.hypot(v2 @ self.x2, v2 @ self.y2) / (G * G)
        lam = np.clip(dt / self.tau_s, 0.0, 0.5) * np.clip(inplane, 0.0, 1.0) ** 2
        # Split the angle into the gyro integral g and an offset e = angle - g. The filter
        # a_k = (1 - lam_k)(a_{k-1} + d_k) + lam_k acc_k becomes e_k = (1 - lam_k) e_{k-1} +
        # lam_k (acc_k - g_k): a low-pass of acc - g, which is nearly constant. Wrapping it next to
        # the running offset (per block) keeps a noisy accelerometer angle from ever slipping by
        # a full turn, which a global unwrap cannot promise.
        gcum = self.gcum + np.cumsum(d_rel)
        self.gcum = float(gcum[-1])
        diff = (p1 - p2) - gcum
        if self.state is None:
            self.state = float(_wrap(diff[:1])[0])
        keep = 1.0 - lam
        e = np.empty_like(diff)
        x = self.state
        for a in range(0, len(diff), 64):
            dd = x + _wrap(diff[a : a + 64] - x)
            e[a : a + 64] = _affine_scan(keep[a : a + 64], lam[a : a + 64] * dd, x)
            x = float(e[a + len(dd) - 1])
        self.state = x
        out = gcum + e
        shin = self.shin + np.cumsum(d_shin)
        self.shin = float(shin[-1]) if len(shin) else self.shin
        return out, shin


def _wrap(x: np.ndarray) -> np.ndarray:
    return np.asarray((x + np.pi) % (2 * np.pi) - np.pi)


def _affine_scan(a: np.ndarray, b: np.ndarray, x0: float) -> np.ndarray:
    """x_k = a_k x_{k-1} + b_k for all k, vectorised in blocks: the closed form divides by the
    running product of a_k, which shrinks, so it is applied per block of 64 samples (a_k >= 0.5
    keeps the product above 5e-20)."""
    out = np.empty_like(b)
    x = x0
    for s in range(0, len(b), 64):
        aa, bb = a[s : s + 64], b[s : s + 64]
        if np.all(aa == aa[0]):
            out[s : s + len(bb)] = lfilter([1.0], [1.0, -aa[0]], bb, zi=[aa[0] * x])[0]
        else:
            p = np.cumprod(aa)
            p_safe = np.maximum(p, 1e-300)
            out[s : s + len(bb)] = p * (x + np.cumsum(bb / p_safe))
        x = float(out[s + len(bb) - 1])
    return out


class _JointBias:
    """Gyro bias of both sensors, measured only while *both* are still.

    The shin pipeline's rest detector (``Preprocessor``) judges one sensor at a time, and a foot
    turning slowly while the shin holds can look still to it: its mean rate would then be taken
    for bias and integrated into the angle. So a sample counts as rest only when both sensors'
    detectors agree and both read under ``max_rate_dps`` (above any consumer gyro's bias), and
    the bias is the running mean over the current joint rest, once it has lasted ``min_run_s``.
    Running sums carry across chunks, so the output does not depend on how data were chunked.
    """

    def __init__(self, dt_s: float, max_rate_dps: float = 8.0, min_run_s: float = 0.5) -> None:
        self.pre1, self.pre2 = Preprocessor(dt_s), Preprocessor(dt_s)
        self.max_rate = max_rate_dps
        self.min_count = max(int(round(min_run_s / dt_s)), 1)
        self.bias = np.zeros(6)
        self.run_sum = np.zeros(6)
        self.run_n = 0.0

    def __call__(
        self, t: np.ndarray, a1: np.ndarray, g1: np.ndarray, a2: np.ndarray, g2: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        r1 = self.pre1.process(t, a1, g1)[1]
        r2 = self.pre2.process(t, a2, g2)[1]
        m = r1 & r2 & (norm3(g1) < self.max_rate) & (norm3(g2) < self.max_rate)
        g = np.concatenate([g1, g2], axis=1)
        mf = m.astype(float)
        s_cum = np.cumsum(g * mf[:, None], axis=0)
        c_cum = np.cumsum(mf)
        prev = np.concatenate([[self.run_n > 0], m[:-1]])
        start = m & ~prev
        base_s = ffill(s_cum - g, start, -self.run_sum)
        base_c = ffill(c_cum - 1.0, start, -self.run_n)
        count = c_cum - base_c
        mean = (s_cum - base_s) / np.maximum(count, 1.0)[:, None]
        bias = ffill(mean, m & (count >= self.min_count), self.bias)
        if len(m) and m[-1]:
            self.run_sum, self.run_n = s_cum[-1] - base_s[-1], float(count[-1])
        else:
            self.run_sum, self.run_n = np.zeros(6), 0.0
        if len(m):
            self.bias = np.asarray(bias[-1], float).copy()
        return g1 - bias[:, :3], g2 - bias[:, 3:]


def _dt(t: np.ndarray) -> float:
    return max(float(np.median(np.diff(t))), 1e-3) if len(t) > 1 else 0.01


def ankle_angle(
    t: np.ndarray,
    shin_acc: np.ndarray,
    shin_gyr: np.ndarray,
    foot_acc: np.ndarray,
    foot_gyr: np.ndarray,
    *,
    tau_s: float = 4.0,
    centres: bool = True,
) -> AnkleAngle:
    """Offline: learn the axes (and joint centres) from the whole recording, then track the angle.

    Both sensors' samples must be on the same time base (the trace format resamples the foot
    onto the shin's rows). Gyro bias is measured while both sensors rest (``_JointBias``).
    Raises ``ValueError`` (one clear line) for mismatched or non-finite input and when there is
    too little movement to learn the axis.
    """
    t = np.asarray(t, float)
    if not (len(t) == len(shin_acc) == len(shin_gyr) == len(foot_acc) == len(foot_gyr)):
        raise ValueError("shin and foot samples must be on the same rows")
    _check_finite(t, shin_acc, shin_gyr, foot_acc, foot_gyr)
    g1, g2 = _JointBias(_dt(t))(t, shin_acc, shin_gyr, foot_acc, foot_gyr)
    axes = identify_hinge_axes(g1, g2)
    if centres:
        axes = identify_joint_centres(t, shin_acc, g1, foot_acc, g2, axes)
    ang, shin = _Fuser(axes, tau_s)(t, shin_acc, g1, foot_acc, g2)
    return AnkleAngle(t, np.degrees(ang), np.degrees(shin), axes)


class AnkleTracker:
    """Streaming: buffers samples until ``learn_s`` seconds of data are in, learns the axes from
    exactly those (a window defined by the data, not by chunk boundaries, so any chunking gives
    the same axes), then emits angles for the buffer and every later chunk. If that window held
    too little movement, the window grows by ``learn_s`` and learning is tried again."""

    _EMPTY = (np.empty(0), np.empty(0), np.empty(0))

    def __init__(self, dt_s: float, learn_s: float = 60.0, tau_s: float = 4.0) -> None:
        self.learn_s = learn_s
        self.tau_s = tau_s
        self._bias = _JointBias(dt_s)
        self._buf: list[tuple[np.ndarray, ...]] = []
        self._until: float | None = None
        self._fuser: _Fuser | None = None

    @property
    def axes(self) -> HingeAxes | None:
        return self._fuser.axes if self._fuser else None

    def feed(
        self, t: np.ndarray, shin_acc: np.ndarray, shin_gyr: np.ndarray, foot_acc: np.ndarray, foot_gyr: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Returns (t, angle_deg, shin_deg) for the samples that could be resolved so far."""
        t = np.asarray(t, float)
        if len(t) == 0:
            return self._EMPTY
        _check_finite(shin_acc, shin_gyr, foot_acc, foot_gyr)
        g1, g2 = self._bias(t, shin_acc, shin_gyr, foot_acc, foot_gyr)
        if self._fuser is None:
            self._buf.append((t, shin_acc, g1, foot_acc, g2))
            if self._until is None:
                self._until = float(t[0]) + self.learn_s
            if t[-1] < self._until:
                return self._EMPTY
            return self._learn(self._until)
        ang, shin = self._fuser(t, shin_acc, g1, foot_acc, g2)
        return t, np.degrees(ang), np.degrees(shin)

    def finish(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Resolve whatever is still buffered (a session shorter than the learning window);
        nothing when even the whole session had too little movement."""
        if self._fuser is None and self._buf:
            out = self._learn(None)
            self._buf = []
            return out
        return self._EMPTY

    def _learn(self, until: float | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        t, a1, g1, a2, g2 = (np.concatenate(x) for x in zip(*self._buf))
        k = len(t) if until is None else int(np.searchsorted(t, until))
        try:
            axes = identify_hinge_axes(g1[:k], g2[:k])
        except ValueError:
            if until is not None and self._until is not None:
                self._until += self.learn_s
            return self._EMPTY
        axes = identify_joint_centres(t[:k], a1[:k], g1[:k], a2[:k], g2[:k], axes)
        self._buf = []
        self._fuser = _Fuser(axes, self.tau_s)
        ang, shin = self._fuser(t, a1, g1, a2, g2)
        return t, np.degrees(ang), np.degrees(shin)


def _check_finite(*arrays: np.ndarray) -> None:
    for a in arrays:
        if not np.all(np.isfinite(a)):
            raise ValueError("non-finite IMU samples: drop or repair them before the ankle tracker")


def plantarflexion_sign(shin_deg: np.ndarray, t: np.ndarray, extensions: list[tuple[float, float]]) -> float:
    """+1 or -1: the factor that makes plantarflexion positive.

    Knee extension and plantarflexion turn in opposite senses about the (near-parallel) knee and
    ankle axes: straightening the knee swings the shin's distal end forward, pointing the toes
    swings them back. So the axis orientation is fixed by the knee: over the given extension
    intervals (start, end) the shin must turn negatively. Returns +1 when no interval is given.
    """
    if not extensions:
        return 1.0
    a = np.array([s for s, _ in extensions])
    b = np.array([e for _, e in extensions])
    turn = np.interp(b, t, shin_deg) - np.interp(a, t, shin_deg)
    return -1.0 if float(np.sum(turn)) > 0 else 1.0
