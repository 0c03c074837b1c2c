"""Where the pipeline's time goes, stage by stage: ``python -m sensor.sim.bench_stages``.

``glide bench`` gives one figure per content (reps, walking, a static sensor, noise) and chunk
size; this splits it. Each stage is a method or function wrapped for the run with a CPU-time
clock (``time.process_time``), its time INCLUSIVE of the stages it calls (indented below it),
and the run repeated: per stage the minimum over the runs, since on a shared machine other jobs
only ever add time. The stages are grouped by kind of work:

* per sample: validation, rest/bias (preprocess), the sagittal filter, the context tracker, the
  re-strap watch, the rep detector's sample passes;
* per movement while the mounting is learned: ``Pipeline._estimate`` (the mounting from the whole
  buffer at every movement end: its window fits, and the whole-buffer products around them) and
  the buffer's evidence;
* per movement afterwards: the detector's segment closes and rep checks.

A stage reached from two places counts in both: while the mounting is refined, buffer-and-settle
runs the analysis (``_run``) on the samples it releases. The wrappers add a Python call per stage
call (~1 us): compare stages within one run, and take speed itself from ``glide bench``.

OpenBLAS runs on one thread here as in ``glide`` (``tui/__init__.py``), set before numpy is
imported: ``python -m sensor.sim.bench_stages`` does not import ``tui``, and with a second BLAS
thread spinning beside each ``lstsq`` the process CPU clock charged the rep content's mounting
estimate about twice its time (measured: 84 ms CPU for the 65536-sample stream against 38).
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import importlib
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np

from sensor.core.samples import ImuChunk
from sensor.sim.bench_pipeline import _content, _stream

# (label, module, attribute path): the indent of a label says which stage holds it
STAGES: list[tuple[str, str, str]] = [
    ("feed", "sensor.core.pipeline", "Pipeline.feed"),
    ("  intake", "sensor.core.intake", "SampleIntake.accept"),
    ("  preprocess (rest, gyro bias)", "sensor.core.preprocess", "Preprocessor.process"),
    ("  buffer and settle", "sensor.core.pipeline", "Pipeline._buffer_and_settle"),
    ("    evidence (per piece)", "sensor.core.mount_evidence", "MountEvidence._sync"),
    ("    evidence (per query)", "sensor.core.mount_evidence", "MountEvidence._at"),
    ("    mounting estimate", "sensor.core.pipeline", "Pipeline._estimate"),
    ("      estimate_mounting", "sensor.core.pipeline", "estimate_mounting"),
    ("        window fits", "sensor.core.mounting", "fit_window"),
    ("        side vote", "sensor.core.mounting", "side_vote"),
    ("        enough to teach", "sensor.core.mounting", "enough_to_teach"),
    ("  re-strap watch", "sensor.core.restrap", "RestrapWatch.watch"),
    ("  analysis (_run)", "sensor.core.pipeline", "Pipeline._run"),
    ("    sagittal filter", "sensor.core.orientation", "SagittalFilter.process"),
    ("    context", "sensor.core.context", "ContextTracker.process"),
    ("    rep detector", "sensor.core.rep_pivot", "PivotCheckedDetector.process"),
    ("      steady pieces", "sensor.core.phases", "steady_piece"),
    ("      elevation flatness", "sensor.core.creep", "ElevationStill.stops"),
    ("      creep scans", "sensor.core.creep", "CreepWatch.scan"),
    ("      segment closes", "sensor.core.phases", "RepDetector._close"),
    ("finish", "sensor.core.pipeline", "Pipeline.finish"),
]


@contextmanager
def stage_clock(stages: list[tuple[str, str, str]]) -> Iterator[tuple[dict[str, float], dict[str, int]]]:
    """Wrap every stage with a CPU clock for the block; (seconds, calls) per label, restored after."""
    spent: dict[str, float] = {}
    calls: dict[str, int] = {}
    saved: list[tuple[object, str, object]] = []
    try:
        for label, module, path in stages:
            owner: object = importlib.import_module(module)
            *parents, name = path.split(".")
            for p in parents:
                owner = getattr(owner, p)
            orig = getattr(owner, name)
            raw = vars(owner).get(name, orig) if isinstance(owner, type) else orig
            if isinstance(raw, (staticmethod, classmethod)):
                raise TypeError(f"{path}: static and class methods are not wrapped")

            def timed(*a: object, _f: Callable[..., object] = orig, _l: str = label, **k: object) -> object:
                t0 = time.process_time()
                try:
                    return _f(*a, **k)
                finally:
                    spent[_l] = spent.get(_l, 0.0) + time.process_time() - t0
                    calls[_l] = calls.get(_l, 0) + 1

            saved.append((owner, name, orig))
            setattr(owner, name, timed)
        yield spent, calls
    finally:
        for owner, name, orig in reversed(saved):
            setattr(owner, name, orig)


def breakdown(chunk: ImuChunk, rate_hz: float, size: int, runs: int = 5) -> tuple[float, dict[str, tuple[float, int]]]:
    """(the best total CPU seconds, {label: (the best seconds, calls)}) of ``runs`` streams of
    ``chunk`` in pieces of ``size`` samples through a new pipeline, then its finish."""
    best: dict[str, tuple[float, int]] = {}
    total = np.inf
    for _ in range(runs):
        with stage_clock(STAGES) as (spent, calls):
            t0 = time.process_time()
            _stream(chunk, rate_hz, size)
            total = min(total, time.process_time() - t0)
        for label, s in spent.items():
            if label not in best or s < best[label][0]:
                best[label] = (s, calls[label])
    return total, best


def contents(rate_hz: float = 200.0, minutes: float = 60.0) -> dict[str, ImuChunk]:
    """``glide bench``'s contents: the first 30,000 samples of its rep session, walking, static, noise."""
    from sensor.sim.bench import _long_session

    reps = _long_session(minutes, rate_hz).chunk.slice(0, 30_000)
    return {"reps": reps, **_content(rate_hz)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m sensor.sim.bench_stages", description=__doc__.splitlines()[0])
    ap.add_argument("--content", nargs="+", default=["reps"], choices=["reps", "walking", "static", "noise"])
    ap.add_argument("--size", nargs="+", type=int, default=[1000, 65536], help="chunk sizes (samples)")
    ap.add_argument("--runs", type=int, default=5, help="runs per figure (the minimum is kept)")
    args = ap.parse_args(argv)
    if min(args.size) < 1 or args.runs < 1:
        print("bench_stages: --size and --runs must be at least 1", file=sys.stderr)
        return 2
    rate = 200.0
    every = contents(rate)
    for name in args.content:
        chunk = every[name]
        for size in args.size:
            total, best = breakdown(chunk, rate, size, args.runs)
            head = f"{name}, {len(chunk)} samples in {size}-sample chunks"
            print(f"{head}: {total * 1e3:.1f} ms CPU (best of {args.runs})")
            for label, _m, _p in STAGES:
                if label in best:
                    s, n = best[label]
                    print(f"  {label:<34}{s * 1e3:9.2f} ms {100 * s / total:6.1f} %  {n:6d} calls")
    return 0


if __name__ == "__main__":
    sys.exit(main())
