"""Reader for the UCI "Physical Therapy Exercises" recordings (Yurtman & Barshan 2014).

Format facts from the dataset's README: semicolon-separated, header row, 25 Hz, time index
n = 1..N (t = (n-1)/25 s), accelerometer in m/s^2, gyroscope in rad/s, magnetometer ignored.
Used by the tests and by ``glide evaluate`` on the real recordings.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sensor.core.samples import ImuChunk

RATE_HZ = 25.0


def read_uci(path: str | Path) -> ImuChunk:
    x = np.loadtxt(path, delimiter=";", skiprows=1, usecols=range(7))
    t = (x[:, 0] - 1.0) / RATE_HZ
    return ImuChunk(t, x[:, 1:4], np.degrees(x[:, 4:7]))
