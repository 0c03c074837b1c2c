"""Supine foot landings at any sample rate: the acceleration leaves a smooth curve.

Why not the sample-to-sample jump alone (``sensor.core.context``)? A smooth movement may change
its acceleration by ``max_jerk`` * dt between samples: 6 m/s^2 at 25 Hz, 3 at 50 Hz. A foot set
down gently on the floor between sets (0.3-1 g for a few tens of ms) hides under that bound below
~75 Hz, and the set break counts as a rep (negatives 4168 at 25 Hz, 4204 at 50 Hz).

What a contact does that a movement cannot: it bends the acceleration's curve within a sample or
two. The residual of a sample against the straight line through its two neighbours is, for a
movement whose jerk steps by J at that sample, ``J * span / 4`` (``span``: the time between the
neighbours); for one of bounded snap it shrinks as ``span^2``. Its rise with the interval is half
the jump's, and a contact's jolt that comes and goes within the span stands out by its full size.
So a residual above ``max(floor, max_jerk * span / 4)`` (the jerk step of the project's own
smooth-movement bound, ``ContextConfig.max_jerk``) is a contact.

Measured (point samples of the simulator, and the same recordings with a one-sample boxcar
anti-aliasing filter as a real IMU's digital low-pass at ~0.4 x ODR, e.g. Bosch's normal mode):
the largest residual over that bound inside true supine reps is 0.66 (mixed 0-999 and short
0-299, 5675 reps at 25-200 Hz; 0.68 filtered). Set-break landings (mixed 0-999 and negatives
0-4999 rendered supine, 5169) exceed it at >= 75 Hz in 99 %, at 50-52 Hz in 68 % (71 % filtered),
at 25 Hz in 22 % (none filtered: a 0.3-1 g landing lasting ~30 ms is averaged into one 40-ms
sample below a fast glide's curvature). 25 Hz stays the hard case.

Causal with one sample of delay (the right neighbour), chunk-invariant: the last two samples are
carried, and each sample is judged once, when its right neighbour arrives. A sample either side
of a hole in the data (``gap``) is not judged: the straight line across a hole says nothing.
"""

from __future__ import annotations

import numpy as np

from sensor.core.dsp import amax, ffill, norm3

A = np.ndarray  # (signatures)


def curve_residual(t: np.ndarray, acc: np.ndarray) -> np.ndarray:
    """For samples 1..n-2: the distance of ``acc`` from the straight line (in time) through its
    neighbours, in the units of ``acc``."""
    return triple_residual(t[:-2], t[1:-1], t[2:], acc[:-2], acc[1:-1], acc[2:])


def triple_residual(
    t0: np.ndarray, t1: np.ndarray, t2: np.ndarray, a0: np.ndarray, a1: np.ndarray, a2: np.ndarray
) -> np.ndarray:
    """``curve_residual`` of samples ``1`` against neighbours ``0`` and ``2``, given as separate
    rows (the fast path picks a few triples out of a piece): elementwise, so each sample's
    residual has the same bits however many are computed together."""
    span = t2 - t0
    w = np.divide(t1 - t0, span, out=np.full(len(span), 0.5), where=span > 0)
    line = a0 + (a2 - a0) * w[:, None]
    out: np.ndarray = norm3(a1 - line)
    return out


def over_curve(t0: A, t1: A, t2: A, a0: A, a1: A, a2: A, g1: A, g2: A, floor: float, max_jerk: float) -> np.ndarray:
    """Per triple: the middle sample off the straight line through its neighbours by more than
    ``max(floor, max_jerk * span / 4)``, and no hole (``g1``: before it, ``g2``: after it) on
    either side. The one judgement of a landing off the curve, streamed or over a buffer."""
    bound = np.maximum(floor, max_jerk * (t2 - t0) / 4.0)
    out: np.ndarray = (triple_residual(t0, t1, t2, a0, a1, a2) > bound) & ~g1 & ~g2
    return out


def off_curve(t: A, acc: A, gap: A, floor: float, max_jerk: float) -> np.ndarray:
    """:func:`over_curve` for samples 1..n-2 of a whole array (``gap``: a hole before each sample)."""
    return over_curve(t[:-2], t[1:-1], t[2:], acc[:-2], acc[1:-1], acc[2:], gap[1:-1], gap[2:], floor, max_jerk)


def merged_onsets(t: np.ndarray, mask: np.ndarray, last: float, merge_s: float) -> tuple[np.ndarray, float]:
    """The indices of the samples of ``mask`` that come more than ``merge_s`` after the marked
    sample before them (samples within ``merge_s`` belong to one contact), ``last`` being the
    last marked time of the pieces before; and the last marked time after this piece."""
    t_marked = ffill(t, mask, last)
    before = np.concatenate([[last], t_marked[:-1]])
    return np.nonzero(mask & (t - before > merge_s))[0], float(t_marked[-1])


# A judged sample's residual is |(1 - w) d1 - w d2|, d1 and d2 the acceleration's jumps either side
# of it and w in [0, 1] (times rise): never more than the larger jump. Rounding moves the computed
# residual and jumps by < 1e-12 m/s^2 (the intake keeps every component within 8 g), so a sample
# whose jumps are both at most ``floor - JUMP_MARGIN`` cannot be over the bound (never below floor).
JUMP_MARGIN = 1e-6
_NONE = np.empty(0)


class CurveLandings:
    """Streaming samples over the bound (see the module docstring), and the onsets of contacts."""

    def __init__(self, floor_mps2: float, max_jerk: float, merge_s: float) -> None:
        self.floor = floor_mps2
        self.max_jerk = max_jerk
        self.merge_s = merge_s
        self._t = np.empty(0)
        self._a = np.empty((0, 3))
        self._g = np.empty(0, bool)
        self._j: float | None = None  # the jump onto the last carried sample, if given
        self._last = -np.inf  # the last contact sample (s), either rule

    def marked(
        self, t: np.ndarray, acc: np.ndarray, gap: np.ndarray, jump: np.ndarray | None = None, top: float | None = None
    ) -> np.ndarray:
        """Times (s) of the samples over the bound judged in this piece: the carried last sample
        of the piece before and every sample here but the last (each needs its right neighbour).

        ``jump``: ``norm3`` of each sample's change from the one before (the first from the last
        sample of the piece before), zero where ``gap`` (the context tracker's). With it only the
        samples next to a jump near the bound are judged in full: the same times (the bound is
        never below ``floor`` and the residual never above the larger jump, JUMP_MARGIN), without
        joining the piece to the carried samples; most pieces have none (a 10-sample live feed
        takes one reduction). Those pieces are views: the pipeline keeps the caller's arrays
        unchanged (as the calibration buffer and the re-strap history do). ``top``: ``amax(jump)``
        when the caller has it."""
        n = len(t)
        carried_j = self._j
        if jump is None or n:
            self._j = None if jump is None else float(jump[-1])
        if jump is None or carried_j is None or n < 2 or len(self._t) < 2:
            return self._judge_all(t, acc, gap)
        ct, ca, cg = self._t, self._a, self._g
        self._t, self._a, self._g = t[-2:], acc[-2:], gap[-2:]
        cut = self.floor - JUMP_MARGIN
        # the usual piece: no sample can be over
        if carried_j <= cut and (amax(jump) if top is None else top) <= cut:
            return _NONE
        pair = np.maximum(jump[:-1], jump[1:])  # the larger jump either side of t[0..n-2]
        idx = np.flatnonzero(pair > cut)
        head = _NONE
        if carried_j > cut or (len(idx) and idx[0] == 0):  # the carried sample and t[0], in full
            ht, ha, hg = np.concatenate([ct, t[:2]]), np.concatenate([ca, acc[:2]]), np.concatenate([cg, gap[:2]])
            head = ht[1:-1][self._over(ht[:-2], ht[1:-1], ht[2:], ha[:-2], ha[1:-1], ha[2:], hg[1:-1], hg[2:])]
            idx = idx[1:] if len(idx) and idx[0] == 0 else idx
        if not len(idx):
            return head
        i0, i2 = idx - 1, idx + 1
        rest = t[idx][self._over(t[i0], t[idx], t[i2], acc[i0], acc[idx], acc[i2], gap[idx], gap[i2])]
        return np.concatenate([head, rest]) if len(head) else rest

    def settled(self, n: int) -> bool:
        """Whether ``marked`` on ``n`` samples, none of whose jumps passes the floor less
        JUMP_MARGIN, would judge no sample and read no jump but the last (the carried one within
        that cut too): the context then hands it only the last (sensor.core.context)."""
        j = self._j
        return n >= 2 and j is not None and len(self._t) >= 2 and j <= self.floor - JUMP_MARGIN

    def carry(self, t: np.ndarray, acc: np.ndarray, gap: np.ndarray, last_jump: float) -> None:
        """``marked`` on a piece it was found ``settled`` for, with no jump past the floor less
        JUMP_MARGIN (the context's usual piece, sensor.core.context): what it keeps (the last two
        samples, the last jump) and nothing judged, without the call's checks. ``t``, ``acc``,
        ``gap``: the piece's last two samples; ``last_jump``: the jump onto its last sample."""
        self._t, self._a, self._g, self._j = t, acc, gap, last_jump

    def _judge_all(self, t: np.ndarray, acc: np.ndarray, gap: np.ndarray) -> np.ndarray:
        """``marked`` judging every sample, joined to the carried ones (the general path)."""
        tt = np.concatenate([self._t, t])
        aa = np.concatenate([self._a, acc])
        gg = np.concatenate([self._g, gap])
        self._t, self._a, self._g = tt[-2:], aa[-2:], gg[-2:]
        if len(tt) < 3:
            return np.empty(0)
        over = self._over(tt[:-2], tt[1:-1], tt[2:], aa[:-2], aa[1:-1], aa[2:], gg[1:-1], gg[2:])
        out: np.ndarray = tt[1:-1][over]
        return out

    def _over(self, t0: A, t1: A, t2: A, a0: A, a1: A, a2: A, g1: A, g2: A) -> np.ndarray:
        """Per triple: :func:`over_curve` with this tracker's bound."""
        return over_curve(t0, t1, t2, a0, a1, a2, g1, g2, self.floor, self.max_jerk)

    def onsets(self, times: np.ndarray) -> np.ndarray:
        """The contact onsets among sorted contact-sample ``times`` (of this rule and others, none
        before the last piece's): those more than ``merge_s`` after the contact sample before."""
        if not len(times):
            return times
        on_idx, self._last = merged_onsets(times, np.ones(len(times), bool), self._last, self.merge_s)
        out: np.ndarray = times[on_idx]
        return out
