"""The round-4 speed paths (issue 14) give exactly what the general code gives, bit for bit.

Each check runs a fast path against the computation it replaces (the general path forced, or
written out here) on inputs built to take both; the pipeline-level chunking properties stay in
tests/test_streaming.py and test_fuzz_pipeline.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from sensor.core import dsp, shin_prior
from sensor.core.context import ContextTracker
from sensor.core.mount_evidence import MountEvidence
from sensor.core.mounting import MountConfig

G = 9.80665


def _context_input(seed: int, n: int) -> tuple[np.ndarray, ...]:
    """Quiet exercise stretches with, now and then, footsteps (shocks), fast off-axis turns, a
    hanging shin and a gap: every branch of ContextTracker.process."""
    rng = np.random.default_rng(seed)
    t = np.cumsum(np.full(n, 0.005))
    t[n // 2 :] += 0.4  # a gap
    acc = np.array([0.0, 0.0, G]) + rng.normal(0, 0.05, (n, 3))
    gyr = rng.normal(0, 2, (n, 3))
    gyr[:, 1] += 40 * np.sin(t)  # the knee axis is y
    elev = 20 + 60 * np.sin(0.5 * t)
    busy = 3 * n // 8  # events in the first part, the rest quiet (the fast path's pieces)
    for a in rng.integers(0, busy, 4):  # a few steps: shocks 0.6 s apart
        for k in range(4):
            acc[a + 120 * k] += rng.normal(0, 12, 3)
    for a in rng.integers(0, busy, 3):  # a turn about another axis
        gyr[a : a + 150, 0] += 150
    a = int(rng.integers(0, busy))
    elev[a : a + 200] = -80  # hanging (supine: not lying)
    gap = np.diff(t, prepend=t[0]) > 0.25
    return t, acc, gyr, elev, gap


@pytest.mark.parametrize("posture", ["supine", "seated"])
@pytest.mark.parametrize("sizes", [[10], [1, 7, 64], [1000], [5000]])
def test_context_exercise_fast_path_is_the_general_path(
    posture: str, sizes: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    n = 10_000
    t, acc, gyr, elev, gap = _context_input(len(sizes) + (posture == "seated"), n)
    u = np.array([0.0, 1.0, 0.0])

    def run() -> tuple[list[np.ndarray], list[object], list[object]]:
        tr = ContextTracker(posture, 0.005)
        outs, events, states = [], [], []
        cuts = np.cumsum((sizes * (n // sum(sizes) + 1))[:n])
        edges = [0, *cuts[cuts < n].tolist(), n]
        for a, b in zip(edges[:-1], edges[1:]):
            o, e = tr.process(t[a:b], acc[a:b], gyr[a:b], elev[a:b], u, gap[a:b])
            outs.append(o)
            events += e
            states.append((tr.context, tr._t_impact, tr._t_off, tr._t_nonex, tr.last_step_t, tr._shaken))
        return outs, events, states

    fast = run()
    taken = []
    original = ContextTracker._exercise_throughout

    def spy(self: ContextTracker, *args: np.ndarray) -> np.ndarray | None:
        got = original(self, *args)
        taken.append(got is not None)
        return got

    monkeypatch.setattr(ContextTracker, "_exercise_throughout", spy)
    run()
    assert any(taken) and not all(taken)  # both paths were exercised
    monkeypatch.setattr(ContextTracker, "_exercise_throughout", lambda self, *a: None)
    general = run()
    assert len(fast[0]) == len(general[0])
    for x, y in zip(fast[0], general[0]):
        assert x.dtype == y.dtype and np.array_equal(x, y)
    assert fast[1] == general[1] and len(fast[1]) >= 3  # context changes, in order and time
    assert fast[2] == general[2]


def test_board_cross_memo_is_np_cross() -> None:
    rng = np.random.default_rng(7)
    cfg = shin_prior.PriorConfig()
    for _ in range(300):
        u = rng.normal(size=3)
        u /= np.linalg.norm(u)
        if rng.random() < 0.2:
            u = np.array([0.0, 0.0, 1.0]) + rng.normal(0, 0.05, 3)  # near the board normal
        for _ in range(2):  # the second call reads the memo
            q = np.cross(u, shin_prior.BOARD_NORMAL)
            assert shin_prior.board_line_known(u, cfg) == (float(np.linalg.norm(q)) >= cfg.min_normal_sin)
            got, want = shin_prior._u_cross_board(u)
            assert np.array_equal(got, q) and want == float(np.linalg.norm(q))


@pytest.mark.parametrize("n", [1, 2, 10, 65, 3000])
def test_direct_reductions_are_the_array_methods(n: int) -> None:
    rng = np.random.default_rng(n)
    for density in (0.0, 0.05, 1.0):
        b = rng.random(n) < density
        assert bool(dsp.any_true(b)) == bool(b.any()) and bool(dsp.all_true(b)) == bool(b.all())
    x = rng.normal(size=n)
    assert dsp.amin(x) == x.min()
    x[n // 2] = np.nan
    assert np.isnan(dsp.amin(x)) and np.isnan(x.min())


@pytest.mark.parametrize("kind", ["uniform", "few", "jitter"])
def test_interval_median_from_counts_forward_and_back(kind: str) -> None:
    """The running counts give np.median's value for every prefix asked, forward (the pipeline's
    movement ends), back, and with jittery timestamps (the sorted path)."""
    rng = np.random.default_rng({"uniform": 1, "few": 2, "jitter": 3}[kind])
    many = False
    for _ in range(12):
        n = int(rng.integers(50, 9000))
        if kind == "uniform":
            dt = 0.005 + rng.choice([0.0, 1e-12, -1e-12, 2e-12], n)
        elif kind == "few":
            dt = rng.choice([0.005, 0.01, 0.0049, 0.02], n, p=[0.4, 0.3, 0.2, 0.1])
        else:
            dt = 0.005 + rng.uniform(-1e-3, 1e-3, n)
        t = np.cumsum(dt)
        d = np.diff(t, prepend=t[0])
        ev = MountEvidence(MountConfig())
        pos = 0
        while pos < n:
            m = int(rng.integers(1, 700 if rng.random() < 0.7 else 6000))
            b = min(pos + m, n)
            ev.append(t[pos:b], rng.normal(0, 1, (b - pos, 3)), rng.normal(0, 30, (b - pos, 3)))
            pos = b
            ev._sync()
            for q in [*sorted(rng.integers(3, pos + 1, 6).tolist()), pos, 3]:
                if q >= 3:
                    assert ev._dt_nom(q) == float(np.median(d[1:q]))
        many |= ev._many
    assert many == (kind == "jitter")  # more than 256 distinct intervals: the sorted path


def test_evidence_for_a_prefix_is_the_evidence_of_that_buffer() -> None:
    """Impacts and counts derived past ``end`` (every derived sample at once) leave the evidence
    for the first ``end`` samples what a buffer of exactly those samples gives."""
    rng = np.random.default_rng(11)
    n = 6000
    t = np.cumsum(np.full(n, 0.005))
    rate = 60 * np.maximum(np.sin(2 * np.pi * 0.3 * t), 0)  # movements and rests
    gyr = np.column_stack([rng.normal(0, 2, n), rate, rng.normal(0, 2, n)])
    acc = np.array([0.0, 0.0, G]) + rng.normal(0, 0.05, (n, 3))
    for a in rng.integers(0, n, 12):
        acc[a] += 15.0  # foot contacts
    whole = MountEvidence(MountConfig())
    for a in range(0, n, 1000):
        whole.append(t[a : a + 1000], acc[a : a + 1000], gyr[a : a + 1000])
        stop = min(a + 1000, n)
        for end in (stop - 700, stop - 300, stop):  # movement ends within the piece, in order
            got = whole.at(end)
            ref = MountEvidence(MountConfig())
            ref.append(t[:end], acc[:end], gyr[:end])
            want = ref.at(end)
            assert (got is None) == (want is None)
            if got is not None and want is not None:
                assert got.dt_nom == want.dt_nom and got.windows == want.windows
                for x, y in zip(got, want):
                    if isinstance(x, np.ndarray):
                        assert np.array_equal(x, y)


def test_restrap_watch_still_piece_shortcut_is_the_latch(monkeypatch: pytest.MonkeyPatch) -> None:
    """A still piece (no rate above a movement's start, latch off) returns at once: the same
    answers and carried totals as through the hysteresis, for live and big pieces."""
    from sensor.core.restrap import RestrapWatch

    rng = np.random.default_rng(13)
    n = 20_000
    t = np.arange(n) * 0.005
    on = (np.arange(n) // 900) % 3 == 0  # movements, rests
    gyr = rng.normal(0, 1.5, (n, 3))
    gyr[on] += np.outer(60 * np.sin(t[on]) + 30, [0.1, 1.0, 0.2])
    gyr[on & ((np.arange(n) // 2700) % 2 == 1)] += [90.0, 0.0, 0.0]  # some turn off the knee axis
    u = np.array([0.0, 1.0, 0.0])

    def run(size: int) -> list[tuple[object, ...]]:
        w, state, out = RestrapWatch(MountConfig(), 0.5, 30.0), 0, []
        for a in range(0, n, size):
            cut, state = w.watch(t[a : a + size], gyr[a : a + size], u, state)
            out.append((cut, state, w.off_sum, w.off_n, w.mv_start, w.strikes, w.pending))
        return out

    for size in (10, 1000, 16384):
        fast = run(size)
        with monkeypatch.context() as mp:
            mp.setattr(RestrapWatch, "_nothing_starts", lambda self, mag: False)
            general = run(size)
        assert fast == general
        assert any(s[5] for s in fast)  # strikes were counted: the totals were exercised
