"""The round-3 speed paths (issue 14) give exactly what the general code gives, bit for bit.

Each check compares a fast path with the computation it replaces, written out here, or the same
input cut in different pieces (every stage promises the same bits for any chunking); the
pipeline-level chunking properties stay in tests/test_streaming.py and test_fuzz_pipeline.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from sensor.core import dsp
from sensor.core.mount_evidence import MountEvidence
from sensor.core.mounting import MountConfig
from sensor.core.preprocess import BLOCK, Preprocessor
from sensor.core.restrap import RestrapWatch


def _ffill_reference(values: np.ndarray, valid: np.ndarray, carry: float) -> np.ndarray:
    idx = np.maximum.accumulate(np.where(valid, np.arange(len(valid)), -1)) if len(valid) else np.zeros(0, int)
    return np.where(idx >= 0, values[np.maximum(idx, 0)], carry)


@pytest.mark.parametrize("n", [1, 5, 63, 64, 65, 200, 5000])
def test_ffill_long_and_short_paths_match_the_running_index(n: int) -> None:
    rng = np.random.default_rng(n)
    for density in (0.0, 0.01, 0.3, 0.9, 1.0):
        for run in (1, 7):
            valid = np.repeat(rng.random(n // run + 1) < density, run)[:n]
            x = rng.normal(size=n)
            got, want = dsp.ffill(x, valid, -2.5), _ffill_reference(x, valid, -2.5)
            assert got.dtype == want.dtype and np.array_equal(got, want)
            xi = np.arange(n, dtype=np.int64) * 3
            got_i, want_i = dsp.ffill(xi, valid, -1), _ffill_reference(xi, valid, -1)
            assert got_i.dtype == np.int64 and np.array_equal(got_i, want_i)


@pytest.mark.parametrize("n", [1, 10, 64, 65, 3000])
def test_dot3_pair_and_long_dot3_same_bits_as_written_out(n: int) -> None:
    rng = np.random.default_rng(n)
    x = rng.normal(size=(n, 3)) * 10.0 ** rng.integers(-6, 6, (n, 3))
    v, w = rng.normal(size=3), rng.normal(size=3)
    want_v = x[:, 0] * v[0] + x[:, 1] * v[1] + x[:, 2] * v[2]
    want_w = x[:, 0] * w[0] + x[:, 1] * w[1] + x[:, 2] * w[2]
    a, b = dsp.dot3_pair(x, v, w)
    assert np.array_equal(a, want_v) and np.array_equal(b, want_w)
    assert np.array_equal(dsp.dot3(x, v), want_v)


def test_rest_detector_blocks_give_the_bits_of_any_other_cut() -> None:
    """A chunk longer than the block is cut inside ``process``: the filter state, the last-moving
    time and the bias carry across blocks exactly as across chunks."""
    rng = np.random.default_rng(3)
    n = 3 * BLOCK + 123
    t = np.cumsum(np.full(n, 0.005))
    still = (np.arange(n) // 700) % 2 == 0  # stretches of rest and movement
    gyr = rng.normal(0.4, 0.2, (n, 3)) + np.where(still, 0.0, 60.0)[:, None] * rng.normal(size=(n, 1))
    acc = np.array([0.0, 0.0, 9.80665]) + rng.normal(0, 0.02, (n, 3)) + np.where(still, 0.0, 2.0)[:, None]
    t[2000:] += 1.0  # a gap
    whole = Preprocessor(0.005).process(t, acc, gyr)
    pieces: list[tuple[np.ndarray, ...]] = []
    pre = Preprocessor(0.005)
    edges = [0, 10, 4096, 4107, 9000, n]
    for a, b in zip(edges[:-1], edges[1:]):
        pieces.append(pre.process(t[a:b], acc[a:b], gyr[a:b]))
    for k in range(3):
        assert np.array_equal(whole[k], np.concatenate([p[k] for p in pieces]))
    assert whole[1].any() and not whole[1].all()  # rests found and movements between them


def test_restrap_history_cut_on_read_keeps_the_last_history_seconds() -> None:
    """The history is cut when read: whatever the pieces, it holds exactly the samples within
    ``history_s`` of the last one kept."""
    rng = np.random.default_rng(4)
    n = 20_000
    t = np.arange(n) * 0.005
    arrays = (t, rng.normal(size=(n, 3)), rng.normal(size=(n, 3)), np.zeros(n, bool), np.zeros(n, bool))
    for sizes in ([n], [10], [1, 999, 7]):
        w = RestrapWatch(MountConfig(), 0.5, 30.0)
        cuts = np.cumsum((sizes * (n // sum(sizes) + 1))[:n])
        edges = [0, *cuts[cuts < n].tolist(), n]
        for a, b in zip(edges[:-1], edges[1:]):
            w.remember(*(x[a:b] for x in arrays))
        kept = w.take_history(-np.inf)
        assert kept is not None
        want = t >= t[-1] - 30.0
        assert np.array_equal(kept[0], t[want]) and np.array_equal(kept[1], arrays[1][want])


def test_jittery_median_interval_is_np_median() -> None:
    """Jittery timestamps (every interval distinct) switch the evidence to a sorted copy of the
    intervals; each query's median is np.median's, going forward and after a rebuild."""
    rng = np.random.default_rng(5)
    n = 6000
    t = np.cumsum(0.005 + rng.uniform(-2e-3, 2e-3, n))
    acc = rng.normal(0, 1, (n, 3))
    gyr = rng.normal(0, 30, (n, 3))
    ev = MountEvidence(MountConfig())
    dt = np.diff(t, prepend=t[0])
    for a in range(0, n, 500):
        ev.append(t[a : a + 500], acc[a : a + 500], gyr[a : a + 500])
        ev._sync()
        end = min(a + 500, n)
        for q in (end - 250, end, max(end - 17, 3)):  # forward in steps, then back
            assert ev._dt_nom(q) == float(np.median(dt[1:q]))
    assert ev._many  # the sorted path was taken
    ev.rebuild(t[:3000], acc[:3000], gyr[:3000])
    ev._sync()
    assert ev._dt_nom(3000) == float(np.median(dt[1:3000]))


def test_hysteresis_is_the_written_out_latch() -> None:
    rng = np.random.default_rng(6)
    for n in (0, 1, 10, 65, 500):
        x = rng.normal(0, 10, n)
        on, off = np.abs(x) > 8, np.abs(x) < 3
        codes = np.where(x > 0, 1, -1)
        for carry in (0, 1, -1):
            for cd in (None, codes):
                state, want = carry, []
                for i in range(n):  # the latch, sample by sample
                    state = (1 if cd is None else int(cd[i])) if on[i] else 0 if off[i] else state
                    want.append(state)
                got = dsp.hysteresis(on, off, carry, cd)
                assert got.dtype == np.int64 and got.tolist() == want
