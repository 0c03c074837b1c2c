"""The rep detector's sample pass: where its latched direction changes, and what each change reads.

:meth:`sensor.core.phases.RepDetector.process` walks the samples where the latched direction
(+1 away up, -1 down, 0 still) changes; at each it reads the running turned angle and the last
quiet sample before it, and at the piece's end the last of each. Those are all it reads of the
per-sample arrays, so they are taken here at those samples alone, not as whole arrays:

* the direction latch: only the decided samples (a start above ``move_dps``, a stop below
  ``stop_dps`` or on a flat elevation) set it, so it can change only there, where it differs
  from the decided sample before (the carried direction before the first). Read from the decided
  samples, compressed, instead of the latch forward-filled over the piece and compared with
  itself shifted (the running maximum behind a forward fill costs ~6 ns a sample, as much as
  twenty elementwise passes cost per call on a 1000-sample feed);
* the last quiet sample at or before each change: a search among the quiet samples' indices
  (two forward fills over the piece before, one for the time and one for the elevation);
* the turned angle, ``turned + cumsum(rate * step)``: the same sequential sum, the carried total
  added to its value at each change only (a Python float sum is the float64 sum numpy takes).

A piece with a hole in it (a sample after a gap reads still, unlatched) takes the whole-array
path, the detector's arithmetic as it was. Either way the same values, so every event is
bit-identical (the digests of ``sensor/sim/bench_digest.py``, tests/test_fast_paths_samples.py).
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
    cfg = det.cfg
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
    # the last quiet sample at or before each change, and at the end (the carried one if none)
    qi = (absv < cfg.start_dps).nonzero()[0]
    quiet: list[tuple[float, float]] = []
    cum: list[float] = []
    carry = (det._quiet_t, det._quiet_e)
    if change:
        ch = np.array(change, np.int64)
        cum = (run[ch] + turned).tolist()
        if len(qi):
            k = qi.searchsorted(ch, side="right")
            k -= 1  # (-1 before the first quiet sample: reads the last one, replaced by the carry below)
            j = qi[k]
            quiet = list(zip(t[j].tolist(), e[j].tolist()))
            before = bisect.bisect_left(change, int(qi[0]))  # the changes before the first quiet sample
            if before:
                quiet[:before] = [carry] * before
        else:
            quiet = [carry] * len(change)
    if len(qi):
        q = qi[-1]
        last_quiet = (float(t[q]), float(e[q]))
    else:
        last_quiet = carry
    return SamplePass(change, old, new, quiet, cum, resets, holes, last_dir, last_quiet, float(run[-1] + turned))


def _latched_decided(
    det: RepDetector, t: np.ndarray, e: np.ndarray, v: np.ndarray, absv: np.ndarray
) -> tuple[list[int], list[int], list[int], int]:
    """(changes, direction before, after, the last direction) of a piece without holes, from its
    decided samples: each sets the latch to its code (a start: +-1 by the rate's sign, a stop: 0)."""
    cfg = det.cfg
    on = absv > cfg.move_dps
    decided = on | (absv < cfg.stop_dps)
    cand = (~decided).nonzero()[0]  # neither: the elevation-flatness rule decides these alone
    flat = det._flat.stops(t, e, cand)
    if len(flat):
        decided[flat] = True
    dec = decided.nonzero()[0]
    carry = det._dir
    if not len(dec):
        return [], [], [], carry
    if cfg.move_dps >= 0:
        # +-1.0 where a start (its rate nonzero: above move_dps >= 0, or NaN, which is no start),
        # +-0.0 where a stop: the sign of the rate on the start flag, one call for the two wheres
        codes = np.copysign(on, v)[dec]
    else:  # (a start at a zero rate reads -1, as ``v > 0`` decides it)
        codes = np.where(on[dec], np.where(v[dec] > 0, 1.0, -1.0), 0.0)
    nxt = codes[1:]
    k = (nxt != codes[:-1]).nonzero()[0]  # a change at the decided sample after position k
    change = dec[1:][k].tolist()
    new = nxt[k].astype(np.int64).tolist()
    first = int(codes[0])
    if first != carry:  # (the first decided sample changes it)
        change.insert(0, int(dec[0]))
        new.insert(0, first)
    # the direction before each change is the one the change before set (the carried one first)
    old = [carry, *new[:-1]] if new else []
    return change, old, new, int(codes[-1])


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
