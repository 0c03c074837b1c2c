"""The rep detector's sample pass (issue 14, round 16) gives exactly what the code it replaces
gave: the latch's changes read from codes held through the undecided samples, against the
decided samples gathered (sensor.core.phases_pass._latched_decided); the last quiet sample
before a start found among the ends of quiet runs, against every quiet sample (``_quiet``).
Whole sessions in both postures at several chunk sizes, and random pieces with NaN rates,
rates exactly at the thresholds, long undecided runs and flat stops.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import pytest

from sensor.core import phases_pass, phases_steady
from sensor.core.phases import RepDetector
from sensor.core.pipeline import Pipeline
from sensor.sim.corpus import make_session


def _decided_gathered(det, t, e, v, absv, starts=None):
    """The latch from the decided samples gathered, as before round 16."""
    cfg = det.cfg
    on = absv > cfg.move_dps
    decided = on | (absv < cfg.stop_dps)
    cand = (~decided).nonzero()[0]
    flat = det._flat.stops(t, e, cand)
    if len(flat):
        decided[flat] = True
    dec = decided.nonzero()[0]
    carry = det._dir
    if not len(dec):
        return [], [], [], carry
    codes = np.where(on[dec], np.where(v[dec] > 0, 1, -1), 0)
    before = np.empty_like(codes)
    before[0] = carry
    before[1:] = codes[:-1]
    k = (codes != before).nonzero()[0]
    return dec[k].tolist(), before[k].tolist(), codes[k].tolist(), int(codes[-1])


def _quiet_every(det, t, e, absv, change, ch, holes):
    """The last quiet sample at or before every change, among every quiet sample, as before."""
    qi = (absv < det.cfg.start_dps).nonzero()[0]
    carry = (det._quiet_t, det._quiet_e)
    ch = np.array(change, np.int64) if ch is None else ch
    quiet = []
    if change:
        k = qi.searchsorted(ch, side="right") - 1
        j = qi[np.maximum(k, 0)] if len(qi) else ch
        qt, qe = t[j].tolist(), e[j].tolist()
        quiet = [carry if kk < 0 else (a, b) for kk, a, b in zip(k.tolist(), qt, qe)]
    return quiet, ((float(t[qi[-1]]), float(e[qi[-1]])) if len(qi) else carry)


def _run(kind: str, seed: int, size: int) -> str:
    cs = make_session(kind, seed)
    p = Pipeline(cs.posture, cs.rate_hz)
    out = []
    for part in cs.chunk.split([size] * (len(cs.chunk) // size + 1)):
        out += p.feed(part)
    out += p.finish()
    return repr((out, p.reps, p.stats))


@pytest.mark.parametrize(
    ("kind", "seed", "size"), [("standard", 3, 1000), ("long", 656, 37), ("long", 657, 65536), ("variants", 4, 1000)]
)
def test_sessions_as_with_the_gathered_latch(kind: str, seed: int, size: int, monkeypatch: pytest.MonkeyPatch) -> None:
    got = _run(kind, seed, size)
    assert "RepCompleted" in got
    monkeypatch.setattr(phases_pass, "_latched_decided", _decided_gathered)
    monkeypatch.setattr(phases_pass, "_quiet", _quiet_every)
    assert _run(kind, seed, size) == got


def _pieces(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Times (200 Hz, jittered), a rate of held levels that cross every threshold (and sit on
    them), and an elevation that is flat where the rate is slow or noise."""
    t = np.cumsum(rng.uniform(0.004, 0.006, n)) + 100.0
    levels = np.array([0.0, 1.0, 1.5, 2.0, 3.0, 5.0, 7.9, 8.0, 8.1, 20.0, 60.0])
    v = np.empty(n)
    pos = 0
    while pos < n:
        k = min(n, pos + int(rng.integers(1, 120)))
        lv = rng.choice(levels) * rng.choice([-1.0, 1.0])
        v[pos:k] = lv + (rng.normal(0, 0.5, k - pos) if rng.random() < 0.5 else 0.0)
        pos = k
    v[rng.random(n) < 0.003] = np.nan
    e = np.cumsum(np.where(rng.random(n) < 0.3, 0.0, np.nan_to_num(v) * 0.005)) * 0.5
    return t, e, v


def _walk(
    rng: np.random.Generator, t: np.ndarray, e: np.ndarray, v: np.ndarray, sizes: list[int]
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The trace cut into consecutive pieces of lengths drawn from ``sizes`` (the last one
    shorter), as a stream feeds them."""
    pos = 0
    while pos < len(t):
        k = min(len(t), pos + int(rng.choice(sizes)))
        yield t[pos:k], e[pos:k], v[pos:k]
        pos = k


def test_random_pieces_latch_and_quiet_as_before() -> None:
    rng = np.random.default_rng(16)
    starts = 0
    for _ in range(40):
        t, e, v = _pieces(rng, 4000)
        a, b = RepDetector("supine"), RepDetector("supine")
        for ts, es, vs in _walk(rng, t, e, v, [1, 2, 9, 10, 57, 300, 1000]):
            absv = np.abs(vs)
            got = phases_pass._latched_decided(a, ts, es, vs, absv)
            want = _decided_gathered(b, ts, es, vs, absv)
            assert got == want
            change = got[0]
            ch = np.array(change, np.int64)
            gq, gl = phases_pass._quiet(a, ts, es, absv, change, ch, False)
            wq, wl = _quiet_every(b, ts, es, absv, change, ch, False)
            assert gl == wl
            for new, x, y in zip(got[2], gq, wq):
                if new != 0:  # (only a start reads its quiet sample)
                    assert x == y
                    starts += 1
            for det in (a, b):
                det._dir = got[3]
                det._quiet_t, det._quiet_e = gl
    assert starts > 1000


def test_undecided_runs_hold_the_latch_from_the_piece_start() -> None:
    """A piece that opens on undecided samples keeps the carried direction through them."""
    det = RepDetector("supine")
    det._dir = 1
    t = np.arange(12) * 0.005 + 1.0
    e = np.arange(12) * 1.0  # moving: never flat
    v = np.array([5.0, 5.0, 5.0, 1.0, 5.0, -9.0, -9.0, 5.0, 0.5, 9.0, 5.0, math.nan])
    got = phases_pass._latched_decided(det, t, e, v, np.abs(v))
    assert got == ([3, 5, 8, 9], [1, 0, -1, 0], [0, -1, 0, 1], 1)


@pytest.mark.parametrize(("walk_max", "walk_n"), [(0, 10**9), (10**9, 10**9), (10**9, 0)])
def test_walked_changes_as_the_held_codes(walk_max: int, walk_n: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Round 17: the latch's changes walked in Python over the places where the codes change
    (marked undecided samples holding the latch), against the gathered decided samples; with the
    walk given up for every piece (too many places: the marks written over by ``_hold_through``),
    taken for every piece, and never tried (a long piece)."""
    monkeypatch.setattr(phases_pass, "_WALK_MAX", walk_max)
    monkeypatch.setattr(phases_pass, "_WALK_N", walk_n)
    rng = np.random.default_rng(17)
    pieces = 0
    for _ in range(30):
        t, e, v = _pieces(rng, 3000)
        a, b = RepDetector("supine"), RepDetector("supine")
        for ts, es, vs in _walk(rng, t, e, v, [1, 3, 10, 64, 300, 1000]):
            absv = np.abs(vs)
            starts = (vs > a.cfg.move_dps, vs < -a.cfg.move_dps) if rng.random() < 0.5 else None
            got = phases_pass._latched_decided(a, ts, es, vs, absv, starts)
            want = _decided_gathered(b, ts, es, vs, absv)
            assert got == want
            pieces += len(got[0]) > 2
            a._dir = b._dir = got[3]
    assert pieces > 100


def test_steady_piece_with_the_callers_masks_as_without() -> None:
    """Round 17: ``steady_piece`` given the start masks and the hole flag (counted, not reduced)
    answers as when it reduces the rates itself, NaN rates and holes among them."""
    rng = np.random.default_rng(170)
    taken = 0
    for _ in range(3000):
        n = int(rng.integers(1, 40))
        d0 = int(rng.integers(-1, 2))
        level = rng.choice([0.5, 5.0, 9.0, 30.0]) * (d0 if d0 else rng.choice([-1.0, 1.0]))
        v = level + rng.normal(0, 0.3, n) * (rng.random() < 0.5)
        v[rng.random(n) < 0.02] = np.nan
        t = np.cumsum(rng.uniform(0.004, 0.006, n)) + 50.0
        e = np.cumsum(v) * 0.005
        gap = rng.random(n) < 0.01
        out = []
        for masks in (False, True):
            det = RepDetector("supine")
            det._dir = d0
            det._seg = {"peak": 1.0} if d0 else None
            absv = np.abs(v)
            if masks:
                starts = (v > det.cfg.move_dps, v < -det.cfg.move_dps)
                got = phases_steady.steady_piece(det, t, e, v, gap, None, None, None, absv, bool(gap.any()), starts)
            else:
                got = phases_steady.steady_piece(det, t, e, v, gap, None, None, None, absv)
            out.append(repr((got, det._dir, det._seg, det._last_t, det._last_e, det._turned, det._quiet_t)))
        assert out[0] == out[1]
        taken += "None" not in out[0][:6]
    assert 300 < taken < 2900
