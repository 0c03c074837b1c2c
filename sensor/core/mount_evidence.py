"""The calibration buffer's mounting evidence, kept up to date piece by piece.

While the mounting is unknown the pipeline asks :func:`sensor.core.mounting.estimate_mounting`
for an answer at every movement end, on the whole buffer (up to two minutes). Most of what that
function derives first is a causal function of the samples: the moving mask (a hysteresis), the
sample intervals, the accelerometer jumps that mark foot contacts, the angular rate, the runs of
movement. Recomputing them over the whole buffer at every movement end made walking, which never
calibrates, cost time quadratic in the buffer (90 % of the pipeline's CPU). :class:`MountEvidence`
extends them per appended piece instead, and answers "the evidence for the first ``end``
samples" with the same bits as the whole-buffer computation:

* per-sample arrays are extended with carried state (the hysteresis carry, the last timestamp
  and accelerometer row): every element is computed by the same operations as in one pass;
* the nominal interval is the median of the intervals, which depends on the whole prefix: it is
  read from a running count of the distinct intervals (a uniform stream has a handful), and the
  things derived from it (pads, the impact threshold and the impact flags) are recomputed when
  it changes;
* the windows (movements padded, away from foot contacts and gait-swing rates) are rebuilt per
  query from the runs with a few vectorised operations (``np.maximum.reduceat`` for the per-run
  peak rate), so a query with no usable window costs O(runs), not O(buffer).

The buffer's owner calls :meth:`append`, :meth:`reset` and :meth:`rebuild` (after trimming or
re-learning) so that the evidence always describes exactly the buffered samples.
"""

from __future__ import annotations

from typing import NamedTuple, Protocol

import numpy as np

from sensor.core.dsp import all_true, diff_from, hysteresis, norm3
from sensor.core.lying_rests import MountRefusal

_MAX_DISTINCT_DT = 256  # more distinct intervals than this (and than 1 in 8): np.median instead


class _Contact(Protocol):
    """The foot-contact rule's constants (``sensor.core.context.ContextConfig``)."""

    impact_mps2: float
    max_jerk: float
    swing_dps: float


class _Thresholds(Protocol):
    """The fields of ``MountConfig`` the evidence needs (mounting imports this module, not the
    other way round)."""

    move_on_dps: float
    move_off_dps: float
    pad_s: float
    impact_before_s: float
    impact_after_s: float

    @property
    def contact(self) -> _Contact: ...


class Evidence(NamedTuple):
    """What ``estimate_mounting`` derives from the first ``end`` buffered samples."""

    moving: np.ndarray
    dt_all: np.ndarray
    dt_nom: float
    impact: np.ndarray
    imp_cum: np.ndarray
    windows: list[tuple[int, int]]
    before_mv: np.ndarray


def _mean2(lo: np.floating, hi: np.floating) -> float:
    """``np.mean`` of the two middle intervals, the same bits without its Python wrappers (~10 us
    a call against ~0.2 us; walking, which never calibrates, asks at each of its ~130 movement
    ends per 150 s): np.mean sums them from the additive identity (``0.0 + lo + hi``: two negative
    zeros sum to +0.0, tests/test_fast_paths_r7.py) and divides the sum by the count, 2."""
    return float((0.0 + lo + hi) / 2)


class _Grow:
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


class MountEvidence:
    """Incremental mounting evidence for a calibration buffer (see the module docstring)."""

    def __init__(self, cfg: _Thresholds) -> None:
        self.cfg = cfg
        self.reset()
        self.fresh = True  # the buffer holds the recording from its first sample (until a reset)

    def reset(self) -> None:
        """The buffer was emptied."""
        self.fresh = False
        self.refusal: MountRefusal | None = None  # why the latest estimate refused a reading (the dashboard's detail)
        self.n = 0  # samples appended
        self._done = 0  # samples whose evidence is derived
        self._pending: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]] = []  # t, acc, gyro, rate
        self._rate = _Grow(np.float64)
        self._dt = _Grow(np.float64)
        self._jump = _Grow(np.float64)
        self._moving = _Grow(np.bool_)
        self._starts = _Grow(np.int64)
        self._ends = _Grow(np.int64)
        self._open: int | None = None  # start of the run still moving at the end of the buffer
        self._carry = 0
        self._last_t = 0.0
        self._last_acc: np.ndarray | None = None
        self._dt_vals = np.empty(0)
        self._dt_cnts = np.empty(0, np.int64)
        self._dt_cum = np.empty(0, np.int64)
        self._counted = 1  # intervals [1, counted) are in the counts
        self._many = False
        self._sorted = np.empty(0)  # intervals [1, counted) in order, once they are many (jitter)
        self._thr: float | None = None
        self._impact = _Grow(np.bool_)
        self._imp_cum = _Grow(np.int64)
        self._memo: tuple[int, Evidence | None] | None = None
        self._wkey: tuple[int, int, int, float] | None = None  # settled runs, valid for these (see _at)
        self._wend = 0
        self._settled = 0
        self._kept_a: list[int] = []
        self._kept_b: list[int] = []

    def rebuild(self, t: np.ndarray, acc: np.ndarray, gyr_c: np.ndarray) -> None:
        """The buffer was replaced (trimmed, or restarted from kept history)."""
        self.reset()
        self.append(t, acc, gyr_c)

    def rebuild_pieces(self, pieces: list[tuple[np.ndarray, ...]]) -> None:
        """The buffer was replaced by these (t, acc, gyr_c, ...) pieces: as ``rebuild`` of them joined."""
        self.reset()
        for piece in pieces:
            self.append(*piece[:3])

    def append(self, t: np.ndarray, acc: np.ndarray, gyr_c: np.ndarray, rate: np.ndarray | None = None) -> None:
        """Samples appended to the buffer (bias-corrected gyro, as buffered; ``rate`` its
        ``norm3`` when the caller has it). Kept as they are until the next query: a buffer that
        is never asked (no movement ends) costs nothing."""
        if len(t):
            self._pending.append((t, acc, gyr_c, rate))
            self.n += len(t)
            self._memo = None

    def _sync(self) -> None:
        """Derive the evidence of the pending pieces (joined: every step is chunk-invariant)."""
        if not self._pending:
            return
        parts = [(t, acc, norm3(gyr_c) if rate is None else rate) for t, acc, gyr_c, rate in self._pending]
        self._pending = []
        if len(parts) == 1:
            self._extend(*parts[0])
        else:
            self._extend(*(np.concatenate(x) for x in zip(*parts)))

    def _extend(self, t: np.ndarray, acc: np.ndarray, rate: np.ndarray) -> None:
        m = len(t)
        cfg = self.cfg
        base = self._done
        mov = hysteresis(rate > cfg.move_on_dps, rate < cfg.move_off_dps, self._carry).astype(bool)
        prev_t = float(t[0]) if base == 0 else self._last_t
        prev_acc = acc[:1] if self._last_acc is None else self._last_acc
        self._rate.extend(rate)
        self._dt.extend(diff_from(t, prev_t))
        self._jump.extend(norm3(diff_from(acc, prev_acc[0])))  # np.diff's rows, without its join
        self._moving.extend(mov)
        d = np.diff(mov.astype(np.int8), prepend=np.int8(self._carry))
        st = np.nonzero(d == 1)[0] + base
        en = np.nonzero(d == -1)[0] + base
        starts = st if self._open is None else np.concatenate([[self._open], st])
        k = len(en)
        self._starts.extend(starts[:k])
        self._ends.extend(en)
        self._open = int(starts[k]) if len(starts) > k else None
        self._carry = int(mov[-1])
        self._last_t = float(t[-1])
        self._last_acc = acc[-1:].copy()
        self._done += m

    # ------------------------------------------------------------------ queries
    def _dt_nom(self, end: int) -> float:
        """``median(dt[1:end])`` with the bits np.median gives, from a running count of the distinct
        intervals (a uniform stream has a few dozen: the rounding of ``t``)."""
        if end <= 2:
            return 0.01
        dt = self._dt.view()
        if end < self._counted:
            return float(np.median(dt[1:end]))
        if self._many:
            return self._sorted_median(dt, end)
        if end > self._counted:
            self._count(dt[self._counted : end])
            self._counted = end
            if len(self._dt_vals) > max(_MAX_DISTINCT_DT, end // 8):  # jittery timestamps: counting does not pay
                self._many, self._sorted = True, np.sort(dt[1:end])
                return self._sorted_median(dt, end)
        k = (end - 1) // 2
        hi = self._dt_vals[int(np.searchsorted(self._dt_cum, k, side="right"))]
        if (end - 1) % 2:
            return float(hi)
        lo = self._dt_vals[int(np.searchsorted(self._dt_cum, k - 1, side="right"))]
        return _mean2(lo, hi)

    def _sorted_median(self, dt: np.ndarray, end: int) -> float:
        """The median for jittery timestamps (every interval distinct): the intervals kept sorted,
        the new ones merged in (a copy of the buffer, not np.median's partition of it per query);
        the same middle values, and their mean as np.median takes it."""
        if end > self._counted:
            new = np.sort(dt[self._counted : end])
            self._sorted = np.insert(self._sorted, np.searchsorted(self._sorted, new), new)
            self._counted = end
        mid, srt = (end - 1) // 2, self._sorted
        if (end - 1) % 2:
            return float(srt[mid])
        return _mean2(srt[mid - 1], srt[mid])

    def _count(self, new: np.ndarray) -> None:
        """Add intervals to the counts of distinct values."""
        vals = self._dt_vals
        if len(vals):  # usually every new interval is a known value: count it in place
            # (the array methods and the ufunc reduction: np.searchsorted, .all() and np.cumsum
            # reach the same C through Python wrappers, most of this call's cost)
            at = np.minimum(vals.searchsorted(new), len(vals) - 1)
            if all_true(vals[at] == new):
                self._dt_cnts = self._dt_cnts + np.bincount(at, minlength=len(vals))
                self._dt_cum = self._dt_cnts.cumsum()
                return
        u, inv = np.unique(np.concatenate([vals, new]), return_inverse=True)
        cnts = np.bincount(inv, weights=np.concatenate([self._dt_cnts, np.ones(len(new), np.int64)]), minlength=len(u))
        self._dt_vals, self._dt_cnts = u, cnts.astype(np.int64)
        self._dt_cum = np.cumsum(self._dt_cnts)

    def _impacts(self, end: int, thr: float) -> tuple[np.ndarray, np.ndarray]:
        if thr != self._thr:
            self._thr = thr
            self._impact = _Grow(np.bool_)
            self._imp_cum = _Grow(np.int64)
            self._imp_cum.extend(np.zeros(1, np.int64))
        have, upto = self._impact.n, self._done  # every derived sample at once: a piece's queries share it
        if end > have:
            # context.shock_threshold: the jump a smooth movement may make in the time elapsed
            step = self._dt.view()[have:upto]
            imp = self._jump.view()[have:upto] > np.maximum(thr, self.cfg.contact.max_jerk * step)
            self._impact.extend(imp)
            last = int(self._imp_cum.buf[have])
            self._imp_cum.extend(np.cumsum(imp) + last)
        return self._impact.view(end), self._imp_cum.view(end + 1)

    def at(self, end: int) -> Evidence | None:
        """The evidence for buffered samples [0, end), or None when ``estimate_mounting`` would
        return None for want of movement (fewer than 10 samples or moving samples, or no
        movement away from foot contacts and gait swings)."""
        if self._memo is not None and self._memo[0] == end:
            return self._memo[1]
        ev = self._at(end)
        self._memo = (end, ev)
        return ev

    def _at(self, end: int) -> Evidence | None:
        cfg = self.cfg
        if end > self.n:
            raise ValueError(f"evidence holds {self.n} samples, asked for {end}")
        self._sync()
        if end < 10:
            return None
        moving = self._moving.view(end)
        if np.count_nonzero(moving) < 10:
            return None
        dt_nom = self._dt_nom(end)
        pad = int(round(cfg.pad_s / dt_nom))
        thr = max(cfg.contact.impact_mps2, cfg.contact.max_jerk * dt_nom)
        before = int(round(cfg.impact_before_s / dt_nom))
        after = int(round(cfg.impact_after_s / dt_nom))
        impact, imp_cum = self._impacts(end, thr)
        # Runs whose window and verdict can no longer change (closed, and ``pad + after`` samples
        # past their end) are settled once and kept while the derived parameters stay the same
        # and the queries move forward (the pipeline's case); the rest are judged per query.
        key = (pad, before, after, thr)
        if key != self._wkey or end < self._wend:
            self._wkey, self._settled, self._kept_a, self._kept_b = key, 0, [], []
        self._wend = end
        sk, nclosed = self._settled, self._starts.n
        k = int(np.searchsorted(self._starts.view(), end, side="left"))
        starts = self._starts.buf[sk:k]
        closed_ends = self._ends.buf[sk:k]
        ends = np.minimum(closed_ends, end)
        if k == nclosed and self._open is not None and self._open < end:
            starts = np.append(starts, self._open)
            ends = np.append(ends, end)
        wa, wb = self._kept_a, self._kept_b
        if len(starts):
            a = np.maximum(starts - pad, 0)
            b = np.minimum(ends + pad, end)
            ok = b - a >= 8
            idx = np.empty(2 * len(a), np.int64)
            idx[0::2], idx[1::2] = a, b
            peak = np.maximum.reduceat(self._rate.buf[: end + 1], idx)[0::2]
            ok &= peak <= cfg.contact.swing_dps
            ok &= imp_cum[np.minimum(b + after, end)] - imp_cum[np.maximum(a - before, 0)] == 0
            settled = closed_ends + (pad + after) <= end
            m = len(settled) if settled.all() else int(np.argmin(settled))
            if m:
                self._kept_a = wa = wa + a[:m][ok[:m]].tolist()
                self._kept_b = wb = wb + b[:m][ok[:m]].tolist()
                self._settled = sk + m
            wa, wb = wa + a[m:][ok[m:]].tolist(), wb + b[m:][ok[m:]].tolist()
        if not wa:
            return None
        mark = np.zeros(end + 1, np.int64)
        wa_arr = np.array(wa, np.int64)
        np.add.at(mark, np.maximum(wa_arr - before, 0), 1)
        np.add.at(mark, wa_arr, -1)
        before_mv = np.cumsum(mark[:end]) > 0
        windows = list(zip(wa, wb))
        return Evidence(moving, self._dt.view(end), dt_nom, impact, imp_cum, windows, before_mv)
