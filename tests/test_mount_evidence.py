"""The incremental mounting evidence gives the same bits as the whole-buffer computation.

``MountEvidence`` keeps the calibration buffer's moving mask, intervals, impact flags and
movement windows up to date piece by piece; ``estimate_mounting`` used to derive them from the
whole buffer at every movement end. These tests recompute them from scratch (the reference below
is the whole-buffer code) for random streams, chunkings and query points, including jittery and
non-uniform timestamps, foot-contact spikes and gait-swing rates, and after rebuilds.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sensor.core.context import shock_threshold
from sensor.core.dsp import norm3
from sensor.core.mount_evidence import MountEvidence
from sensor.core.mounting import MountConfig, _runs, estimate_mounting, moving_mask
from sensor.sim.simulator import SimConfig, simulate_session

CFG = MountConfig()


def _reference(t, acc, gyr_c, cfg=CFG):
    """The whole-buffer evidence, as estimate_mounting computes it without ``evidence``."""
    moving = moving_mask(gyr_c, cfg)
    dt_all = np.diff(t, prepend=t[0])
    dt_nom = float(np.median(dt_all[1:])) if len(t) > 2 else 0.01
    pad = int(round(cfg.pad_s / dt_nom))
    jump = norm3(np.diff(acc, axis=0, prepend=acc[:1]))
    impact = jump > shock_threshold(dt_all, dt_nom, cfg.contact)
    imp_cum = np.concatenate([[0], np.cumsum(impact)])
    before = int(round(cfg.impact_before_s / dt_nom))
    after = int(round(cfg.impact_after_s / dt_nom))
    rate = norm3(gyr_c)
    windows = []
    before_mv = np.zeros(len(t), bool)
    for a, b in _runs(moving):
        a, b = max(a - pad, 0), min(b + pad, len(t))
        if b - a < 8 or rate[a:b].max() > cfg.contact.swing_dps:
            continue
        if imp_cum[min(b + after, len(t))] - imp_cum[max(a - before, 0)] == 0:
            windows.append((a, b))
            before_mv[max(a - before, 0) : a] = True
    return moving, dt_all, dt_nom, impact, imp_cum, windows, before_mv


def _stream(seed: int, n: int, jitter: float):
    """Bursts of rotation (some too fast: gait swings), rests, foot-contact spikes, uneven time."""
    rng = np.random.default_rng(seed)
    dt = np.full(n, 0.005) + (rng.uniform(-jitter, jitter, n) if jitter else 0.0)
    if jitter == 0.0:
        t = np.arange(n) / 200.0  # the rounding of arange/rate gives a few dozen distinct intervals
    else:
        t = np.cumsum(dt)
    t = t + 1000.0 * rng.uniform()
    gyr = rng.normal(0, 1.0, (n, 3))
    acc = np.tile([0.0, 0.0, 9.81], (n, 1)) + rng.normal(0, 0.05, (n, 3))
    pos = 0
    while pos < n:
        length = int(rng.integers(20, 600))
        if rng.uniform() < 0.5:
            peak = rng.choice([40.0, 120.0, 400.0])  # 400 deg/s: a gait swing
            bump = peak * np.sin(np.linspace(0, np.pi, min(length, n - pos)))
            gyr[pos : pos + length, int(rng.integers(3))] += bump
        if rng.uniform() < 0.3:
            acc[min(pos + int(rng.integers(length)), n - 1)] += rng.normal(0, 15.0, 3)  # a foot contact
        pos += length
    return t, acc, gyr


def _check(ev, t, acc, gyr, end):
    got = ev.at(end)
    ref = _reference(t[:end], acc[:end], gyr[:end])
    moving, _dt_all, dt_nom, _impact, _imp_cum, windows, _before_mv = ref
    usable = end >= 10 and moving.sum() >= 10 and windows
    if not usable:
        assert got is None
        return
    assert got is not None
    assert got.dt_nom == dt_nom  # bit for bit
    assert got.windows == windows
    for mine, theirs in zip(got, ref):
        if isinstance(theirs, np.ndarray):
            assert mine.dtype == theirs.dtype and np.array_equal(mine, theirs)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    jitter=st.sampled_from([0.0, 0.0, 1e-4, 2e-3]),
    sizes=st.lists(st.integers(5, 900), min_size=1, max_size=12),
    queries=st.integers(1, 4),
    every=st.integers(1, 3),
)
def test_incremental_evidence_equals_whole_buffer(seed, jitter, sizes, queries, every):
    n = 2500
    t, acc, gyr = _stream(seed, n, jitter)
    rng = np.random.default_rng(seed + 1)
    ev = MountEvidence(CFG)
    pos, asked = 0, 0
    for k, size in enumerate((sizes * (n // max(sum(sizes), 1) + 1))[: n + 1]):
        if pos >= n:
            break
        size = min(size, n - pos)
        ev.append(t[pos : pos + size], acc[pos : pos + size], gyr[pos : pos + size])
        if k % every == 0:  # else pieces pile up unasked (derived together at the next query)
            # queries at increasing ends since the last one, as the pipeline asks at movement ends
            for end in sorted(set(rng.integers(asked + 1, pos + size + 1, queries).tolist()) | {pos + size}):
                _check(ev, t, acc, gyr, end)
            asked = pos + size
        pos += size
    assert ev.n == n


@pytest.mark.parametrize("jitter", [0.0, 2e-3])
def test_rebuild_and_going_back_give_the_whole_buffer_answer(jitter):
    t, acc, gyr = _stream(5, 6000, jitter)
    ev = MountEvidence(CFG)
    ev.append(t[:5000], acc[:5000], gyr[:5000])
    _check(ev, t, acc, gyr, 5000)
    _check(ev, t, acc, gyr, 2500)  # an earlier end than already counted
    # trimmed: the kept suffix is a new buffer (the mask restarts, the first interval is 0)
    ev.rebuild(t[1700:5000], acc[1700:5000], gyr[1700:5000])
    ev.append(t[5000:], acc[5000:], gyr[5000:])
    for end in (200, 3000, 4300):
        _check(ev, t[1700:], acc[1700:], gyr[1700:], end)
    ev.reset()
    assert ev.n == 0 and ev.at(0) is None


def test_a_changed_interval_recomputes_the_impact_flags():
    # slow samples first (dt 50 ms: the jerk limit 150 m/s^3 * dt sets the impact threshold
    # above 5 m/s^2), then fast ones until the median interval, and with it the threshold, drops
    n1, n2 = 400, 1200
    rng = np.random.default_rng(3)
    t = np.concatenate([np.arange(n1) * 0.05, n1 * 0.05 + np.arange(n2) * 0.005])
    gyr = rng.normal(0, 1, (n1 + n2, 3))
    gyr[:, 0] += 60 * (np.sin(np.arange(n1 + n2) / 40.0) > 0)
    acc = np.tile([0.0, 0.0, 9.81], (n1 + n2, 1))
    acc[::97] += 6.0  # 6 m/s^2 jumps: impacts at 5 ms, not at 50 ms (threshold 7.5)
    ev = MountEvidence(CFG)
    thresholds = set()
    for a in range(0, n1 + n2, 100):
        ev.append(t[a : a + 100], acc[a : a + 100], gyr[a : a + 100])
        _check(ev, t, acc, gyr, a + 100)
        thresholds.add(ev._thr)
    assert 5.0 in thresholds and max(thresholds - {None}) > 7.0  # both sides of the change were checked


def test_estimate_mounting_same_with_and_without_evidence():
    sim = simulate_session(SimConfig(seed=2, posture="supine", reps=4, rate_hz=100.0))
    c = sim.chunk
    gyr_c = c.gyr - np.median(c.gyr[:50], axis=0)
    ev = MountEvidence(CFG)
    ev.append(c.t, c.acc, gyr_c)
    learned = 0
    for end in range(400, len(c), 250):
        a = estimate_mounting(c.t[:end], c.acc[:end], gyr_c[:end], CFG)
        b = estimate_mounting(c.t[:end], c.acc[:end], gyr_c[:end], CFG, evidence=ev)
        assert (a is None) == (b is None)
        if a is not None:
            learned += 1
            assert a.beta_deg == b.beta_deg and a.sigma == b.sigma and np.array_equal(a.u, b.u)
            assert a.describe() == b.describe()
    assert learned >= 3
