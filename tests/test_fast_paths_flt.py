"""The sagittal filter's kept rows (issue 14, round 17: sensor.core.sagittal_work) give exactly what
its fresh arrays give, bit for bit, on real sessions: pieces of one length repeated (a stream fed
in like chunks) through ``Work``, against the same pieces with ``WORK_MAX`` 0 (every long piece
through ``plane`` and fresh arrays, the code they replace); holes (the filters restart), weak
forces (the angle held) and wraps of the angle included. Also the helpers the kept-rows path
leans on: the least and largest from argmin/argmax, and a zero angle's sign never reaching the
elevation (the angle of a piece without turns is no longer added 0.0).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from sensor.core import intake, orientation
from sensor.core.dsp import ffill as dsp_ffill
from sensor.core.intake import ARGS_MAX, SampleIntake, _within
from sensor.core.mounting import Mounting
from sensor.core.orientation import SagittalFilter, _least_largest
from sensor.core.pipeline import Pipeline
from sensor.core.preprocess import Preprocessor
from sensor.core.samples import ImuChunk
from sensor.sim.corpus import make_session

Out = tuple[bytes, bytes, list[tuple[float, float] | None], list[int], tuple[int, int]]


def _filtered(
    m: Mounting, rate_hz: float, arrays: tuple[np.ndarray, ...], sizes: list[int], monkeypatch: pytest.MonkeyPatch
) -> Out:
    """The filter over pieces of ``sizes`` (repeated to the end): elevation and rate bytes, each
    piece's span and the whole turns added after it, and (pieces through kept rows, pieces)."""
    t, acc, g, gap = arrays
    f = SagittalFilter(m, 1.0 / rate_hz)
    outs, spans, turns, kept, i, k = [], [], [], 0, 0, 0
    while i < len(t):
        sl = slice(i, i + sizes[k % len(sizes)])
        outs.append(f.process(t[sl], acc[sl], g[sl], gap[sl]))
        spans.append(f.span)
        turns.append(f._k)
        kept += f._work is not None and f._work.n == len(t[sl])
        i, k = sl.stop, k + 1
    e, v = (np.concatenate(x) for x in zip(*outs))
    return e.tobytes(), v.tobytes(), spans, turns, (kept, k)


@pytest.mark.parametrize(
    ("kind", "seed", "turned", "sizes"),
    [
        ("standard", 694, False, [100]),  # supine
        ("negative", 3817, False, [1000]),  # seated walking lunges: weak forces hold the angle
        ("long", 656, True, [333, 333, 2000, 2000, 4096, 4096, 517]),  # the plane turned: wraps
    ],
)
def test_kept_rows_are_the_fresh_arrays(
    kind: str, seed: int, turned: bool, sizes: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    cs = make_session(kind, seed)
    p = Pipeline(cs.posture, cs.rate_hz)
    p.feed(cs.chunk)
    m = p.mounting
    assert m is not None
    if turned:  # the plane's axes reversed: the angle 180 deg round, near the cut of atan2
        m = replace(m, e1=-m.e1, e2=-m.e2)
    keep = np.ones(len(cs.chunk), bool)  # two holes (1 s and 2 s of samples lost): the filters restart
    keep[len(keep) // 3 : len(keep) // 3 + int(cs.rate_hz)] = False
    keep[len(keep) // 2 : len(keep) // 2 + int(2 * cs.rate_hz)] = False
    t, acc = cs.chunk.t[keep], cs.chunk.acc[keep]
    g, _rest, gap = Preprocessor(1.0 / cs.rate_hz, p.cfg.rest).process(t, acc, cs.chunk.gyr[keep])
    assert np.count_nonzero(gap) >= 2
    held = []
    ffill = dsp_ffill

    def counted(*args: Any) -> np.ndarray:
        held.append(1)
        return ffill(*args)

    monkeypatch.setattr(orientation, "ffill", counted)
    got = _filtered(m, cs.rate_hz, (t, acc, g, gap), sizes, monkeypatch)
    monkeypatch.setattr(orientation, "WORK_MAX", 0)
    want = _filtered(m, cs.rate_hz, (t, acc, g, gap), sizes, monkeypatch)
    assert got[:4] == want[:4]
    assert got[4][0] >= got[4][1] // 3 and want[4][0] == 0  # (the repeated lengths through kept rows)
    assert held if kind == "negative" else True
    assert len(set(got[3])) > 1 if turned else True  # (turns added: the angle wrapped)


def test_least_largest_is_the_reductions() -> None:
    """argmin/argmax's values against fmin/fmax's: NaN left out (the reductions answer), infinities
    and a -0.0 beside a 0.0 (equal as numbers)."""
    rng = np.random.default_rng(5)
    x = rng.normal(0, 50, 1000)
    cases = [x, np.where(x > 60, np.nan, x), np.full(7, np.nan), np.array([0.0, -0.0, 3.0, -0.0])]
    cases += [np.array([np.inf, 1.0, -np.inf]), x[::3]]
    for c in cases:
        got, want = _least_largest(c), (np.fmin.reduce(c), np.fmax.reduce(c))
        assert np.array_equal(np.array(got), np.array(want), equal_nan=True)


@pytest.mark.parametrize("sigma", [1, -1])
@pytest.mark.parametrize("size", [10, 250])
def test_a_zero_angles_sign_never_reaches_the_elevation(sigma: int, size: int) -> None:
    """A still shin lying along e1 with the e2 components exactly -0.0: every angle is -0.0 (atan2 of
    -0.0), which the filter now carries as such where ``+ 0.0`` made it 0.0; the filter's input,
    output and state are then signed zeros, and the elevation must be the bits of the same
    samples with 0.0 there. The reference lies at 0 deg, so ``theta - ref`` is a signed zero too."""
    n = 3000
    u = np.array([0.0, -1.0, 0.0])  # e1 x e2
    m = Mounting(u, np.array([0.0, 0.0, -1.0]), np.array([1.0, 0.0, 0.0]), 0.0, sigma, 0.99, 3, 0.2)
    t = np.arange(n) * 0.005
    acc = np.zeros((n, 3))
    acc[:, 0], acc[:, 1], acc[:, 2] = -0.0, -0.0, -9.81  # a1 = 9.81, a2 = -0.0 (no product restores +0)
    gap = np.zeros(n, bool)

    def run(a: np.ndarray) -> tuple[bytes, bytes]:
        f = SagittalFilter(m, 0.005)
        outs = [f.process(t[i : i + size], a[i : i + size], np.zeros((size, 3)), gap[:size]) for i in range(0, n, size)]
        return tuple(np.concatenate(x).tobytes() for x in zip(*outs))  # type: ignore[return-value]

    f = SagittalFilter(m, 0.005)
    f.process(t[:size], acc[:size], np.zeros((size, 3)), gap[:size])
    assert f._raw_prev == 0.0 and np.signbit(f._raw_prev)  # (the angle is -0.0)
    plus = acc.copy()
    plus[:, :2] = 0.0
    got, want = run(acc), run(plus)
    assert got == want
    assert np.all(np.frombuffer(got[0]) == 90.0)


def test_intake_bounds_from_argmax_are_the_reductions() -> None:
    """``_within`` from argmax/argmin (up to ARGS_MAX samples) against the least and largest
    reduced, NaN (first, inside, last), infinities and the bound itself included."""
    rng = np.random.default_rng(9)
    h = 50.0
    for n in (1, 10, 1000, ARGS_MAX, ARGS_MAX + 1):
        for bad in (None, np.nan, np.inf, -np.inf, h, -h, np.nextafter(h, np.inf)):
            for at in (0, n // 2, n - 1):
                x = rng.uniform(-h, h, (n, 3))
                if bad is not None:
                    x[at, at % 3] = bad
                want = bool(np.all(np.abs(x) <= h))  # (NaN fails)
                assert _within(x, h) == want


@pytest.mark.parametrize("size", [1, 10, 1000, 2049, 5000])
def test_intake_fast_check_is_the_full_check(size: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """A real session with bad samples (NaN, out of range, repeated and falling times) inside and
    at the edges of pieces: the intake with its whole-chunk check keeps and counts what it keeps
    and counts with that check failing every piece (the full per-sample check)."""
    c = make_session("long", 168).chunk
    t, acc, gyr = c.t.copy(), c.acc.copy(), c.gyr.copy()
    acc[999, 2], gyr[5000, 0], t[2048] = np.nan, 3000.0, t[2047]  # (piece edges)
    t[7001], acc[12000, 1], gyr[20000] = t[6999], np.inf, [1500.0, 1500.0, 1500.0]

    def run() -> tuple[list[bytes], tuple[int, int, float | None, float]]:
        k = SampleIntake()
        out = [k.accept(ImuChunk(t[a : a + size], acc[a : a + size], gyr[a : a + size])) for a in range(0, 30000, size)]
        return [b"".join(x.tobytes() for x in (p.t, p.acc, p.gyr)) for p in out], (
            k.invalid,
            k.out_of_order,
            k.first_skip_t,
            k.last_t,
        )

    got = run()
    monkeypatch.setattr(intake, "_within", lambda x, h: False)
    want = run()
    assert got == want and got[1][:2] == (4, 2)
