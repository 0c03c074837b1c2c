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

from sensor.core.dsp import ffill, norm3


def curve_residual(t: np.ndarray, acc: np.ndarray) -> np.ndarray:
    """For samples 1..n-2: the distance of ``acc`` from the straight line (in time) through its
    neighbours, in the units of ``acc``."""
    span = t[2:] - t[:-2]
    w = np.divide(t[1:-1] - t[:-2], span, out=np.full(len(span), 0.5), where=span > 0)
    line = acc[:-2] + (acc[2:] - acc[:-2]) * w[:, None]
    out: np.ndarray = norm3(acc[1:-1] - line)
    return out


def merged_onsets(t: np.ndarray, mask: np.ndarray, last: float, merge_s: float) -> tuple[np.ndarray, float]:
    """The indices of the samples of ``mask`` that come more than ``merge_s`` after the marked
    sample before them (samples within ``merge_s`` belong to one contact), ``last`` being the
    last marked time of the pieces before; and the last marked time after this piece."""
    t_marked = ffill(t, mask, last)
    before = np.concatenate([[last], t_marked[:-1]])
    return np.nonzero(mask & (t - before > merge_s))[0], float(t_marked[-1])


class CurveLandings:
    """Streaming samples over the bound (see the module docstring), and the onsets of contacts."""

    def __init__(self, floor_mps2: float, max_jerk: float, merge_s: float) -> None:
        self.floor = floor_mps2
        self.max_jerk = max_jerk
        self.merge_s = merge_s
        self._t = np.empty(0)
        self._a = np.empty((0, 3))
        self._g = np.empty(0, bool)
        self._last = -np.inf  # the last contact sample (s), either rule

    def marked(self, t: np.ndarray, acc: np.ndarray, gap: np.ndarray) -> np.ndarray:
        """Times (s) of the samples over the bound judged in this piece: the carried last sample
        of the piece before and every sample here but the last (each needs its right neighbour)."""
        tt = np.concatenate([self._t, t])
        aa = np.concatenate([self._a, acc])
        gg = np.concatenate([self._g, gap])
        self._t, self._a, self._g = tt[-2:], aa[-2:], gg[-2:]
        if len(tt) < 3:
            return np.empty(0)
        bound = np.maximum(self.floor, self.max_jerk * (tt[2:] - tt[:-2]) / 4.0)
        over = (curve_residual(tt, aa) > bound) & ~gg[1:-1] & ~gg[2:]
        out: np.ndarray = tt[1:-1][over]
        return out

    def onsets(self, times: np.ndarray) -> np.ndarray:
        """The contact onsets among sorted contact-sample ``times`` (of this rule and others, none
        before the last piece's): those more than ``merge_s`` after the contact sample before."""
        if not len(times):
            return times
        on_idx, self._last = merged_onsets(times, np.ones(len(times), bool), self._last, self.merge_s)
        out: np.ndarray = times[on_idx]
        return out
