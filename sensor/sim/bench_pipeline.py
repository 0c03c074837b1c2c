"""The pipeline rows of ``glide bench``: the pipeline timed over chunks of a given size, per content
(the rep session, walking, a static sensor, noise), and 10-sample live feeds through pipeline and
workout machine, with their Python call count and the share of them held (sensor.core.live_defer).
Kept apart from :mod:`sensor.sim.bench`, which runs the whole benchmark and prints it, so each
reads on its own.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import TypeVar

import numpy as np

from sensor.core.events import Event
from sensor.core.pipeline import Pipeline
from sensor.core.samples import ImuChunk
from sensor.core.workout import Workout

_T = TypeVar("_T")


def _stream(chunk: ImuChunk, rate_hz: float, size: int) -> tuple[Pipeline, list[Event]]:
    p = Pipeline("supine", rate_hz)
    events: list[Event] = []
    for part in chunk.split([size] * (len(chunk) // size + 1)):
        events += p.feed(part)
    events += p.finish()
    return p, events


def _best(fn: Callable[[], _T], repeat: int = 3) -> tuple[float, _T | None]:
    best, out = np.inf, None
    for _ in range(repeat):
        t0 = time.process_time()
        out = fn()
        best = min(best, time.process_time() - t0)
    return best, out


def _content(rate_hz: float, n: int = 30_000) -> dict[str, ImuChunk]:
    """Synthetic non-exercise content the pipeline must also get through: walking (a shin
    swinging +-35 deg at 0.9 Hz, never a glide), a static sensor, and pure noise, 150 s at 200 Hz.
    None of them calibrates, so all of it is the buffering path: the mounting is asked for at
    every movement end, on evidence kept up to date per piece (sensor.core.mount_evidence)."""
    t = np.arange(n) / rate_hz
    rng = np.random.default_rng(0)

    def gravity(angle_deg: np.ndarray) -> np.ndarray:
        a = np.radians(angle_deg)
        return np.column_stack([9.80665 * np.sin(a), np.zeros_like(a), 9.80665 * np.cos(a)])

    walk = 35 * np.sin(2 * np.pi * 0.9 * t) + 10 * np.sin(2 * np.pi * 1.8 * t)
    gyr_walk = np.column_stack([rng.normal(0, 5, n), np.gradient(walk, t), rng.normal(0, 5, n)])
    return {
        "walking": ImuChunk(t, gravity(walk) + rng.normal(0, 1.5, (n, 3)), gyr_walk),
        "static": ImuChunk(t, gravity(np.full(n, 20.0)) + rng.normal(0, 0.02, (n, 3)), rng.normal(0.3, 0.3, (n, 3))),
        "noise": ImuChunk(t, rng.normal(0, 6, (n, 3)), rng.normal(0, 120, (n, 3))),
    }


CALIBRATION = 30_000  # the rep content's first samples: the mounting is learned and refined in them
STEADY = 120_000  # the rep content after them: the mounting known (10 min at 200 Hz)


def _steady_stream(chunk: ImuChunk, rate_hz: float, size: int) -> float:
    """CPU seconds of the rep session's samples ``CALIBRATION`` to ``CALIBRATION + STEADY`` in
    pieces of ``size``, through a pipeline that has analysed the samples before them (untimed,
    in one piece: every stage is chunk-invariant): reps and rests with the mounting known, the
    content a long session is made of once its first minutes are past."""
    p = Pipeline("supine", rate_hz)
    p.feed(chunk.slice(0, CALIBRATION))
    rest = chunk.slice(CALIBRATION, CALIBRATION + STEADY)
    t0 = time.process_time()
    for part in rest.split([size] * (len(rest) // size + 1)):
        p.feed(part)
    p.finish()
    return time.process_time() - t0


def _content_rates(chunk: ImuChunk, rate_hz: float) -> dict[str, float]:
    """samples/s of each content at 1,000- and 65,536-sample chunks (best of 2): ``reps`` is the
    rep session's first ``CALIBRATION`` samples, where the mounting is learned (each movement
    end re-estimates it), ``reps_steady`` the ``STEADY`` samples after them."""
    out: dict[str, float] = {}
    for name, c in {"reps": chunk.slice(0, CALIBRATION), **_content(rate_hz)}.items():
        for size in (1000, 65536):
            t, _ = _best(partial(_stream, c, rate_hz, size), 2)
            out[f"{name}_{size}_sps"] = len(c) / t
    steady = min(STEADY, len(chunk) - CALIBRATION)
    for size in (1000, 65536) if steady > 0 else ():  # (a session too short to have any: no row)
        out[f"reps_steady_{size}_sps"] = steady / min(_steady_stream(chunk, rate_hz, size) for _ in range(2))
    return out


def _latency(chunk: ImuChunk, rate_hz: float) -> dict[str, float]:
    """10-sample feeds, as a BLE sensor delivers them, through pipeline + workout machine after settling."""
    n = len(chunk)
    p, workout = Pipeline("supine", rate_hz), Workout()
    warm = min(int(120 * rate_hz), n // 2)
    for ev in p.feed(chunk.slice(0, warm)):
        workout.handle(ev)
    per, cpu = [], []
    for a in range(warm, min(n, warm + int(300 * rate_hz)), 10):
        part = chunk.slice(a, a + 10)
        c0, t0 = time.thread_time(), time.perf_counter()
        for ev in p.feed(part):
            workout.handle(ev)
        per.append(time.perf_counter() - t0)
        cpu.append(time.thread_time() - c0)
    if not per:
        nan = float("nan")
        keys = ("median", "mean", "p99")
        return {f"chunk_latency_us_{k}": nan for k in keys} | {
            "chunk_cpu_us_median": nan,
            "chunk_cpu_us_mean": nan,
            "chunk_calls": nan,
            "chunk_held_share": nan,
        }
    us = np.array(per) * 1e6
    held = p._held.held / len(per)  # feeds that could change no decision (sensor.core.live_defer)
    # Python-level calls per feed (cProfile's count: functions and builtins, not ufunc loops): the
    # first 200 of the same feeds again on a second pipeline, outside the timed loop (the profiler
    # slows every call)
    import cProfile
    import pstats

    p, workout = Pipeline("supine", rate_hz), Workout()
    for ev in p.feed(chunk.slice(0, warm)):
        workout.handle(ev)
    parts = [chunk.slice(a, a + 10) for a in range(warm, min(n, warm + 2000), 10)]
    prof = cProfile.Profile()
    prof.enable()
    for part in parts:
        for ev in p.feed(part):
            workout.handle(ev)
    prof.disable()
    calls = pstats.Stats(prof).total_calls / len(parts)  # type: ignore[attr-defined]
    return {
        "chunk_latency_us_median": float(np.median(us)),
        "chunk_latency_us_mean": float(np.mean(us)),
        "chunk_latency_us_p99": float(np.percentile(us, 99)),
        "chunk_cpu_us_median": float(np.median(cpu) * 1e6),
        "chunk_cpu_us_mean": float(np.mean(cpu) * 1e6),
        "chunk_calls": float(calls),
        "chunk_held_share": float(held),
    }
