"""Noticing a re-strapped sensor once the mounting is learned, and the history to re-learn from.

A re-strap turns the sensor on the shin, so the rotation of the following movements is no
longer about the learned knee axis. Two movements in a row with more than ``off_axis`` of their
rotation energy off the axis mean the mounting changed; the pipeline then re-learns from the
first of them, using the recent samples kept here. Sums are sequential cumsums seeded with the
carried totals, so the decision is the same for any chunking.
"""

from __future__ import annotations

import numpy as np

from sensor.core.dsp import dot3, hysteresis, norm3
from sensor.core.mounting import MountConfig

Arrays = tuple[np.ndarray, ...]


class RestrapWatch:
    def __init__(self, mount: MountConfig, off_axis: float, history_s: float) -> None:
        self.mount = mount
        self.off_axis = off_axis
        self.history_s = history_s
        self.off_sum, self.off_n, self.strikes = 0.0, 0, 0
        self.mv_start: tuple[float, int, float] = (0.0, 0, -np.inf)
        self.strike_t0 = -np.inf
        self._hist: list[Arrays] = []

    def start_after(self, t: float) -> None:
        """Steady state begins at ``t``: a movement in progress counts from here."""
        self.mv_start = (self.off_sum, self.off_n, t)

    def watch(self, t: np.ndarray, gyr_c: np.ndarray, u: np.ndarray, move_state: int) -> tuple[int | None, int]:
        """Returns (the sample count after which to re-learn, or None; the moving state carried on)."""
        mag = norm3(gyr_c)  # moving_mask's, computed once for both
        mov = hysteresis(mag > self.mount.move_on_dps, mag < self.mount.move_off_dps, move_state).astype(bool)
        if move_state == 0 and not mov.any():
            # still throughout: no movement starts or ends and the totals gain exact zeros (the
            # sums below would return them unchanged), so skip the sums (most live feeds at rest)
            return None, 0
        g2 = mag**2
        gu = dot3(gyr_c, u)
        off = np.where(mov & (g2 > 0), 1.0 - gu * gu / np.where(g2 > 0, g2, 1.0), 0.0)
        cs = np.cumsum(np.concatenate([[self.off_sum], off]))[1:]
        if move_state == 1 and mov.all():  # one movement throughout: no start or end to judge
            self.off_sum, self.off_n = float(cs[-1]), self.off_n + len(t)
            return None, 1
        cn = self.off_n + np.cumsum(mov.astype(np.int64))
        prev = np.concatenate([[move_state], mov[:-1].astype(np.int64)])
        starts = np.nonzero((prev == 0) & mov)[0].tolist()
        closes = np.nonzero((prev == 1) & ~mov)[0].tolist()
        cut = None
        for i in sorted(starts + closes):
            if mov[i]:  # a movement starts: remember the running totals before it
                self.mv_start = (
                    float(cs[i - 1]) if i > 0 else self.off_sum,
                    int(cn[i - 1]) if i > 0 else self.off_n,
                    float(t[i]),
                )
                continue
            s0, n0, t0 = self.mv_start
            n = int(cn[i]) - n0
            frac = (float(cs[i]) - s0) / n if n else 0.0
            if frac > self.off_axis:
                if self.strikes == 0:
                    self.strike_t0 = t0
                self.strikes += 1
            else:
                self.strikes = 0
            if self.strikes >= 2:
                cut = i + 1
                break
        last = len(t) if cut is None else cut
        self.off_sum, self.off_n = float(cs[last - 1]), int(cn[last - 1])
        return cut, int(mov[last - 1])

    def remember(self, *arrays: np.ndarray) -> None:
        """Recent steady-state samples, so a re-strap can be re-learned from its first movement."""
        if len(arrays[0]) == 0:
            return
        self._hist.append(arrays)
        horizon = float(arrays[0][-1]) - self.history_s
        while len(self._hist) > 1 and self._hist[0][0][-1] < horizon:
            self._hist.pop(0)
        first = self._hist[0]
        if first[0][0] < horizon:  # keep only the last history_s seconds, whatever the chunk size
            k = int(np.searchsorted(first[0], horizon))
            self._hist[0] = tuple(a[k:] for a in first)

    def take_history(self, t_from: float) -> Arrays | None:
        """The kept samples from ``t_from`` on (None if there are none); the history is cleared."""
        self.strikes = 0
        if not self._hist:
            return None
        ht, *rest = (np.concatenate(x) for x in zip(*self._hist))
        self._hist = []
        keep = ht >= t_from
        if not keep.any():
            return None
        return (ht[keep], *(a[keep] for a in rest))
