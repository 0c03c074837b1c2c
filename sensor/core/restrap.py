"""Noticing a re-strapped sensor once the mounting is learned, and the history to re-learn from.

A re-strap turns the sensor on the shin, so the rotation of the following movements is no
longer about the learned knee axis. Two movements in a row with more than ``off_axis`` of their
rotation energy off the axis raise the suspicion; but rolling over, getting up, sitting down or
shifting in the chair do the same without touching the strap. What tells them apart is what
comes next: a re-strap turns the sensor on the shin PERMANENTLY, so the next knee movement
(a single dominant axis, sweeping a glide's angle) is off the old axis too, while after a body
repositioning the knee turns about the same axis in sensor coordinates as before. So the
suspicion is confirmed only by such a movement off the axis, and dropped by any movement on it.
The pipeline then re-learns from the first off-axis movement, using the recent samples kept
here. Sums are sequential cumsums seeded with the carried totals, so the decision is the same
for any chunking.
"""

from __future__ import annotations

import numpy as np

from sensor.core.dsp import amin, dot3, norm3
from sensor.core.mounting import MountConfig

Arrays = tuple[np.ndarray, ...]
SHORT = 64  # pieces up to this long are first checked for a latch that cannot change (``watch``)


def _latch_changes(on: np.ndarray, off: np.ndarray, carry: int) -> tuple[list[int], list[int]]:
    """Where the moving latch (``hysteresis(on, off, carry)``: 1 from an ``on`` sample, 0 from an
    ``off`` one, else held) changes, and to what: only a decided sample sets it, so only one that
    differs from the decided sample before it (the carried state before the first) changes it.
    That sample starts a run of ``on`` or of ``off`` samples (within a run each agrees with the one
    before), so only the first sample and the starts of runs are looked at, in order, each
    against the one before (its run's last decided sample ends the run before, with undecided
    samples at most between): a few boolean passes and a short loop over the starts (a handful a
    movement), not the decided samples' indices, codes and shifted codes (the code before: ~n
    each). ``on`` and ``off`` never both hold (``move_on_dps`` > ``move_off_dps``)."""
    n = len(on)
    if not n:
        return [], []
    starts = np.empty(n, bool)
    starts[0] = on[0] or off[0]
    np.greater(on[1:], on[:-1], out=starts[1:])  # (booleans: a > b is a and not b)
    starts[1:] |= off[1:] > off[:-1]
    idx = starts.nonzero()[0]
    changes: list[int] = []
    moves: list[int] = []
    state = carry
    for i, c in zip(idx.tolist(), on[idx].tolist()):
        if c != state:
            state = int(c)
            changes.append(i)
            moves.append(state)
    return changes, moves


class RestrapWatch:
    # a knee movement: its rate directions (one vote per moving sample) share one axis this much
    # (a glide phase: > 0.98 in the simulated corpus and the UCI recordings' glides; a roll, a
    # stand-up or a strap being pulled round mixes axes) and it sweeps at least the mounting's
    # smallest teaching span about that axis
    knee_dominance: float = 0.9
    knee_max_s: float = 15.0  # a knee movement lasts 1-4 s; the history kept must hold all of it

    def __init__(self, mount: MountConfig, off_axis: float, history_s: float) -> None:
        self.mount = mount
        self.off_axis = off_axis
        self.history_s = history_s
        self.off_sum, self.off_n, self.strikes = 0.0, 0, 0
        self.pending = False  # two off-axis movements seen: waiting for a knee movement to decide
        self.mv_start: tuple[float, int, float] = (0.0, 0, -np.inf)
        self.strike_t0 = -np.inf
        self._hist: list[Arrays] = []
        self._horizon = -np.inf  # samples before this time are no longer kept (sliced off on use)

    def start_after(self, t: float) -> None:
        """Steady state begins at ``t``: a movement in progress counts from here."""
        self.mv_start = (self.off_sum, self.off_n, t)

    def _knee_like(self, t0: float, t: np.ndarray, gyr_c: np.ndarray) -> bool:
        """Whether the movement from ``t0`` to the end of ``t`` (this call's samples; the earlier
        ones are in the kept history) turned about one axis through at least a teaching span. Read
        from the samples themselves, not running sums, so it is the same for any chunking."""
        if float(t[-1]) - t0 > self.knee_max_s:
            return False
        self._trim()
        parts_t = [h[0][h[0] >= t0] for h in self._hist] + [t[t >= t0]]
        parts_g = [h[2][h[0] >= t0] for h in self._hist] + [gyr_c[t >= t0]]
        tt, g = np.concatenate(parts_t), np.concatenate(parts_g)
        if len(tt) < 10:
            return False
        mag = norm3(g)
        d = g / np.where(mag > 0, mag, 1.0)[:, None]
        evals, evecs = np.linalg.eigh(d.T @ d)
        if evals[-1] < self.knee_dominance * max(float(evals.sum()), 1e-12):
            return False
        dt = np.clip(np.diff(tt, prepend=tt[0]), 0.0, 0.1)
        return abs(float(np.sum((g @ evecs[:, -1]) * dt))) >= self.mount.min_span_deg

    def watch(
        self,
        t: np.ndarray,
        gyr_c: np.ndarray,
        u: np.ndarray,
        move_state: int,
        mag: np.ndarray | None = None,
        w: np.ndarray | None = None,
    ) -> tuple[int | None, int]:
        """Returns (the sample count after which to re-learn, or None; the moving state carried on).
        ``mag``: ``norm3(gyr_c)`` and ``w``: ``dot3(gyr_c, u)``, when the caller has them already
        (read, not written: the pipeline hands the same knee-axis rate to the context)."""
        if mag is None:
            mag = norm3(gyr_c)  # moving_mask's, computed once for both
        # (the two checks below, a reduction each, spare short pieces the latch's passes; a piece
        # of more than SHORT samples, which holds a movement's start or end in practice (in none
        # of the glide bench hour's at 1000 samples did the checks hold), goes to the latch at
        # once: it finds the same, no change, when they would hold)
        short = len(mag) <= SHORT
        if short and move_state == 0 and self._nothing_starts(mag):
            return None, 0  # the latch stays off: the still case below, without the hysteresis
        if short and move_state == 1 and self._nothing_stops(mag):  # the latch stays on: no start or end
            changes: list[int] = []
            moves: list[int] = []
        else:
            changes, moves = _latch_changes(mag > self.mount.move_on_dps, mag < self.mount.move_off_dps, move_state)
        if move_state == 0 and not changes:
            # still throughout: no movement starts or ends and the totals gain exact zeros (the
            # sums below would return them unchanged), so skip the sums (most live feeds at rest)
            return None, 0
        g2 = mag**2
        gu = dot3(gyr_c, u) if w is None else w
        if amin(g2) > 0:  # no exact zero rate (the usual piece): the same values in fewer passes
            gu = gu * gu  # (a new array: the caller's ``w`` is left as it was)
            gu /= g2
            off = np.subtract(1.0, gu, out=gu)
        else:
            off = np.where(g2 > 0, 1.0 - gu * gu / np.where(g2 > 0, g2, 1.0), 0.0)
        # zero where still: the latch's still runs, as slices (a few a piece, not a mask pass)
        state, pos = move_state, 0
        for i, m in zip(changes, moves):
            if not state:
                off[pos:i] = 0.0
            state, pos = m, i
        if not state:
            off[pos:] = 0.0
        # running total seeded with the carried one: off[0] + s is s + off[0], the rest is the same
        # sequential sum as the cumsum of [s, *off] (no join)
        off[0] += self.off_sum
        cs = off.cumsum()  # (the array methods: np.cumsum / np.nonzero add Python wrappers)
        if move_state == 1 and not changes:  # one movement throughout: no start or end to judge
            self.off_sum, self.off_n = cs.item(-1), self.off_n + len(t)
            return None, 1
        # the moving samples before each change, counted from the latch's runs (``moved``)
        cut, moved, state, pos = None, self.off_n, move_state, 0
        for i, m in zip(changes, moves):
            if state:
                moved += i - pos
            state, pos = m, i
            if m:  # a movement starts: remember the running totals before it
                self.mv_start = (cs.item(i - 1) if i > 0 else self.off_sum, moved, t.item(i))
                continue
            s0, n0, t0 = self.mv_start
            n = moved - n0
            frac = (cs.item(i) - s0) / n if n else 0.0
            if self.pending:
                if frac <= self.off_axis:  # the knee turns about the old axis: the strap held
                    self.pending, self.strikes = False, 0
                elif self._knee_like(t0, t[: i + 1], gyr_c[: i + 1]):  # a knee movement off the old axis
                    cut = i + 1
                    break
                continue
            if frac > self.off_axis:
                if self.strikes == 0:
                    self.strike_t0 = t0
                self.strikes += 1
            else:
                self.strikes = 0
            if self.strikes >= 2:
                self.pending = True
        if cut is None:
            moved += len(t) - pos if state else 0
            self.off_sum, self.off_n = cs.item(-1), moved
            return None, state
        self.off_sum, self.off_n = float(cs[cut - 1]), moved
        return cut, 0

    def latch_stays(self, move_state: int, least: float, most: float) -> bool:
        """Whether the moving latch ``move_state`` (``watch``'s) stays as it is through rates
        whose least and largest are ``least`` and ``most``: none past ``move_on_dps`` while
        still, none under ``move_off_dps`` while moving. Then no movement starts or closes."""
        if move_state == 0:
            return most <= self.mount.move_on_dps
        return least >= self.mount.move_off_dps

    def _nothing_starts(self, mag: np.ndarray) -> bool:
        """No sample turns faster than a movement's start (fmax: a NaN hides no other sample)."""
        return len(mag) > 0 and not np.fmax.reduce(mag) > self.mount.move_on_dps

    def _nothing_stops(self, mag: np.ndarray) -> bool:
        """No sample turns slower than a movement's end (fmin: a NaN, which decides nothing, is
        left out; all NaN fails)."""
        return len(mag) > 0 and bool(np.fmin.reduce(mag) >= self.mount.move_off_dps)

    def remember(self, *arrays: np.ndarray) -> None:
        """Recent steady-state samples, so a re-strap can be re-learned from its first movement."""
        if len(arrays[0]) == 0:
            return
        self._hist.append(arrays)
        self._horizon = horizon = arrays[0].item(-1) - self.history_s
        while len(self._hist) > 1 and self._hist[0][0].item(-1) < horizon:
            self._hist.pop(0)

    def _trim(self) -> None:
        """Keep only the last ``history_s`` seconds, whatever the chunk size: the oldest piece is
        cut here, when the history is read, rather than at every (live: 10-sample) piece kept."""
        if self._hist and self._hist[0][0][0] < self._horizon:
            first = self._hist[0]
            k = int(np.searchsorted(first[0], self._horizon))
            self._hist[0] = tuple(a[k:] for a in first)

    def take_history(self, t_from: float) -> Arrays | None:
        """The kept samples from ``t_from`` on (None if there are none); the history is cleared."""
        self.strikes, self.pending = 0, False
        self._trim()
        if not self._hist:
            return None
        ht, *rest = (np.concatenate(x) for x in zip(*self._hist))
        self._hist = []
        keep = ht >= t_from
        if not keep.any():
            return None
        return (ht[keep], *(a[keep] for a in rest))
