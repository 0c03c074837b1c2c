"""The median sample interval of a growing buffer's prefix, with np.median's bits, cheaply.

While the mounting is unknown :class:`sensor.core.mount_evidence.MountEvidence` is asked for the
evidence of the buffer's first ``end`` samples at every movement end (walking, which never
calibrates, asks ~130 times per 150 s), and the first thing each answer needs is the nominal
interval ``median(dt[1:end])``: the pads, the impact threshold and the windows follow from it.

:class:`IntervalMedian` answers it three ways, every one giving np.median's value bit for bit:

* the value it gave last, when it is still the middle one: the counts of intervals below it
  and at or below it are carried forward over the new intervals since the last query (two
  comparisons of the new ones, not a count of every distinct value). With ``k = (end - 1) // 2``
  the middle position(s) of the ``end - 1`` intervals, the value sorted at position ``k`` is ``m``
  exactly when ``lt <= k < le`` (and, for an even count, position ``k - 1`` too when
  ``lt <= k - 1``). On a uniform clock (the rounding of ``t`` gives a few dozen distinct
  intervals) the middle value changes a few times per buffer (measured on ``glide bench``'s
  walking content: 2 changes in 133 queries);
* otherwise from the running count of the distinct intervals (a uniform stream has a handful),
  brought up to ``end`` (the counts are never rolled back: an earlier ``end`` than counted is
  np.median's own), after which that middle value is the one placed by the next queries;
* for jittery timestamps (more distinct values than ``_MAX_DISTINCT_DT`` and than 1 in 8), the
  intervals kept sorted, the new ones merged in; the placing is then not kept (the middle moves
  at almost every query, and each change would recount the whole buffer).

A median that is one value: ``float(m)`` for an odd count, and for an even count the mean of two
equal elements as np.median takes it (``_mean2(m, m)``: the same operations on the same bits).
"""

from __future__ import annotations

import numpy as np

from sensor.core.dsp import all_true, count_nonzero

_MAX_DISTINCT_DT = 256  # more distinct intervals than this (and than 1 in 8): the sorted path


def mean2(lo: np.floating, hi: np.floating) -> float:
    """``np.mean`` of the two middle intervals, the same bits without its Python wrappers (~10 us
    a call against ~0.2 us; walking, which never calibrates, asks at each of its ~130 movement
    ends per 150 s): np.mean sums them from the additive identity (``0.0 + lo + hi``: two negative
    zeros sum to +0.0, tests/test_fast_paths_r7.py) and divides the sum by the count, 2."""
    return float((0.0 + lo + hi) / 2)


class Grow:
    """An array that grows at its end with amortised O(1) copies per element."""

    def __init__(self, dtype: type, width: int = 0) -> None:
        self.dtype, self.width = dtype, width
        self.buf: np.ndarray = np.zeros((16, width) if width else 16, dtype)
        self.n = 0

    def extend(self, x: np.ndarray) -> None:
        need = self.n + len(x) + 1  # one spare element: reduceat may index one past the end
        if need > len(self.buf):
            cap = max(need, 2 * len(self.buf))
            new: np.ndarray = np.zeros((cap, self.width) if self.width else cap, self.dtype)
            new[: self.n] = self.buf[: self.n]
            self.buf = new
        self.buf[self.n : self.n + len(x)] = x
        self.n += len(x)

    def view(self, n: int | None = None) -> np.ndarray:
        return self.buf[: self.n if n is None else n]


class IntervalMedian:
    """``median(dt[1:end])`` of a buffer's intervals (see the module docstring)."""

    def __init__(self) -> None:
        self._vals = np.empty(0)  # the distinct intervals [1, counted), rising
        self._cnts = np.empty(0, np.int64)
        self._cum = np.empty(0, np.int64)
        self._counted = 1  # intervals [1, counted) are in the counts
        self.many = False  # jittery: the sorted path
        self._sorted = np.empty(0)  # intervals [1, counted) in order, once they are many
        self._m: np.float64 | None = None  # the value placed by the running counts below
        self._placed = 0  # intervals [1, placed) are in the two counts of m
        self._lt = self._le = 0  # ... below m, and at or below it

    def at(self, dt: np.ndarray, end: int) -> float:
        """The median of ``dt[1:end]`` (0.01 for fewer than two intervals); ``dt``: at least the
        first ``end`` intervals."""
        if end <= 2:
            return 0.01
        m = self._m
        if m is not None and end >= self._placed:
            new = dt[self._placed : end]
            lt = self._lt + int(count_nonzero(new < m))
            le = self._le + int(count_nonzero(new <= m))
            self._placed, self._lt, self._le = end, lt, le
            k = (end - 1) // 2
            if (end - 1) % 2:
                if lt <= k < le:
                    return float(m)
            elif lt <= k - 1 and k < le:
                return mean2(m, m)
        if end < self._counted:
            return float(np.median(dt[1:end]))
        if self.many:
            return self._sorted_median(dt, end)
        if end > self._counted:
            self._count(dt[self._counted : end])
            self._counted = end
            if len(self._vals) > max(_MAX_DISTINCT_DT, end // 8):  # jittery timestamps: counting does not pay
                self.many, self._sorted, self._m = True, np.sort(dt[1:end]), None
                return self._sorted_median(dt, end)
        k = (end - 1) // 2
        i = int(np.searchsorted(self._cum, k, side="right"))
        hi = self._vals[i]
        # placed from here on: the counts below and at or below it in [1, end)
        self._m, self._placed, self._lt, self._le = hi, end, int(self._cum[i - 1]) if i else 0, int(self._cum[i])
        if (end - 1) % 2:
            return float(hi)
        lo = self._vals[int(np.searchsorted(self._cum, k - 1, side="right"))]
        return mean2(lo, hi)

    def _sorted_median(self, dt: np.ndarray, end: int) -> float:
        """The median for jittery timestamps (every interval distinct): the intervals kept sorted,
        the new ones merged in (a copy of the buffer, not np.median's partition of it per query);
        the same middle values (intervals are positive: no signed zeros to order), and their mean
        as np.median takes it."""
        if end > self._counted:  # (timsort merges the two sorted runs in one pass: np.insert took ~60 us)
            both = np.concatenate([self._sorted, np.sort(dt[self._counted : end])])
            both.sort(kind="stable")
            self._sorted, self._counted = both, end
        mid, srt = (end - 1) // 2, self._sorted
        if (end - 1) % 2:
            return float(srt[mid])
        return mean2(srt[mid - 1], srt[mid])

    def _count(self, new: np.ndarray) -> None:
        """Add intervals to the counts of distinct values: the known values counted in place, and
        only the new values sorted (after a run of placed queries the slice is the whole buffer
        since the last count: a sort of it cost ~0.3 ms per 30,000 intervals)."""
        vals, cnts = self._vals, self._cnts
        if len(vals):  # usually every new interval is a known value: count it in place
            # (the array methods and the ufunc reduction: np.searchsorted, .all() and np.cumsum
            # reach the same C through Python wrappers, most of this call's cost)
            at = np.minimum(vals.searchsorted(new), len(vals) - 1)
            hit = vals[at] == new
            if all_true(hit):
                self._cnts = cnts + np.bincount(at, minlength=len(vals))
                self._cum = self._cnts.cumsum()
                return
            cnts = cnts + np.bincount(at[hit], minlength=len(vals))
            new = new[~hit]
        u, c = np.unique(new, return_counts=True)  # values not counted before
        both = np.concatenate([vals, u])
        order = np.argsort(both, kind="stable")
        self._vals, self._cnts = both[order], np.concatenate([cnts, c.astype(np.int64)])[order]
        self._cum = np.cumsum(self._cnts)
