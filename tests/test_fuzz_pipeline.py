"""Fuzzing the streaming pipeline: random chunkings with random garbage interleaved.

No exception may escape, and the invariants hold: rep indices count up from 1, rep times
increase, the count never goes down, and every rep has its bottom between start and end.
Default profile: a few dozen examples; ``python -m pytest -m slow`` runs 10,000.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sensor.core.events import RepCompleted
from sensor.core.pipeline import Pipeline
from sensor.core.samples import ImuChunk
from sensor.sim.simulator import SimConfig, simulate_session

BASE = {p: simulate_session(SimConfig(seed=21, posture=p, reps=4, rate_hz=50.0)).chunk for p in ("supine", "seated")}

garbage_kind = st.sampled_from(["nan", "inf", "huge", "zero", "rewind", "repeat", "random"])


@st.composite
def corrupted_stream(draw):
    posture = draw(st.sampled_from(["supine", "seated"]))
    c = BASE[posture]
    t, acc, gyr = c.t.copy(), c.acc.copy(), c.gyr.copy()
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    for _ in range(draw(st.integers(0, 12))):
        kind = draw(garbage_kind)
        i = int(rng.integers(0, len(t)))
        n = int(rng.integers(1, 40))
        sl = slice(i, min(i + n, len(t)))
        if kind == "nan":
            acc[sl, rng.integers(0, 3)] = np.nan
        elif kind == "inf":
            gyr[sl, rng.integers(0, 3)] = np.inf * rng.choice([-1, 1])
        elif kind == "huge":
            acc[sl] = rng.normal(0, 1e6, (sl.stop - sl.start, 3))
        elif kind == "zero":
            acc[sl] = 0.0
            gyr[sl] = 0.0
        elif kind == "rewind":
            t[sl] -= rng.uniform(0.01, 30.0)
        elif kind == "repeat":
            t[sl] = t[sl.start]
        else:
            acc[sl] = rng.normal(0, 20, (sl.stop - sl.start, 3))
            gyr[sl] = rng.normal(0, 500, (sl.stop - sl.start, 3))
    sizes = draw(st.lists(st.integers(1, 400), min_size=1, max_size=30))
    rate = draw(st.sampled_from([None, 50.0]))
    return posture, ImuChunk(t, acc, gyr), sizes, rate


def _check(posture, chunk, sizes, rate):
    p = Pipeline(posture, rate)
    counts = []
    reps = []
    n = len(chunk)
    pattern = (sizes * (n // max(sum(sizes), 1) + 1))[:n]
    for part in chunk.split(pattern):
        for ev in p.feed(part):
            if isinstance(ev, RepCompleted):
                reps.append(ev.rep)
        counts.append(len(p.reps))
    for ev in p.finish():
        if isinstance(ev, RepCompleted):
            reps.append(ev.rep)
    assert counts == sorted(counts)  # never decreases
    assert [r.index for r in reps] == list(range(1, len(reps) + 1))
    for a, b in zip(reps, reps[1:]):
        assert a.end_s <= b.end_s and a.start_s <= b.start_s
    for r in reps:
        assert r.start_s <= r.bottom_s <= r.end_s
        assert np.isfinite([r.rom_deg, r.top_deg, r.bottom_deg, r.duration_s]).all()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(corrupted_stream())
def test_pipeline_survives_garbage(case):
    _check(*case)


@pytest.mark.slow
@settings(max_examples=10_000, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(corrupted_stream())
def test_pipeline_survives_garbage_10k(case):
    _check(*case)
