"""The round-7 speed paths (issue 14) give exactly what the code they replace gives, bit for bit.

Each check runs a fast path against the numpy call it stands for, on values built to reach the
cases where rounding or signed zeros could differ; whole sessions are compared by
``sensor/sim/bench_digest.py``, tests/test_mount_evidence.py (the incremental evidence,
``_dt_nom`` included, against the whole-buffer computation on uniform and jittery streams) and
tests/test_fast_paths_r5.py (the flatness rule on undecided samples).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from sensor.core import mounting, pipeline
from sensor.core.creep import ElevationStill
from sensor.core.interval_median import mean2 as _mean2
from sensor.core.rep_config import RepConfig
from sensor.sim.corpus import make_session


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


class _EagerStill(ElevationStill):
    """ElevationStill as it was before round 7: every remembered piece joined to the carry and
    cut to the last ``2 * stop_elev_s`` at once (the reference for the lazily kept pieces)."""

    def forget(self) -> None:
        self._ct, self._ce = np.empty(0), np.empty(0)

    def shift(self, delta_e: float) -> None:
        self._ce = self._ce + delta_e

    def remember(self, t: np.ndarray, e: np.ndarray) -> None:
        self._join(t, e, self.cfg.stop_elev_s)

    def _join(self, t: np.ndarray, e: np.ndarray, w: float) -> tuple[np.ndarray, np.ndarray]:
        tt, ee = np.concatenate([self._ct, t]), np.concatenate([self._ce, e])
        keep = tt > tt[-1] - 2 * w
        self._ct, self._ce = tt[keep], ee[keep]
        return tt, ee


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_lazily_kept_elevation_gives_the_eager_answers(seed: int) -> None:
    """Pieces of 1-40 samples, most remembered (steady), some judged with and without the rate,
    holes of 0.1-2 s (longer than the 2 * 0.25 s carried), shifts of the angle, NaN samples and
    a forget: every judged piece gets the same bits, and after it the same samples are carried."""
    cfg = RepConfig()
    rng = np.random.default_rng(seed)
    n = 20_000
    dt = rng.choice([0.005, 0.005, 0.005, 0.1, 0.6, 2.0], n, p=[0.33, 0.33, 0.32, 0.008, 0.008, 0.004])
    t = np.cumsum(dt)
    e = np.cumsum(rng.normal(0, 0.05, n)) + np.repeat(rng.normal(0, 3, n // 200), 200)
    e[rng.integers(0, n, 15)] = np.nan
    absv = np.abs(rng.normal(0, 6, n))
    lazy, eager = ElevationStill(cfg), _EagerStill(cfg)
    a, judged, flat = 0, 0, 0
    while a < n:
        b = min(n, a + int(rng.integers(1, 41)))
        s = slice(a, b)
        u = rng.random()
        if u < 0.75:
            lazy.remember(t[s], e[s])
            eager.remember(t[s], e[s])
        else:
            rate = absv[s] if u < 0.88 else None
            got, want = lazy(t[s], e[s], rate), eager(t[s], e[s], rate)
            assert got.tobytes() == want.tobytes()
            assert lazy._t.tobytes() == eager._ct.tobytes() and lazy._e.tobytes() == eager._ce.tobytes()
            judged += 1
            flat += int(np.count_nonzero(want))
        if rng.random() < 0.01:
            d = float(rng.normal(0, 5))
            lazy.shift(d)
            eager.shift(d)
        if rng.random() < 0.001:
            lazy.forget()
            eager.forget()
        a = b
    assert judged > 150 and flat > 500  # both answers occur, many times


def _fitted_run(kind: str, seed: int, reuse: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[str, int]:
    """(repr of everything the pipeline said, window fits made) for a corpus session in
    1,000-sample pieces; ``reuse=False`` puts back the fitting before round 7 (first tries fit
    without a cache and hand nothing to the refinement)."""
    calls = [0]
    fit = vars(mounting)["fit_window"]

    def counted(*a: np.ndarray) -> tuple[np.ndarray, float]:
        calls[0] += 1
        return fit(*a)

    with monkeypatch.context() as mp:
        mp.setattr(mounting, "fit_window", counted)
        if not reuse:
            estimate = mounting.estimate_mounting

            def uncached(*a: Any, **k: Any) -> mounting.Mounting | None:
                if len(a) > 7 and a[4] is None:  # a first try (axis and cache positional, as _estimate passes them)
                    a = (*a[:7], None, *a[8:])
                return estimate(*a, **k)

            mp.setattr(pipeline, "estimate_mounting", uncached)
            mp.setattr(pipeline, "keep_fits", lambda m, tried, refine: m)
        cs = make_session(kind, seed)
        p = pipeline.Pipeline(cs.posture, cs.rate_hz)
        events = [ev for part in cs.chunk.split([1000] * (len(cs.chunk) // 1000 + 1)) for ev in p.feed(part)]
        events += p.finish()
    return repr([*events, *p.reps, p.stats, p.mounting]), calls[0]


@pytest.mark.parametrize(
    ("kind", "seed", "fits_before", "fits_now"),
    [("negative", 5, 80, 42), ("standard", 0, 21, 20)],  # seated, never settles; supine, settles
)
def test_window_fits_are_reused_not_repeated(
    kind: str, seed: int, fits_before: int, fits_now: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seated, a failed first try and the hanging-rest try share their fits; a settling try hands
    its fits to the refinement. Fewer fits, the same events, reps, stats and mounting."""
    old, n_old = _fitted_run(kind, seed, False, monkeypatch)
    new, n_new = _fitted_run(kind, seed, True, monkeypatch)
    assert new == old
    assert (n_old, n_new) == (fits_before, fits_now)
