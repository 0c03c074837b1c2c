"""The round-7 speed paths (issue 14) give exactly what the code they replace gives, bit for bit.

Each check runs a fast path against the numpy call it stands for, on values built to reach the
cases where rounding or signed zeros could differ; whole sessions are compared by
``sensor/sim/bench_digest.py`` and tests/test_mount_evidence.py (the incremental evidence,
``_dt_nom`` included, against the whole-buffer computation on uniform and jittery streams).
"""

from __future__ import annotations

import numpy as np

from sensor.core.mount_evidence import _mean2


def _same_bits(a: float, b: float) -> bool:
    return np.float64(a).tobytes() == np.float64(b).tobytes()


def test_mean_of_two_is_np_mean_bit_for_bit() -> None:
    rng = np.random.default_rng(7)
    # sample intervals as glide traces have them (a few ms, jittered), and the awkward cases:
    # sums that round, overflow to inf, subnormals, signed zeros, NaN
    pairs = np.concatenate(
        [
            0.005 + rng.uniform(-2e-3, 2e-3, (2000, 2)),
            rng.uniform(0, 1, (2000, 2)) * 10.0 ** rng.integers(-300, 300, (2000, 1)),
            np.array([[1.7e308, 1.7e308], [5e-324, 5e-324], [5e-324, 0.0], [0.0, -0.0], [-0.0, -0.0], [np.nan, 1.0]]),
        ]
    )
    for lo, hi in pairs:
        with np.errstate(over="ignore"):
            want = float(np.mean(np.array([lo, hi])))
            got = _mean2(np.float64(lo), np.float64(hi))
        assert _same_bits(got, want) or (np.isnan(got) and np.isnan(want)), (lo, hi, got, want)
    # the slice form _sorted_median passes (two elements of the sorted intervals)
    srt = np.sort(0.005 + rng.uniform(-1e-3, 1e-3, 501))
    for mid in range(1, 500, 7):
        assert _same_bits(_mean2(srt[mid - 1], srt[mid]), float(np.mean(srt[mid - 1 : mid + 1])))
