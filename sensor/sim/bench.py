"""``glide bench``: the speed, latency, memory and accuracy figures the README quotes.

Speed targets live here rather than in timed unit tests, because a loaded CI machine would make
such tests flaky while proving nothing.
"""

from __future__ import annotations

import time
import tracemalloc

import numpy as np

from sensor.core.pipeline import Pipeline
from sensor.sim.simulator import SimConfig, simulate_session


def _long_session(minutes: float, rate_hz: float):
    reps = max(int(minutes * 60 / 8.0), 1)  # ~8 s per rep with holds and pauses
    return simulate_session(SimConfig(reps=reps, rate_hz=rate_hz, seed=7, posture="supine"))


def _stream(chunk, rate_hz, size):
    p = Pipeline("supine", rate_hz)
    for part in chunk.split([size] * (len(chunk) // size + 1)):
        p.feed(part)
    p.finish()
    return p


def run_bench(minutes: float = 60.0, rate_hz: float = 200.0, sessions: int = 0, out=print) -> dict:
    sim = _long_session(minutes, rate_hz)
    chunk = sim.chunk
    n = len(chunk)
    res: dict = {"samples": n, "trace_s": float(chunk.t[-1] - chunk.t[0])}

    best = np.inf
    for _ in range(3):
        t0 = time.perf_counter()
        p = _stream(chunk, rate_hz, 65536)
        best = min(best, time.perf_counter() - t0)
    res["throughput_sps"] = n / best
    res["reps"] = len(p.reps)
    res["true_reps"] = sim.labels["rep_count"]

    # per-notification latency: feed ~10-sample chunks as a BLE sensor would (after settling)
    p = Pipeline("supine", rate_hz)
    warm = min(int(120 * rate_hz), n // 2)  # a short trace (--minutes 1) settles in its first half
    p.feed(chunk.slice(0, warm))
    per = []
    size = 10
    stop = min(n, warm + int(300 * rate_hz))
    for a in range(warm, stop, size):
        part = chunk.slice(a, a + size)
        t0 = time.perf_counter()
        p.feed(part)
        per.append(time.perf_counter() - t0)
    per_ms = np.array(per) * 1e3
    res["chunk_latency_ms_median"] = float(np.median(per_ms))
    res["chunk_latency_ms_p99"] = float(np.percentile(per_ms, 99))

    # memory: peak while streaming a short and the full trace; flat means equal
    peaks = {}
    short_n = min(n, int(1200 * rate_hz))  # 20 min, or the whole trace when it is shorter
    for label, length in (("short", short_n), ("full", n)):
        part = chunk.slice(0, length)
        tracemalloc.start()
        _stream(part, rate_hz, 65536)
        peaks[label] = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
    res["peak_mb_20min"] = peaks["short"]
    res["peak_mb_full"] = peaks["full"]
    short_label = f"{short_n / rate_hz / 60:.3g} min"

    out(f"glide bench: {minutes:g} min simulated supine session at {rate_hz:g} Hz ({n} samples)")
    out(f"{'metric':<38}{'value':>16}")
    out(f"{'analysis throughput (65536-sample chunks)':<38}{res['throughput_sps'] / 1e6:>12.2f} M/s")
    out(f"{'reps counted / performed':<38}{res['reps']:>10d} / {res['true_reps']}")
    out(f"{'per-chunk latency, 10 samples, median':<38}{res['chunk_latency_ms_median']:>13.3f} ms")
    out(f"{'per-chunk latency, 10 samples, p99':<38}{res['chunk_latency_ms_p99']:>13.3f} ms")
    out(f"{'peak memory streaming ' + short_label:<38}{res['peak_mb_20min']:>13.1f} MB")
    out(f"{'peak memory streaming full trace':<38}{res['peak_mb_full']:>13.1f} MB")

    if sessions:
        from sensor.sim.evaluation import evaluate_simulated

        t0 = time.perf_counter()
        summ, _ = evaluate_simulated(range(sessions))
        res["accuracy"] = summ
        out(f"\naccuracy on {sessions} simulated sessions (seeds 0..{sessions - 1}), {time.perf_counter() - t0:.0f} s")
        for k, v in summ.items():
            out(f"  {k:<28}{v:>10.3f}" if isinstance(v, float) else f"  {k:<28}{v:>10}")
    return res
