"""Two IMUs on one time base: the foot's samples resampled onto the shin's timestamps (issue 16).

Why a module of its own: the shin and the foot are two Bluetooth links with their own sample
rates, packet sizes and dropouts, but everything downstream (the pipeline, the ankle tracker, the
trace writer) wants *one* stream: shin rows carrying the foot's six values. This is the sans-IO
half of that join. It never reads a clock: it sees only sample times (already mapped onto one
time base by the transport, see ``sensor.ble.pair``) and the order in which chunks arrive.

Rules, all decided by sample times alone, so the output does not depend on how the two streams
are cut into chunks (for the same arrival order of samples):

* a shin sample at time ``s`` is released once the foot's data reaches ``s`` (the newest foot
  sample is at or after ``s``), or once the shin itself is ``max_hold_s`` ahead of it (the foot is
  late, silent or not connected: the shin never waits longer), or at once while the foot is
  marked lost (:meth:`FootAligner.foot_lost`; the next foot sample clears that);
* its foot values are the linear interpolation of the two foot samples around ``s``; NaN when
  there is no foot sample on one side, or the two are more than ``max_gap_s`` apart (a dropout);
* foot samples that do not move forward in time are dropped and counted (``late_foot``); foot
  samples older than ``keep_s`` behind the newest foot sample are forgotten (bounded memory,
  also when the shin link is away and the foot keeps streaming).

Shin samples are never dropped or reordered: every one that goes in comes out, once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sensor.core.samples import ImuChunk

__all__ = ["AlignStats", "FootAligner"]

_EMPTY_T = np.empty(0)
_EMPTY_V = np.empty((0, 6))


@dataclass
class AlignStats:
    """What the aligner did, for the status line and tests."""

    shin_in: int = 0
    shin_out: int = 0
    foot_in: int = 0
    late_foot: int = 0  # foot samples not after the newest one already seen: dropped
    shin_without_foot: int = 0  # released shin samples whose foot values are NaN
    max_held: int = 0  # the most shin samples held back at once


class FootAligner:
    """Join a shin stream and a foot stream (both :class:`ImuChunk`, one time base).

    Feed chunks as they arrive with :meth:`shin` and :meth:`foot`; each call returns the shin
    samples released by it (possibly none), every one carrying ``foot_acc``/``foot_gyr``.
    """

    def __init__(self, max_hold_s: float = 0.5, max_gap_s: float = 0.25, keep_s: float = 5.0) -> None:
        if not (max_hold_s >= 0 and max_gap_s > 0 and keep_s > max_hold_s):
            raise ValueError("need max_hold_s >= 0, max_gap_s > 0 and keep_s > max_hold_s")
        self.max_hold_s, self.max_gap_s, self.keep_s = float(max_hold_s), float(max_gap_s), float(keep_s)
        self.stats = AlignStats()
        self.lost = False
        # shin samples held back, oldest first
        self._t = _EMPTY_T
        self._acc = np.empty((0, 3))
        self._gyr = np.empty((0, 3))
        self._shin_newest = -np.inf
        # foot samples kept for interpolation, strictly increasing in time
        self._ft = _EMPTY_T
        self._fv = _EMPTY_V

    # ------------------------------------------------------------------ input
    def shin(self, chunk: ImuChunk) -> ImuChunk:
        """A shin chunk arrived: returns the shin samples that can go out now."""
        n = len(chunk)
        if n:
            self.stats.shin_in += n
            self._t = np.concatenate([self._t, chunk.t])
            self._acc = np.concatenate([self._acc, chunk.acc])
            self._gyr = np.concatenate([self._gyr, chunk.gyr])
            self._shin_newest = max(self._shin_newest, float(chunk.t.max()))
        return self._done(self._release())

    def foot(self, chunk: ImuChunk) -> ImuChunk:
        """A foot chunk arrived (its own ``acc``/``gyr`` are the foot's): returns released shin samples."""
        n = len(chunk)
        if n:
            self.stats.foot_in += n
            t = chunk.t
            newest = self._ft[-1] if len(self._ft) else -np.inf
            # keep only samples that move forward: after the newest kept, and increasing
            ok = t > np.maximum.accumulate(np.concatenate([[newest], t[:-1]]))
            self.stats.late_foot += int(n - ok.sum())
            if ok.any():
                self.lost = False
                self._ft = np.concatenate([self._ft, t[ok]])
                self._fv = np.concatenate([self._fv, np.hstack([chunk.acc[ok], chunk.gyr[ok]])])
        return self._done(self._release())

    def foot_lost(self) -> ImuChunk:
        """The foot's link is down: stop holding the shin back until foot samples come again."""
        self.lost = True
        return self._done(self._release())

    def forget_foot(self) -> ImuChunk:
        """The foot samples kept so far are on a time base that no longer holds (the shin's link
        reconnected and its new samples are placed anew): interpolate from new foot samples only."""
        out = self._release()
        self._ft, self._fv = _EMPTY_T, _EMPTY_V
        return self._done(out)

    def flush(self) -> ImuChunk:
        """End of the stream: every held shin sample goes out (NaN foot where not covered)."""
        return self._done(self._emit(len(self._t)))

    @property
    def held(self) -> int:
        """Shin samples held back right now."""
        return len(self._t)

    # ------------------------------------------------------------------ the join
    def _release(self) -> ImuChunk:
        if not len(self._t):
            return self._emit(0)
        if self.lost:
            return self._emit(len(self._t))
        foot_newest = self._ft[-1] if len(self._ft) else -np.inf
        limit = max(foot_newest, self._shin_newest - self.max_hold_s)
        # a prefix, decided on the running maximum so that shin order is always kept
        n = int(np.searchsorted(np.maximum.accumulate(self._t), limit, side="right"))
        return self._emit(n)

    def _emit(self, n: int) -> ImuChunk:
        if n == 0:
            return ImuChunk(_EMPTY_T, np.empty((0, 3)), np.empty((0, 3)), np.empty((0, 3)), np.empty((0, 3)))
        t, acc, gyr = self._t[:n], self._acc[:n], self._gyr[:n]
        self._t, self._acc, self._gyr = self._t[n:], self._acc[n:], self._gyr[n:]
        foot = self._interpolate(t)
        self.stats.shin_out += n
        self.stats.shin_without_foot += int(np.isnan(foot[:, 0]).sum())
        return ImuChunk(t, acc, gyr, foot[:, :3], foot[:, 3:])

    def _interpolate(self, s: np.ndarray) -> np.ndarray:
        out = np.full((len(s), 6), np.nan)
        ft, fv = self._ft, self._fv
        if len(ft) == 0:
            return out
        j = np.searchsorted(ft, s, side="right") - 1  # ft[j] <= s < ft[j + 1]
        exact = (j >= 0) & (ft[np.clip(j, 0, None)] == s)
        inside = (j >= 0) & (j < len(ft) - 1)
        if inside.any():
            k = j[inside]
            t0, t1 = ft[k], ft[k + 1]
            near = (t1 - t0) <= self.max_gap_s
            w = ((s[inside] - t0) / (t1 - t0))[:, None]
            vals = fv[k] + w * (fv[k + 1] - fv[k])
            vals[~near] = np.nan
            out[inside] = vals
        if exact.any():
            out[exact] = fv[j[exact]]
        return out

    def _done(self, out: ImuChunk) -> ImuChunk:
        """After each call: forget what no held or future shin sample can need. Only here, after
        the release, so that what a sample is interpolated from never depends on chunking (every
        held sample is later than the newest foot sample, so the cut never falls after it)."""
        self._forget()
        self.stats.max_held = max(self.stats.max_held, len(self._t))
        return out

    def _forget(self) -> None:
        """Drop foot samples no held or future shin sample can need, and any older than
        ``keep_s`` behind the newest foot sample (one sample before the cut is kept)."""
        if len(self._ft) < 2:
            return
        need = self._t.min() if len(self._t) else self._shin_newest
        cut = max(float(need), float(self._ft[-1]) - self.keep_s)
        i = int(np.searchsorted(self._ft, cut, side="right")) - 1  # the last sample at or before the cut
        if i > 0:
            self._ft, self._fv = self._ft[i:], self._fv[i:]
