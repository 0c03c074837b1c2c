"""The round-6 speed paths (issue 14) give exactly what the general code gives, bit for bit.

``dsp.median`` replaces ``np.median`` on the mounting estimate's per-window medians; it is checked
against np.median itself on arrays built to reach every branch: odd and even lengths, ties,
signed zeros (which of +0 and -0 lands in the middle is the partition's choice), NaNs, strided
views, and the inputs it hands back to np.median (empty, integer, 2-d).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from sensor.core.dsp import median


def _same(a: object, b: object) -> bool:
    """Equal bits (so -0.0 differs from 0.0, and a NaN's payload counts) and the same type."""
    return type(a) is type(b) and np.asarray(a).tobytes() == np.asarray(b).tobytes()


def _arrays(seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    out = []
    for n in [1, 2, 3, 4, 5, 8, 9, 16, 17, 63, 64, 600, 601]:
        out.append(rng.normal(size=n))
        out.append(np.round(rng.normal(size=n) * 2) / 2)  # many ties
        out.append(rng.choice([0.0, -0.0, 1.0, -1.0], n))  # signed zeros in the middle
        out.append(rng.choice([0.0, -0.0], n))  # only zeros: the middle's sign is the partition's
        x = rng.normal(size=n)
        x[rng.integers(0, n)] = np.nan
        out.append(x)
        x = rng.normal(size=n)
        x[rng.integers(0, n)] = -np.nan  # the sign bit of the NaN np.median hands back
        out.append(x)
        out.append(rng.normal(size=2 * n)[::2])  # a strided view
        out.append(np.concatenate([rng.normal(size=n), [np.inf, -np.inf]]))
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_median_is_np_median_bit_for_bit(seed: int) -> None:
    for x in _arrays(seed):
        before = x.copy()
        assert _same(median(x), np.median(x)), x
        assert np.array_equal(x, before, equal_nan=True)  # the input is not reordered


def test_median_hands_other_inputs_to_np_median() -> None:
    assert _same(median(np.array([3, 1, 2])), np.median(np.array([3, 1, 2])))  # integers: a float mean
    m = np.arange(12.0).reshape(3, 4)
    assert _same(median(m), np.median(m))  # 2-d: the median of all elements
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert np.isnan(median(np.empty(0)))  # np.median's NaN for an empty window


def test_median_of_two_is_their_mean_as_np_mean_takes_it() -> None:
    # the two middle values summed then halved: overflow to inf as np.median's mean does
    x = np.array([1.7e308, 1.7e308])
    with np.errstate(over="ignore"):
        assert _same(median(x), np.median(x)) and np.isinf(median(x))
    assert median(np.array([4.0, 1.0, 3.0, 2.0])) == 2.5
