"""The foot sensor in the dashboard (issue 16): the session records its columns, attaches each
rep's ankle figures to the rep logs and session.json, says when the foot is lost and back, and
the live screen shows a small ankle indicator (hidden without a foot sensor)."""

from __future__ import annotations

import asyncio
import csv
import json
from datetime import datetime

import pytest
from test_tui import SIZE, STARTED, check_snapshot, screen_text

from sensor.core.ankle_live import FOOT_BACK, FOOT_LOST, FootLink
from sensor.core.types import CueKind
from sensor.io.replog import LOG_FIELDS
from sensor.io.sources import ManualClock
from sensor.io.trace import TraceReader
from sensor.sim.simulator import SimConfig
from sensor.sim.source import SimulatedSource
from tui.app import GlideApp
from tui.commands.foot import foot_demo_source
from tui.session import Session, SessionSetup
from tui.widgets import AnkleIndicator


def _session(tmp_path, source, setup: SessionSetup) -> Session:
    return Session(
        setup,
        source_name=source.name,
        source_meta=source.meta,
        rate_hz=source.rate_hz,
        root=tmp_path,
        started_at=datetime(2026, 3, 4, 5, 6, 7),
    )


def _run(session: Session, source) -> list[str]:
    notices: list[str] = []

    async def go():
        async for c in source:
            session.ingest(c)
            if session.notice is not None and (not notices or notices[-1] != session.notice.text):
                notices.append(session.notice.text)

    asyncio.run(go())
    session.source_ended()
    session.close()
    return notices


@pytest.fixture(scope="module")
def foot_run(tmp_path_factory):
    """One saved session on the simulated shin + foot, the foot dropping out from 50 s for 12 s."""
    tmp = tmp_path_factory.mktemp("foot")
    setup = SessionSetup(reps_per_set=6, sets=2, rest_s=10.0)
    src = foot_demo_source(SimConfig(reps=12, seed=5), 0, sets=2, rest_s=10.0, drop=(50.0, 12.0))
    s = _session(tmp, src, setup)
    notices = _run(s, src)
    return s, notices


def test_the_session_records_the_foot_and_logs_each_reps_ankle_figures(foot_run):
    s, _ = foot_run
    folder = s.files.folder
    assert folder is not None and len(s.reps) == 12
    with TraceReader(folder / "trace.csv") as r:
        assert r.has_foot  # re-opened with the foot's columns before the first row
        assert sum(len(c) for c in r.chunks()) == s.n_samples
    rows = list(csv.DictReader((folder / "reps.csv").read_text().splitlines()))
    assert list(rows[0]) == LOG_FIELDS and len(rows) == 12
    swings = [row["ankle_swing_deg"] for row in rows]
    assert sum(1 for x in swings if x) >= 9 and all(row["ankle_ok"] in ("True", "False", "") for row in rows)
    doc = json.loads((folder / "session.json").read_text())
    assert doc["foot_sensor"] == FootLink.STREAMING
    per_set = [x["ankle_ok_count"] for x in doc["sets"]]
    oks = [r["ankle_ok"] for r in doc["reps"]]
    assert per_set[0] is not None and sum(per_set) == doc["overall"]["ankle_ok_count"] == oks.count(True)
    log = json.loads((folder / "reps.json").read_text())
    assert [r["ankle_swing_deg"] for r in log["reps"]] == [r["ankle_swing_deg"] for r in doc["reps"]]


def test_losing_the_foot_is_a_notice_and_the_shin_keeps_counting(foot_run):
    s, notices = foot_run
    assert FOOT_LOST in notices and FOOT_BACK in notices and notices.index(FOOT_LOST) < notices.index(FOOT_BACK)
    assert any("foot sensor lost" in line for line in s.recent)
    none = [i for i, a in s.workout.ankle.items() if a.ankle_ok is None]
    inside = [r.index for r in s.reps if 50.0 <= r.bottom_s < 62.0 or 50.0 <= r.top_s < 62.0]
    assert inside and set(inside) <= set(none)  # the reps inside the dropout have no figures


def test_foot_cues_reach_the_workout_as_cues(foot_run):
    s, _ = foot_run
    kinds = {note for note in s.rep_notes.values()}
    # seed 5's ankle patterns include reversed and neutral reps: at least one foot cue was given
    assert kinds & {CueKind.FLEX_FOOT.replace("_", " "), CueKind.POINT_TOES.replace("_", " ")}


def test_a_shin_only_session_logs_empty_ankle_fields(tmp_path):
    setup = SessionSetup(reps_per_set=3, sets=1)
    src = SimulatedSource(SimConfig(reps=3, seed=1), speed=0)
    s = _session(tmp_path, src, setup)
    _run(s, src)
    folder = s.files.folder
    assert folder is not None
    rows = list(csv.DictReader((folder / "reps.csv").read_text().splitlines()))
    assert rows and all(row["ankle_swing_deg"] == "" and row["ankle_ok"] == "" for row in rows)
    doc = json.loads((folder / "session.json").read_text())
    assert doc["foot_sensor"] == FootLink.NONE and doc["overall"]["ankle_ok_count"] is None
    assert all(r["ankle_ok"] is None for r in doc["reps"])
    with TraceReader(folder / "trace.csv") as r:
        assert not r.has_foot


# ------------------------------------------------------------------ the dashboard
def _app(tmp_path, clock, drop=None) -> GlideApp:
    def make_source(s: SessionSetup):
        cfg = SimConfig(reps=s.reps_per_set * s.sets, seed=5, posture=s.posture, leg=s.leg)
        return foot_demo_source(cfg, 1.0, clock, sets=s.sets, rest_s=s.rest_s, drop=drop)

    app = GlideApp(
        mode="demo",
        make_source=make_source,
        setup=SessionSetup(reps_per_set=6, sets=1, rest_s=10.0),
        skip_setup=True,
        save=False,
        data_root=tmp_path / "data",
        started_at=lambda: STARTED,
        fps=12.0,
    )
    app.notify = lambda *a, **kw: None  # type: ignore[method-assign]
    return app


async def _step(app, pilot, clock, seconds: float, until=None) -> None:
    for _ in range(int(round(seconds / 0.5))):
        await clock.advance(0.5)
        if until is not None and until():
            break
    await pilot.pause()
    app.tick()
    await pilot.pause()


def test_the_dashboard_shows_the_ankle_indicator_and_the_lost_foot(tmp_path):
    clock = ManualClock()
    app = _app(tmp_path, clock, drop=(50.0, 12.0))

    async def go():
        async with app.run_test(size=SIZE) as pilot:
            await _step(app, pilot, clock, 1.0)
            ind = app.screen_stack[1].query_one("#ankle", AnkleIndicator) if len(app.screen_stack) > 1 else None
            s = app.session
            await _step(app, pilot, clock, 90.0, until=lambda: s.last_ankle() is not None and len(s.reps) >= 4)
            await _step(app, pilot, clock, 1.0)
            live = next(x for x in app.screen_stack if x.query("#ankle"))
            ind = live.query_one("#ankle", AnkleIndicator)
            assert ind.display
            text = screen_text(app)
            _, a = s.last_ankle()
            assert f"ankle {a.ankle_swing_deg:+5.0f}° {'ok' if a.ankle_ok else 'low'}" in text
            assert "foot  ● on" in text
            # the left column (reps, tempo and the ankle indicator): the plot's last column may
            # be drawn a frame apart, which is the plot's business, not the foot's
            check_snapshot("live_foot", "\n".join(line[:31].rstrip() for line in text.splitlines()))
            await _step(app, pilot, clock, 30.0, until=lambda: s.ankle.link == FootLink.LOST)
            text = screen_text(app)
            assert "foot  lost" in text and FOOT_LOST in text  # the indicator and the notice line
            await _step(app, pilot, clock, 30.0, until=lambda: s.ankle.link == FootLink.STREAMING)
            assert "foot  ● on" in screen_text(app)
            await pilot.press("q")

    asyncio.run(go())


def test_a_shin_only_dashboard_hides_the_indicator(tmp_path):
    clock = ManualClock()

    def make_source(s: SessionSetup):
        return SimulatedSource(SimConfig(reps=3, seed=1), speed=1.0, clock=clock)

    app = GlideApp(
        mode="demo",
        make_source=make_source,
        setup=SessionSetup(reps_per_set=3, sets=1),
        skip_setup=True,
        save=False,
        data_root=tmp_path / "data",
        started_at=lambda: STARTED,
    )

    async def go():
        async with app.run_test(size=SIZE) as pilot:
            await _step(app, pilot, clock, 40.0, until=lambda: len(app.session.reps) >= 1)
            await _step(app, pilot, clock, 1.0)
            live = next(x for x in app.screen_stack if x.query("#ankle"))
            assert not live.query_one("#ankle", AnkleIndicator).display
            assert "ankle" not in screen_text(app) and "foot" not in screen_text(app)
            await pilot.press("q")

    asyncio.run(go())


def test_a_source_naming_a_foot_records_its_columns_from_the_first_row(tmp_path):
    import numpy as np

    from sensor.core.samples import concat_chunks

    src = SimulatedSource(SimConfig(reps=2, seed=1), speed=0)
    src.meta["foot_device"] = "FOOT-01"  # a foot sensor that has not sent anything yet
    s = _session(tmp_path, src, SessionSetup(reps_per_set=2, sets=1))
    _run(s, src)
    assert s.files.trace is not None
    with TraceReader(s.files.trace) as r:
        c = concat_chunks(list(r.chunks()))
    assert r.has_foot and c.foot_acc is not None and np.isnan(c.foot_acc).all()  # kept, as a missing foot
    assert len(c) == s.n_samples and s.ankle.link == FootLink.LOST  # expected, never came: lost
    assert s.foot_notice is not None and s.foot_notice.text == FOOT_LOST


@pytest.mark.parametrize(
    "argv, says",
    [
        (["--foot", "--foot-drop", "5,x"], "expected AT,FOR in seconds"),
        (["--foot", "--foot-drop", "5"], "expected AT,FOR in seconds"),
        (["--foot", "--foot-drop", "5,-1"], "AT and FOR must be 0 to 36000 s"),
        (["--foot", "--foot-drop", "nan,3"], "AT and FOR must be 0 to 36000 s"),
        (["--foot-drop", "5,3"], "--foot-drop needs --foot"),
    ],
)
def test_bad_foot_demo_options_are_one_line_and_status_2(argv, says, capsys):
    from tui.cli import main

    with pytest.raises(SystemExit) as ex:
        code = main(["demo", "--no-tui", "--speed", "0", *argv])
        raise SystemExit(code)
    err = capsys.readouterr().err
    assert ex.value.code == 2 and err.count("\n") == 1 and says in err


def test_the_report_and_history_show_what_the_live_session_logged(foot_run):
    from tui.history import history_rows, load
    from tui.report import ankle_cells, set_line

    s, _ = foot_run
    assert s.files.folder is not None
    data = load(str(s.files.folder))
    assert [r.index for r in data.reps] == [r.index for r in s.reps]
    for r in s.reps:
        live = s.workout.ankle[r.index]
        if live.ankle_swing_deg is None:
            assert ankle_cells(data, r.index) == ("-", "-")
        else:
            swing = f"{round(live.ankle_swing_deg, 1):+.0f}"
            assert ankle_cells(data, r.index) == (swing, "yes" if live.ankle_ok else "no")
    doc = json.loads((s.files.folder / "session.json").read_text())
    for line, x in zip([set_line(x) for x in data.summary["sets"]], doc["sets"], strict=True):
        assert f"foot pattern ok in {x['ankle_ok_count']} of {x['rep_count']}" in line
    row = history_rows([(s.files.folder, doc)])[0]
    assert row["ankle_ok"] == doc["overall"]["ankle_ok_count"] is not None


def test_the_session_summary_says_how_many_reps_had_the_foot_pattern(tmp_path):
    """The closing screen carries the foot's verdict beside the shin's counts; a shin-only
    session's closing screen says nothing of a foot (see the snapshots in test_tui)."""
    from tui.summary_screens import SessionSummaryScreen

    clock = ManualClock()
    app = _app(tmp_path, clock)

    async def go():
        async with app.run_test(size=SIZE) as pilot:
            await _step(app, pilot, clock, 1.0)
            s = app.session
            await _step(app, pilot, clock, 200.0, until=lambda: s.source_state == "ended")
            await _step(app, pilot, clock, 1.0)
            assert isinstance(app.screen, SessionSummaryScreen)
            n = sum(1 for r in s.reps if s.workout.ankle.get(r.index) and s.workout.ankle[r.index].ankle_ok)
            assert len(s.reps) == 6 and len(s.workout.ankle) == 6  # every rep got its figures
            assert f"foot pattern ok in {n} of 6" in screen_text(app)
            await pilot.press("q")

    asyncio.run(go())
