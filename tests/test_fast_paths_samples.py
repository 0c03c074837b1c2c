"""The speed paths (issue 14, the 1000-sample feed) give exactly what the code they
replace gives, bit for bit: the latches read at their decided samples (the rep detector's
direction, sensor.core.phases_pass; the re-strap watch's moving latch), the elevation-flatness
references found without joining the carry, and the products that stand for numpy calls
(np.radians / np.degrees, the bias row subtracted over contiguous rows, dot3_pair's rows).
Whole sessions are compared by ``sensor/sim/bench_digest.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

from sensor.core import phases_pass
from sensor.core.creep import ElevationStill
from sensor.core.dsp import dot3, dot3_pair, hysteresis
from sensor.core.orientation import DEG, RAD
from sensor.core.pipeline import Pipeline
from sensor.core.preprocess import Preprocessor
from sensor.core.rep_config import RepConfig
from sensor.core.restrap import _latch_changes
from sensor.sim.corpus import make_session


def _bits(x: np.ndarray) -> bytes:
    return np.ascontiguousarray(x).tobytes()


def _run(kind: str, seed: int, size: int) -> str:
    cs = make_session(kind, seed)
    p = Pipeline(cs.posture, cs.rate_hz)
    out = []
    for part in cs.chunk.split([size] * (len(cs.chunk) // size + 1)):
        out += p.feed(part)
    out += p.finish()
    return repr((out, p.reps, p.stats))


@pytest.mark.parametrize(("kind", "seed", "size"), [("standard", 3, 1000), ("long", 656, 37), ("short", 72, 4096)])
def test_decided_samples_give_the_whole_latch(kind: str, seed: int, size: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every event and rep of a session, with the rep detector's direction read from its decided
    samples and with the whole-array latch (the code before) on every piece."""
    got = _run(kind, seed, size)

    def whole(det, t, e, v, absv, starts=None):  # type: ignore[no-untyped-def]
        change, old, new, _resets, last = phases_pass._latched_whole(det, t, e, v, np.zeros(len(t), bool), None, absv)
        return change, old, new, last

    monkeypatch.setattr(phases_pass, "_latched_decided", whole)
    assert _run(kind, seed, size) == got


def test_moving_latch_changes_are_the_hysteresis_changes() -> None:
    rng = np.random.default_rng(9)
    for _ in range(300):
        n = int(rng.integers(1, 400))
        rate = np.abs(rng.normal(0, 20, n)) * (rng.random(n) < 0.9)
        rate[rng.random(n) < 0.02] = np.nan
        on, off = rate > 15.0, rate < 5.0
        carry = int(rng.integers(0, 2))
        mov = hysteresis(on, off, carry)
        prev = np.concatenate([[carry], mov[:-1]])
        want = np.flatnonzero(mov != prev).tolist()
        changes, moves = _latch_changes(on, off, carry)
        assert changes == want
        assert moves == mov[want].tolist()


def test_flat_references_without_the_join_are_the_joined_ones() -> None:
    """``stops`` against ``__call__`` on the same stream in pieces of every size: slow drifts,
    holds, noise and holes (times jumping by more than 2 stop_elev_s)."""
    rng = np.random.default_rng(4)
    cfg = RepConfig()
    for _ in range(20):
        n = 6000
        steps = np.where(rng.random(n) < 0.002, rng.uniform(0.3, 2.0, n), 0.005)
        t = np.cumsum(steps)
        e = np.cumsum(rng.normal(0, 0.01, n) + np.where(np.sin(t / 3.0) > 0.3, 0.02, 0.0))
        v = np.gradient(e, t) + rng.normal(0, 1.5, n)
        absv = np.abs(v)
        a, b = ElevationStill(cfg), ElevationStill(cfg)
        pos = 0
        while pos < n:
            k = min(n, pos + int(rng.choice([1, 3, 10, 57, 400, 1500])))
            ts, es, av = t[pos:k], e[pos:k], absv[pos:k]
            want = np.flatnonzero(a(ts, es, av))
            cand = np.flatnonzero(~(av > cfg.move_dps) & ~(av < cfg.stop_dps))
            got = b.stops(ts, es, cand)
            assert got.tolist() == want.tolist()
            pos = k


def test_products_stand_for_the_numpy_calls() -> None:
    rng = np.random.default_rng(2)
    x = np.concatenate(
        [rng.normal(0, 1, 5000) * 10.0 ** rng.integers(-300, 300, 5000), [0.0, -0.0, np.inf, -np.inf, 5e-324, -5e-324]]
    )
    with np.errstate(over="ignore"):
        assert _bits(x * RAD) == _bits(np.radians(x))
        assert _bits(x * DEG) == _bits(np.degrees(x))
    g = rng.normal(0, 50, (3000, 3))
    bias = rng.normal(0, 2, 3)
    rows = np.ascontiguousarray(g.T)
    assert _bits(Preprocessor._less(g, rows, bias)) == _bits(g - bias)
    assert _bits(Preprocessor._less(g[:10], rows[:, :10], bias)) == _bits(g[:10] - bias)
    out = np.empty((3000, 3))
    Preprocessor._less(g, rows, bias, out)
    assert _bits(out) == _bits(g - bias)
    for n in (65, 1000, 16384):
        acc = rng.normal(0, 9, (n, 3))
        v, w = rng.normal(size=3), rng.normal(size=3)
        a1, a2 = dot3_pair(acc, v, w)
        assert _bits(a1) == _bits(dot3(acc, v)) and _bits(a2) == _bits(dot3(acc, w))


def test_preprocess_blocks_written_in_place_are_the_blocks() -> None:
    """A long chunk (blocks written into the output) against 1000-sample pieces; the rests found."""
    cs = make_session("long", 168)
    n = min(len(cs.chunk), 65536)
    assert n > 3 * 4096  # (blocks of preprocess.BLOCK)
    c = cs.chunk.slice(0, n)
    whole = Preprocessor(1 / cs.rate_hz).process(c.t, c.acc, c.gyr)
    pre = Preprocessor(1 / cs.rate_hz)
    parts = [pre.process(c.t[a : a + 1000], c.acc[a : a + 1000], c.gyr[a : a + 1000]) for a in range(0, n, 1000)]
    for k in range(3):
        assert _bits(whole[k]) == _bits(np.concatenate([p[k] for p in parts]))
    assert whole[1].any() and not whole[1].all()  # rests and movements: every return path taken
