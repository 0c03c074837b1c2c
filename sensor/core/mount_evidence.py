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
  read from running counts (:mod:`sensor.core.interval_median`), and the things derived from it
  (pads, the impact threshold and the impact flags) are recomputed when it changes;
* the windows (movements padded, away from foot contacts and gait-swing rates) are rebuilt per
  query from the runs not yet settled: one by one in Python integers when they are few (the
  pipeline asks at every movement end, so one or two are new), else with a few vectorised
  operations (``np.maximum.reduceat`` for the per-run peak rate). A query with no usable window
  costs O(new runs), not O(buffer): walking's queries went from ~40 to ~10 us.

The buffer's owner calls :meth:`append`, :meth:`reset` and :meth:`rebuild` (after trimming or
re-learning) so that the evidence always describes exactly the buffered samples.
"""

from __future__ import annotations

from typing import NamedTuple, Protocol

import numpy as np

from sensor.core.dsp import amax, diff_from, hysteresis, norm3
from sensor.core.interval_median import Grow, IntervalMedian
from sensor.core.lying_rests import MountRefusal

A = np.ndarray  # (signatures)
_Piece = tuple[A, A, A, A | None, tuple[A, int] | None]  # a pending piece: t, acc, gyro, rate, moving
_FEW_RUNS = 16  # up to this many runs since the last settled one: judged one by one (MountEvidence._few_runs)


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


def _cut(piece: _Piece, k: int) -> tuple[_Piece, _Piece]:
    """A pending piece split after its first ``k`` samples (the tail's mask starts from the head's
    last state; its rate is cut too, or left to be computed)."""
    t, acc, gyr_c, rate, mv = piece
    r0, r1 = (None, None) if rate is None else (rate[:k], rate[k:])
    m0, m1 = (None, None) if mv is None else ((mv[0][:k], mv[1]), (mv[0][k:], int(mv[0][k - 1])))
    return (t[:k], acc[:k], gyr_c[:k], r0, m0), (t[k:], acc[k:], gyr_c[k:], r1, m1)


def _before_moves(wa: list[int], before: int, end: int) -> np.ndarray:
    """The samples [0, end) within ``before`` samples before a window's start ``wa``: the union of
    the spans ``[max(a - before, 0), a)``. A few windows (the pipeline's case) mark their spans one
    slice each (~4 us for a dozen, against ~18 for the counts below on a 6,000-sample buffer); many,
    by the running count of spans open at each sample (+1 where one opens, -1 where it closes),
    positive where at least one is. The same set either way (tests/test_fast_paths_calib.py)."""
    if len(wa) <= _FEW_RUNS:
        out = np.zeros(end, bool)
        for a in wa:
            out[max(a - before, 0) : a] = True
        return out
    mark = np.zeros(end + 1, np.int64)
    wa_arr = np.array(wa, np.int64)
    np.add.at(mark, np.maximum(wa_arr - before, 0), 1)
    np.add.at(mark, wa_arr, -1)
    got: np.ndarray = np.cumsum(mark[:end]) > 0
    return got


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
        self._pending: list[_Piece] = []  # t, acc, gyro, rate, moving
        self._rate = Grow(np.float64)
        self._dt = Grow(np.float64)
        self._jump = Grow(np.float64)
        self._moving = Grow(np.bool_)
        self._starts = Grow(np.int64)
        self._ends = Grow(np.int64)
        self._open: int | None = None  # start of the run still moving at the end of the buffer
        self._carry = 0
        self._last_t = 0.0
        self._last_acc: np.ndarray | None = None
        self._median = IntervalMedian()
        self._thr: float | None = None
        self._impact = Grow(np.bool_)
        self._imp_cum = Grow(np.int64)
        self._memo: tuple[int, Evidence | None] | None = None
        self._wkey: tuple[int, int, int, float] | None = None  # settled runs, valid for these (see _at)
        self._ten = 1 << 62  # an end whose prefix holds ten moving samples
        self._nom, self._derived = np.nan, (0, 0, 0, 0.0)  # the nominal interval, and pad, before, after, thr
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
            self.append(piece[0], piece[1], piece[2])

    def append(
        self,
        t: np.ndarray,
        acc: np.ndarray,
        gyr_c: np.ndarray,
        rate: np.ndarray | None = None,
        moving: tuple[np.ndarray, int] | None = None,
    ) -> None:
        """Samples appended to the buffer (bias-corrected gyro, as buffered; ``rate`` its
        ``norm3`` and ``moving`` its moving mask with the latch state it started from, when the
        caller has them). Kept as they are until the next query: a buffer that is never asked (no
        movement ends) costs nothing."""
        if len(t):
            self._pending.append((t, acc, gyr_c, rate, moving))
            self.n += len(t)
            self._memo = None

    def _sync(self, end: int | None = None) -> None:
        """Derive the evidence of the pending pieces (joined: every step is chunk-invariant), of
        all of them, or (``end``) of at least the first ``end`` samples and at most twice that:
        a chunk of minutes handed in at once is derived as far as the queries reach (the
        refinement's last movement ends a few thousand samples in), in O(log) steps.

        The moving mask is a latch whose state is its last value: the caller's masks are the
        buffer's when each started from the one before it (from ``_carry`` for the first), and
        are then joined instead of computed again."""
        if not self._pending or (end is not None and end <= self._done):
            return
        pending, self._pending = self._pending, []
        if end is not None:  # the pieces up to the target, the last one cut there
            room, take = max(2 * end, 4096) - self._done, 0
            while take < len(pending) and room > 0:
                room -= len(pending[take][0])
                take += 1
            pending, self._pending = pending[:take], pending[take:]
            if room < 0:  # (the tail of the last piece taken stays pending)
                pending[-1], tail = _cut(pending[-1], len(pending[-1][0]) + room)
                self._pending.insert(0, tail)
        carry, masks = self._carry, list[np.ndarray]()
        for _t, _a, _g, _r, mv in pending:
            if mv is None or mv[1] != carry or len(mv[0]) == 0:
                break
            masks.append(mv[0])
            carry = int(mv[0][-1])
        mov = None if len(masks) < len(pending) else masks[0] if len(masks) == 1 else np.concatenate(masks)
        parts = [(t, acc, norm3(gyr_c) if rate is None else rate) for t, acc, gyr_c, rate, _m in pending]
        if len(parts) == 1:
            self._extend(*parts[0], mov=mov)
        else:
            t, acc, rate = (np.concatenate(x) for x in zip(*parts))
            self._extend(t, acc, rate, mov)

    def _extend(self, t: np.ndarray, acc: np.ndarray, rate: np.ndarray, mov: np.ndarray | None = None) -> None:
        m = len(t)
        cfg = self.cfg
        base = self._done
        if mov is None:
            mov = hysteresis(rate > cfg.move_on_dps, rate < cfg.move_off_dps, self._carry).astype(bool)
        prev_t = float(t[0]) if base == 0 else self._last_t
        prev_acc = acc[:1] if self._last_acc is None else self._last_acc
        self._rate.extend(rate)
        self._dt.extend(diff_from(t, prev_t))
        self._jump.extend(norm3(diff_from(acc, prev_acc[0])))  # np.diff's rows, without its join
        self._moving.extend(mov)
        step = mov.view(np.int8)  # np.diff(mov as int8, prepend=carry): the same differences
        d = np.empty(m, np.int8)
        d[0] = step[0] - self._carry
        np.subtract(step[1:], step[:-1], out=d[1:])
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
        """``median(dt[1:end])`` with the bits np.median gives (:mod:`sensor.core.interval_median`)."""
        return self._median.at(self._dt.view(), end)

    @property
    def _many(self) -> bool:
        """Jittery timestamps: the median is read from the sorted intervals."""
        return self._median.many

    def _impacts(self, end: int, thr: float) -> np.ndarray:
        """The impact flags and their running count (``_impact``, ``_imp_cum``: [i] the flags
        before sample i) for every derived sample, the threshold being ``thr``; the count's buffer
        (valid up to [end], at least)."""
        if thr != self._thr:
            self._thr = thr
            self._impact = Grow(np.bool_)
            self._imp_cum = Grow(np.int64)
            self._imp_cum.extend(np.zeros(1, np.int64))
        have, upto = self._impact.n, self._done  # every derived sample at once: a piece's queries share it
        if end > have:
            # context.shock_threshold: the jump a smooth movement may make in the time elapsed
            step = self._dt.view()[have:upto]
            imp = self._jump.view()[have:upto] > np.maximum(thr, self.cfg.contact.max_jerk * step)
            self._impact.extend(imp)
            last = int(self._imp_cum.buf[have])
            self._imp_cum.extend(np.cumsum(imp) + last)
        return self._imp_cum.buf

    def at(self, end: int) -> Evidence | None:
        """The evidence for buffered samples [0, end), or None when ``estimate_mounting`` would
        return None for want of movement (fewer than 10 samples or moving samples, or no
        movement away from foot contacts and gait swings)."""
        if self._memo is not None and self._memo[0] == end:
            return self._memo[1]
        ev = self._at(end)
        self._memo = (end, ev)
        return ev

    def _few_runs(
        self, sk: int, k: int, end: int, imp_cum: np.ndarray, pad: int, before: int, after: int
    ) -> tuple[list[int], list[int]]:
        """The windows of the runs [sk, k) (and of the open one) judged one by one, in Python
        integers: the same bounds, the same peak (a maximum is exact in any order) and the same
        tests as the vectorised path in :meth:`_at`, without its ~20 array calls for one or two
        runs. The leading runs settled here are kept, as there, and so are those refused for
        good (walking's: a gait-swing rate or a foot contact in or around them), which are then
        not judged again at the next movement ends; returns every window's bounds."""
        runs = list(zip(self._starts.buf[sk:k].tolist(), self._ends.buf[sk:k].tolist()))
        if k == self._starts.n and self._open is not None and self._open < end:
            runs.append((self._open, -1))  # (open: never settled, its window ends at ``end``)
        rate, swing, m = self._rate.buf, self.cfg.contact.swing_dps, 0
        oks: list[tuple[int, int] | None] = []
        for s, e in runs:
            a, b = max(s - pad, 0), end if e < 0 else min(e + pad, end)
            # refused for good: a later end only widens the window (its peak can only rise) and
            # the stretch searched for impacts (their count can only rise)
            # (the impact counts compared, not their difference tested: int64, the same verdict)
            wide = b - a >= 8
            gone = wide and (
                not (amax(rate[a:b]) <= swing) or imp_cum[min(b + after, end)] != imp_cum[max(a - before, 0)]
            )
            if m == len(oks) and e >= 0 and (gone or e + pad + after <= end):
                m += 1  # settled: closed, and refused for good or with its window and impacts before ``end``
            oks.append(None if gone or not wide else (a, b))
        wa, wb = self._kept_a, self._kept_b
        if m:
            self._settled = sk + m
            if any(oks[:m]):
                self._kept_a = wa = wa + [w[0] for w in oks[:m] if w is not None]
                self._kept_b = wb = wb + [w[1] for w in oks[:m] if w is not None]
        rest = [w for w in oks[m:] if w is not None]
        if not rest:  # (walking's case: every run refused; the kept lists are replaced, never changed)
            return wa, wb
        return wa + [w[0] for w in rest], wb + [w[1] for w in rest]

    def _at(self, end: int) -> Evidence | None:
        cfg = self.cfg
        if end > self.n:
            raise ValueError(f"evidence holds {self.n} samples, asked for {end}")
        if self._pending and end > self._done:  # (_sync's own test, without the call when nothing is due)
            self._sync(end)
        if end < 10:
            return None
        if end < self._ten:  # (a prefix of a prefix with ten moving samples has them too)
            if np.count_nonzero(self._moving.buf[:end]) < 10:
                return None
            self._ten = end
        dt_nom = self._median.at(self._dt.buf, end)  # (_dt_nom: it reads dt[:end] only)
        if dt_nom != self._nom:  # what follows from the nominal interval, computed when it changes
            pad = int(round(cfg.pad_s / dt_nom))
            thr = max(cfg.contact.impact_mps2, cfg.contact.max_jerk * dt_nom)
            before = int(round(cfg.impact_before_s / dt_nom))
            after = int(round(cfg.impact_after_s / dt_nom))
            self._nom, self._derived = dt_nom, (pad, before, after, thr)
        key = self._derived
        pad, before, after, thr = key
        imp_cum = self._impacts(end, thr) if thr != self._thr or end > self._impact.n else self._imp_cum.buf
        # Runs whose window and verdict can no longer change (closed, and ``pad + after`` samples
        # past their end) are settled once and kept while the derived parameters stay the same
        # and the queries move forward (the pipeline's case); the rest are judged per query.
        if key != self._wkey or end < self._wend:
            self._wkey, self._settled, self._kept_a, self._kept_b = key, 0, [], []
        self._wend = end
        sk, nclosed = self._settled, self._starts.n
        k = int(self._starts.buf[:nclosed].searchsorted(end))  # (the method: np.searchsorted wraps it)
        if k - sk <= _FEW_RUNS:  # the pipeline's case: a run or two since the last settled one
            wa, wb = self._few_runs(sk, k, end, imp_cum, pad, before, after)
        else:
            wa, wb = self._kept_a, self._kept_b
            starts = self._starts.buf[sk:k]
            closed_ends = self._ends.buf[sk:k]
            ends = np.minimum(closed_ends, end)
            if k == nclosed and self._open is not None and self._open < end:
                starts = np.append(starts, self._open)
                ends = np.append(ends, end)
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
        before_mv = _before_moves(wa, before, end)
        windows = list(zip(wa, wb))
        moving, impact = self._moving.view(end), self._impact.view(end)
        return Evidence(moving, self._dt.view(end), dt_nom, impact, imp_cum[: end + 1], windows, before_mv)
