"""The stage breakdown (sensor/sim/bench_stages.py) clocks the stages it names and leaves the
code as it found it."""

from __future__ import annotations

import numpy as np
import pytest

from sensor.core import pipeline, preprocess
from sensor.core.samples import ImuChunk
from sensor.sim import bench_stages


def _static(n: int = 3000) -> ImuChunk:
    rng = np.random.default_rng(0)
    t = np.arange(n) / 200.0
    acc = np.tile([0.0, 0.0, 9.80665], (n, 1)) + rng.normal(0, 0.02, (n, 3))
    return ImuChunk(t, acc, rng.normal(0.3, 0.3, (n, 3)))


def test_breakdown_counts_the_calls_and_restores_the_code() -> None:
    feed, block, est = pipeline.Pipeline.feed, preprocess.Preprocessor.process, vars(pipeline)["estimate_mounting"]
    total, best = bench_stages.breakdown(_static(), 200.0, 1000, runs=2)
    # three 1000-sample pieces: three feeds, each preprocessed once (below STEADY_BLOCK)
    assert best["feed"][1] == 3 and best["  preprocess (rest, gyro bias)"][1] == 3
    assert best["finish"][1] == 1  # a static sensor never calibrates: the finish tries once more
    assert 0 < best["  preprocess (rest, gyro bias)"][0] <= best["feed"][0] <= total
    assert "    analysis (_run)" not in best  # never calibrated: nothing analysed
    assert (pipeline.Pipeline.feed, preprocess.Preprocessor.process, vars(pipeline)["estimate_mounting"]) == (
        feed,
        block,
        est,
    )


def test_the_clock_is_removed_when_the_run_fails() -> None:
    feed = pipeline.Pipeline.feed
    with pytest.raises(RuntimeError), bench_stages.stage_clock(bench_stages.STAGES):
        assert pipeline.Pipeline.feed is not feed
        raise RuntimeError("a failing run")
    assert pipeline.Pipeline.feed is feed


def test_bad_arguments_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_stages.main(["--size", "0"]) == 2
    assert "at least 1" in capsys.readouterr().err


def test_the_breakdown_runs_blas_on_one_thread_as_glide_does() -> None:
    """Run as ``python -m sensor.sim.bench_stages`` (no ``tui`` import), a second OpenBLAS thread
    spinning beside each ``lstsq`` doubled the process CPU clock of the mounting estimate."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    ask = "import sensor.sim.bench_stages, os; import numpy.linalg; print(os.environ['OPENBLAS_NUM_THREADS'])"
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-c", ask], cwd=root, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["1"]
