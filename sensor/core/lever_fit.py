"""The fixed-knee model's fit over one movement: where the sensor sits relative to the pivot.

A point rotating about a fixed axis feels gravity turned by the integrated rotation, plus a
centripetal pull toward the axis (-w^2 c) and a tangential push along its path (alpha J c), ``c``
being the vector from the axis to the sensor. Over one movement that is linear in the initial
gravity, a constant offset and ``c``: one least-squares solve gives the lever ``c``, and how well
the movement fits the model. :mod:`sensor.core.mounting` uses it to learn the shin direction and
to refuse movements that do not pivot at the knee.
"""

from __future__ import annotations

import numpy as np

from sensor.core.dsp import all_true

# A hole of lost packets (Bluetooth drops bursts of 0.1-0.5 s) is spanned up to this long: the
# shin kept turning through it, ~25 deg in 0.4 s of a glide
MAX_HOLE_S = 0.5


def turned(t: np.ndarray, w_rad: np.ndarray, dt: np.ndarray, steps: np.ndarray | None = None) -> np.ndarray:
    """The angle turned since the window's first sample, by the trapezoid rule.

    Each interval (sample i-1 to i) turns by the mean of the rates at its two ends. The rectangle
    rule (``cumsum(w * dt)``, the rate at the interval's end) runs ahead of the true angle by about
    ``w * dt / 2``: a lead proportional to the rate, which turns the propagated gravity by ~2 deg at
    25 Hz and 2 rad/s, 0.4 m/s^2 against a centripetal signal of ~0.8 m/s^2 for a 20-cm lever. On
    exact fixed-knee motion it tilted the fitted lever by 7.7 deg at 25 Hz, 3.9 at 50 and 1.9 at
    100 (the trapezoid: 0.2, 0.1, 0.0; tests/test_lever_fit.py), and so the shin direction of a
    mounting learned from one or two movements by their levers (issue 11: short sessions'
    top-angle error p95 6.4 deg, the largest on side-mounted boxes at 25-52 Hz).

    ``dt``: the caller's intervals, which clip a hole of lost packets to a few samples; the hole is
    spanned here by its real length up to ``MAX_HOLE_S``, by the mean of the rates either side (a
    0.4-s burst mid-extension, integrated over five samples of it, fitted a 1-m lever and a one-rep
    session never learned its mounting: issue 11, corpus short 72). ``steps``: ``np.diff(t)``, when
    the caller has it.
    """
    out = np.zeros(len(w_rad))
    if len(w_rad) > 1:
        span = np.maximum(dt[1:], np.minimum(np.diff(t) if steps is None else steps, MAX_HOLE_S))
        out[1:] = np.cumsum(0.5 * (w_rad[1:] + w_rad[:-1]) * span)
    return out


def rate_slope(w: np.ndarray, t: np.ndarray, steps: np.ndarray) -> np.ndarray:
    """``np.gradient(w, t)`` for 1-d float arrays of three samples or more (``steps``:
    ``np.diff(t)``), the same expressions on the same values without its Python set-up (~25 us
    a call, most of it for a window of a few hundred samples): second-order central differences
    inside, for unequal steps ``a*w[:-2] + b*w[1:-1] + c*w[2:]`` with numpy's coefficients, for
    equal ones (numpy then takes the first step as a scalar) ``(w[2:] - w[:-2]) / (2 * step)``;
    one-sided differences at the two ends (tests/test_fast_paths_learning.py compares the bits)."""
    out = np.empty(len(w))
    if all_true(steps == steps[0]):
        h = steps[0]
        out[1:-1] = (w[2:] - w[:-2]) / (2.0 * h)
        out[0] = (w[1] - w[0]) / h
        out[-1] = (w[-1] - w[-2]) / h
        return out
    h1, h2 = steps[:-1], steps[1:]
    both = h1 + h2
    a = -h2 / (h1 * both)
    b = (h2 - h1) / (h1 * h2)
    c = h1 / (h2 * both)
    out[1:-1] = a * w[:-2] + b * w[1:-1] + c * w[2:]
    out[0] = (w[1] - w[0]) / steps[0]
    out[-1] = (w[-1] - w[-2]) / steps[-1]
    return out


def fit_window(t: np.ndarray, acc_p: np.ndarray, w_rad: np.ndarray, dt: np.ndarray) -> tuple[np.ndarray, float]:
    """Least-squares fit of f = Rot(-Theta) G0 + b - w^2 c + alpha J c over one movement.

    A second pass adds the first-order effect of a gyro scale error and a residual bias (the
    integrated angle is off by k*Theta + e*t), which otherwise bends the propagated gravity by
    about as much as the centripetal signal of a slow movement. Returns (c, weight) where the
    weight is the signal energy over the residual variance, so that movements that do not fit
    the fixed-knee model (thigh moving, walking) count for little.

    One design matrix holds both passes' columns: the first solve is handed its first six (the
    solver copies them into its own layout, so it sees the values it saw as a separate matrix).
    """
    n = len(t)
    steps = np.diff(t)
    theta = turned(t, w_rad, dt, steps)
    alpha = rate_slope(w_rad, t, steps) if n > 2 else np.gradient(w_rad, t)
    w2 = w_rad * w_rad
    co, si = np.cos(theta), np.sin(theta)
    b = np.concatenate([acc_p[:, 0], acc_p[:, 1]])
    A2 = np.zeros((2 * n, 8))
    A2[:n, 0], A2[:n, 1], A2[:n, 2], A2[:n, 4], A2[:n, 5] = co, si, 1.0, -w2, -alpha
    A2[n:, 0], A2[n:, 1], A2[n:, 3], A2[n:, 4], A2[n:, 5] = -si, co, 1.0, alpha, -w2
    x, *_ = np.linalg.lstsq(A2[:, :6], b, rcond=None)
    # gravity as first fitted, turned by +90 deg in the plane: d/d(angle error) of Rot(-Theta) G0
    gx = co * x[0] + si * x[1]
    gy = -si * x[0] + co * x[1]
    tt = t - t[0]
    A2[:n, 6], A2[n:, 6] = gy * theta, -gx * theta
    A2[:n, 7], A2[n:, 7] = gy * tt, -gx * tt
    x2, *_ = np.linalg.lstsq(A2, b, rcond=None)
    resid = b - A2 @ x2
    c = x2[4:6]
    signal = float(np.sum((A2[:, 4:6] @ c) ** 2))
    noise = float(np.sum(resid * resid)) + 1e-9
    return c, signal / noise
