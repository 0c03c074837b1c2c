"""The fixed-knee model's fit over one movement: where the sensor sits relative to the pivot.

A point rotating about a fixed axis feels gravity turned by the integrated rotation, plus a
centripetal pull toward the axis (-w^2 c) and a tangential push along its path (alpha J c), ``c``
being the vector from the axis to the sensor. Over one movement that is linear in the initial
gravity, a constant offset and ``c``: one least-squares solve gives the lever ``c``, and how well
the movement fits the model. :mod:`sensor.core.mounting` uses it to learn the shin direction and
to refuse movements that do not pivot at the knee.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.linalg import _umath_linalg

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
        out[1:] = (0.5 * (w_rad[1:] + w_rad[:-1]) * span).cumsum()  # (the method: np.cumsum wraps it)
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


def centred_mean(x: np.ndarray, half: int) -> np.ndarray:
    """Each row of ``x`` replaced by the mean of the rows within ``half`` either side of it (fewer
    near the ends, still centred), column by column."""
    n = len(x)
    c = np.concatenate([np.zeros((1,) + x.shape[1:]), np.cumsum(x, axis=0)])
    i = np.arange(n)
    h = np.minimum(np.minimum(i, n - 1 - i), half)
    k = (2 * h + 1).reshape((n,) + (1,) * (x.ndim - 1))
    out: np.ndarray = (c[i + h + 1] - c[i - h]) / k
    return out


def _pair_means(x: np.ndarray, n: int, half: int) -> np.ndarray:
    """:func:`centred_mean` of ``x[:n]`` and of ``x[n:]`` (the fit's two halves of rows: the
    plane's two axes), stacked as ``x`` is: both halves' running sums in one ``cumsum`` along the
    rows; the rows a full ``2 * half + 1`` span from either end as one difference of two slices of
    the sums over that count (centred_mean gathers them by index arrays, ~60 us on a 500-row
    window), only the rows near the ends by index. Every element is the same difference of the
    same running sums over the same count, so the same bits (tests/test_fast_paths_learning.py).
    It replaced four calls of centred_mean per solve (the b side averaged for both solves): an
    averaged fit 340 -> ~200 us."""
    tail = x.shape[1:]
    c = np.zeros((2, n + 1) + tail)
    x.reshape((2, n) + tail).cumsum(axis=1, out=c[:, 1:])
    out = np.empty((2, n) + tail)
    w = 2 * half + 1
    if n >= w:
        out[:, half : n - half] = (c[:, w:] - c[:, : n + 1 - w]) / w
    e = np.concatenate([np.arange(min(half, n)), np.arange(max(n - half, min(half, n)), n)])
    h = np.minimum(np.minimum(e, n - 1 - e), half)
    k = (2 * h + 1).reshape((len(e),) + (1,) * len(tail))
    out[:, e] = (c[:, e + h + 1] - c[:, e - h]) / k
    return out.reshape(x.shape)


def _row_means(x: np.ndarray, half: int) -> np.ndarray:
    """:func:`centred_mean` of each ROW of ``x`` (k, n), by :func:`_pair_means`' operations: the
    running sums of every row in one ``cumsum`` along the (contiguous) rows, the full spans as one
    difference of two slices, the rows near the ends by index. A running sum adds its elements one
    by one in order whatever the array's layout, and each mean is the same difference of the same
    sums over the same count, so every element has the bits _pair_means gives the same values as a
    column (tests/test_fast_paths_calib.py)."""
    k, n = x.shape
    c = np.zeros((k, n + 1))
    x.cumsum(axis=1, out=c[:, 1:])
    out = np.empty((k, n))
    w = 2 * half + 1
    if n >= w:
        out[:, half : n - half] = (c[:, w:] - c[:, : n + 1 - w]) / w
    e = np.concatenate([np.arange(min(half, n)), np.arange(max(n - half, min(half, n)), n)])
    h = np.minimum(np.minimum(e, n - 1 - e), half)
    out[:, e] = (c[:, e + h + 1] - c[:, e - h]) / (2 * h + 1)
    return out


def _means_first(
    A2: np.ndarray, co: np.ndarray, si: np.ndarray, alpha: np.ndarray, acc_p: np.ndarray, half: int
) -> tuple[np.ndarray, np.ndarray]:
    """The averaged fit's first six columns and right-hand side (``_pair_means`` of ``A2[:, :6]``
    and of ``b``), from the distinct columns of the two halves only. ``A2``'s halves hold ``co``,
    ``si``, ``-si``, ``-w^2``, ``alpha``, ``-alpha`` (each negation as fit_window wrote it) and the
    constants 1 and 0; ``b`` the force's two columns. Those eight vectors are averaged as rows of one
    contiguous array (:func:`_row_means`: the same bits), the constants' means written as what they
    are: a running sum of ones counts exactly, so every mean of ones is ``k / k = 1.0`` and of zeros
    ``+0.0``. _pair_means gathered twelve strided columns and ``b`` apart (~60 of an averaged fit's
    ~170 us on a 580-row window). Returns the (2n, 8) matrix (its last two columns unset) and b's means."""
    n = len(co)
    top, bot = A2.reshape(2, n, 8)
    r = np.empty((8, n))
    r[0], r[1], r[2], r[3] = co, si, bot[:, 0], top[:, 4]  # co, si, -si, -w^2
    r[4], r[5], r[6], r[7] = alpha, top[:, 5], acc_p[:, 0], acc_p[:, 1]  # alpha, -alpha, b's halves
    m = _row_means(r, half)
    A_m = np.empty((2 * n, 8))
    top_m, bot_m = A_m.reshape(2, n, 8)
    top_m[:, 0] = bot_m[:, 1] = m[0]
    top_m[:, 1], bot_m[:, 0] = m[1], m[2]
    top_m[:, 2] = bot_m[:, 3] = 1.0
    top_m[:, 3] = bot_m[:, 2] = 0.0
    top_m[:, 4] = bot_m[:, 5] = m[3]
    bot_m[:, 4], top_m[:, 5] = m[4], m[5]
    return A_m, m[6:].ravel()


def _lstsq(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Least squares of ``A x = b``: the fit's equations as built, or with ``half`` > 0 their rows
    averaged over ``2 * half + 1`` samples (:func:`_pair_means`, the two halves apart).

    Why average: the fit regresses the force on the angular acceleration, which ``np.gradient`` reads from the
    gyro sample by sample, multiplying its white noise by the rate: 0.5 deg/s at 200 Hz gives it
    a noise of ~1.2 rad/s^2, as large as a slow glide's own (a 90-deg min-jerk phase of 2 s peaks
    at 2.3 rad/s^2). Noise in a regressor shrinks its coefficient toward zero (regression
    dilution), and more so here, where the other columns (gravity turning, the gyro's scale and
    bias terms) explain much of the acceleration's smooth course: issue 11 variants 272 (200 Hz,
    a box on the side of the shin) fitted 4.5 cm at 30 deg off its 13-cm lever, and 4.5 cm with
    only the acceleration's noise added to a noise-free recording. Averaging rows is a linear map
    of the equations, so the model holds for the means exactly as for the samples (no distortion
    of a quick movement's acceleration, unlike smoothing the rate alone), while the acceleration's
    noise, a difference of neighbouring samples, cancels in the mean: its energy falls by
    ``2 / (2 * half + 1)^2``. Subtracting the noise's expected energy instead (corrected least
    squares) was tried: with the smooth signal mostly explained by the other columns, a 17 %
    error in the noise estimate (jittered sample times) left half the shrinkage.

    Solved by the normal equations (``A.T A x = A.T b``, LAPACK's dgesv on the 6 x 6 or 8 x 8
    system) instead of dgelsd's SVD: the same least-squares solution in exact arithmetic, rounded
    differently, and ~3.5x cheaper (dgelsd scans the whole matrix for NaNs and its norm first, then
    bidiagonalises it: ~400 k instructions a window, 24 windows while the rep content calibrates).
    The normal equations square the condition number: on 718 systems of four corpus sessions
    (condition numbers 131 median, 2191 at most) the solution moved 7e-14 relative at the median,
    2e-11 at most; every rep angle by < 5e-11 deg (tests/test_fast_paths_calib.py). A singular
    system (columns dependent: no movement) or a non-finite solution falls back to dgelsd (its
    minimum-norm solution, or lstsq's LinAlgError).
    """
    try:
        x: np.ndarray = _gesv(A.T @ A, A.T @ b, signature="dd->d")
        if math.isfinite(np.add.reduce(x)):  # (x.sum(); a NaN in the matrix: dgelsd fails and raises, as lstsq)
            return x
    except np.linalg.LinAlgError:
        pass
    x = _gelsd(A, b[:, None], _EPS * max(A.shape), signature="ddd->ddid")[0][:, 0]
    return x


def _singular(_err: object, _flag: object) -> None:
    raise np.linalg.LinAlgError("Singular matrix")


def _not_converged(_err: object, _flag: object) -> None:
    raise np.linalg.LinAlgError("SVD did not converge in Linear Least Squares")


# ``np.linalg.lstsq(A, b, rcond=None)``'s solution without its Python set-up (~7 of its ~47 us on a
# window's 860 x 6 system): the same gufunc (LAPACK's dgelsd) on the same matrix, right-hand side
# and rcond (machine epsilon times the larger dimension), in lstsq's error state (a failed SVD
# raises). tests/test_fast_paths_learning.py compares the bits.
_EPS = float(np.finfo(np.float64).eps)
_gelsd = np.errstate(call=_not_converged, invalid="call", over="ignore", divide="ignore", under="ignore")(
    _umath_linalg.lstsq
)
# np.linalg.solve's gufunc in its error state (a singular matrix raises)
_gesv = np.errstate(call=_singular, invalid="call", over="ignore", divide="ignore", under="ignore")(
    _umath_linalg.solve1
)


def fit_window(
    t: np.ndarray,
    acc_p: np.ndarray,
    w_rad: np.ndarray,
    dt: np.ndarray,
    half: int = 0,
    alpha: np.ndarray | None = None,
) -> tuple[np.ndarray, float]:
    """Least-squares fit of f = Rot(-Theta) G0 + b - w^2 c + alpha J c over one movement.

    ``half``: the equations averaged over that many samples either side (:func:`_lstsq`), free
    of the gyro noise's dilution; 0 is the plain fit every rule on the fits' lengths and weights
    was measured with. The two halves of rows (the plane's two axes) are averaged apart
    (:func:`_pair_means`), each column and ``b`` once: the first solve's six columns and ``b`` serve
    the second solve too, which averages only its two new columns.

    A second pass adds the first-order effect of a gyro scale error and a residual bias (the
    integrated angle is off by k*Theta + e*t), which otherwise bends the propagated gravity by
    about as much as the centripetal signal of a slow movement. Returns (c, weight) where the
    weight is the signal energy over the residual variance, so that movements that do not fit
    the fixed-knee model (thigh moving, walking) count for little.

    One design matrix holds both passes' columns: the first solve is handed its first six (the
    solver copies them into its own layout, so it sees the values it saw as a separate matrix).
    Its two halves of rows are filled through a (2, n, 8) view, each negated column computed once
    and written in place (``out=``): the same operations on the same values, in fewer numpy calls.
    ``alpha``: :func:`window_slope` of these rows, when the caller has it (the noise share and the
    averaged fit of the same window read the same slope).
    """
    n = len(t)
    steps = t[1:] - t[:-1]  # np.diff(t), without its Python set-up
    theta = turned(t, w_rad, dt, steps)
    if alpha is None:
        alpha = window_slope(t, w_rad, steps)
    co, si = np.cos(theta), np.sin(theta)
    b = acc_p.T.ravel()  # [acc_p[:, 0], acc_p[:, 1]]
    A2 = np.zeros((2 * n, 8))
    top, bot = A2.reshape(2, n, 8)
    top[:, 4] = bot[:, 5] = -(w_rad * w_rad)  # (no in-place negative of a strided column: numpy 2.4 wrote zeros)
    np.negative(alpha, out=top[:, 5])
    bot[:, 4] = alpha
    np.negative(si, out=bot[:, 0])
    top[:, 0], top[:, 1], bot[:, 1] = co, si, co
    top[:, 2] = bot[:, 3] = 1.0
    if half >= 1:
        A_m, b_m = _means_first(A2, co, si, alpha, acc_p, half)
        x = _lstsq(A_m[:, :6], b_m)
    else:
        x = _lstsq(A2[:, :6], b)
    # gravity as first fitted, turned by +90 deg in the plane: d/d(angle error) of Rot(-Theta) G0
    x0, x1 = x[0], x[1]
    gy = bot[:, 0] * x0 + co * x1  # -si * x0 + co * x1
    ngx = -(co * x0 + si * x1)  # -gx
    tt = t - t[0]
    if half >= 1:
        r = np.empty((4, n))  # the two new columns' halves as rows: [top 6, top 7, bottom 6, bottom 7]
        np.multiply(gy, theta, out=r[0])
        np.multiply(gy, tt, out=r[1])
        np.multiply(ngx, theta, out=r[2])
        np.multiply(ngx, tt, out=r[3])
        top[:, 6:], bot[:, 6:] = r[:2].T, r[2:].T
        m = _row_means(r, half)
        top_m, bot_m = A_m.reshape(2, n, 8)
        top_m[:, 6:], bot_m[:, 6:] = m[:2].T, m[2:].T
        x2 = _lstsq(A_m, b_m)
    else:
        np.multiply(gy, theta, out=top[:, 6])
        np.multiply(ngx, theta, out=bot[:, 6])
        np.multiply(gy, tt, out=top[:, 7])
        np.multiply(ngx, tt, out=bot[:, 7])
        x2 = _lstsq(A2, b)
    resid = b - A2 @ x2
    c = x2[4:6]
    # (np.add.reduce: what the arrays' sum method calls, without its Python wrapper)
    signal = float(np.add.reduce((A2[:, 4:6] @ c) ** 2))
    noise = float(np.add.reduce(resid * resid)) + 1e-9
    return c, signal / noise


def window_slope(t: np.ndarray, w_rad: np.ndarray, steps: np.ndarray | None = None) -> np.ndarray:
    """The rate's slope as :func:`fit_window` reads it (``np.gradient(w_rad, t)``); ``steps``:
    ``np.diff(t)``, if the caller has it."""
    if len(t) > 2:
        return rate_slope(w_rad, t, t[1:] - t[:-1] if steps is None else steps)
    out: np.ndarray = np.gradient(w_rad, t)
    return out
