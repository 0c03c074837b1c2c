"""Sources: pacing on an injected clock, pause/resume, re-chunking, replay, simulated rests."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from sensor.core.pipeline import analyze
from sensor.core.samples import concat_chunks
from sensor.io.sources import (
    CHUNK_S,
    ManualClock,
    RateMeter,
    ReplaySource,
    Source,
    estimate_loss_pct,
    rechunk,
)
from sensor.io.trace import TraceFormatError, TraceWriter, read_trace
from sensor.sim.simulator import SimConfig, simulate_session
from sensor.sim.source import SimulatedSource, insert_rests


async def _drain(src, clock: ManualClock, seconds: float, got: list, step: float = 0.25):
    """Consume ``src`` while advancing the clock ``seconds`` in ``step`` increments."""
    task = asyncio.ensure_future(_collect(src, got))
    await clock.settle()
    for _ in range(int(round(seconds / step))):
        await clock.advance(step)
    return task


async def _collect(src, got):
    async for c in src:
        got.append(c)


def test_simulated_source_is_paced_by_the_clock_at_any_speed():
    for speed in (1.0, 3.0):
        clock = ManualClock()
        src = SimulatedSource(SimConfig(reps=2, seed=5), speed=speed, clock=clock)
        assert isinstance(src, Source)
        got: list = []

        async def go(src=src, clock=clock, got=got, speed=speed):
            task = await _drain(src, clock, 4.0, got)
            t0 = float(src.session_chunk.t[0])
            released = float(got[-1].t[-1]) - t0
            # everything due by 4 s of wall time (x speed), nothing later
            assert 4.0 * speed - CHUNK_S * 1.5 <= released <= 4.0 * speed + 1e-9
            for c in got:
                assert float(c.t[-1] - c.t[0]) < CHUNK_S + 0.02
            task.cancel()

        asyncio.run(go())


def test_pause_holds_the_stream_and_resume_continues_where_it_stopped():
    clock = ManualClock()
    src = SimulatedSource(SimConfig(reps=2, seed=5), speed=1.0, clock=clock)
    got: list = []

    async def go():
        task = await _drain(src, clock, 2.0, got)
        src.pause()
        assert src.paused and src.status.state == "paused"
        n = len(got)
        for _ in range(20):
            await clock.advance(0.5)
        assert len(got) == n  # nothing while paused, however long
        src.resume()
        await clock.settle()
        for _ in range(4):
            await clock.advance(0.25)
        # one more second of samples, not the 10 s that passed while paused
        span = float(got[-1].t[-1]) - float(got[n - 1].t[-1])
        assert 0.9 <= span <= 1.0 + CHUNK_S  # (sample times carry jitter)
        task.cancel()

    asyncio.run(go())


def test_speed_zero_runs_as_fast_as_possible_and_yields_every_sample():
    src = SimulatedSource(SimConfig(reps=3, seed=2), speed=0)
    got: list = []
    asyncio.run(_collect(src, got))
    whole = concat_chunks(got)
    assert np.array_equal(whole.t, src.session_chunk.t)
    assert src.status.state == "ended" and src.samples_out == len(whole)


def test_one_set_is_exactly_the_simulated_session():
    cfg = SimConfig(reps=4, seed=9)
    src = SimulatedSource(SimConfig(reps=4, seed=9), speed=0)
    ref = simulate_session(cfg)
    assert np.array_equal(src.session_chunk.acc, ref.chunk.acc)
    assert src.performed == 4 and src.meta["device"] == "glide-simulator"


def test_rests_between_sets_keep_time_increasing_and_the_reps_countable():
    src = SimulatedSource(SimConfig(reps=6, seed=4), speed=0, sets=2, rest_s=20.0)
    chunk = src.session_chunk
    assert np.all(np.diff(chunk.t) > 0)
    plain = simulate_session(SimConfig(reps=6, seed=4)).chunk
    assert len(chunk) == len(plain) + round(20.0 * 100.0)
    assert chunk.t[-1] == pytest.approx(plain.t[-1] + 20.0, abs=0.02)
    pipe, _ = analyze(chunk, "supine", 100.0)
    assert len(pipe.reps) == 6
    # the rest sits between rep 3 and rep 4
    assert pipe.reps[3].start_s - pipe.reps[2].end_s > 19.0


def test_insert_rests_is_still_and_continuous():
    sim = simulate_session(SimConfig(reps=2, seed=1, noise=False, confounders=False))
    cut = sim.labels["reps"][0]["end_s"]
    out = insert_rests(sim.chunk, [cut], 5.0, 100.0)
    i = int(np.searchsorted(sim.chunk.t, cut))
    rest = out.slice(i, i + 500)
    assert np.abs(rest.gyr - np.median(rest.gyr, axis=0)).max() < 1.0
    assert np.linalg.norm(rest.acc.mean(axis=0)) == pytest.approx(9.81, abs=0.3)


@pytest.mark.parametrize("sizes", [[1], [7], [1000], [3, 50, 2, 400]])
def test_rechunk_does_not_depend_on_the_input_chunking(sizes):
    chunk = simulate_session(SimConfig(reps=1, seed=3)).chunk
    ref = list(rechunk([chunk]))
    got = list(rechunk(chunk.split(sizes * (len(chunk) // sum(sizes) + 1))))
    assert [len(c) for c in got] == [len(c) for c in ref]
    assert np.array_equal(concat_chunks(got).t, chunk.t)
    assert all(float(c.t[-1] - c.t[0]) < CHUNK_S for c in got)


def test_replay_source_plays_a_trace_exactly_and_reports_bad_files(tmp_path):
    sim = simulate_session(SimConfig(reps=2, seed=6, rate_hz=50.0))
    path = tmp_path / "t.csv"
    with TraceWriter(path, sim.meta) as w:
        w.write(sim.chunk)
    src = ReplaySource(path, speed=0)
    assert src.rate_hz == 50.0 and src.meta["posture"] == "supine" and src.meta["replay_of"] == str(path)
    got: list = []
    asyncio.run(_collect(src, got))
    _meta, chunk, _ = read_trace(path)
    whole = concat_chunks(got)
    assert np.array_equal(whole.t, chunk.t) and np.array_equal(whole.gyr, chunk.gyr)
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(TraceFormatError):
        ReplaySource(bad)


def test_loss_and_rate_estimates():
    assert estimate_loss_pct(91, 0.0, 1.0, 100.0) == pytest.approx(100 * (1 - 91 / 101))
    assert estimate_loss_pct(10, None, None, 100.0) is None
    assert estimate_loss_pct(10, 0.0, 1.0, None) is None
    m = RateMeter(window_s=1.0)
    t = np.arange(0, 5, 0.01)
    for k in range(0, len(t), 5):
        m.add(t[k : k + 5])
    assert m.hz == pytest.approx(100.0, rel=0.02)
