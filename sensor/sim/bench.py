"""``glide bench``: the speed, latency, memory and accuracy figures the README quotes.

Speed targets live here rather than in timed unit tests, because a loaded CI machine would make
such tests flaky while proving nothing. What it measures, on one simulated trace whose real
length it prints (the simulator decides how long N reps take, so "--minutes" is a request):

* each stage in samples/s of CPU time (on a shared machine wall time measures the neighbours):
  write (TraceWriter), read (TraceReader, naming its block parser, and without pyarrow),
  orientation (rest/bias + sagittal filter), phases (rep detector), the rest of the pipeline
  (validation, mounting), workout (the workout state machine fed every event); the pipeline at 65,536- and
  1,000-sample chunks, also on walking, a static sensor and noise; 10-sample live feeds
  (median and p99 wall latency, and median CPU, through pipeline + workout machine);
* end to end as a user sees it: ``glide analyze TRACE --json`` as a fresh process, start to
  JSON printed, against the naive counter (``python -m sensor.sim.naive``) on the same file,
  run alternately (A B A B ...) and compared by medians of wall and of CPU time, since a
  shared machine is noisy;
* peak memory (max RSS of that process) for the whole trace and for its first quarter: flat
  memory means the two are about equal.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from typing import TypeVar

import numpy as np

from sensor.core.orientation import SagittalFilter
from sensor.core.phases import RepDetector
from sensor.core.preprocess import Preprocessor
from sensor.core.samples import ImuChunk
from sensor.core.types import Posture
from sensor.core.workout import Workout
from sensor.io import fastcsv
from sensor.io.trace import TraceReader, TraceWriter
from sensor.sim.bench_pipeline import CALIBRATION, STEADY, _best, _content_rates, _latency, _stream
from sensor.sim.simulator import SimConfig, SimSession, simulate_session

_T = TypeVar("_T")
Out = Callable[[str], object]


def _long_session(minutes: float, rate_hz: float) -> SimSession:
    reps = max(int(minutes * 60 / 8.0), 1)  # ~8 s per rep with holds and pauses
    return simulate_session(SimConfig(reps=reps, rate_hz=rate_hz, seed=7, posture=Posture.SUPINE))


class _StageClock:
    """Adds up the time spent in chosen methods (wrapped while active, restored after)."""

    def __init__(self, targets: dict[str, tuple[type, str]]) -> None:
        self.targets, self.spent = targets, dict.fromkeys(targets, 0.0)
        self._saved: list[tuple[type, str, Callable[..., object]]] = []

    def __enter__(self) -> _StageClock:
        for name, (cls, meth) in self.targets.items():
            orig: Callable[..., object] = getattr(cls, meth)
            self._saved.append((cls, meth, orig))

            def timed(*a: object, _orig: Callable[..., object] = orig, _name: str = name, **k: object) -> object:
                t0 = time.process_time()
                try:
                    return _orig(*a, **k)
                finally:
                    self.spent[_name] += time.process_time() - t0

            setattr(cls, meth, timed)
        return self

    def __exit__(self, *exc: object) -> None:
        for cls, meth, orig in self._saved:
            setattr(cls, meth, orig)


def _wall(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _read_rates(read: Callable[[int | None], int], n: int, runs: int = 5) -> dict[str, float]:
    """The reader's rates from ``runs`` reads with its parser threads, then ``runs`` on one thread,
    alternately: wall time (medians and best: other jobs on a shared machine slow single runs)
    and CPU time of all threads (less sensitive to them), as rows/s and as CPU ns per row."""
    walls: dict[int | None, list[float]] = {None: [], 1: []}
    cpus: list[float] = []
    for _ in range(runs):
        for workers in (None, 1):
            c0, t0 = time.process_time(), time.perf_counter()
            got = read(workers)
            walls[workers].append(time.perf_counter() - t0)
            if workers is None:
                cpus.append(time.process_time() - c0)
            assert got == n, (got, n)
    cpu = statistics.median(cpus)
    return {
        "read_sps": n / cpu,
        "read_cpu_ns_per_row": cpu / n * 1e9,
        "read_wall_sps": n / statistics.median(walls[None]),
        "read_wall_best_sps": n / min(walls[None]),
        "read_wall_1thread_sps": n / statistics.median(walls[1]),
    }


# Runs the measured command and reports on it. Why a middle process: Linux keeps the peak RSS of
# the address space a process had before exec (here: the benchmark's, hundreds of MB) in the
# ru_maxrss of the exec'd child, so a child started from the benchmark reports the benchmark's
# memory. A child of this small launcher reports its own. Time is taken around the child only.
_LAUNCHER = """
import json, os, subprocess, sys, time
t0 = time.perf_counter()
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
out = p.stdout.read()
_, status, ru = os.wait4(p.pid, 0)
wall = time.perf_counter() - t0
code = os.waitstatus_to_exitcode(status)
sys.stdout.write(json.dumps([wall, ru.ru_maxrss / 1024.0, ru.ru_utime + ru.ru_stime, code]))
sys.stdout.write("\\n" + out.decode())
"""


def _run_process(argv: list[str]) -> tuple[float, float, str, float]:
    """(wall seconds, peak RSS in MB, stdout, CPU seconds user + system) of one fresh process."""
    r = subprocess.run([sys.executable, "-c", _LAUNCHER, *argv], capture_output=True, check=True)
    head, _, out = r.stdout.decode().partition("\n")
    wall, rss_mb, cpu, code = json.loads(head)
    if code != 0:
        raise RuntimeError(f"{argv[2:4]} exited with {code}")
    return float(wall), float(rss_mb), out, float(cpu)


def _write(path: str, chunk: ImuChunk, meta: dict[str, str | float]) -> None:
    with TraceWriter(path, meta) as w:
        for part in chunk.split([65536] * (len(chunk) // 65536 + 1)):
            w.write(part)


def run_bench(
    minutes: float = 60.0,
    rate_hz: float = 200.0,
    sessions: int = 0,
    out: Out = print,
    runs: int = 3,
    workdir: str | None = None,
) -> dict[str, object]:
    sim = _long_session(minutes, rate_hz)
    chunk = sim.chunk
    n = len(chunk)
    dur = float(chunk.t[-1] - chunk.t[0])
    res: dict[str, float] = {"samples": n, "trace_s": dur, "true_reps": sim.labels["rep_count"]}
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        path, quarter = os.path.join(tmp, "bench.csv"), os.path.join(tmp, "quarter.csv")
        t_write, _ = _best(lambda: _write(path, chunk, sim.meta), 1)
        _write(quarter, chunk.slice(0, n // 4), sim.meta)
        res["write_sps"] = n / t_write
        res["file_mb"] = os.path.getsize(path) / 1e6

        def read(workers: int | None = None) -> int:
            with TraceReader(path, workers=workers) as r:
                return sum(len(c) for c in r.chunks())

        fastcsv.available()  # the first read should not pay for importing pyarrow
        res.update(_read_rates(read, n))
        parser = "pyarrow" if fastcsv.available() else "numpy"
        if fastcsv.available():  # the reader without pyarrow, as a plain install has it
            saved, fastcsv._arrow = fastcsv._arrow, ()
            try:
                res["read_numpy_sps"] = n / _best(read, 1)[0]
            finally:
                fastcsv._arrow = saved

        stages = {
            "orientation": (Preprocessor, "process"),
            "sagittal": (SagittalFilter, "process"),
            "phases": (RepDetector, "process"),
        }
        t_pipe, spent = np.inf, {}
        for _ in range(3):
            with _StageClock(stages) as clock:
                t0 = time.process_time()
                p, events = _stream(chunk, rate_hz, 65536)
                t = time.process_time() - t0
            if t < t_pipe:
                t_pipe, spent = t, dict(clock.spent)
        res["reps"] = len(p.reps)
        res["pipeline_sps"] = n / t_pipe
        res["orientation_sps"] = n / (spent["orientation"] + spent["sagittal"])
        res["phases_sps"] = n / spent["phases"]
        res["pipeline_other_sps"] = n / max(t_pipe - sum(spent.values()), 1e-9)
        t_small, _ = _best(lambda: _stream(chunk, rate_hz, 1000), 1)
        res["pipeline_1000_sps"] = n / t_small

        def workout() -> None:
            w = Workout()
            for ev in events:
                w.handle(ev)

        t_coach, _ = _best(workout)
        res["workout_sps"] = n / max(t_coach, 1e-9)

        res.update(_latency(chunk, rate_hz))
        res.update(_content_rates(chunk, rate_hz))

        analyze = [sys.executable, "-m", "tui.cli", "analyze", path, "--json"]
        naive = [sys.executable, "-m", "sensor.sim.naive", path]
        walls: dict[str, list[float]] = {"glide": [], "naive": []}
        cpus: dict[str, list[float]] = {"glide": [], "naive": []}
        rss: dict[str, float] = {}
        for _ in range(runs):  # A B A B ...: both see the same machine load
            for name, argv in (("glide", analyze), ("naive", naive)):
                w, m, _out, c = _run_process(argv)
                walls[name].append(w)
                cpus[name].append(c)
                rss[name] = max(rss.get(name, 0.0), m)
        res["e2e_s"], res["naive_s"] = statistics.median(walls["glide"]), statistics.median(walls["naive"])
        res["e2e_cpu_s"], res["naive_cpu_s"] = statistics.median(cpus["glide"]), statistics.median(cpus["naive"])
        res["e2e_sps"] = n / res["e2e_s"]
        res["e2e_vs_naive"] = res["e2e_s"] / res["naive_s"]
        res["e2e_vs_naive_cpu"] = res["e2e_cpu_s"] / res["naive_cpu_s"]
        res["peak_rss_mb_full"] = rss["glide"]
        res["peak_rss_mb_naive"] = rss["naive"]
        res["peak_rss_mb_quarter"] = _run_process([*analyze[:4], quarter, "--json"])[1]

    _report(res, parser, minutes, rate_hz, runs, out)
    result: dict[str, object] = {}
    for key, value in res.items():  # the parser's name after the read speed it qualifies
        result[key] = value
        if key == "read_sps":
            result["parser"] = parser
    if sessions:
        from sensor.sim.evaluation import evaluate_simulated

        t0 = time.perf_counter()
        summ, _ = evaluate_simulated(range(sessions))
        result["accuracy"] = summ
        out(f"\naccuracy on {sessions} simulated sessions (seeds 0..{sessions - 1}), {time.perf_counter() - t0:.0f} s")
        for k, v in summ.items():
            out(f"  {k:<28}{v:>10.3f}" if isinstance(v, float) else f"  {k:<28}{v:>10}")
    return result


def _report(res: dict[str, float], parser: str, minutes: float, rate_hz: float, runs: int, out: Out) -> None:
    n, dur = res["samples"], res["trace_s"]
    length = f"{dur / 60:.1f} min" if dur >= 60 else f"{dur:.0f} s"
    asked = "" if abs(dur / 60 - minutes) < 0.1 * minutes else f" (asked for {minutes:g} min)"
    out(
        f"glide bench: {length} simulated supine session{asked} at {rate_hz:g} Hz: {n} samples, "
        f"{res['true_reps']} reps, {res['file_mb']:.0f} MB trace"
    )
    out(f"{'stage, in CPU time of this process (less sensitive than wall time to other jobs)':<62}")

    def m(key: str) -> str:
        return f"{res[key] / 1e6:>12.2f} M/s"

    out(f"{'write (TraceWriter)':<44}{m('write_sps')}")
    out(f"{'read (TraceReader, ' + parser + ')':<44}{m('read_sps')}   ({res['read_cpu_ns_per_row']:.0f} ns CPU a row)")
    out(
        f"{'read, wall time, parser threads / one thread':<44}{res['read_wall_sps'] / 1e6:>7.2f} /"
        f"{res['read_wall_1thread_sps'] / 1e6:>5.2f} M/s   (best {res['read_wall_best_sps'] / 1e6:.2f}; medians of 5)"
    )
    if "read_numpy_sps" in res:
        out(f"{'read without pyarrow (numpy only)':<44}{m('read_numpy_sps')}")
    out(f"{'orientation (rest/bias + sagittal filter)':<44}{m('orientation_sps')}")
    out(f"{'phases (rep detector)':<44}{m('phases_sps')}")
    out(f"{'rest of pipeline (validate, mounting)':<44}{m('pipeline_other_sps')}")
    out(f"{'workout machine (all events)':<44}{m('workout_sps')}")
    out(f"{'pipeline, 65536-sample chunks':<44}{m('pipeline_sps')}")
    out(f"{'pipeline, 1000-sample chunks':<44}{m('pipeline_1000_sps')}")
    out("pipeline by content, 1000- / 65536-sample chunks:")
    names = {  # (the rep session's first CALIBRATION samples, then up to STEADY more)
        "reps": f"  reps, first {CALIBRATION / rate_hz:.0f} s (mounting learned)",
        "reps_steady": f"  reps, the {STEADY / rate_hz / 60:.0f} min after (mounting known)",
        "walking": "  walking (no mounting ever learned)",
        "static": "  static sensor",
        "noise": "  noise",
    }
    for name, label in names.items():
        if f"{name}_1000_sps" not in res:  # (no calibrated part in a short session)
            continue
        a, b = res[f"{name}_1000_sps"] / 1e6, res[f"{name}_65536_sps"] / 1e6
        out(f"{label:<44}{a:>7.2f} /{b:>5.2f} M/s")
    out(f"{'reps counted / performed':<44}{res['reps']:>10d} / {res['true_reps']}")
    out(
        f"{'live feed, 10 samples, median':<44}{res['chunk_latency_us_median']:>12.0f} us"
        f"   (CPU {res['chunk_cpu_us_median']:.0f} us)"
    )
    out(
        f"{'live feed, 10 samples, mean':<44}{res['chunk_latency_us_mean']:>12.0f} us"
        f"   (CPU {res['chunk_cpu_us_mean']:.0f} us)"
    )
    out(f"{'live feed, 10 samples, p99':<44}{res['chunk_latency_us_p99']:>12.0f} us")
    out(f"{'live feed, Python calls per feed (cProfile)':<44}{res['chunk_calls']:>12.0f}")
    out(f"{'live feeds held (no decision due)':<44}{100 * res['chunk_held_share']:>12.0f} %")
    out(f"end to end, fresh process to JSON printed (median of {runs}, run alternately):")
    out(
        f"{'  glide analyze --json':<44}{res['e2e_s']:>12.2f} s   ({res['e2e_sps'] / 1e6:.2f} M samples/s; "
        f"CPU {res['e2e_cpu_s']:.2f} s)"
    )
    out(
        f"{'  naive counter (loadtxt+filter+find_peaks)':<44}{res['naive_s']:>12.2f} s"
        f"   (CPU {res['naive_cpu_s']:.2f} s)"
    )
    out(f"{'  glide / naive':<44}{res['e2e_vs_naive']:>12.2f} x   (CPU {res['e2e_vs_naive_cpu']:.2f} x)")
    out(f"{'peak RSS, glide analyze, whole trace':<44}{res['peak_rss_mb_full']:>12.0f} MB")
    out(f"{'peak RSS, naive counter, whole trace':<44}{res['peak_rss_mb_naive']:>12.0f} MB")
    out(f"{'peak RSS, glide analyze, first quarter':<44}{res['peak_rss_mb_quarter']:>12.0f} MB")
