"""The curve-landing bound on averaged output samples (round 8: the simulator anti-aliases).

A MEMS IMU gives each output sample the mean of its internal samples over the output period, so
a movement's jerk step of J reaches the samples bent by at most 3/16 J span (the worst phase of
the step within the period), not the point sample's J span / 4: the bound is ``max_jerk`` *
``landing_curve_share`` (3/4) * span / 4 (``sensor.core.context.ContextConfig``). The point-
sampled bound left room above the averaged glides that a standing leg swing's reversal used: it
was counted as a supine rep (negative 526, 52 Hz).
"""

from __future__ import annotations

import numpy as np
import pytest

from sensor.core.context import ContextConfig, ContextTracker
from sensor.core.landing import curve_residual
from sensor.core.pipeline import analyze
from sensor.core.pipeline_config import PipelineConfig
from sensor.sim.corpus import make_session
from sensor.sim.people import _output_average

FINE_HZ = 400.0


def _averaged_kink(jerk: float, rate: float, phase: float) -> tuple[np.ndarray, np.ndarray]:
    """A still shin whose acceleration starts to ramp (a jerk step of ``jerk``) at 1 s plus
    ``phase`` of an output period, delivered as the output-period means of 400-Hz samples."""
    w = int(round(FINE_HZ / rate))
    tf = np.arange(int(3 * FINE_HZ)) / FINE_HZ
    fine = np.tile([0.0, 0.0, 9.80665], (len(tf), 1))
    fine[:, 0] += jerk * np.maximum(tf - 1.0 - phase / rate, 0.0)
    avg = _output_average(fine, w)
    idx = np.arange(w - 1, len(tf), w)  # each output sample: the mean of the period it closes
    return tf[idx], avg[idx]


def _contacts(t: np.ndarray, acc: np.ndarray, cfg: ContextConfig, chunk: int | None = None) -> list[float]:
    tr = ContextTracker("supine", float(np.median(np.diff(t))), cfg)
    out: list[float] = []
    step = chunk or len(t)
    for a in range(0, len(t), step):
        n = len(t[a : a + step])
        z = np.zeros((n, 3))
        tr.process(t[a : a + step], acc[a : a + step], z, np.zeros(n), np.array([0.0, 1.0, 0.0]), np.zeros(n, bool))
        out += tr.shock_times.tolist()
    return out


@pytest.mark.parametrize("rate", [25.0, 50.0])
def test_an_averaged_jerk_step_is_bent_by_three_sixteenths_of_jerk_times_span(rate: float) -> None:
    """The physics of the share: over every phase of the step within the output period, the
    largest residual is 3/16 J span (3/4 of the point sample's J span / 4), reached."""
    jerk, span = 100.0, 2.0 / rate
    worst = 0.0
    for phase in np.linspace(0.0, 1.0, 21)[:-1]:
        t, acc = _averaged_kink(jerk, rate, phase)
        worst = max(worst, float(curve_residual(t, acc).max()))
    assert worst == pytest.approx(3.0 / 16.0 * jerk * span, rel=0.02)
    assert worst < 0.8 * jerk * span / 4.0  # well under what a point sample shows


@pytest.mark.parametrize("rate", [25.0, 50.0])
@pytest.mark.parametrize("chunk", [None, 3])
def test_a_smooth_movement_within_max_jerk_is_no_contact_and_a_jolt_above_the_share_is(
    rate: float, chunk: int | None
) -> None:
    cfg = ContextConfig()
    for phase in np.linspace(0.0, 1.0, 9)[:-1]:  # a jerk step just within the smooth-movement bound
        t, acc = _averaged_kink(0.97 * cfg.max_jerk, rate, phase)
        assert _contacts(t, acc, cfg, chunk) == []
    # one sample jolted by 0.9 of the point-sampled bound (a gentle landing averaged into one
    # sample): over the averaged bound, a contact; the point-sampled bound (share 1) missed it
    t = np.arange(int(4 * rate)) / rate
    acc = np.tile([0.0, 0.0, 9.80665], (len(t), 1))
    acc[int(2 * rate), 0] += 0.9 * cfg.max_jerk * (2.0 / rate) / 4.0
    assert _contacts(t, acc, cfg, chunk) == [pytest.approx(2.0)]
    assert _contacts(t, acc, ContextConfig(landing_curve_share=1.0), chunk) == []


@pytest.mark.parametrize("chunk_size", [None, 37])
def test_a_standing_leg_swing_is_not_a_supine_rep(chunk_size: int | None) -> None:
    """Negative 526 (52 Hz): standing leg swings, then walking lunges, analysed supine; a mounting
    learned from the lunges reads the standing shin at -19 deg, and one swing (0.8 s down, 0.8 s
    up, -31 to +33 deg) passed every rep check. Its far turn bends the acceleration by 1.21 m/s^2,
    over the averaged bound (1.08 at 52 Hz), under the point-sampled one (1.44)."""
    s = make_session("negative", 526)
    assert s.posture == "supine" and s.rate_hz == 52.0 and s.labels["rep_count"] == 0
    p, _ = analyze(s.chunk, s.posture, s.rate_hz, chunk_size=chunk_size)
    assert p.reps == []
    old = PipelineConfig()
    old.context.landing_curve_share = 1.0
    # the lunges no longer teach the mounting either (sensor.core.teach_count: landings split the
    # lever teaching): with the point-sampled share alone nothing is learned, no rep
    p, _ = analyze(s.chunk, s.posture, s.rate_hz, chunk_size=chunk_size, config=old)
    assert p.settled_at is None and p.reps == []
    old.mount.landing_splits = False
    p, _ = analyze(s.chunk, s.posture, s.rate_hz, chunk_size=chunk_size, config=old)
    assert [round(r.start_s, 1) for r in p.reps] == [8.5]
