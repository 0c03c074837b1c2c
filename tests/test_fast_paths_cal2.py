"""The calibration's averaged fit, lever line and pre-movement mask, written with fewer numpy calls,
give what they replaced, bit for bit.

* the averaged fit's running means of the distinct columns as rows of one array
  (``lever_fit._row_means``, ``_means_first``) against ``_pair_means`` of the whole halves;
* the lever line's weighted sum of unit levers in Python floats and its no-clip test by the
  intervals' range, against the 2-vector ufuncs and ``np.array_equal`` (on a real session's
  refinement calls, through the pipeline);
* the evidence's pre-movement mask (``mount_evidence._before_moves``) by slices against the running
  count of open spans;
* the side vote's angle wrap (``side_vote.wrapped``) against ``np.remainder``, and the 3-vector cross
  product in Python floats (``dsp.cross3``) against ``np.cross``.

Whole sessions are compared by ``sensor/sim/bench_digest.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from sensor.core import lever_line as lever_line_mod
from sensor.core import mounting, pipeline
from sensor.core import side_vote as side_vote_mod
from sensor.core.dsp import cross3
from sensor.core.lever_fit import _means_first, _pair_means, _row_means, fit_window
from sensor.core.mount_evidence import _FEW_RUNS, _before_moves
from sensor.sim.bench import _long_session
from sensor.sim.bench_pipeline import CALIBRATION
from sensor.sim.corpus import make_session

A = np.ndarray


def test_row_means_are_pair_means_of_each_column() -> None:
    """Every row's running means have the bits _pair_means gives the same values as a column,
    signed zeros included (a rate that starts exactly at zero, whose negated square is -0.0)."""
    rng = np.random.default_rng(31)
    for n in (1, 2, 3, 8, 9, 21, 22, 40, 333):
        x = rng.normal(0, 3, (5, n))
        x[1, : n // 2] = -0.0  # leading negative zeros: the running sum starts at -0.0
        x[2, :] = 0.0
        x[3, ::3] = -x[3, ::3]
        for half in (1, 2, 3, 10):
            got = _row_means(x, half)
            for i in range(len(x)):
                col = np.concatenate([x[i], np.zeros(n)])[:, None]  # a half of rows: the fit's layout
                want = _pair_means(np.ascontiguousarray(col), n, half)[:n, 0]
                assert got[i].tobytes() == want.tobytes()


def test_the_first_means_are_pair_means_of_the_matrix() -> None:
    """_means_first's matrix (its first six columns) and right-hand side are _pair_means of the fit's
    first six columns and of ``b``, on rows whose rate holds exact zeros (``-w^2`` then -0.0)."""
    rng = np.random.default_rng(32)
    for n in (3, 9, 40, 580):
        co, si = np.cos(rng.normal(0, 1, n)), np.sin(rng.normal(0, 1, n))
        w = rng.normal(0, 1, n)
        w[: n // 3] = 0.0
        alpha = rng.normal(0, 2, n)
        alpha[-2:] = 0.0
        acc_p = rng.normal(0, 9.8, (n, 2))
        A2 = np.zeros((2 * n, 8))
        top, bot = A2.reshape(2, n, 8)
        top[:, 4] = bot[:, 5] = -(w * w)
        np.negative(alpha, out=top[:, 5])
        bot[:, 4] = alpha
        np.negative(si, out=bot[:, 0])
        top[:, 0], top[:, 1], bot[:, 1] = co, si, co
        top[:, 2] = bot[:, 3] = 1.0
        for half in (1, 3, 10):
            A_m, b_m = _means_first(A2, co, si, alpha, acc_p, half)
            assert A_m[:, :6].tobytes() == _pair_means(A2[:, :6], n, half).tobytes()
            assert b_m.tobytes() == _pair_means(acc_p.T.ravel(), n, half).tobytes()


def _line_before(
    t: A,
    acc_p: A,
    w_all: A,
    dt_all: A,
    dt_nom: float,
    windows: list[tuple[int, int]],
    keep: A,
    beta_deg: float,
    cfg: lever_line_mod.LeverBounds,
    half_s: float = lever_line_mod.HALF_S,
    min_share: float = lever_line_mod.MIN_SHARE,
    fits: dict[Any, Any] | None = None,
    plain: dict[Any, Any] | None = None,
    slope: Callable[[int, int], A] | None = None,
) -> float:
    """lever_line as written before (the 2-vector sum, np.clip and np.array_equal); no kept fits
    are written, so the call beside it sees the same state."""
    kept = [w for w, k in zip(windows, keep, strict=True) if k]
    half = max(int(round(half_s / dt_nom)), 1) if dt_nom > 0 else 0
    if not kept or half_s <= 0:
        return beta_deg
    ref = np.array([np.cos(np.radians(beta_deg)), np.sin(np.radians(beta_deg))])
    cos_in = float(np.cos(np.radians(cfg.inlier_deg)))
    total, any_diluted = np.zeros(2), False
    for a, b in kept:
        got = None if fits is None else fits.get((a, b, half))
        if got is None:
            raw = dt_all[a:b]
            dt = np.clip(raw, 0, 5 * dt_nom)
            alpha = None if slope is None else slope(a, b)
            diluted = lever_line_mod.noise_share(t[a:b], w_all[a:b], alpha) >= min_share
            unclipped = bool(np.array_equal(dt, raw))
            made = None if diluted or plain is None or not unclipped else plain.get((a, b))
            if made is None:
                c, weight = fit_window(t[a:b], acc_p[a:b], w_all[a:b], dt, half if diluted else 0, alpha)
            else:
                c, weight = made
        else:
            diluted, c, weight = got
        any_diluted |= diluted
        n = float(np.hypot(*c))
        if n > 0 and (not diluted or (cfg.min_lever_m <= n <= cfg.max_lever_m and c @ ref >= n * cos_in)):
            total += weight * c / n
    if not any_diluted or not np.any(total):
        return beta_deg
    return float(np.degrees(np.arctan2(total[1], total[0])))


@pytest.mark.parametrize("content", ["variants 272", "bench reps"])
def test_the_lever_line_is_the_line_before_on_a_sessions_refinements(
    monkeypatch: pytest.MonkeyPatch, content: str
) -> None:
    """At every refinement of a lever-taught session (variants 272, 200 Hz, the box on the side of
    the shin: the line re-read from averaged fits; glide bench's rep content, jittered clock) the
    line is the one the code before gave, the kept fits included."""
    calls: list[tuple[float, float]] = []
    real = lever_line_mod.lever_line

    def both(*a: Any, **k: Any) -> float:
        before = _line_before(*a, **k)  # first: it reads the kept fits and writes none
        got = real(*a, **k)
        calls.append((got, before))
        return got

    monkeypatch.setattr(mounting, "lever_line", both)
    if content == "bench reps":
        chunk, posture, rate = _long_session(60, 200.0).chunk.slice(0, CALIBRATION), "supine", 200.0
    else:
        cs = make_session("variants", 272)
        chunk, posture, rate = cs.chunk, cs.posture, cs.rate_hz
    p = pipeline.Pipeline(posture, rate)
    for part in chunk.split([1000] * (len(chunk) // 1000 + 1)):
        p.feed(part)
    assert len(calls) >= 3
    assert len({got for got, _ in calls}) > 1  # the line moved: windows were read
    for got, before in calls:
        assert np.float64(got).tobytes() == np.float64(before).tobytes()


def test_the_no_clip_test_is_array_equal_and_the_sum_the_vectors() -> None:
    rng = np.random.default_rng(33)
    for raw in (
        np.full(50, 0.005),
        np.r_[0.0, np.full(49, 0.005)],
        np.r_[0.005, 0.03, 0.005],  # a hole: clipped at 5x 0.005 = 0.025
        np.r_[0.005, 0.025, 0.005],  # exactly at the bound: kept
        np.r_[0.005, -0.001],
        np.r_[0.005, np.nan],
        np.r_[-0.0, 0.005],
    ):
        hi = 5 * 0.005
        assert bool(raw.min() >= 0 and raw.max() <= hi) == bool(np.array_equal(raw.clip(0, hi), raw))
    total, t0, t1 = np.zeros(2), 0.0, 0.0
    for _ in range(200):
        c, weight = rng.normal(0, 0.2, 2), float(rng.lognormal(0, 2))
        n = float(np.hypot(*c))
        c0, c1 = c.tolist()
        assert float(np.hypot(c0, c1)) == n
        total += weight * c / n
        t0 += weight * c0 / n
        t1 += weight * c1 / n
        assert np.array([t0, t1]).tobytes() == total.tobytes()


def _before_moves_by_counts(wa: list[int], before: int, end: int) -> A:
    mark = np.zeros(end + 1, np.int64)
    wa_arr = np.array(wa, np.int64)
    np.add.at(mark, np.maximum(wa_arr - before, 0), 1)
    np.add.at(mark, wa_arr, -1)
    got: A = np.cumsum(mark[:end]) > 0
    return got


def test_the_pre_movement_mask_is_the_running_counts() -> None:
    rng = np.random.default_rng(34)
    for k in (1, 2, 5, _FEW_RUNS, _FEW_RUNS + 1, 60):
        for before in (0, 3, 200):
            end = 5000
            wa = sorted(rng.choice(end, k, replace=False).tolist())
            wa[0] = min(wa[0], 2)  # a span cut at the buffer's start
            got = _before_moves(wa, before, end)
            assert got.dtype == bool and got.tobytes() == _before_moves_by_counts(wa, before, end).tobytes()


def test_the_wrapped_angles_are_np_remainders() -> None:
    """side_vote's wrap against ``y % 360.0 - 180.0``: random angles off random shin directions,
    the bounds of the fast range, values a rounding puts on them, signed zeros, and y out of range."""
    rng = np.random.default_rng(35)
    edges = [-360.0, -359.9999999999999, -1e-300, -0.0, 0.0, 1e-300, 179.99999999999997, 180.0, 359.99999999999994]
    edges += [360.0, 360.00000000000006, 719.9999999999999, -1e-14, 1e-14]
    cases = [np.array(edges), np.array([]), np.array([720.0, 5.0]), np.array([-360.00000000000006, 5.0])]
    cases += [np.array([np.nan, 3.0]), np.array([np.inf, 3.0]), np.array([1e300, -1e300])]
    for _ in range(50):
        theta = np.degrees(np.arctan2(rng.normal(size=3000), rng.normal(size=3000)))
        beta = float(rng.uniform(-360, 360))
        cases.append(theta - beta + 180.0)
    for y in cases:
        with np.errstate(invalid="ignore"):  # (an infinity: np.remainder's NaN, both ways)
            want = y % 360.0 - 180.0
            got = side_vote_mod.wrapped(y)
        assert got.tobytes() == want.tobytes()


def test_cross3_is_np_cross() -> None:
    """The 3-vector cross product in Python floats has np.cross's bits: random axes of any scale,
    unit and basis vectors, signed zeros, and non-finite entries; other shapes go to np.cross."""
    rng = np.random.default_rng(36)
    vecs = [rng.normal(0, 1, 3) * 10.0 ** rng.integers(-300, 300) for _ in range(300)]
    vecs += [u / np.linalg.norm(u) for u in rng.normal(0, 1, (100, 3))]
    vecs += list(np.eye(3)) + [np.array([0.0, -0.0, 1.0]), np.array([-0.0, -0.0, -0.0])]
    vecs += [np.array([np.inf, 1.0, 0.0]), np.array([np.nan, 2.0, 3.0]), np.array([1e308, -1e308, 1e308])]
    with np.errstate(invalid="ignore", over="ignore"):
        for a in vecs:
            for b in vecs[::7]:
                assert cross3(a, b).tobytes() == np.cross(a, b).tobytes()
                assert cross3(b, a).tobytes() == np.cross(b, a).tobytes()
    two = rng.normal(0, 1, (4, 3))
    assert cross3(two, two[::-1]).tobytes() == np.cross(two, two[::-1]).tobytes()
