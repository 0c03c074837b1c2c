"""The dashboard's session model without a screen: counting, pausing, recording, exporting."""

from __future__ import annotations

import asyncio
import json
import stat
from datetime import datetime

import numpy as np
import pytest

from sensor.sim.simulator import SimConfig
from sensor.sim.source import SimulatedSource
from tui import storage
from tui.session import ElevationHistory, Session, SessionSetup


def _run(session: Session, source, on_chunk=None) -> None:
    async def go():
        async for c in source:
            session.ingest(c)
            if on_chunk:
                on_chunk(session)

    asyncio.run(go())


def _session(tmp_path, setup=None, **kw):
    setup = setup or SessionSetup(reps_per_set=3, sets=2, rest_s=10.0)
    src = SimulatedSource(
        SimConfig(reps=setup.reps_per_set * setup.sets, seed=1), speed=0, sets=setup.sets, rest_s=setup.rest_s
    )
    s = Session(
        setup,
        source_name=src.name,
        source_meta=src.meta,
        rate_hz=src.rate_hz,
        root=tmp_path,
        started_at=datetime(2026, 3, 4, 5, 6, 7),
        **kw,
    )
    return s, src


def test_states_follow_the_plan_and_every_rep_is_numbered_once(tmp_path):
    s, src = _session(tmp_path)
    states = []
    _run(s, src, lambda ss: states.append(ss.state) if not states or states[-1] != ss.state else None)
    s.source_ended()
    # at speed 0 nobody waits for the rest timer: the next rep ends the rest
    assert states[:3] == ["calibrating", "active", "resting"] and states[-1] == "done"
    assert [r.index for r in s.reps] == list(range(1, 7))
    assert [len(x.reps) for x in s.sets_done()] == [3, 3]
    assert s.calibration.calibrated and s.calibration.progress == 1.0


def test_paused_reps_are_not_counted(tmp_path):
    s, src = _session(tmp_path, SessionSetup(reps_per_set=10, sets=1))
    paused_once = []

    def pause_after_first(ss):
        if ss.reps and not paused_once:
            ss.toggle_pause()
            paused_once.append(True)

    _run(s, src, pause_after_first)
    assert s.state == "paused" and len(s.reps) == 1 and s.uncounted == src.performed - 1
    assert s.guidance()[1] == "warn"


def test_rest_is_over_by_the_timer_or_by_the_user(tmp_path):
    s, src = _session(tmp_path, SessionSetup(reps_per_set=2, sets=2, rest_s=30.0))

    class Resting(Exception):
        pass

    def until_resting(ss):
        if ss.state == "resting":
            raise Resting

    with pytest.raises(Resting):
        _run(s, src, until_resting)
    assert s.rest_left == pytest.approx(30.0, abs=0.1)
    assert "Rest 30 s" in s.guidance()[0]
    s.toggle_pause()  # space during the rest: start the next set now
    assert s.state == "active" and s.rest_left is None and "Set 2 of 2" in s.guidance()[0]


def test_the_rest_timer_running_out_starts_the_next_set(tmp_path):
    setup = SessionSetup(reps_per_set=2, sets=2, rest_s=8.0)
    src = SimulatedSource(SimConfig(reps=4, seed=1), speed=0, sets=2, rest_s=30.0)  # a long rest
    s = Session(setup, source_name=src.name, source_meta=src.meta, rate_hz=src.rate_hz, save=False)
    seen = []

    def watch(ss):
        if not seen or seen[-1][0] != ss.state:
            seen.append((ss.state, ss.t_now, ss.guidance()[0]))

    _run(s, src, watch)
    rest = next(i for i, x in enumerate(seen) if x[0] == "resting")
    state, t, text = seen[rest + 1]
    assert state == "active" and "Rest over: start set 2 of 2" in text
    assert t - seen[rest][1] == pytest.approx(8.0, abs=0.1)  # in sensor time, before anyone moved


def test_recalibration_restarts_learning_but_keeps_the_counted_reps(tmp_path):
    s, src = _session(tmp_path, SessionSetup(reps_per_set=10, sets=1))
    seen = []

    def recal_after_two(ss):
        if len(ss.reps) == 2 and not seen:
            seen.append(ss.pipeline)
            ss.recalibrate()

    _run(s, src, recal_after_two)
    assert s.recalibrations == 1 and s.pipeline is not seen[0]
    assert s.calibration.calibrated  # learned again from the following reps
    assert len(s.reps) >= 4 and [r.index for r in s.reps] == list(range(1, len(s.reps) + 1))


def test_files_are_private_and_exports_share_the_analyze_schema(tmp_path):
    s, src = _session(tmp_path)
    _run(s, src)
    s.source_ended()
    folder = s.close()
    assert s.close() == folder  # idempotent
    assert folder == tmp_path / "sessions" / "2026-03-04_05-06-07"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "sessions").stat().st_mode) == 0o700
    for p in folder.iterdir():
        assert stat.S_IMODE(p.stat().st_mode) == 0o600
    doc = json.loads((folder / "session.json").read_text())
    assert doc["format"] == "glide-session/1" and doc["rep_count"] == 6
    assert doc["sensor"]["packet_loss_pct"] is not None and doc["safety_note"].startswith("glide coaches")
    reps = json.loads((folder / "reps.json").read_text())
    assert list(reps["reps"][0]) == list(doc["reps"][0])
    trace = (folder / "trace.csv").read_text().splitlines()
    assert trace[0] == "# format=glide-trace/1" and any(x.startswith("# leg=") for x in trace[:10])
    # a second session started in the same second gets its own folder
    s2, _ = _session(tmp_path)
    assert s2.files.folder.name == "2026-03-04_05-06-07-2"
    s2.close()


def test_unwritable_data_dir_does_not_stop_the_session(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    s, src = _session(blocker)
    assert s.files.folder is None and "not saving" in s.files.error
    _run(s, src)
    assert len(s.reps) == 6 and s.close() is None


def test_trace_is_flushed_while_recording(tmp_path):
    s, src = _session(tmp_path)
    n = [0]

    def stop_after_5s(ss):
        if ss.t_now > 5.0 and not n[0]:
            n[0] = (ss.files.folder / "trace.csv").stat().st_size

    _run(s, src, stop_after_5s)
    assert n[0] > 1000  # rows reached the file before the session ended
    s.close()


def test_elevation_history_keeps_a_window_and_replaces_reanalysed_spans():
    h = ElevationHistory(keep_s=10.0)
    t = np.arange(0, 30, 0.1)
    h.add(t[:200], t[:200])
    h.add(t[200:], t[200:])
    assert h.t[0] >= 19.0 and h.t[-1] == pytest.approx(29.9)
    h.add(np.array([25.0, 25.1]), np.array([-1.0, -2.0]))  # re-analysed from 25 s
    assert h.t[-1] == pytest.approx(25.1) and h.e[-1] == -2.0


def test_setup_validation_and_data_dir_override(tmp_path, monkeypatch):
    assert SessionSetup().validate() == []
    assert SessionSetup(reps_per_set=0, sets=99, down_s=0.1, leg="middle").validate()
    monkeypatch.setenv("GLIDE_DATA_DIR", str(tmp_path / "mine"))
    assert storage.data_dir() == tmp_path / "mine"
    monkeypatch.delenv("GLIDE_DATA_DIR")
    assert storage.data_dir().name == "glide"


def test_replay_plan_follows_the_trace(tmp_path):
    from sensor.io.trace import TraceWriter
    from sensor.sim.simulator import SimConfig, simulate_session
    from tui.session import setup_following_trace

    sim = simulate_session(SimConfig(seed=6, reps=10, rate_hz=100.0))
    path = tmp_path / "ten.csv"
    with TraceWriter(path, sim.meta) as w:
        w.write(sim.chunk)
    got = setup_following_trace(str(path), SessionSetup(reps_per_set=10, sets=3, rest_s=45.0))
    assert (got.sets, got.reps_per_set, got.rest_s) == (1, 10, 45.0)  # one set of ten, not "3 x 10"
