"""The round-5 speed paths (issue 14) give exactly what the general code gives, bit for bit.

Each check runs a fast path against the computation it replaces (the general path forced) on
inputs built to take both; the pipeline-level chunking properties stay in tests/test_streaming.py
and test_fuzz_pipeline.py, and ``sensor/sim/bench_digest.py`` compares whole sessions.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sensor.core import dsp, phases, phases_steady
from sensor.core.creep import ElevationStill
from sensor.core.dsp import norm3
from sensor.core.events import Hold, RepCompleted
from sensor.core.mount_evidence import MountEvidence
from sensor.core.mounting import MountConfig
from sensor.core.phases import RepDetector
from sensor.core.rep_config import RepConfig
from sensor.core.side_vote import plane_deg


def _glide_elevation(seed: int, posture: str, n: int = 24_000) -> tuple[np.ndarray, ...]:
    """Elevation, its rate (with gyro-like noise and a small bias now and then) and gaps for a
    session of glides at 200 Hz: rests, holds at the turns, slow and quick phases, creeps, a few
    holes (one long), a NaN sample: every branch of the detector's sample loop."""
    rng = np.random.default_rng(seed)
    dt = 0.005
    t = np.arange(n) * dt
    lead = -1.0 if posture == "supine" else 1.0
    rest, far = (60.0, -60.0) if posture == "supine" else (-80.0, 10.0)
    e = np.full(n, rest)
    i = 400
    while i < n - 1200:
        dur = int(rng.uniform(1.0, 3.5) / dt)
        hold = int(rng.uniform(0.0, 1.2) / dt)
        target = far + rng.normal(0, 8)
        for a, b, y0, y1 in ((i, i + dur, rest, target), (i + dur + hold, i + 2 * dur + hold, target, rest)):
            b = min(b, n)
            s = np.linspace(0, 1, b - a)
            e[a:b] = y0 + (y1 - y0) * (3 * s**2 - 2 * s**3)
        e[i + dur : i + dur + hold] = target
        i += 2 * dur + hold + int(rng.uniform(0.3, 2.5) / dt)
    c0 = int(rng.integers(2000, n // 2))
    e[c0 : c0 + 600] += lead * np.linspace(0, 12, 600)  # a creep: too slow for the rate
    e += rng.normal(0, 0.005, n)
    v = np.gradient(e, dt) + rng.normal(0, 0.6, n)
    v[int(n * 0.7) : int(n * 0.75)] += 3.0  # a leftover gyro bias: flatness stops the movement
    gap = np.zeros(n, bool)
    for a in rng.integers(100, n, 5):
        t[a:] += rng.uniform(0.1, 0.3)
        gap[a] = True
    t[n // 3 :] += 3.0  # a long hole
    gap[n // 3] = True
    v[int(rng.integers(100, n))] = np.nan
    return t, e, v, gap


def _run(t: np.ndarray, e: np.ndarray, v: np.ndarray, gap: np.ndarray, posture: str, sizes: list[int]) -> tuple:
    det = RepDetector(posture)
    n = len(t)
    cuts = np.cumsum((sizes * (n // sum(sizes) + 1))[:n])
    edges = [0, *cuts[cuts < n].tolist(), n]
    events, states = [], []
    long_gap = np.zeros(n, bool)
    long_gap[n // 3] = True
    for a, b in zip(edges[:-1], edges[1:]):
        lg = long_gap[a:b] if long_gap[a:b].any() else None
        events += det.process(t[a:b], e[a:b], v[a:b], gap[a:b], lg, np.full(b - a, -math.inf), None, None)
        seg = det._seg and dict(det._seg)
        states.append((det._dir, det._quiet_t, det._quiet_e, det._last_t, det._last_e, det._turned, det._nonex_t, seg))
    return repr(events), repr(det.reps), repr(states), events


@pytest.mark.parametrize("posture", ["supine", "seated"])
@pytest.mark.parametrize("sizes", [[10], [1, 7, 64], [250]])
def test_steady_piece_is_the_general_path(posture: str, sizes: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    t, e, v, gap = _glide_elevation(len(sizes) + 3 * (posture == "seated"), posture)
    taken: list[bool] = []
    original = phases_steady.steady_piece

    def spy(*args: object) -> object:
        got = original(*args)  # type: ignore[arg-type]
        taken.append(got is not None)
        return got

    monkeypatch.setattr(phases, "steady_piece", spy)
    fast = _run(t, e, v, gap, posture, sizes)
    assert any(taken) and not all(taken)  # both paths were exercised
    monkeypatch.setattr(phases, "steady_piece", lambda *a: None)
    general = _run(t, e, v, gap, posture, sizes)
    assert fast[:3] == general[:3]  # events, reps and carried state, every float to the bit
    reps = [ev for ev in fast[3] if isinstance(ev, RepCompleted)]
    assert len(reps) >= 5 and any(isinstance(ev, Hold) for ev in fast[3])


def test_steady_piece_refuses_pieces_where_the_latch_can_change() -> None:
    """Still but one sample starting a movement; moving but one sample slowing below the start
    threshold, turning back, NaN, or a hole: the general path must take them."""
    det = RepDetector("supine")
    t = np.arange(10) * 0.005
    e = np.linspace(0.0, 1.0, 10)
    gap = np.zeros(10, bool)
    v = np.full(10, 1.0)
    v[4] = 9.0  # above move_dps: a movement starts
    assert phases_steady.steady_piece(det, t, e, v, gap, None, None, None) is None
    v[4] = 1.0
    assert phases_steady.steady_piece(det, t, e, v, gap, None, None, None) == []
    det._dir, det._seg = -1, {"peak": 0.0}
    t = t + 1.0
    for bad in (7.9, 20.0, np.nan):
        v = np.full(10, -20.0)
        v[6] = bad
        assert phases_steady.steady_piece(det, t, e, v, gap, None, None, None) is None
    v = np.full(10, -20.0)
    gap[3] = True
    assert phases_steady.steady_piece(det, t, e, v, gap, None, None, None) is None
    gap[3] = False
    assert phases_steady.steady_piece(det, t, e, v, gap, None, None, None) == []
    assert det._seg == {"peak": 20.0} and det._last_t == float(t[-1])


@pytest.mark.parametrize("size", [10, 333, 5000])
def test_elevation_flatness_on_undecided_samples_only(size: int) -> None:
    """Given the rate, the flatness rule is computed only where the rate thresholds leave the stop
    undecided; the stop mask the detector uses (rate below stop_dps, or flat) is the same bit for
    bit, and so are the samples carried to the next piece."""
    cfg = RepConfig()
    rng = np.random.default_rng(size)
    n = 12_000
    t = np.cumsum(rng.choice([0.005, 0.005, 0.005, 0.3], n, p=[0.33, 0.33, 0.33, 0.01]))
    e = np.cumsum(rng.normal(0, 0.02, n)) + np.repeat(rng.normal(0, 3, n // 400), 400)
    absv = np.abs(rng.normal(0, 6, n))
    absv[rng.integers(0, n, 20)] = np.nan
    only, full = ElevationStill(cfg), ElevationStill(cfg)
    undecided_flat = 0
    for a in range(0, n, size):
        s = slice(a, a + size)
        got, want = only(t[s], e[s], absv[s]), full(t[s], e[s])
        on, off = absv[s] > cfg.move_dps, absv[s] < cfg.stop_dps
        assert np.array_equal((off | got)[~on], (off | want)[~on]) and not got[on | off].any()
        undecided_flat += int(np.count_nonzero(want[~on & ~off]))
        assert np.array_equal(only._t, full._t) and np.array_equal(only._e, full._e)
    assert undecided_flat > 50  # the rule decided stops among the computed samples


def test_plane_angles_of_a_subset_are_the_whole_buffers() -> None:
    rng = np.random.default_rng(5)
    acc_p = rng.normal(0, 9.8, (5000, 2))
    acc_p[::97] = 0.0  # arctan2(0, 0) and signed zeros
    acc_p[1::97, 0] = -0.0
    whole = np.degrees(np.arctan2(acc_p[:, 1], acc_p[:, 0]))
    for density in (0.01, 0.5, 1.0):
        mask = rng.random(5000) < density
        got = plane_deg(acc_p, mask)
        assert got.tobytes() == whole[mask].tobytes()


def test_evidence_jumps_are_np_diff_rows() -> None:
    """The accelerometer jumps the evidence keeps (foot-contact detection) are np.diff's rows,
    across pieces and from the first sample (a zero jump)."""
    rng = np.random.default_rng(9)
    n = 3000
    t = np.arange(n) * 0.005
    acc = rng.normal(0, 3, (n, 3))
    gyr = rng.normal(0, 30, (n, 3))
    ev = MountEvidence(MountConfig())
    for a in range(0, n, 37):
        ev.append(t[a : a + 37], acc[a : a + 37], gyr[a : a + 37])
    ev._sync()
    want = norm3(np.diff(acc, axis=0, prepend=acc[:1]))
    assert ev._jump.view().tobytes() == want.tobytes()


def test_intake_reductions_are_the_array_methods() -> None:
    """The intake's whole-chunk check reads ndarray.min / .max / .all through the ufuncs: the
    same values on (n, 3) arrays, NaN and infinities included, so the same chunks pass it."""
    rng = np.random.default_rng(3)
    for n in (1, 10, 1000):
        for bad in (None, np.nan, np.inf, -np.inf):
            x = rng.normal(0, 50, (n, 3))
            if bad is not None:
                x[int(rng.integers(0, n)), int(rng.integers(0, 3))] = bad
            for got, want in ((dsp.amin(x, axis=None), x.min()), (dsp.amax(x, axis=None), x.max())):
                assert (np.isnan(got) and np.isnan(want)) or got == want
    t = np.cumsum(rng.random(50))
    t[20] = t[19]
    assert bool(dsp.all_true(t[1:] > t[:-1])) is False and bool(dsp.all_true(t[1:20] > t[:19])) is True


def test_joint_type_is_result_type() -> None:
    """The dtype shortcut (now also for a carried float row) is np.result_type's answer."""
    pairs = [
        (np.zeros(3), 1.0),
        (np.zeros((4, 3)), np.zeros(3)),
        (np.zeros((4, 3)), np.zeros(3, np.float32)),
        (np.zeros(3, np.float32), np.zeros(3)),
        (np.zeros(3, np.int64), 2),
        (np.zeros(3, np.int64), np.zeros(3)),
        (np.zeros(3, np.float32), 1.0),
    ]
    for values, carry in pairs:
        assert dsp._joint_type(values, carry) == np.result_type(values, carry)
