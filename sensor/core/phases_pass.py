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
* the last quiet sample at or before each start: a search among the ends of the quiet runs
  (``_quiet``; two forward fills over the piece before, one for the time and one for the
  elevation, then a search among every quiet sample);
* the turned angle, ``turned + cumsum(rate * step)``: the same sequential sum, the carried total
  added to its value at each change only (a Python float sum is the float64 sum numpy takes).

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

from sensor.core.dsp import any_true, diff_from, hysteresis

if TYPE_CHECKING:
    from sensor.core.phases import RepDetector

__all__ = ["SamplePass", "sample_pass"]


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
) -> SamplePass:
    """The changes of ``det``'s latched direction over a (non-empty) piece, and what they read."""
    holes = bool(any_true(gap))
    if holes:
        change, old, new, resets, last_dir = _latched_whole(det, t, e, v, gap, long_gap, absv)
    else:
        change, old, new, last_dir = _latched_decided(det, t, e, v, absv)
        resets = set()
    # the running turned angle (the same sums as ``turned + cumsum(rate * max(step, 0))``)
    step = diff_from(t, det._last_t if math.isfinite(det._last_t) else t[0])
    if holes:
        step[gap] = 0.0
    np.maximum(step, 0.0, out=step)
    np.multiply(absv if rate_abs is None else rate_abs, step, out=step)
    run = step.cumsum()
    turned = det._turned
    ch = np.array(change, np.int64)
    cum: list[float] = (run[ch] + turned).tolist() if change else []
    quiet, last_quiet = _quiet(det, t, e, absv, change, ch, holes)
    return SamplePass(change, old, new, quiet, cum, resets, holes, last_dir, last_quiet, float(run[-1] + turned))


def _quiet(
    det: RepDetector, t: np.ndarray, e: np.ndarray, absv: np.ndarray, change: list[int], ch: np.ndarray, holes: bool
) -> tuple[list[tuple[float, float]], tuple[float, float]]:
    """(t, e) of the last quiet sample (under ``start_dps``) at or before each change and at the
    piece's end, the carried one where none. Only a start reads its own (``process`` back-dates
    the movement to it). Without holes every start is a sample above ``move_dps``, so not quiet
    when ``start_dps <= move_dps``: its last quiet sample ends a quiet run (one followed by a
    louder one), found among those ends (few) rather than among every quiet sample (about half
    the piece, an index list ~20 instructions a sample); a stop reads a value it does not use."""
    cfg = det.cfg
    carry = (det._quiet_t, det._quiet_e)
    q = absv < cfg.start_dps
    at_end = bool(q[-1])
    if holes or cfg.start_dps > cfg.move_dps:
        qi = q.nonzero()[0]  # (a start after a hole may be quiet itself)
    else:
        qi = (q[:-1] > q[1:]).nonzero()[0]
    quiet: list[tuple[float, float]] = []
    if change:
        if len(qi):
            k = qi.searchsorted(ch, side="right")
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
    det: RepDetector, t: np.ndarray, e: np.ndarray, v: np.ndarray, absv: np.ndarray
) -> tuple[list[int], list[int], list[int], int]:
    """(changes, direction before, after, the last direction) of a piece without holes, from its
    decided samples: each sets the latch to its code (a start: +-1 by the rate's sign, a stop: 0)."""
    cfg = det.cfg
    move = cfg.move_dps
    if move < 0:  # (every sample starts: up and down at once; the whole latch says which)
        change, old, new, _resets, last = _latched_whole(det, t, e, v, np.zeros(len(t), bool), None, absv)
        return change, old, new, last
    up = v > move  # a start up, or down (|v| > move is one or the other, NaN neither)
    dn = v < -move
    on = up | dn
    decided = on | (absv < cfg.stop_dps)
    cand = (~decided).nonzero()[0]  # neither: the elevation-flatness rule decides these alone
    flat = det._flat.flat_among(t, e, cand)  # (the flat ones are stops, coded 0 as the others)
    codes = np.subtract(up.view(np.int8), dn.view(np.int8))  # +1 up, -1 down, 0 a stop
    carry = det._dir
    if len(cand):
        u = cand[~flat]  # undecided: they leave the latch as it is
        if len(u):
            _hold_through(codes, u, carry)
    k = (codes[1:] != codes[:-1]).nonzero()[0]
    k += 1
    change, new = k.tolist(), codes[k].tolist()
    first = int(codes[0])
    if first != carry:  # (the first sample changes it)
        change.insert(0, 0)
        new.insert(0, first)
    # the direction before each change is the one the change before set (the carried one first)
    old = [carry, *new[:-1]] if new else []
    return change, old, new, int(codes[-1])


def _hold_through(codes: np.ndarray, u: np.ndarray, carry: int) -> None:
    """Write over each undecided sample (indices ``u``, rising) the code of the last decided
    sample before it (``carry`` before the piece's first): the latch it holds there. Then the
    latch changes where the codes change, compared sample to sample, instead of among the decided
    samples gathered (a gather and an index list of nearly every sample, ~40 instructions a
    sample). A run of consecutive indices has a constant ``u - position``, rising from run to run,
    so its first position is where that value is first found."""
    m, a, b = len(u), u.item(0), u.item(-1)
    if b - a == m - 1:  # one run (a short piece's usual): one value, over a slice
        codes[a : b + 1] = codes.item(a - 1) if a else carry
        return
    d = u - np.arange(m)
    first = u[d.searchsorted(d)]
    first -= 1  # the decided sample before each run
    vals = codes[first]
    if a == 0:  # a run from the piece's start holds the carried latch
        vals[: int(d.searchsorted(0, side="right"))] = carry
    codes[u] = vals


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
