"""How far one movement's fitted lever direction strays, and so how sure a mean tilt is.

:func:`sensor.core.shin_prior.lever_sigma` reads the anterior side from the lever's tilt off the
bone (5-30 deg on a front-mounted box), averaged over the teaching movements with the fits'
weights (signal energy over residual energy, :func:`sensor.core.lever_fit.fit_window`). Whether
that mean is the sensor's side or the fits' noise depends on how far each fit's direction strays.

Measured on the issue-11 corpus (short 0-299, mixed 0-999 and the re-strap scenario of
tests/test_carried_shin.py seeds 0-40: 1200 distinct fits of weight >= 1, the true tilt
atan(anterior offset / distance below the knee) from the simulated person), the rms direction
error by fit weight:

    weight   1-2   2-4   4-8   8-16  16-32  32-64  >= 64
    rms deg  24.5  24.6  20.8  20.2  16.0   11.6   7.6
    median   19.9  19.1  17.5  13.8   7.2    4.1   1.5

A weak fit does not scatter as 1/sqrt(weight): below a weight of ~20 the error is a floor of
~24 deg (the thigh's sway, gyro bias and scale, the 25-Hz output filter, none of which the
fixed-knee model holds), and above it the statistical term takes over. ``FLOOR_DEG /
sqrt(1 + w / KNEE_WEIGHT)`` follows the rms row within 2.2 deg in every bin (23.1, 22.4, 21.0,
19.0, 16.2, 13.0, 8.2 at weights 1.5, 3, 6, 12, 24, 48, 150).

Over the same positives the lever's tilt decided the anterior side once (mixed 896, agreeing
with the side vote, 1.7 standard errors); the side vote was wrong 4 times in 1188 settles
(classic 0-499 included), each time overruled by walking. A bound of 3 standard errors
therefore costs the positives nothing, and stops a mean of a few weak fits (24 deg each) from
overruling the vote.
"""

from __future__ import annotations

import numpy as np

FLOOR_DEG = 24.0  # rms direction error of a weak fit (weight << KNEE_WEIGHT)
KNEE_WEIGHT = 20.0  # the weight above which the error falls as 1/sqrt(weight)


def fit_direction_error(weights: np.ndarray) -> np.ndarray:
    """Rms error (deg) of each fit's lever direction, by its weight."""
    w = np.maximum(np.asarray(weights, float), 0.0)
    out: np.ndarray = FLOOR_DEG / np.sqrt(1.0 + w / KNEE_WEIGHT)
    return out


def tilt_standard_error(weights: np.ndarray) -> float:
    """Standard error (deg) of the weight-averaged tilt of fits with these weights, each fit's
    direction error independent (separate movements): sqrt(sum (w_i s_i)^2) / sum w_i."""
    w = np.maximum(np.asarray(weights, float), 0.0)
    total = float(w.sum())
    if total <= 0:
        return float("inf")
    return float(np.sqrt(np.sum((w * fit_direction_error(w)) ** 2)) / total)
