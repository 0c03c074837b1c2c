"""Acceptance on real IMU data: UCI Physical Therapy Exercises, seated knee extension at 25 Hz.

Exercise 1 on the right shin (u2) is the seated variant of the glide's knee movement: every test
session holds 30 reps (10 correct, 10 fast, 10 low-amplitude) and every template session 9.
The left shin (u1) does not move, and exercise 2 (trunk flexion) keeps both shins still: 0.
"""

import pytest

from sensor.core.pipeline import analyze
from sensor.io.uci import RATE_HZ, read_uci

SUBJECTS = (1, 2, 3)
FILES = {"test": 30, "template_session": 9}


@pytest.mark.parametrize("subject", SUBJECTS)
@pytest.mark.parametrize("file,expected", FILES.items())
def test_moving_shin_counted_exactly(uci_dir, subject, file, expected):
    pipe, _ = analyze(read_uci(uci_dir / f"s{subject}" / "e1" / "u2" / f"{file}.txt"), "seated", RATE_HZ)
    assert len(pipe.reps) == expected
    # every counted rep is a real knee extension: well over the 30 deg minimum, top near horizontal
    assert min(r.rom_deg for r in pipe.reps) >= 30
    assert all(-60 <= r.top_deg <= 30 for r in pipe.reps)


@pytest.mark.parametrize("subject", SUBJECTS)
@pytest.mark.parametrize("file", FILES)
@pytest.mark.parametrize("exercise,unit", [(1, 1), (2, 1), (2, 2)])
def test_static_shins_count_zero(uci_dir, subject, file, exercise, unit):
    pipe, _ = analyze(
        read_uci(uci_dir / f"s{subject}" / f"e{exercise}" / f"u{unit}" / f"{file}.txt"), "seated", RATE_HZ
    )
    assert pipe.reps == []


def test_real_reps_line_up_with_hand_labels(uci_dir):
    """Subject 1's third-party per-rep labels: each counted rep overlaps a labelled rep."""
    import numpy as np

    lab = np.loadtxt(uci_dir / "s1" / "e1" / "test_times.csv", delimiter=",", skiprows=1)
    starts, ends = (lab[:, 2] - 1) / RATE_HZ, (lab[:, 3] - 1) / RATE_HZ
    pipe, _ = analyze(read_uci(uci_dir / "s1" / "e1" / "u2" / "test.txt"), "seated", RATE_HZ)
    for rep in pipe.reps:
        mid = (rep.start_s + rep.end_s) / 2
        assert ((starts - 1.0 <= mid) & (mid <= ends + 1.0)).sum() == 1
