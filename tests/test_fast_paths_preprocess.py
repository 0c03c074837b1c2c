"""The rest detector's speed paths (issue 14) give exactly what the forward fills they replace
gave, bit for bit: the rest mask from the runs of calm samples (``Preprocessor._rest_spans``),
the bias-corrected rates run by run (``_rebiased``) and the carried bias repeated to whole rows
(``_carried``), and the rows kept from piece to piece in their new order (``_Rows``), against
the code before them (below, ``_FilledPreprocessor``: fresh rows of (gyro, acc) x (value,
square), two forward fills), on real sessions cut every way, with gaps, and on pieces made to
take every path."""

from __future__ import annotations

import numpy as np
import pytest

from sensor.core.constants import STANDARD_GRAVITY as G
from sensor.core.dsp import any_true, ffill
from sensor.core.preprocess import BLOCK, Preprocessor
from sensor.core.types import Posture
from sensor.sim.corpus import make_session
from sensor.sim.simulator import SimConfig, simulate_session


class _FilledPreprocessor(Preprocessor):
    """The rest detector as it was: the times of the moving samples and the gyro means filled
    forward over the whole piece (``ffill``), the bias subtracted through the gyro's rows."""

    def _block(self, t, acc, gyr, out=None):
        cfg, n = self.cfg, len(t)
        prev_t = self._last_t if self._last_t is not None else t[0]
        gap = np.diff(t, prepend=prev_t) > self.gap_s
        self._last_t = float(t[-1])
        x = np.empty((8, n))
        x[0:3], x[3:6] = gyr.T, acc.T
        s = x[0:6] * x[0:6]
        x[6], x[7] = (s[0] + s[1]) + s[2], (s[3] + s[4]) + s[5]
        m = self._ema(x)
        q = m[0:6] * m[0:6]
        gv, av = m[6] - ((q[0] + q[1]) + q[2]), m[7] - ((q[3] + q[4]) + q[5])
        anorm = np.abs(np.sqrt(x[7]) - G)
        still = (gv < cfg.gyr_var_max) & (av < cfg.acc_var_max) & (anorm < cfg.acc_norm_tol)
        last_moving = ffill(t, ~still | gap, self._last_moving_t)
        self._last_moving_t = float(last_moving[-1])
        rest = still & (t - last_moving >= cfg.min_rest_s)
        if any_true(rest):
            self.bias_known = True
        bias = ffill(m[0:3].T, rest, self.bias)
        self.bias = bias[-1].copy()
        got = gyr - bias
        if out is not None:
            out[...] = got
        return got, rest, gap


def _bits(x: np.ndarray) -> bytes:
    return np.ascontiguousarray(x).tobytes()


def _same(kind: str, seed: int, sizes: list[int], gaps: bool = False) -> tuple[int, int]:
    """Both detectors over one session cut into ``sizes`` (repeated); (rest samples, pieces).
    ``kind`` "sim": 10 minutes of reps with holds and pauses (the bench's long session)."""
    if kind == "sim":
        c = simulate_session(SimConfig(reps=75, rate_hz=200.0, seed=7, posture=Posture.SUPINE)).chunk
    else:
        c = make_session(kind, seed).chunk
    t = c.t.copy()
    if gaps:  # holes in time: a gap ends a rest, and the rest needs a second again
        for at in range(7_000, len(t), 23_000):
            t[at:] += 0.4 + 0.1 * (at % 3)
    new, old = Preprocessor(0.005), _FilledPreprocessor(0.005)
    pos, k, rests = 0, 0, 0
    while pos < len(t):
        b = min(len(t), pos + sizes[k % len(sizes)])
        got = new.process(t[pos:b], c.acc[pos:b], c.gyr[pos:b])
        want = old.process(t[pos:b], c.acc[pos:b], c.gyr[pos:b])
        for g, w in zip(got, want, strict=True):
            assert _bits(g) == _bits(w), (pos, b)
        assert _bits(new.bias) == _bits(old.bias) and new.bias_known == old.bias_known
        assert new._last_moving_t == old._last_moving_t
        rests += int(got[1].sum())
        pos, k = b, k + 1
    return rests, k


@pytest.mark.parametrize(
    ("kind", "seed", "sizes", "gaps"),
    [
        ("sim", 0, [65536], False),
        ("sim", 0, [1000], True),
        ("long", 168, [40_000], False),
        ("standard", 3, [10, 37, 999, 5000], False),
        ("negative", 5, [1000, 1, 333], True),
        ("long", 656, [150, 64, 65, 2000], False),
    ],
)
def test_rest_runs_are_the_forward_fills(kind: str, seed: int, sizes: list[int], gaps: bool) -> None:
    rests, pieces = _same(kind, seed, sizes, gaps)
    assert rests > 50 and pieces > 1  # (rests found: the run paths were taken)


def test_every_run_shape_is_the_forward_fill() -> None:
    """Made pieces: still or moving throughout, rests that begin before the piece (the carry),
    end inside it or reach its end, several runs per piece, one-sample runs, gaps inside rests."""
    rng = np.random.default_rng(4)
    new, old = Preprocessor(0.005), _FilledPreprocessor(0.005)
    t0 = 0.0
    for _ in range(120):
        n = int(rng.choice([1, 5, 64, 65, 700, BLOCK, BLOCK + 300]))
        t = t0 + 0.005 * np.arange(1, n + 1) + rng.uniform(0, 1e-4, n)
        if rng.random() < 0.3:  # a gap somewhere
            t[int(rng.integers(0, n)) :] += 0.3
        t0 = float(t[-1])
        moving = np.zeros(n, bool)
        for _ in range(int(rng.integers(0, 6))):  # bursts of movement between stills
            a = int(rng.integers(0, n))
            moving[a : a + int(rng.integers(1, 400))] = True
        if rng.random() < 0.2:
            moving[:] = rng.random() < 0.5
        gyr = rng.normal(0.5, 0.05, (n, 3)) + moving[:, None] * rng.normal(0, 80, (n, 3))
        acc = rng.normal(0, 0.02, (n, 3)) + [0.0, 0.0, G]
        if rng.random() < 0.15:  # the gyro still, the acceleration not: moving after all
            acc += rng.normal(0, 3, (n, 3))
        if n == 1 and rng.random() < 0.5:  # one still sample after a gap: no calm sample
            t += 0.3
            t0 = float(t[-1])
        got, want = new.process(t, acc, gyr), old.process(t, acc, gyr)
        for g, w in zip(got, want, strict=True):
            assert _bits(g) == _bits(w)
        assert _bits(new.bias) == _bits(old.bias) and new._last_moving_t == old._last_moving_t
        if n == BLOCK:  # then a still sample after a gap: still, yet no calm sample
            one = (t[-1:] + 0.3, acc[-1:] * 0 + [0.0, 0.0, G], gyr[-1:] * 0 + 0.5)
            for g, w in zip(new.process(*one), old.process(*one), strict=True):
                assert _bits(g) == _bits(w)
            t0 = float(one[0][-1])
    assert new.bias_known


def test_nan_variances_are_the_forward_fills() -> None:
    """NaN among the rates or accelerations (the preprocessor alone: no intake before it), where
    the moving-throughout test reads argmin's value (then a NaN's) and asks sample by sample:
    pieces still but for a NaN, moving but for a NaN, and NaN throughout."""
    rng = np.random.default_rng(11)
    new, old = Preprocessor(0.005), _FilledPreprocessor(0.005)
    t0 = 0.0
    for k in range(60):
        n = int(rng.choice([10, 700, BLOCK + 300]))
        t = t0 + 0.005 * np.arange(1, n + 1)
        t0 = float(t[-1])
        still = k % 3 != 1
        gyr = rng.normal(0.5, 0.05, (n, 3)) + (0 if still else rng.normal(0, 80, (n, 3)))
        acc = rng.normal(0, 0.02, (n, 3)) + [0.0, 0.0, G]
        if k % 5 == 4:
            gyr[:] = np.nan
        else:
            gyr[int(rng.integers(0, n)), int(rng.integers(0, 3))] = np.nan
            acc[int(rng.integers(0, n)), 2] = np.nan if k % 2 else acc[0, 2]
        got, want = new.process(t, acc, gyr), old.process(t, acc, gyr)
        for g, w in zip(got, want, strict=True):
            assert _bits(g) == _bits(w)
        assert _bits(new.bias) == _bits(old.bias) and new._last_moving_t == old._last_moving_t
