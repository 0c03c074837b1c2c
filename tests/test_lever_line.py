"""A lever-taught shin line read from undiluted fits (sensor.core.lever_line).

Variants 272 (issue 11's handout forms: bent-knee returns, 200 Hz, the box on the side of the
shin, no standing in the recording): every angle read 29 deg low, because the plain lever fit,
differentiating the gyro sample by sample, read the lever's tangential half at half its size.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from sensor.core.lever_line import lever_line
from sensor.core.mounting import MountConfig
from sensor.core.pipeline import analyze
from sensor.core.pipeline_config import PipelineConfig
from sensor.sim.angle_report import matched
from sensor.sim.corpus import make_session


def _top_errors(lever_line_on: bool) -> tuple[str, list[float]]:
    s = make_session("variants", 272)
    cfg = PipelineConfig()
    cfg.mount = replace(cfg.mount, lever_line=lever_line_on)
    pipe, _ = analyze(s.chunk, s.posture, s.rate_hz, config=cfg)
    labels = s.labels["reps"]
    assert pipe.mounting is not None
    return pipe.mounting.reference, [r.top_deg - labels[j]["top_deg"] for r, j in matched(pipe.reps, labels)]


def test_the_bent_returns_of_variants_272_read_their_tops_within_a_few_degrees() -> None:
    ref, errs = _top_errors(True)
    ref_off, errs_off = _top_errors(False)
    assert ref == ref_off == "lever"
    assert len(errs) == len(errs_off) == 12  # the same reps counted
    assert abs(float(np.median(errs))) < 4.0  # measured 1.6
    assert float(np.median(errs_off)) < -25.0  # measured -29.1


def test_no_window_to_read_keeps_the_line() -> None:
    t = np.arange(10) * 0.01
    z = np.zeros((10, 2))
    got = lever_line(t, z, np.zeros(10), np.full(10, 0.01), 0.01, [(0, 10)], np.array([False]), 37.0, MountConfig())
    assert got == 37.0


def test_kept_fits_give_the_same_line_and_a_clipped_window_is_fitted_afresh() -> None:
    """The refinement's kept fits (WindowMemo.undiluted) stand for the fits only where the nominal
    interval cannot change them: a window with a hole (an interval over 5x nominal, clipped) is
    fitted again at every call."""
    rng = np.random.default_rng(3)
    rate = 200.0
    t = np.arange(600) / rate
    phase = np.clip(t / 1.5, 0, 1)
    ang = np.radians(90.0) * (10 * phase**3 - 15 * phase**4 + 6 * phase**5)  # a min-jerk sweep
    w = np.gradient(ang, t) + rng.normal(0, np.radians(2.0), len(t))  # noisy enough to be re-read
    c = np.array([0.02, 0.11])  # the lever (m) in the plane
    alpha = np.gradient(np.gradient(ang, t), t)
    g = 9.81 * np.stack([np.cos(ang), -np.sin(ang)], 1)
    acc_p = g - (w**2)[:, None] * c + alpha[:, None] * np.array([-c[1], c[0]]) + rng.normal(0, 0.05, (len(t), 2))
    dt = np.full(len(t), 1 / rate)
    windows, keep = [(0, 300), (300, 600)], np.array([True, True])
    dt[450] = 10 / rate  # the second window has a hole: clipped at 5x nominal
    fits: dict = {}
    first = lever_line(t, acc_p, w, dt, 1 / rate, windows, keep, 80.0, MountConfig(), fits=fits)
    assert list(fits) == [(0, 300, 10)]  # only the unclipped window is kept
    again = lever_line(t, acc_p, w, dt, 1 / rate, windows, keep, 80.0, MountConfig(), fits=fits)
    plain = lever_line(t, acc_p, w, dt, 1 / rate, windows, keep, 80.0, MountConfig())
    assert first == again == plain
    assert first != 80.0  # the windows were re-read, not the line handed back
