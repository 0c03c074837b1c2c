"""The pipeline's first stage: which incoming samples can be used at all.

A sample is dropped (and counted) when it is not finite, beyond any consumer IMU's range, or
not later than every sample accepted before it (across chunks too). The first skip is announced
once, at the first good sample after it, so where the notice lands does not depend on chunking.
"""

from __future__ import annotations

import numpy as np

from sensor.core.dsp import amax, amin, norm3
from sensor.core.samples import ImuChunk

MAX_ACC_MPS2 = 8 * 9.80665  # a slow leg movement never comes near this; 16 g sensors can report it
MAX_GYR_DPS = 2500.0  # above the largest range of consumer gyroscopes (2000 deg/s)
_ACC_HALF, _GYR_HALF = MAX_ACC_MPS2 / 2, MAX_GYR_DPS / 2  # components within these: norms within the limits


ARGS_MAX = 2048  # feeds up to this long find their least and largest by argmin and argmax


def _within(x: np.ndarray, h: float) -> bool:
    """Every component within ``h`` (NaN fails): its least and largest, no array of magnitudes
    (|x| <= h is -h <= x <= h, NaN failing). Up to ``ARGS_MAX`` samples the values at argmax and
    argmin (which give the first NaN's place if there is one, so a NaN fails): ~3k instructions
    less each than a reduction (whose overhead is about two elementwise calls'), ~10k a live
    feed less than the magnitudes' largest; longer feeds take the reductions (argmax's ~2.5
    instructions a value against ~1)."""
    if len(x) <= ARGS_MAX:
        hi: float = x.item(x.argmax())
        lo: float = x.item(x.argmin()) if hi <= h else np.nan
        return lo >= -h
    return bool(amax(x, axis=None) <= h) and bool(amin(x, axis=None) >= -h)


class SampleIntake:
    """Keeps the last accepted time and where the first skipped run ended."""

    def __init__(self) -> None:
        self.last_t = -np.inf
        self.first_skip_t: float | None = None  # the first good sample after the first bad one
        self._skip_pending = False  # a bad run reached the end of a chunk: the next good sample marks it
        self.invalid = 0
        self.out_of_order = 0

    def accept(self, chunk: ImuChunk) -> ImuChunk:
        t, acc, gyr = chunk.t, chunk.acc, chunk.gyr
        n = len(t)
        # The usual chunk, whole: times after last_t and strictly rising (so finite: NaN fails
        # every comparison), every component within half the limits (so every norm is within
        # them: sqrt(3)/2 < 1, rounding is far smaller). Six small calls instead of ~30; the
        # full check below would keep every sample and count nothing. (Rising times: the step
        # at argmin, the first false if any, ~1k instructions less than count_nonzero on a
        # 1000-sample feed, ~48k less on 65,536.)
        if (
            n
            and t[0] > self.last_t
            and t[-1] < np.inf
            and (n == 1 or (rises := t[1:] > t[:-1])[rises.argmin()])
            and _within(acc, _ACC_HALF)
            and _within(gyr, _GYR_HALF)
        ):
            if self._skip_pending and self.first_skip_t is None:  # the bad run began in an earlier chunk
                self.first_skip_t, self._skip_pending = float(t[0]), False
            self.last_t = t.item(-1)
            return chunk
        with np.errstate(invalid="ignore"):
            valid = (
                np.isfinite(t)
                & np.isfinite(chunk.acc).all(axis=1)
                & np.isfinite(chunk.gyr).all(axis=1)
                & (norm3(chunk.acc) <= MAX_ACC_MPS2)
                & (norm3(chunk.gyr) <= MAX_GYR_DPS)
            )
            prev = np.maximum.accumulate(np.concatenate([[self.last_t], np.where(valid, t, -np.inf)]))[:-1]
            keep = valid & (t > prev)
        self.invalid += int((~valid).sum())
        self.out_of_order += int((valid & ~keep).sum())
        if self.first_skip_t is None:
            if self._skip_pending:  # the bad run began in an earlier chunk
                kept = np.nonzero(keep)[0]
                if len(kept):
                    self.first_skip_t, self._skip_pending = float(t[kept[0]]), False
            elif not keep.all():
                j = int(np.argmin(keep))
                after = np.nonzero(keep[j:])[0]
                if len(after):
                    self.first_skip_t = float(t[j + after[0]])
                else:
                    self._skip_pending = True
        if not keep.all():
            chunk = ImuChunk(t[keep], chunk.acc[keep], chunk.gyr[keep])
        if len(chunk):
            self.last_t = float(chunk.t[-1])
        return chunk
