"""The round-6 speed paths (issue 14) give exactly what the general code gives, bit for bit.

``dsp.median`` replaces ``np.median`` on the mounting estimate's per-window medians; it is checked
against np.median itself on arrays built to reach every branch: odd and even lengths, ties,
signed zeros (which of +0 and -0 lands in the middle is the partition's choice), NaNs, strided
views, and the inputs it hands back to np.median (empty, integer, 2-d).

``SagittalFilter.process`` writes three of its expressions with fewer passes; the filter is run
on a glide-like piece for both signs of the mounting and its output compared with the same
filter's expressions written the old way (``_old_process`` below replays them from its inputs).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from sensor.core.constants import STANDARD_GRAVITY
from sensor.core.dsp import diff_from, dot3, dot3_pair, ffill, lfilter_state, median
from sensor.core.mounting import Mounting
from sensor.core.orientation import MIN_GRAVITY_G, SagittalFilter


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


def _mounting(sigma: int) -> Mounting:
    u = np.array([0.0, 1.0, 0.0])
    e1, e2 = np.array([0.0, 0.0, 1.0]), np.array([1.0, 0.0, 0.0])
    return Mounting(u, e1, e2, beta_deg=200.0, sigma=sigma, axis_dominance=0.99, windows_used=3, lever_m=0.2)


def _old_process(
    f: SagittalFilter, t: np.ndarray, acc: np.ndarray, gyr: np.ndarray
) -> tuple[np.ndarray, np.ndarray, int]:
    """The continuing piece of SagittalFilter.process (no gap, no wrap of the angle), with main
    d060f81's expressions: ``a * (-w * dt) + (1 - a) * th``, ``-w2 * cx`` and
    ``90 - sigma * (theta - ref)``, ``sigma * vel``; the filter's carried state read, not changed.
    Also returns how many samples held the last angle."""
    m, a = f.m, f.a
    assert f._lever is not None and f._last_t is not None and f._w_prev is not None
    assert f._y is not None and f._v is not None and f._beta_ref is not None and f._raw_prev is not None
    w = dot3(gyr, m.u)
    dt = diff_from(t, f._last_t)
    w_r = np.radians(w)
    alpha = diff_from(w_r, f._w_prev) / dt
    cx, cy = f._lever[2:]
    w2 = w_r * w_r
    a1, a2 = dot3_pair(acc, m.e1, m.e2)
    ax = a1 - (-w2 * cx - alpha * cy)
    ay = a2 - (alpha * cx - w2 * cy)
    raw = np.degrees(np.arctan2(ay, ax))
    valid = ax * ax + ay * ay >= (MIN_GRAVITY_G * STANDARD_GRAVITY) ** 2
    raw = ffill(raw, valid, f._raw_prev)  # a sample too far from 1 g holds the last angle
    th_acc = raw + 360.0 * f._k
    x = a * (-w * dt) + (1.0 - a) * th_acc
    theta, _ = lfilter_state(f._b_y, f._a_y, x, np.array([a * f._y]))
    vel, _ = lfilter_state(f._b_v, f._a_v, w, np.array([f.av * f._v]))
    return 90.0 - m.sigma * (theta - f._beta_ref), m.sigma * vel, int(np.count_nonzero(~valid))


@pytest.mark.parametrize("sigma", [1, -1])
def test_sagittal_filter_gives_the_old_expressions_bits(sigma: int) -> None:
    rng = np.random.default_rng(7)
    n, dt = 3000, 0.005
    t = np.arange(n) * dt
    ang = np.radians(40 + 50 * np.sin(2 * np.pi * 0.2 * t))  # a shin swinging through 100 deg
    rate = np.gradient(np.degrees(ang), t) + rng.normal(0, 2, n)
    acc = np.column_stack([9.81 * np.sin(ang), rng.normal(0, 0.1, n), 9.81 * np.cos(ang)])
    gyr = np.column_stack([rng.normal(0, 1, n), rate, rng.normal(0, 1, n)])
    gyr[100:110, 1] = 0.0  # exact zeros and signed zeros in the products
    gyr[110:115, 1] = -0.0
    f = SagittalFilter(_mounting(sigma), dt)
    gap = np.zeros(n, bool)
    f.process(t[:500], acc[:500], gyr[:500], gap[:500])  # the first piece sets the carried state
    checked, held = 0, 0  # pieces compared, samples too far from 1 g (held at the last angle)
    for a in range(500, n, 250):
        sl = slice(a, a + 250)
        want = _old_process(f, t[sl], acc[sl], gyr[sl])
        got = f.process(t[sl], acc[sl], gyr[sl], gap[sl])
        assert got[0].tobytes() == want[0].tobytes() and got[1].tobytes() == want[1].tobytes()
        checked += 1
        held += int(want[2])
    assert checked == 10 and held > 0  # (the gyro noise makes alpha * lever large now and then)


def test_diff_from_matches_np_diff_for_every_carry_type() -> None:
    """``diff_from``'s inline float case and the ``_joint_type`` cases give np.diff's values and type."""
    rng = np.random.default_rng(3)
    x = np.cumsum(rng.uniform(0.001, 0.01, 50))
    cases: list[tuple[np.ndarray, float | np.ndarray]] = [
        (x, 0.25),  # a float carried (the inline case)
        (x, np.float64(0.25)),  # a numpy float carried (the inline case)
        (np.arange(20), 3),  # int64 with an int
        (np.arange(20), 2.5),  # int64 with a float: float64 out
        (rng.normal(size=(12, 3)), rng.normal(size=3)),  # rows with a row carried
        (np.empty(0), 1.0),  # nothing to difference
    ]
    for values, carry in cases:
        head = np.asarray(carry)[None] if np.ndim(carry) else np.asarray(carry)
        want = np.diff(values, prepend=head, axis=0)
        got = diff_from(values, carry)
        assert got.dtype == want.dtype and got.tobytes() == want.tobytes(), (values.dtype, type(carry))
