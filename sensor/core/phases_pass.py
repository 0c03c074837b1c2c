"""The rep detector's sample pass: where its latched direction changes, and what each change reads.

:meth:`sensor.core.phases.RepDetector.process` walks the samples where the latched direction
(+1 away up, -1 down, 0 still) changes; at each it reads the running turned angle and the last
quiet sample before it, and at the piece's end the last of each. Those are all it reads of the
per-sample arrays, so they are taken here at those samples alone, not as whole arrays:

* the direction latch: only the decided samples (a start above ``move_dps``, a stop below
  ``stop_dps`` or on a flat elevation) set it, so it can change only there, where it differs
  from the decided sample before (the carried direction before the first). Each sample's code
  (+1, -1, 0) is compared with the one before, after every undecided sample has been given the
  code it holds (its run's decided sample before it: ``_hold_through``, a few calls on the
  undecided samples alone), instead of the latch forward-filled over the piece (the running
  maximum behind a forward fill costs ~6 ns a sample) or the decided samples gathered (round
  16: an index list and a gather of nearly every sample, ~40 instructions a sample);
  Round 17 (a 1000-sample piece's fixed cost, each numpy call ~4000 instructions): the codes are
  written after the carried direction, so one comparison finds every place they change; the
  undecided samples are marked (``HOLD``) and a walk over those few places in Python keeps the
  latch's own changes, instead of ``_hold_through``'s six calls (kept for pieces with many
  places, and for pieces over ``_WALK_N`` samples, where it is taken at once); the start masks
  come from the caller, which tested the steady piece with them;
* the last quiet sample at or before each start: a search among the ends of the quiet runs
  (``_quiet``; two forward fills over the piece before, one for the time and one for the
  elevation, then a search among every quiet sample), bisected per change in a Python list
  (up to ``_FEW`` changes; more, a long piece's, are searched at once);
* the turned angle, ``turned + cumsum(rate * step)``: the same sequential sum, the carried total
  added to its value at each change only (a Python float sum is the float64 sum numpy takes),
  read with ``item`` (no index array and gather for up to ``_FEW`` changes); the clamp of the
  time steps at 0 only when one is negative or NaN (``argmin``: rising times have none).

A piece with a hole in it (a sample after a gap reads still, unlatched) takes the whole-array
path, the detector's arithmetic as it was. Either way the same values, so every event is
bit-identical (the digests of ``sensor/sim/bench_digest.py``, tests/test_fast_paths_samples.py,
tests/test_fast_paths_detector.py).
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sensor.core.dsp import hysteresis

if TYPE_CHECKING:
    from sensor.core.phases import RepDetector
    from sensor.core.rep_config import RepConfig

__all__ = ["HOLD", "SamplePass", "sample_pass"]

HOLD = 2  # the code of an undecided sample, before the latch it holds is known (not -1, 0 or 1)
_WALK_MAX = 64  # places where the codes change, at most, walked in Python (~0.1 us each)
_FEW = 16  # changes at most read one by one in Python (more: an index array and a gather)
_WALK_N = 4096  # samples at most in a piece whose changes are walked (a few places a 1000 samples)
_I8 = np.dtype(np.int8)
_F64 = np.dtype(np.float64)
_accumulate = np.add.accumulate  # (``cumsum``'s sums, without the method's ~2000 instructions more)
_LIMITS: dict[tuple[float, float, float], tuple[np.ndarray, ...]] = {}


def limits(cfg: RepConfig) -> tuple[np.ndarray, ...]:
    """``move_dps``, ``-move_dps``, ``stop_dps`` and ``start_dps`` as 0-d float64 arrays, kept per
    value: a float64 array compared with one takes ~1500 instructions less than with a Python
    float (no scalar to convert), and the answer is the same (both compare in float64)."""
    key = (cfg.move_dps, cfg.stop_dps, cfg.start_dps)
    got = _LIMITS.get(key)
    if got is None:
        got = _LIMITS[key] = tuple(np.array(x, np.float64) for x in (key[0], -key[0], key[1], key[2]))
    return got


@dataclass(slots=True)
class SamplePass:
    """Per direction change (index ``change[k]``): the direction before and after, the last quiet
    sample (t, e) at or before it, and the running turned angle there; then the piece's last ones."""

    change: list[int]
    old: list[int]
    new: list[int]
    quiet: list[tuple[float, float]]
    cum: list[float]
    resets: set[int]
    holes: bool  # a sample after a gap in the piece (none: every ``gap`` False)
    last_dir: int
    last_quiet: tuple[float, float]
    turned: float


def sample_pass(
    det: RepDetector,
    t: np.ndarray,
    e: np.ndarray,
    v: np.ndarray,
    gap: np.ndarray,
    long_gap: np.ndarray | None,
    absv: np.ndarray,
    rate_abs: np.ndarray | None,
    holes: bool | None = None,
    starts: tuple[np.ndarray, np.ndarray] | None = None,
    steps: tuple[float | None, np.ndarray] | None = None,
) -> SamplePass:
    """The changes of ``det``'s latched direction over a (non-empty) piece, and what they read.
    ``holes``: whether a sample follows a gap, and ``starts``: the masks ``v > move_dps`` and
    ``v < -move_dps``, if the caller has them already; ``steps``: (last time, the time steps of
    ``t`` from it), the caller's (the preprocessor's, read only), used when that time is the
    detector's own last one and no sample follows a hole: then they are the steps taken below."""
    if holes is None:
        holes = np.count_nonzero(gap) != 0
    if holes:
        change, old, new, resets, last_dir = _latched_whole(det, t, e, v, gap, long_gap, absv)
    else:
        change, old, new, last_dir = _latched_decided(det, t, e, v, absv, starts)
        resets = set()
    # the running turned angle (the same sums as ``turned + cumsum(rate * max(step, 0))``): the
    # steps written in place (dsp.diff_from's subtractions), summed in place, read at the changes
    # with ``item`` (a Python float sum is the float64 sum numpy takes: no index array, no gather)
    rate = absv if rate_abs is None else rate_abs
    if steps is not None and not holes and steps[0] == det._last_t:  # (the same subtractions, done)
        dt = steps[1]  # (a step back, or NaN: clamped in a copy, the caller's row left as it is)
        step = np.multiply(rate, dt if dt.item(dt.argmin()) >= 0.0 else np.maximum(dt, 0.0))
    else:
        step = np.empty(len(t))
        t0 = t.item(0)
        step[0] = t0 - (det._last_t if math.isfinite(det._last_t) else t0)
        np.subtract(t[1:], t[:-1], out=step[1:])
        if holes:
            step[gap] = 0.0
        if not step.item(step.argmin()) >= 0.0:  # a step back, or NaN (rising times have none: no clamp)
            np.maximum(step, 0.0, out=step)
        np.multiply(rate, step, out=step)
    run = _accumulate(step)
    turned = det._turned
    if len(change) <= _FEW:
        cum = [run.item(i) + turned for i in change]
    else:  # (many changes, a long piece: one gather)
        cum = (run[np.array(change, np.int64)] + turned).tolist()
    quiet, last_quiet = _quiet(det, t, e, absv, change, None, holes)
    return SamplePass(change, old, new, quiet, cum, resets, holes, last_dir, last_quiet, run.item(-1) + turned)


def _quiet(
    det: RepDetector,
    t: np.ndarray,
    e: np.ndarray,
    absv: np.ndarray,
    change: list[int],
    ch: np.ndarray | None,
    holes: bool,
) -> tuple[list[tuple[float, float]], tuple[float, float]]:
    """(t, e) of the last quiet sample (under ``start_dps``) at or before each change and at the
    piece's end, the carried one where none. Only a start reads its own (``process`` back-dates
    the movement to it). Without holes every start is a sample above ``move_dps``, so not quiet
    when ``start_dps <= move_dps``: its last quiet sample ends a quiet run (one followed by a
    louder one), found among those ends (few, a Python list: a bisection per change, no index
    array or gather for the few changes) rather than among every quiet sample (about half the
    piece, an index list ~20 instructions a sample); a stop reads a value it does not use.
    ``ch``: the changes as an array (made here when None)."""
    cfg = det.cfg
    carry = (det._quiet_t, det._quiet_e)
    q = absv < (limits(cfg)[3] if absv.dtype is _F64 else cfg.start_dps)
    at_end = q.item(-1)
    if not holes and cfg.start_dps <= cfg.move_dps and len(change) <= _FEW:
        ends = (q[:-1] > q[1:]).nonzero()[0].tolist()
        quiet = []
        for i in change:
            r = bisect.bisect_right(ends, i) - 1
            quiet.append(carry if r < 0 else (t.item(ends[r]), e.item(ends[r])))
        last = len(t) - 1 if at_end else ends[-1] if ends else -1
        return quiet, ((t.item(last), e.item(last)) if last >= 0 else carry)
    if not holes and cfg.start_dps <= cfg.move_dps:  # (many changes: searched at once among the ends)
        qi = (q[:-1] > q[1:]).nonzero()[0]
    else:
        qi = q.nonzero()[0]  # (a start after a hole may be quiet itself)
    quiet = []
    if change:
        if len(qi):
            k = qi.searchsorted(np.array(change, np.int64) if ch is None else ch, side="right")
            k -= 1  # (-1 before the first: reads the last one, replaced by the carry below)
            j = qi[k]
            quiet = list(zip(t[j].tolist(), e[j].tolist()))
            before = bisect.bisect_left(change, int(qi[0]))  # the changes before the first
            if before:
                quiet[:before] = [carry] * before
        else:
            quiet = [carry] * len(change)
    last = len(t) - 1 if at_end else int(qi[-1]) if len(qi) else -1
    return quiet, ((t.item(last), e.item(last)) if last >= 0 else carry)


def _latched_decided(
    det: RepDetector,
    t: np.ndarray,
    e: np.ndarray,
    v: np.ndarray,
    absv: np.ndarray,
    starts: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[list[int], list[int], list[int], int]:
    """(changes, direction before, after, the last direction) of a piece without holes, from its
    decided samples: each sets the latch to its code (a start: +-1 by the rate's sign, a stop: 0).

    The codes are written after the carried direction (``cf[0]``), and each undecided sample the
    flatness rule leaves undecided is marked ``HOLD``; the codes then change from sample to sample
    at a few places (a handful a piece, the first sample's included: one comparison), and a walk
    over those in Python keeps the changes of the latch itself (a marked sample holds it). A
    piece with many such places (noise that flickers across the thresholds) has the marks written
    over with the latch they hold instead (``_hold_through``), compared again. With
    ``stop_dps <= move_dps`` (no sample both starts and stops) the undecided samples are those
    whose code (0: not a start) equals their stop flag (0: not a stop), NaN among them: one
    comparison for the three of ``(start | stop)``, its negation and the merged mask."""
    cfg = det.cfg
    move = cfg.move_dps
    if move < 0:  # (every sample starts: up and down at once; the whole latch says which)
        change, old, new, _resets, last = _latched_whole(det, t, e, v, np.zeros(len(t), bool), None, absv)
        return change, old, new, last
    n, carry = len(t), det._dir
    cf = np.empty(n + 1, np.int8)
    cf[0] = carry
    codes = cf[1:]
    up, dn = (v > move, v < -move) if starts is None else starts  # (|v| > move: one or the other, NaN neither)
    np.subtract(up.view(_I8), dn.view(_I8), out=codes)  # +1 up, -1 down, 0 not a start
    stop = absv < (limits(cfg)[2] if absv.dtype is _F64 else cfg.stop_dps)
    if cfg.stop_dps <= move:
        cand = (codes == stop.view(_I8)).nonzero()[0]  # neither: the flatness rule decides these alone
    else:
        cand = (~((up | dn) | stop)).nonzero()[0]
    flat = det._flat.flat_among(t, e, cand)  # (the flat ones are stops, coded 0 as the others)
    u = cand[~flat] if len(cand) else cand  # undecided: they leave the latch as it is
    walk = n <= _WALK_N  # (a long piece changes in too many places: written over at once)
    if len(u):
        if walk:
            codes[u] = HOLD
        else:
            _hold_through(cf, u)
    k = (codes != cf[:-1]).nonzero()[0]
    if walk and len(k) <= _WALK_MAX:
        change, old, new = [], [], []
        latch = carry
        for i in k.tolist():
            c = codes.item(i)
            if c != HOLD and c != latch:
                change.append(i)
                old.append(latch)
                new.append(c)
                latch = c
        return change, old, new, latch
    if walk and len(u):
        _hold_through(cf, u)
        k = (codes != cf[:-1]).nonzero()[0]
    change, new = k.tolist(), codes[k].tolist()
    # the direction before each change is the one the change before set (the carried one first)
    old = [carry, *new[:-1]] if new else []
    return change, old, new, cf.item(n)


def _hold_through(cf: np.ndarray, u: np.ndarray) -> None:
    """Write over each undecided sample (indices ``u``, rising, into the codes ``cf[1:]``) the
    code of the last decided sample before it (``cf[0]``, the carried latch, before the piece's
    first): the latch it holds there. Then the latch changes where the codes change, compared
    sample to sample, instead of among the decided samples gathered (a gather and an index list
    of nearly every sample, ~40 instructions a sample). A run of consecutive indices has a
    constant ``u - position``, rising from run to run, so its first position is where that value
    is first found; the code before a run's first sample ``a`` is ``cf[a]``."""
    codes = cf[1:]
    m, a, b = len(u), u.item(0), u.item(-1)
    if b - a == m - 1:  # one run (a short piece's usual): one value, over a slice
        codes[a : b + 1] = cf.item(a)
        return
    d = u - np.arange(m)
    codes[u] = cf[u[d.searchsorted(d)]]


def _latched_whole(
    det: RepDetector,
    t: np.ndarray,
    e: np.ndarray,
    v: np.ndarray,
    gap: np.ndarray,
    long_gap: np.ndarray | None,
    absv: np.ndarray,
) -> tuple[list[int], list[int], list[int], set[int], int]:
    """The same over a piece with holes, from the whole latch: a sample after a hole reads still
    (the latch itself carries on through it), and a long hole is a change of its own."""
    cfg = det.cfg
    codes = np.where(v > 0, 1, -1)
    on = absv > cfg.move_dps
    stop = (absv < cfg.stop_dps) | det._flat(t, e, absv)
    d = hysteresis(on, stop, det._dir, codes)
    d[gap] = 0  # a gap ends any movement
    prev = np.concatenate([[det._dir], d[:-1]])
    change = np.nonzero(d != prev)[0].tolist()
    resets = set(np.nonzero(long_gap)[0].tolist()) if long_gap is not None else set()
    if resets:
        change = sorted(set(change) | resets)
    ch = np.array(change, np.int64)
    return change, prev[ch].tolist(), d[ch].tolist(), resets, int(d[-1])
