"""One movement teaches the mounting alone only when it is unlikely to be something else
(:mod:`sensor.core.lone_sweep`): long enough, well after the last foot contact (or at the end of
the recording), and, seated, not the odd one out of a run of large movements refused as knee
swings.

Issue 11, negatives 73 (seated, 25 Hz): walking lunges whose foot contacts fall between samples;
six of seven lunge movements were refused as knee swings, the seventh taught the mounting 30 s
into the lunges and every lunge before it was counted (3 reps).
"""

from __future__ import annotations

import numpy as np
import pytest

from sensor.core.lone_sweep import lone_sweep_teaches
from sensor.core.mounting import MountConfig
from sensor.core.pipeline import analyze
from sensor.sim.corpus import make_session

CFG = MountConfig()
DT = 0.04  # 25 Hz


def _teaches(spans, refused, posture="seated", final=False, contact_at=None, n=2000):
    """One usable movement starting at sample 1500 (60 s); a foot contact at ``contact_at``."""
    impact = np.zeros(n, bool)
    if contact_at is not None:
        impact[contact_at] = True
    imp_cum = np.concatenate([[0], np.cumsum(impact)])
    return lone_sweep_teaches(spans, [1500] * len(spans), refused, imp_cum, DT, final, posture, CFG)


def test_a_long_quiet_sweep_teaches():
    assert _teaches([73.0], 0)
    assert _teaches([73.0], CFG.single_max_refused)  # sitting down and a fidget before the first rep


def test_a_short_sweep_never_teaches_alone():
    assert not _teaches([CFG.single_span_deg - 1.0], 0)
    assert not _teaches([CFG.single_span_deg - 1.0], 0, final=True)
    assert not _teaches([], 0, final=True)


def test_a_sweep_soon_after_a_foot_contact_waits_for_the_end():
    soon = 1500 - int(CFG.single_quiet_s / DT) + 10  # a contact 9.6 s before the movement
    assert not _teaches([73.0], 0, contact_at=soon)
    assert _teaches([73.0], 0, contact_at=soon - 20)  # 10.4 s before: quiet enough
    assert _teaches([73.0], 0, contact_at=soon, final=True)


@pytest.mark.parametrize("final", [False, True])
def test_seated_the_odd_one_out_of_refused_movements_does_not_teach(final):
    assert not _teaches([73.0], CFG.single_max_refused + 1, final=final)
    assert not _teaches([73.0], 6, final=final)
    # supine, lying down and the set-up refuse several large movements before a true first rep
    assert _teaches([73.0], 8, posture="supine", final=final)


@pytest.mark.parametrize("chunk", [None, 50])
def test_seated_walking_lunges_at_25_hz_count_no_reps(chunk):
    cs = make_session("negative", 73)
    assert cs.posture == "seated" and cs.rate_hz == 25.0
    assert "walking_lunge" in {s["kind"] for s in cs.labels["segments"]}
    pipe, _ = analyze(cs.chunk, cs.posture, cs.rate_hz, chunk_size=chunk)
    assert pipe.reps == []
