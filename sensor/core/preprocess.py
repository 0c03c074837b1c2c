"""Rest detection and gyroscope bias: what every later stage needs before it can trust the gyro.

Consumer gyroscopes drift by a few deg/s, which would be mistaken for slow movement by the
phase detector (it decides "stopped" below ~4 deg/s). The exercise itself has holds, and the
shin rests before and after, so the bias is re-measured whenever the sensor has been still for
a second: the mean gyro reading over that stillness *is* the bias. No user action needed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sensor.core.constants import STANDARD_GRAVITY as G
from sensor.core.dsp import Ema, any_true


@dataclass
class RestConfig:
    tau_s: float = 0.3  # window of the mean and variance estimates (also the bias estimate)
    gyr_var_max: float = 2.0  # (deg/s)^2 summed over axes
    acc_var_max: float = 0.05  # (m/s^2)^2 summed over axes
    acc_norm_tol: float = 0.8  # m/s^2 from 1 g
    min_rest_s: float = 1.0  # stillness needed before the bias is trusted
    gap_s: float = 0.25  # a larger step in time is a gap


BLOCK = 4096  # samples per pass of the rest detector (see ``process``)


class _Rows:
    """The rest detector's 8 rows and time steps for pieces of ``n`` samples, and the views it
    reads and writes, kept from one piece to the next: a live feed or a stream of like chunks
    made ~15 views and an array per piece (each ~1-2k instructions, against ~1-4 per sample of
    the arithmetic). Every row is written before it is read.

    Rows 0-2 gyro, 3-5 acc (3 axes each), 6 the gyro's squared size and 7 the acceleration's
    (summed over the axes before filtering: see ``Preprocessor``), so the filtered rows split
    into means (0-5) and mean squared sizes (6-7), and the variances run over contiguous rows."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.x = x = np.empty((8, n))
        self.gyr, self.acc, self.raw, self.g2, self.a2 = x[0:3], x[3:6], x[0:6], x[6], x[7]
        self.sizes2 = x[6:8]
        self.sq = sq = np.empty((6, n))  # the squared values, then the squared means
        self.sq0, self.sq1, self.sq2 = sq[0::3], sq[1::3], sq[2::3]  # each axis of gyro and acc
        self.sizes = np.empty((2, n))  # the squared means summed over the axes, then the variances
        self.var = np.empty((2, n))  # the variances of gyro and acc
        self.gv, self.av = self.var
        self.dt = np.empty(n)  # the time steps (read for the gaps)
        self.dt_tail = self.dt[1:]
        self.anorm = np.empty(n)  # the acceleration's distance from 1 g
        self.calm = np.empty(n, bool)  # the acceleration's tests


class Preprocessor:
    def __init__(self, dt_s: float, cfg: RestConfig | None = None) -> None:
        self.cfg = cfg = cfg or RestConfig()
        self.dt = dt_s
        self.gap_s = max(cfg.gap_s, 5 * dt_s)
        # one filter over 8 channels: gyro and acc (3 axes each), |gyro|^2 and |acc|^2 (the gyro
        # mean doubles as the bias estimate, so the rest window and the bias window are the same).
        # A variance summed over the axes is E[|x|^2] - |E[x]|^2, and the filter is linear, so
        # the squared sizes are filtered as one channel each, not three: 4 of 12 channels fewer,
        # ~88 instructions a sample of scipy's kernel (the sums differ from the per-axis form
        # only in rounding, ~1e-16 of the values; every corpus counted the same: README)
        self._ema = Ema(cfg.tau_s, dt_s)
        # the bounds as 0-d arrays: a ufunc takes one as it takes an array (~1.5k instructions
        # less a call than a Python float, which it converts each time), the same comparisons
        self._bounds = tuple(np.array(v) for v in (self.gap_s, cfg.gyr_var_max, cfg.acc_var_max, cfg.acc_norm_tol, G))
        self.bias = np.zeros(3)
        self.bias_known = False
        self._last_t: float | None = None
        self._last_moving_t = -np.inf
        self._bias_rows: tuple[np.ndarray, np.ndarray] | None = None  # (bias, it repeated to whole rows)
        # (bias, it repeated to BLOCK rows, their first rows for the last piece's length)
        self._bias_block: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._rows: _Rows | None = None
        # (the last time before, the time steps, the times) of the last piece taken in one block:
        # the steps the sagittal filter and the rep detector would take from that time (``steps``)
        self.steps: tuple[float | None, np.ndarray, np.ndarray] | None = None

    def _new_rows(self, n: int) -> _Rows:
        self._rows = rows = _Rows(n)
        return rows

    @property
    def last_t(self) -> float | None:
        """The time of the last sample processed (None before the first)."""
        return self._last_t

    def restless(self, t_end: float) -> bool:
        """Whether no sample up to ``t_end`` can be at rest: a rest needs ``min_rest_s`` since the
        last moving sample, and the last moving time known here is never later than the true one
        (even with samples after ``last_t`` not processed yet), so the bias stands till then."""
        return t_end - self._last_moving_t < self.cfg.min_rest_s

    def corrected(self, gyr: np.ndarray) -> np.ndarray:
        """``gyr - bias``, the rates ``process`` gives while the bias stands (``restless``), the
        bias repeated to whole rows once per bias and feed length: a ufunc over two arrays of one
        shape takes its plain loop, ~0.8 us less on a live feed than broadcasting the row, the
        same subtractions."""
        kept = self._bias_rows
        if kept is None or kept[0] is not self.bias or kept[1].shape != gyr.shape:
            kept = self._bias_rows = (self.bias, np.tile(self.bias, (len(gyr), 1)))
        out: np.ndarray = gyr - kept[1]
        return out

    def process(self, t: np.ndarray, acc: np.ndarray, gyr: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Returns (bias-corrected gyro, rest mask, gap-before mask).

        Big chunks go through in blocks of ``BLOCK`` samples: every step is elementwise or a
        causal filter with its state carried, so the bits are those of one pass, while the eight
        filtered rows and their temporaries stay in the CPU cache (over a 65,536-sample chunk the
        same arithmetic ran ~2x slower from main memory)."""
        n = len(t)
        if n <= BLOCK:
            return self._block(t, acc, gyr)
        gyr_c = np.empty((n, 3))
        rest = np.empty(n, bool)
        gap = np.empty(n, bool)
        for a in range(0, n, BLOCK):  # (the rates written in place: no copy of each block's)
            b = min(a + BLOCK, n)
            _, rest[a:b], gap[a:b] = self._block(t[a:b], acc[a:b], gyr[a:b], gyr_c[a:b])
        self.steps = None  # (a block's steps are not the piece's)
        return gyr_c, rest, gap

    def _block(
        self, t: np.ndarray, acc: np.ndarray, gyr: np.ndarray, out: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``process`` over one block; the corrected rates into ``out`` when given (else new)."""
        n = len(t)
        rows = self._rows if self._rows is not None and self._rows.n == n else self._new_rows(n)
        gap_s, gyr_var_max, acc_var_max, acc_norm_tol, g = self._bounds
        prev_t = self._last_t if self._last_t is not None else t[0]
        dt = rows.dt  # diff_from(t, prev_t), into the kept row
        dt[0] = t[0] - prev_t
        np.subtract(t[1:], t[:-1], rows.dt_tail)
        self.steps = (self._last_t, dt, t)  # (the kept row: valid until the next piece of this length)
        gap = dt > gap_s
        self._last_t = t_end = t.item(-1)

        # the 8 rows written in place (no temporaries, one pass each); the squared sizes summed
        # (x0^2 + x1^2) + x2^2, the acceleration's also its size for the 1-g test below
        x, sq = rows.x, rows.sq
        rows.gyr[...], rows.acc[...] = gyr.T, acc.T
        np.multiply(rows.raw, rows.raw, sq)
        sizes = np.add(rows.sq0, rows.sq1, rows.sizes2)
        sizes += rows.sq2
        m = self._ema(x)
        # both variances in the same few calls (a 10-sample live chunk costs per call, not per
        # sample): the mean's squared size (x0^2 + x1^2) + x2^2, taken from the filtered
        # mean squared size: rows 0 and 3, then 1 and 4, then 2 and 5 of the squared means
        mean = m[0:6]
        np.multiply(mean, mean, sq)
        msize = np.add(rows.sq0, rows.sq1, rows.sizes)
        msize += rows.sq2
        np.subtract(m[6:8], msize, rows.var)
        gv, av = rows.gv, rows.av
        # Moving throughout (each sample the last moving one, so no rest) when no gyro variance
        # is under its bound: asked of the least (argmin's value: ~4k instructions less than the
        # mask and a reduction), a NaN among them (argmin's pick then) asked sample by sample.
        least = gv.item(gv.argmin())
        if least >= gyr_var_max:
            self._last_moving_t = t_end
            return self._carried(gyr, out), np.zeros(n, bool), gap
        still = gv < gyr_var_max
        if least != least and not any_true(still):
            self._last_moving_t = t_end
            return self._carried(gyr, out), still, gap
        still &= np.less(av, acc_var_max, rows.calm)
        anorm = np.sqrt(rows.a2, rows.anorm)
        anorm -= g
        np.abs(anorm, anorm)
        still &= np.less(anorm, acc_norm_tol, rows.calm)
        if not still[still.argmax()]:  # (the same, found after the acceleration's tests; argmax:
            # the first true, ~5k instructions less than a reduction)
            self._last_moving_t = t_end
            return self._carried(gyr, out), still, gap
        rest, spans = self._rest_spans(t, still, gap)
        if not spans:  # no rest in this piece: the carried bias on every row, as ffill would give
            return self._carried(gyr, out), rest, gap
        return self._rebiased(gyr, rows.gyr, m[0:3], spans, out), rest, gap

    def _rest_spans(
        self, t: np.ndarray, still: np.ndarray, gap: np.ndarray
    ) -> tuple[np.ndarray, list[tuple[int, int]]]:
        """The rest mask, ``still & (t - last_moving >= min_rest_s)`` with ``last_moving`` the
        forward fill of the times of the moving samples (not still, or after a gap), and its true
        runs as (start, stop) spans; ``_last_moving_t`` moved on.

        Replaces that forward fill over the whole piece (a running index, a gather, a subtraction
        and a comparison per sample) by the runs between moving samples: within a run the fill is
        one time (the moving sample's before it, or the carried one), and ``t - c`` never falls
        as ``t`` rises (rounding is monotone), so a run whose last sample is less than
        ``min_rest_s`` after it holds no rest and the others are compared sample by sample, the
        same subtractions and comparisons, over their own samples only. Moving samples are never
        at rest (``t - t`` is 0)."""
        min_rest, carry = self.cfg.min_rest_s, self._last_moving_t
        n = len(t)
        at = (still > gap).nonzero()[0]  # the calm samples (still, no gap before): not moving
        k = len(at)
        if k == 0:
            self._last_moving_t = float(t[-1])
            return np.zeros(n, bool), []
        first, last = int(at[0]), int(at[-1])
        if last - first == k - 1:  # one run (the usual piece): its fill, in scalars
            fill = carry if first == 0 else float(t[first - 1])
            self._last_moving_t = float(t[-1]) if last < n - 1 else fill
            runs = [(first, last + 1, fill)] if float(t[last]) - fill >= min_rest else []
        else:
            brk = (at[1:] != at[:-1] + 1).nonzero()[0]  # where the runs of calm samples break
            starts = np.concatenate((at[:1], at[brk + 1]))
            stops = np.concatenate((at[brk], at[-1:])) + 1
            fills = t[starts - 1]  # the moving sample before each run, or the carry before the piece
            if first == 0:
                fills[0] = carry
            self._last_moving_t = float(t[-1]) if last < n - 1 else float(fills[-1])
            ends = t[stops - 1]
            ends -= fills
            ok = (ends >= min_rest).nonzero()[0]
            runs = [(int(starts[i]), int(stops[i]), float(fills[i])) for i in ok]
        rest = np.zeros(n, bool)
        spans: list[tuple[int, int]] = []
        for a, b, c in runs:  # (a run's last sample is at rest: its first rest, then every later one)
            hit = t[a:b] - c
            first = a + int((hit >= min_rest).argmax())
            rest[first:b] = True
            spans.append((first, b))
        return rest, spans

    def _rebiased(
        self, gyr: np.ndarray, rows: np.ndarray, gm: np.ndarray, spans: list[tuple[int, int]], out: np.ndarray | None
    ) -> np.ndarray:
        """``gyr - ffill(gm.T, rest, bias)`` for rest runs ``spans``: within a run the gyro
        means (``gm``, rows), after it its last one until the next, the carried bias before the
        first; the same subtractions, without the forward fill's running index and gather. The
        last rest's means become the bias."""
        if out is None:
            out = np.empty(gyr.shape)
        bias, pos, last = self.bias, 0, spans[-1][1] - 1
        self.bias_known = True
        self.bias = gm[:, last].copy()  # (the rows after the last rest: the carried bias of the next pieces)
        for a, b in spans:
            if a > pos:
                self._less(gyr[pos:a], rows[:, pos:a], bias, out[pos:a])
            np.subtract(gyr[a:b], gm[:, a:b].T, out=out[a:b])
            bias, pos = gm[:, b - 1], b
        if pos < len(gyr):
            self._carried(gyr[pos:], out[pos:])
        return out

    def _carried(self, gyr: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """``gyr - self.bias``, every row the same subtractions: the bias repeated to whole rows
        once per bias (it stands over many pieces) and piece length (as many rows as the piece:
        ``BLOCK`` of them cost a 1,000-sample piece after each rest ~35k instructions more),
        then one contiguous subtraction of two arrays of one shape, instead of the three rows
        written through a transpose (or the row broadcast over rows of three), a strided pass
        ~5x slower."""
        n = len(gyr)
        if n <= 64:  # a live feed: one call (the row's inner loop costs it little)
            small: np.ndarray = gyr - self.bias if out is None else np.subtract(gyr, self.bias, out=out)
            return small
        kept = self._bias_block
        if kept is None or kept[0] is not self.bias or len(kept[2]) != n:
            if kept is None or kept[0] is not self.bias or len(kept[1]) < n:
                block = np.repeat(self.bias[None, :], n, axis=0)  # (a new bias: rows for this piece)
            else:  # (the same bias, a shorter piece)
                block = kept[1]
            kept = self._bias_block = (self.bias, block, block[:n])
        done: np.ndarray = np.subtract(gyr, kept[2], out)
        return done

    @staticmethod
    def _less(gyr: np.ndarray, rows: np.ndarray, bias: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """``gyr - bias`` for one bias row, from the gyro's rows (``rows``, gyr.T contiguous):
        the row broadcast over (n, 3) runs an inner loop of three per row (~12 ns a row); over
        the three contiguous rows, written through the transpose, ~5x less; the same subtractions."""
        if out is None:
            if len(gyr) <= 64:  # a live feed: one call (the row's inner loop costs it little)
                small: np.ndarray = gyr - bias
                return small
            out = np.empty((rows.shape[1], 3))
        np.subtract(rows, bias[:, None], out=out.T)
        return out
