"""The cheap exact tests of the held live feeds (issue 14) give the values they stand in for.

A held feed asks for a short array's least and largest from a list (``dsp.bounds`` for the
decisions, ``orientation._extremes`` for the filter's own values) and subtracts the gyro bias
as whole rows (``Preprocessor.corrected``); each must give the numpy reductions' and the
broadcast's values bit for bit, NaN included where it can occur.
"""

from __future__ import annotations

import numpy as np

from sensor.core.dsp import amax, amin, bounds
from sensor.core.orientation import _extremes
from sensor.core.preprocess import Preprocessor


def test_bounds_are_the_reductions_and_none_with_a_nan() -> None:
    rng = np.random.default_rng(4)
    for n in (1, 2, 10, 37, 64):
        for _ in range(50):
            x = rng.normal(0.0, 100.0, n)
            assert bounds(x) == (float(amin(x)), float(amax(x)))
            for i in (0, n // 2, n - 1):  # a NaN anywhere: no bounds (the reductions give NaN)
                y = x.copy()
                y[i] = np.nan
                assert bounds(y) is None
    assert bounds(np.array([np.inf, -np.inf, 1.0])) is None  # (their sum is NaN: none, conservatively)
    assert bounds(np.array([-0.0, 3.5, np.inf])) == (-0.0, np.inf)
    assert bounds(np.empty(0)) is None


def test_extremes_are_fmin_and_fmax_with_a_nan_anywhere() -> None:
    rng = np.random.default_rng(5)
    for n in (1, 2, 10, 64):
        for _ in range(50):
            x = rng.normal(-40.0, 90.0, n)
            for nans in ([], [0], [n - 1], [0, n // 2], list(range(n))):
                y = x.copy()
                y[nans] = np.nan
                got = np.array(_extremes(y))
                want = np.array((np.fmin.reduce(y), np.fmax.reduce(y)))
                assert got.tobytes() == want.tobytes(), (n, nans)


def test_corrected_is_the_broadcast_subtraction_as_the_bias_changes() -> None:
    rng = np.random.default_rng(6)
    pre = Preprocessor(0.005)
    for step in range(6):
        if step % 2:
            pre.bias = rng.normal(0.0, 2.0, 3)  # a new bias (a rest): new rows
        gyr = rng.normal(0.0, 50.0, (10 if step < 4 else 7, 3))
        assert pre.corrected(gyr).tobytes() == (gyr - pre.bias).tobytes()
