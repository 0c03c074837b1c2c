"""The simulator's sensor averages over each output period, as a MEMS IMU's digital filter does.

A real IMU never point-samples its sensing element at the output rate: a short foot landing
(tens of ms) is carried, smeared, into the output sample whose period covers it. A simulator
that point-samples lets such a landing fall between two 25-Hz samples and vanish, a test bed
no real sensor offers. These tests hold the simulator to the physical behaviour.
"""

from __future__ import annotations

import numpy as np
import pytest

from sensor.sim.people import _output_average


@pytest.mark.parametrize("offset", range(8))
def test_a_30_ms_landing_is_never_lost_between_25_hz_samples(offset: int) -> None:
    fs, rate = 200, 25
    w = fs // rate  # 8 fine samples a 25-Hz output period
    x = np.zeros((400, 1))
    x[100 + offset : 106 + offset] = 30.0  # 30 ms at 30 m/s^2 above rest
    out = _output_average(x, w)[::w, 0]  # the output samples, wherever the pulse falls
    assert out.max() >= 30.0 * 6 / 8 / 2  # at least half of the pulse's mean over one period
    # the impulse (velocity change) the landing causes survives sampling exactly
    assert out.sum() * w == pytest.approx(x.sum(), rel=1e-12)


def test_point_sampling_would_lose_it() -> None:
    """The fault the filter removes: the same pulse between two point samples is invisible."""
    x = np.zeros((400, 1))
    x[105:111] = 30.0  # between the samples at 104 and 112
    assert x[::8, 0].max() == 0.0
    assert _output_average(x, 8)[::8, 0].max() > 10.0


def test_slow_movement_passes_unchanged() -> None:
    """A glide (0.25-1 Hz) is far below the corner: the average changes it by < 0.5 %."""
    fs = 200
    t = np.arange(0, 10, 1 / fs)
    x = np.sin(2 * np.pi * 0.5 * t)[:, None]
    y = _output_average(x, 8)
    lag = 3.5 / fs  # a causal 8-sample mean lags by (w - 1) / 2 fine samples
    ref = np.sin(2 * np.pi * 0.5 * (t - lag))
    assert np.abs(y[8:, 0] - ref[8:]).max() < 0.005
