"""The baseline ``glide bench`` compares against: the 20-line rep counter anyone would write first.

``python -m sensor.sim.naive TRACE`` loads a glide trace with ``np.loadtxt``, low-passes the
gyroscope magnitude (4th-order Butterworth, 0.5 Hz, zero phase) and counts its peaks with
``scipy.signal.find_peaks`` (one per movement phase, so reps = peaks / 2). It knows nothing of
mounting, posture, holds, fidgets or walking, and it is not meant to be right: it is the speed
a user compares glide with. Prints one JSON object.
"""

from __future__ import annotations

import json
import sys

import numpy as np
from scipy.signal import butter, find_peaks, sosfiltfilt


def count(path: str) -> dict[str, str | int | float]:
    with open(path) as f:
        for line in f:  # metadata lines, then the header row
            if line.startswith("t_s,"):
                break
        d = np.loadtxt(f, delimiter=",", usecols=range(7))
    rate = 1.0 / float(np.median(np.diff(d[:, 0])))
    mag = np.sqrt((d[:, 4:7] ** 2).sum(axis=1))
    smooth = sosfiltfilt(butter(4, 0.5, fs=rate, output="sos"), mag)
    peaks, _ = find_peaks(smooth, height=15.0, distance=int(rate), prominence=10.0)
    return {"trace": path, "samples": len(d), "rate_hz": round(rate, 3), "rep_count": len(peaks) // 2}


if __name__ == "__main__":
    print(json.dumps(count(sys.argv[1])))
