"""Integrating the angular rate across holes of lost packets, for the fixed-knee fit.

The fit (:mod:`sensor.core.lever_fit`) propagates gravity through a movement with the integrated
gyro, ``cumsum(w * dt)``. Bluetooth loses packets in bursts of 0.1-0.5 s, and the shin kept
turning through the hole: ~25 deg in 0.4 s of a glide. Integrated over the hole by the rate
after it (the rectangle) or, worse, over only a few samples of it, the propagated gravity bends
and the fit puts the pivot far off (issue 11, corpus short 72: a 1-m lever, the movement refused
and a one-rep session never learned its mounting). The trapezoid, the mean of the rates either
side times the hole's length, follows a smooth swing closely.
"""

from __future__ import annotations

import numpy as np


def across_holes(dt_raw: np.ndarray, w: np.ndarray, dt: np.ndarray, dt_nom: float, max_s: float) -> np.ndarray:
    """``dt`` with the intervals that end a hole (longer than 1.5 nominal intervals) replaced so
    that ``w * dt`` is the trapezoid over the hole, up to ``max_s`` of it. Only the product is
    meaningful there (the fit uses ``dt`` for nothing else); samples with no rate keep ``dt``."""
    hole = (dt_raw > 1.5 * dt_nom) & (np.abs(w) > 1e-3)
    hole[:1] = False
    if not hole.any():
        return dt
    i = np.nonzero(hole)[0]
    out = dt.copy()
    out[i] = 0.5 * (w[i] + w[i - 1]) * np.minimum(dt_raw[i], max_s) / w[i]
    return out
