"""The mounting calibration's window fit, written with fewer numpy calls, gives what it replaced, bit for bit.

The fit's least squares solved by the normal equations (np.linalg.lstsq's solution to ~1e-11,
not its bits: compared apart), its design matrix filled through a (2, n, 8) view, and the rate's
slope read once per window (``WindowMemo.slope``) for the walk's plain fit, the noise share and
the averaged fit: each is compared against the code it replaced, on the windows a real session
fits and on synthetic ones (uniform, exact and jittered clocks, short and long windows, every
averaging span used). Whole sessions are compared by ``sensor/sim/bench_digest.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

from sensor.core import lever_fit, lever_line, mounting, pipeline
from sensor.core.lever_fit import _lstsq, _pair_means, fit_window, rate_slope, turned, window_slope
from sensor.core.window_memo import WindowMemo
from sensor.sim.corpus import make_session

A = np.ndarray


def _fit_before(t: A, acc_p: A, w_rad: A, dt: A, half: int = 0) -> tuple[A, float]:
    """fit_window as written before (the matrix filled column by column)."""

    def solve(M: A, y: A) -> A:
        return _lstsq(M, y)  # (the fit's own solver: compared apart, test_the_solve_is_lstsqs_solution)

    n = len(t)
    steps = t[1:] - t[:-1]
    theta = turned(t, w_rad, dt, steps)
    alpha = rate_slope(w_rad, t, steps) if n > 2 else np.gradient(w_rad, t)
    w2 = w_rad * w_rad
    co, si = np.cos(theta), np.sin(theta)
    b = np.concatenate([acc_p[:, 0], acc_p[:, 1]])
    A2 = np.zeros((2 * n, 8))
    A2[:n, 0], A2[:n, 1], A2[:n, 2], A2[:n, 4], A2[:n, 5] = co, si, 1.0, -w2, -alpha
    A2[n:, 0], A2[n:, 1], A2[n:, 3], A2[n:, 4], A2[n:, 5] = -si, co, 1.0, alpha, -w2
    if half >= 1:
        A_m, b_m = np.empty((2 * n, 8)), _pair_means(b, n, half)
        A_m[:, :6] = _pair_means(A2[:, :6], n, half)
        x = solve(A_m[:, :6], b_m)
    else:
        x = solve(A2[:, :6], b)
    gx = co * x[0] + si * x[1]
    gy = -si * x[0] + co * x[1]
    tt = t - t[0]
    A2[:n, 6], A2[n:, 6] = gy * theta, -gx * theta
    A2[:n, 7], A2[n:, 7] = gy * tt, -gx * tt
    if half >= 1:
        A_m[:, 6:] = _pair_means(A2[:, 6:], n, half)
        x2 = solve(A_m, b_m)
    else:
        x2 = solve(A2, b)
    resid = b - A2 @ x2
    c = x2[4:6]
    return c, float(((A2[:, 4:6] @ c) ** 2).sum()) / (float((resid * resid).sum()) + 1e-9)


def _session_windows(monkeypatch: pytest.MonkeyPatch) -> list[tuple[A, A, A, A]]:
    """The windows a real session's mounting fits (standard 694: learned and refined by levers)."""
    got: list[tuple[A, A, A, A]] = []
    real = vars(mounting)["fit_window"]

    def logged(*a: A) -> tuple[A, float]:
        got.append(tuple(np.array(x, copy=True) for x in a[:4]))  # type: ignore[arg-type]
        return real(*a)

    monkeypatch.setattr(mounting, "fit_window", logged)
    cs = make_session("standard", 694)
    p = pipeline.Pipeline(cs.posture, cs.rate_hz)
    for part in cs.chunk.split([1000] * (len(cs.chunk) // 1000 + 1)):
        p.feed(part)
    return got


def test_the_fit_is_the_fit_before_on_a_sessions_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    wins = _session_windows(monkeypatch)
    assert len(wins) >= 10
    for t, acc_p, w, dt in wins:
        for half in (0, 1, 10):
            c0, w0 = _fit_before(t, acc_p, w, dt, half)
            for alpha in (None, window_slope(t, w)):
                c, weight = fit_window(t, acc_p, w, dt, half, alpha)
                assert c.tobytes() == c0.tobytes() and weight == w0


@pytest.mark.parametrize("kind", ["uniform", "exact", "jitter"])
def test_the_fit_is_the_fit_before_on_any_clock(kind: str) -> None:
    rng = np.random.default_rng(21)
    for n in (3, 8, 9, 40, 333, 640):
        t: A
        if kind == "uniform":
            t = 1000.0 + np.arange(n) / 200.0
        elif kind == "exact":
            t = np.arange(n) * 0.25
        else:
            t = np.cumsum(0.005 + rng.uniform(-1e-3, 1e-3, n))
        w = 2.0 * np.sin(np.linspace(0, np.pi, n)) + rng.normal(0, 0.05, n)
        acc_p = rng.normal(0, 9.8, (n, 2))
        dt = np.diff(t, prepend=t[0])
        dt[n // 2] = 1.0  # a hole of lost packets (spanned by turned)
        for half in (0, 1, 3, 10):
            c0, w0 = _fit_before(t, acc_p, w, dt, half)
            c, weight = fit_window(t, acc_p, w, dt, half)
            assert c.tobytes() == c0.tobytes() and weight == w0


def test_the_solve_is_lstsqs_solution(monkeypatch: pytest.MonkeyPatch) -> None:
    """The normal equations' solution is np.linalg.lstsq's to 1e-9 relative on a real session's
    systems (both passes, plain and averaged) and on strided and contiguous random ones; a
    singular system gets lstsq's minimum-norm solution, and a failed SVD raises as lstsq raises."""
    systems: list[tuple[A, A]] = []

    def logged(M: A, y: A) -> A:
        systems.append((M.copy(), y.copy()))
        return _lstsq(M, y)

    wins = _session_windows(monkeypatch)
    monkeypatch.setattr(lever_fit, "_lstsq", logged)
    for t, acc_p, w, dt in wins:
        for half in (0, 10):
            fit_window(t, acc_p, w, dt, half)
    rng = np.random.default_rng(22)
    for m, k in ((16, 6), (860, 6), (860, 8), (1200, 8)):
        full = rng.normal(0, 3, (m, 8))
        systems += [(full[:, :k], rng.normal(0, 9, m)), (np.ascontiguousarray(full[:, :k]), rng.normal(0, 9, m))]
    assert len(systems) >= 40
    for M, y in systems:
        want = np.asarray(np.linalg.lstsq(M, y, rcond=None)[0])
        assert np.abs(_lstsq(M, y) - want).max() <= 1e-9 * np.abs(want).max()  # (cond^2 eps: cond <= ~2000)
    rank2, y = np.ones((10, 3)), np.arange(10.0)
    rank2[:, 2] = np.linspace(0, 1, 10)
    rank2[:, 1] = rank2[:, 0]  # two equal columns
    assert np.allclose(_lstsq(rank2, y), np.linalg.lstsq(rank2, y, rcond=None)[0], rtol=1e-12, atol=1e-12)
    bad = np.ones((10, 3))
    bad[2, 1] = np.nan
    with pytest.raises(np.linalg.LinAlgError):
        _lstsq(bad, np.ones(10))


def test_the_kept_slope_is_the_noise_shares_and_the_fits() -> None:
    rng = np.random.default_rng(23)
    n = 900
    t = np.cumsum(0.005 + rng.uniform(-1e-3, 1e-3, n))
    w = np.sin(np.linspace(0, 6, n)) + rng.normal(0, 0.02, n)
    memo = WindowMemo()
    for a, b in ((0, 5), (0, 250), (100, 333), (3, 900)):
        alpha = memo.slope(a, b, t, w)
        assert alpha is memo.slope(a, b, t, w)  # kept
        assert alpha.tobytes() == np.gradient(w[a:b], t[a:b]).tobytes()
        assert lever_line.noise_share(t[a:b], w[a:b], alpha) == lever_line.noise_share(t[a:b], w[a:b])
