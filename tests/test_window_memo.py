"""The mounting estimate's per-window reads, kept across its calls (sensor.core.window_memo), change
no result: the same events, reps, stats and mounting as reads made afresh at every call, and far
fewer of them while the mounting is refined."""

from __future__ import annotations

import numpy as np
import pytest

from sensor.core import pipeline, upright, window_memo
from sensor.core.shin_prior import PriorConfig
from sensor.core.window_memo import WindowMemo
from sensor.sim.corpus import make_session


def _run(kind: str, seed: int, keep: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[str, int, int]:
    """(repr of everything the pipeline said, elevation medians taken, first-rest reads made) in
    1,000-sample pieces; ``keep=False`` forgets every read at every call (the estimate before the memo)."""
    medians, rests = [0], [0]
    real, real_rest = window_memo.median, upright.in_plane_ups

    def counted(x: np.ndarray) -> float | np.floating:
        medians[0] += 1
        return real(x)

    def counted_rest(*a: np.ndarray) -> np.ndarray:
        rests[0] += 1
        return real_rest(*a)

    with monkeypatch.context() as mp:
        mp.setattr(window_memo, "median", counted)
        mp.setattr(upright, "in_plane_ups", counted_rest)
        if not keep:
            bind = WindowMemo.bind

            def forgetful(self: WindowMemo, *a: np.ndarray) -> None:
                self.clear()
                bind(self, *a)

            mp.setattr(WindowMemo, "bind", forgetful)
        cs = make_session(kind, seed)
        p = pipeline.Pipeline(cs.posture, cs.rate_hz)
        events = [ev for part in cs.chunk.split([1000] * (len(cs.chunk) // 1000 + 1)) for ev in p.feed(part)]
        events += p.finish()
    return repr([*events, *p.reps, p.stats, p.mounting]), medians[0], rests[0]


@pytest.mark.parametrize(("kind", "seed"), [("standard", 0), ("negative", 5)])  # supine, settles; seated, never
def test_kept_reads_change_nothing(kind: str, seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    fresh, n_fresh, r_fresh = _run(kind, seed, False, monkeypatch)
    kept, n_kept, r_kept = _run(kind, seed, True, monkeypatch)
    assert kept == fresh
    if kind == "standard":  # refined over 8 movements: each window's elevation read once, not at every end
        assert n_fresh >= 30 and n_kept <= n_fresh // 2
        assert r_fresh >= 8 and r_kept <= r_fresh // 2  # the rest before the first sweep: read once
    else:  # never settles: every try has its own axis, nothing is kept across movement ends; a failed
        # try and its retry from the hanging rest (the same axis) share their rest reads
        assert n_kept == n_fresh > 0 and 0 < r_kept < r_fresh


def test_reads_follow_the_axis_and_the_lever() -> None:
    rng = np.random.default_rng(3)
    n = 400
    acc = rng.normal(0, 5, (n, 3))
    w = rng.normal(0, 1, n)
    dt_all = np.full(n, 0.01)
    dt_all[200] = 0.4  # a hole: clipped at five nominal intervals in the span
    acc_p = acc[:, :2].copy()
    e = np.eye(3)
    memo = WindowMemo()
    memo.bind(e[2], e[0], e[1])
    span = memo.span(100, 300, w, dt_all, 0.01)
    assert span == np.degrees(abs(np.sum(w[100:300] * np.clip(dt_all[100:300], 0, 0.05))))  # the hole clipped
    assert memo.span(100, 300, w, dt_all, 0.1) == np.degrees(abs(np.sum(w[100:300] * dt_all[100:300])))  # no clip
    quiet = memo.span(10, 150, w, dt_all, 0.01)  # no hole: the nominal interval does not matter
    assert quiet == memo.span(10, 150, w, dt_all, 0.0021) == np.degrees(abs(np.sum(w[10:150] * dt_all[10:150])))
    assert memo.span(10, 150, w, dt_all, 0.0019) == np.degrees(
        abs(np.sum(w[10:150] * np.clip(dt_all[10:150], 0, 5 * 0.0019)))
    )
    assert memo.span(10, 150, w * 2, dt_all, 0.01) == quiet  # the same window about the same axis: kept
    memo.bind(e[1], e[2], e[0])  # another axis: every read again
    assert memo.span(10, 150, w * 2, dt_all, 0.01) == 2 * quiet
    c = np.array([0.12, -0.05])
    rd = memo.lever(100, 300, c, e[2], e[0], e[1], PriorConfig())
    assert rd.lever == float(np.hypot(0.12, -0.05)) and rd.angle_deg == float(np.degrees(np.arctan2(-0.05, 0.12)))
    assert memo.lever(100, 300, c, e[2], e[0], e[1], PriorConfig()) is rd
    c2 = np.array([0.2, 0.1])  # another fit of the window (a first try's): read again
    assert memo.lever(100, 300, c2, e[2], e[0], e[1], PriorConfig()).lever == float(np.hypot(0.2, 0.1))
    vec = np.array([0.6, 0.8])
    sin_e = memo.elevation(100, 300, vec, acc_p, acc)
    assert sin_e == np.median((acc_p[100:300] @ vec) / np.linalg.norm(acc[100:300], axis=1))
    assert memo.elevation(100, 300, np.array([0.8, 0.6]), acc_p, acc) != sin_e  # keyed by the direction


def test_rows_of_a_product_do_not_depend_on_the_buffer_length() -> None:
    """The premise of every kept read: a row of ``x @ v`` (the axis and plane products over the
    buffer) has the same bits whatever the buffer's length, from 2 rows up (one row goes through
    another BLAS path: the refining buffer always holds more)."""
    rng = np.random.default_rng(11)
    for n in (2, 3, 5, 17, 640, 4097, 20011):
        x = rng.normal(0, 60, (n, 3))
        v = rng.normal(0, 1, 3)
        v /= np.linalg.norm(v)
        full = x @ v
        for k in {2, 3, n // 2 + 1, n - 1, n} - {1}:
            if k >= 2:
                assert (x[:k] @ v).tobytes() == full[:k].tobytes()
                assert (np.ascontiguousarray(x[:k]) @ v).tobytes() == full[:k].tobytes()


def test_products_grow_with_the_buffer_bit_for_bit() -> None:
    """The axis and plane products over a buffer that grows by 1 to 900 rows at a time equal the
    whole-buffer products, bit for bit; a buffer that is not the kept one's continuation (its
    sample at the kept end differs) is computed afresh."""
    rng = np.random.default_rng(5)
    n = 6000
    t = np.cumsum(rng.uniform(0.004, 0.006, n))
    acc, gyr = rng.normal(0, 9, (n, 3)), rng.normal(0, 80, (n, 3))
    u = rng.normal(0, 1, 3)
    u /= np.linalg.norm(u)
    e1 = np.cross(u, [1.0, 0, 0])
    e1 /= np.linalg.norm(e1)
    e2 = np.cross(u, e1)
    memo = WindowMemo()
    end = 1
    while end < n:
        memo.bind(u, e1, e2)
        w, p = memo.products(t[:end], acc[:end], gyr[:end])
        assert w.tobytes() == np.radians(gyr[:end] @ u).tobytes()
        assert p.tobytes() == np.stack([acc[:end] @ e1, acc[:end] @ e2], axis=1).tobytes()
        end += int(rng.choice([1, 2, 3, 57, 900]))
    memo = WindowMemo()
    memo.bind(u, e1, e2)
    memo.products(t[:3000], acc[:3000], gyr[:3000])
    w, _ = memo.products(t[:3100] + 1.0, acc[:3100], gyr[:3100] * 2)  # longer, but another buffer
    assert w.tobytes() == np.radians((gyr[:3100] * 2) @ u).tobytes()
    w, _ = memo.products(t[:2000], acc[:2000], gyr[:2000])  # shorter: not the kept one's continuation
    assert w.tobytes() == np.radians(gyr[:2000] @ u).tobytes()
