"""A multi-gigabyte trace is streamed with flat memory (slow: ``python -m pytest -m slow``)."""

import time
import tracemalloc

import pytest

from sensor.core.pipeline import Pipeline
from sensor.core.samples import ImuChunk
from sensor.io.trace import TraceReader, TraceWriter
from sensor.sim.simulator import SimConfig, simulate_session


@pytest.mark.slow
def test_gigabyte_trace_streams_with_flat_memory(tmp_path):
    sim = simulate_session(SimConfig(seed=3, reps=60, rate_hz=200.0))
    base = sim.chunk
    span = base.t[-1] + 1.0 / 200.0
    path = tmp_path / "big.csv"
    with TraceWriter(path, {"sample_rate_hz": 200.0, "posture": "supine"}) as w:
        k = 0
        while path.stat().st_size < 1.1e9:
            w.write(ImuChunk(base.t + k * span, base.acc, base.gyr))
            k += 1
    size_gb = path.stat().st_size / 1e9
    tracemalloc.start()
    t0 = time.perf_counter()
    pipe = Pipeline("supine", 200.0)
    n = 0
    with TraceReader(path) as r:
        for chunk in r.chunks():
            pipe.feed(chunk)
            n += len(chunk)
    pipe.finish()
    peak_mb = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    elapsed = time.perf_counter() - t0
    print(
        f"\n{size_gb:.2f} GB, {n} samples, {len(pipe.reps)} reps, peak {peak_mb:.0f} MB, "
        f"{n / elapsed / 1e6:.2f} M samples/s"
    )
    assert size_gb > 1.0
    assert peak_mb < 150  # a 1 GB file is never held in memory
    assert len(pipe.reps) >= k * sim.labels["rep_count"] - k  # the sessions' reps, a join may cost one
