"""The dashboard, driven headless with Textual's Pilot on a simulated sensor and a manual clock.

Time only moves when a test calls ``step``: the source releases the samples due by then, the
app ingests them, and one frame is drawn. No test sleeps, so results do not depend on the
machine's speed. Snapshots are plain text (the screen as characters, no colours), stored in
``tests/snapshots/tui``; regenerate with ``GLIDE_UPDATE_SNAPSHOTS=1 python -m pytest tests/test_tui.py``
after checking the change by eye.
"""

from __future__ import annotations

import asyncio
import csv
import html
import json
import os
import re
import stat
from datetime import datetime
from pathlib import Path

import pytest
from rich.cells import cell_len

from sensor.core.summary import REP_FIELDS
from sensor.io.sources import DeviceInfo, ManualClock, ReplaySource
from sensor.sim.simulator import SimConfig
from sensor.sim.source import SimulatedSource
from tui.app import GlideApp
from tui.screens import (
    CalibrationScreen,
    DevicePickerScreen,
    LiveScreen,
    SessionSummaryScreen,
    SetSummaryScreen,
    SetupScreen,
    UnavailableScreen,
)
from tui.session import SessionSetup
from tui.widgets import AngleGauge, AnglePlot, BigText

SNAPSHOTS = Path(__file__).parent / "snapshots" / "tui"
STARTED = datetime(2026, 1, 2, 9, 30, 0)
SIZE = (100, 30)


_SVG_TEXT = re.compile(
    r'<text[^>]*?\bx="(?P<x>[0-9.]+)"[^>]*?\btextLength="(?P<w>[0-9.]+)"[^>]*?'
    r'clip-path="url\(#[^)]*?-line-(?P<line>\d+)\)"[^>]*>(?P<text>[^<]*)</text>'
)


def screen_text(app) -> str:
    """What the terminal shows, as text: the characters of Textual's public screenshot
    (``App.export_screenshot``, an SVG with one ``<text>`` per run of equal style), put back on
    their lines and columns. No colours, no private Textual API."""
    svg = app.export_screenshot(simplify=True)
    runs: dict[int, list[tuple[float, str]]] = {}
    char_w = None
    for m in _SVG_TEXT.finditer(svg):
        text = html.unescape(m["text"]).replace("\xa0", " ")
        if char_w is None and cell_len(text):
            char_w = float(m["w"]) / cell_len(text)
        runs.setdefault(int(m["line"]), []).append((float(m["x"]), text))
    lines = []
    for n in range(app.size[1]):
        line = ""
        for x, text in sorted(runs.get(n, [])):
            col = round(x / char_w) if char_w else 0
            line += " " * max(col - cell_len(line), 0) + text
        lines.append(line.rstrip())
    return "\n".join(lines)


def check_snapshot(name: str, text: str) -> None:
    """Compare with the stored snapshot; a missing snapshot FAILS (it is never written silently).
    ``GLIDE_UPDATE_SNAPSHOTS=1`` (re)writes them, after checking the change by eye."""
    path = SNAPSHOTS / f"{name}.txt"
    if os.environ.get("GLIDE_UPDATE_SNAPSHOTS") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n")
    assert path.exists(), f"no snapshot {path}: run with GLIDE_UPDATE_SNAPSHOTS=1 to write it, then check it by eye"
    assert text + "\n" == path.read_text(), f"screen differs from {path} (see the module docstring)"


class Rig:
    """A demo app on a manual clock, with helpers to step time and read the screen."""

    def __init__(
        self,
        tmp_path: Path,
        *,
        setup: SessionSetup | None = None,
        skip_setup: bool = True,
        save: bool = True,
        seed: int = 1,
        fps: float = 12.0,
        bell: bool = False,
    ) -> None:
        self.clock = ManualClock()
        self.sources: list = []

        def make_source(s: SessionSetup):
            src = SimulatedSource(
                SimConfig(reps=s.reps_per_set * s.sets, seed=seed, posture=s.posture, leg=s.leg),
                speed=1.0,
                clock=self.clock,
                sets=s.sets,
                rest_s=s.rest_s,
            )
            self.sources.append(src)
            return src

        self.app = GlideApp(
            mode="demo",
            make_source=make_source,
            setup=setup or SessionSetup(reps_per_set=3, sets=2, rest_s=10.0),
            skip_setup=skip_setup,
            save=save,
            data_root=tmp_path / "data",
            started_at=lambda: STARTED,
            fps=fps,
            bell=bell,
        )
        self.notes: list[str] = []
        self.app.notify = lambda message, **kw: self.notes.append(str(message))

    async def step(self, pilot, seconds: float, until=None) -> None:
        """Advance the clock in 0.5 s steps (stopping early once ``until()`` holds), then draw."""
        for _ in range(int(round(seconds / 0.5))):
            await self.clock.advance(0.5)
            if until is not None and until():
                break
        await self.frame(pilot)

    async def frame(self, pilot) -> None:
        await pilot.pause()
        self.app.tick()
        await pilot.pause()

    @property
    def session(self):
        return self.app.session

    def live(self) -> LiveScreen:
        return next(s for s in self.app.screen_stack if isinstance(s, LiveScreen))


def run(coro):
    return asyncio.run(coro)


# --------------------------------------------------------------------------- setup
def test_setup_screen_validates_then_starts_the_chosen_plan(tmp_path):
    rig = Rig(tmp_path, skip_setup=False)

    async def go():
        async with rig.app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert isinstance(rig.app.screen, SetupScreen)
            text = screen_text(rig.app)
            assert "Strap the sensor on the SHIN" in text and "glide coaches the exercise" in text
            scr = rig.app.screen
            scr.query_one("#reps").value = "0"
            await pilot.press("enter")  # the Start button has the focus
            await pilot.pause()
            assert isinstance(rig.app.screen, SetupScreen)  # refused, with the reason
            assert "reps per set" in str(scr.query_one("#setup-errors").render())
            scr.query_one("#reps").value = "4"
            scr.query_one("#sets").value = "2"
            scr.query_one("#down").value = "3"
            scr.query_one("#rest").value = "15"
            scr.query_one("#posture-seated").value = True
            scr.query_one("#leg-right").value = True
            await pilot.pause()
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert isinstance(rig.app.screen, CalibrationScreen)
            s = rig.session.setup
            assert (s.reps_per_set, s.sets, s.down_s, s.rest_s, s.posture, s.leg) == (
                4,
                2,
                3.0,
                15.0,
                "seated",
                "right",
            )
            assert rig.session.pipeline.cfg.posture == "seated"
            assert rig.sources[0].meta["posture"] == "seated" and rig.sources[0].meta["leg"] == "right"

    run(go())


# --------------------------------------------------------------------------- calibration -> live
def test_calibration_progress_then_dashboard_with_reps_phase_gauge_and_plot(tmp_path):
    rig = Rig(tmp_path)

    async def go():
        async with rig.app.run_test(size=SIZE) as pilot:
            await rig.frame(pilot)
            assert isinstance(rig.app.screen, CalibrationScreen)
            await rig.step(pilot, 3.0)
            cal = rig.session.calibration
            assert cal.samples > 0 and cal.step >= 1 and 0.1 <= cal.progress < 1.0
            assert "hold still" in screen_text(rig.app)
            await rig.step(pilot, 30.0, until=lambda: rig.session.calibration.calibrated)
            assert isinstance(rig.app.screen, LiveScreen), "the dashboard follows calibration by itself"
            await rig.step(pilot, 20.0, until=lambda: len(rig.session.reps) >= 1)
            live = rig.live()
            assert live.query_one("#rep-count", BigText).text == f"{rig.session.reps_in_set}/3"
            assert rig.session.reps_in_set >= 1
            assert live.query_one("#gauge", AngleGauge).angle is not None
            plot = live.query_one("#plot", AnglePlot)
            assert len(plot._t) > 100 and plot._t[-1] - plot._t[0] <= 20.0
            # the phase panel carries exactly one phase colour class
            panel = live.query_one("#phase-panel")
            assert sum(panel.has_class(c) for c in ("flex-down", "extend-up", "hold", "ready")) == 1
            text = screen_text(rig.app)
            for needle in (
                "REPS",
                "PHASE",
                "SHIN ANGLE",
                "TEMPO",
                "LAST 15 s",
                "glide simulator",
                "Hz",
                "loss",
                "Start/pause set",
                "End set",
                "Recalibrate",
                "Export",
                "glide coaches the exercise",
            ):
                assert needle in text, needle

    run(go())


def test_a_rep_is_drawn_when_counted_not_on_the_next_frame(tmp_path):
    rig = Rig(tmp_path, fps=0.01)  # the frame timer practically never fires

    async def go():
        async with rig.app.run_test(size=SIZE) as pilot:
            await rig.frame(pilot)
            frames_before = rig.app.frames
            for _ in range(120):
                await rig.clock.advance(0.5)
                if rig.session.reps:
                    break
            assert rig.session.reps, "no rep within 60 s"
            # drawn by the worker in the same step that counted it (no frame tick since)
            assert rig.live().query_one("#rep-count", BigText).text.startswith(f"{rig.session.reps_in_set}/")
            assert rig.app.frames > frames_before

    run(go())


def test_bell_rings_once_per_counted_rep(tmp_path):
    rig = Rig(tmp_path, bell=True)
    rings = []
    rig.app.bell = lambda: rings.append(1)

    async def go():
        async with rig.app.run_test(size=SIZE) as pilot:
            await rig.step(pilot, 40.0, until=lambda: len(rig.session.reps) >= 2)
            assert len(rings) == len(rig.session.reps) >= 2

    run(go())


# --------------------------------------------------------------------------- sets, rest, summary
def test_full_session_sets_rest_timer_summary_and_private_files(tmp_path):
    rig = Rig(tmp_path)

    async def go():
        async with rig.app.run_test(size=SIZE) as pilot:
            await rig.step(pilot, 90.0, until=lambda: rig.session.state == "resting")
            assert isinstance(rig.app.screen, SetSummaryScreen)
            text = screen_text(rig.app)
            assert "Set 1 of 2 done: 3 reps" in text and "REST" in text and "Rest" in text
            left = rig.session.rest_left
            assert 0 < left <= 10 + 1e-9  # the set can end exactly on a step boundary
            await rig.step(pilot, 2.0)
            assert rig.session.rest_left < left  # the timer runs in sensor time
            await pilot.press("space")  # start the next set now
            await rig.frame(pilot)
            assert isinstance(rig.app.screen, LiveScreen) and rig.session.state == "active"
            assert rig.session.set_index == 2
            await rig.step(pilot, 120.0, until=lambda: rig.session.state == "done")
            assert isinstance(rig.app.screen, SessionSummaryScreen)
            await rig.frame(pilot)
            scr = rig.app.screen
            assert scr.query_one("#reps-table").row_count == len(rig.session.reps) == 6
            assert scr.query_one("#sets-table").row_count == 2
            assert "Saved to" in screen_text(rig.app)
            await pilot.press("escape")  # back to the dashboard to look around
            await rig.frame(pilot)
            assert isinstance(rig.app.screen, LiveScreen)
            await pilot.press("q")
            await pilot.pause()
        folder = rig.app.saved_to
        assert folder is not None and folder.name == "2026-01-02_09-30-00"
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        assert stat.S_IMODE(folder.parent.stat().st_mode) == 0o700
        names = sorted(p.name for p in folder.iterdir())
        assert names == ["reps.csv", "reps.json", "session.json", "trace.csv"]
        for p in folder.iterdir():
            assert stat.S_IMODE(p.stat().st_mode) == 0o600, p
        rows = list(csv.DictReader((folder / "reps.csv").read_text().splitlines()))
        assert list(rows[0]) == [*REP_FIELDS, "ankle_swing_deg", "ankle_ok"] and len(rows) == 6  # empty: no foot
        reps = json.loads((folder / "reps.json").read_text())
        assert reps["format"] == "glide-reps/1" and [r["index"] for r in reps["reps"]] == list(range(1, 7))
        assert [s["reps"] for s in reps["sets"]] == [[1, 2, 3], [4, 5, 6]]
        summary = json.loads((folder / "session.json").read_text())
        assert summary["rep_count"] == 6 and summary["complete"] and len(summary["sets"]) == 2
        assert summary["setup"]["reps_per_set"] == 3
        # the recorded trace replays to the same reps
        from tui.commands.analyze import analyze_trace as _analyze_trace

        pipe, *_ = _analyze_trace(str(folder / "trace.csv"), None)
        assert len(pipe.reps) == 6

    run(go())


def test_pause_holds_the_simulated_sensor_and_end_set_starts_the_rest(tmp_path):
    rig = Rig(tmp_path, setup=SessionSetup(reps_per_set=5, sets=2, rest_s=20.0))

    async def go():
        async with rig.app.run_test(size=SIZE) as pilot:
            await pilot.press("enter")  # skip the calibration screen
            await pilot.press("e")
            assert rig.notes and "No reps" in rig.notes[-1]
            await rig.step(pilot, 60.0, until=lambda: len(rig.session.reps) >= 1)
            await pilot.press("space")
            await rig.frame(pilot)
            assert rig.session.state == "paused" and rig.sources[0].paused
            n = rig.session.n_samples
            await rig.step(pilot, 5.0)
            assert rig.session.n_samples == n  # playback is held
            assert "PAUSED" in screen_text(rig.app) or rig.live().query_one("#phase-panel").has_class("paused")
            await pilot.press("space")
            await rig.step(pilot, 1.0)
            assert rig.session.state == "active" and rig.session.n_samples > n
            await pilot.press("e")
            await rig.frame(pilot)
            assert rig.session.state == "resting" and isinstance(rig.app.screen, SetSummaryScreen)

    run(go())


def test_recalibrate_and_export_keys(tmp_path):
    rig = Rig(tmp_path)

    async def go():
        async with rig.app.run_test(size=SIZE) as pilot:
            await rig.step(pilot, 40.0, until=lambda: len(rig.session.reps) >= 1)
            old = rig.session.pipeline
            await pilot.press("x")
            assert rig.notes and rig.notes[-1].startswith("Saved to")
            folder = rig.session.files.folder
            assert (folder / "reps.csv").exists() and (folder / "session.json").exists()
            await pilot.press("c")
            await rig.frame(pilot)
            assert isinstance(rig.app.screen, CalibrationScreen)
            assert rig.session.pipeline is not old and rig.session.state == "calibrating"
            assert rig.session.reps, "counted reps survive a recalibration"
            await pilot.press("enter")  # go to the dashboard without waiting
            await rig.frame(pilot)
            assert isinstance(rig.app.screen, LiveScreen)

    run(go())


def test_command_palette_offers_the_session_actions(tmp_path):
    rig = Rig(tmp_path)

    async def go():
        async with rig.app.run_test(size=SIZE) as pilot:
            await rig.frame(pilot)
            titles = [c.title for c in rig.app.get_system_commands(rig.app.screen)]
            for t in ("Start / pause set", "End set", "Recalibrate", "Export", "Session summary"):
                assert t in titles
            assert any(t.startswith("Quit") for t in titles)  # Textual's own ("Quit the application" before 4)
            await pilot.press("ctrl+p")
            await pilot.pause()
            assert rig.app.screen.__class__.__name__ == "CommandPalette"

    run(go())


# --------------------------------------------------------------------------- replay
def test_replay_of_a_recorded_trace_counts_like_analyze(tmp_path):
    from tui.cli import main
    from tui.commands.analyze import analyze_trace as _analyze_trace

    trace = tmp_path / "t.csv"
    assert main(["simulate", "-o", str(trace), "--reps", "4", "--seed", "3", "--rate", "50"]) == 0
    clock = ManualClock()
    src = ReplaySource(trace, speed=4.0, clock=clock)
    app = GlideApp(
        mode="replay",
        make_source=lambda _s: src,
        skip_setup=True,
        save=False,
        setup=SessionSetup(reps_per_set=10, sets=1, posture=src.meta.get("posture", "supine")),
    )

    async def go():
        async with app.run_test(size=SIZE) as pilot:
            for _ in range(200):
                await clock.advance(0.5)
                if app.session.source_state == "ended":
                    break
            app.tick()
            await pilot.pause()
            assert app.session.source_state == "ended"
            assert isinstance(app.screen, SessionSummaryScreen)
            assert "source ended" in screen_text(app)

    run(go())
    pipe, *_ = _analyze_trace(str(trace), None)
    assert len(app.session.reps) == len(pipe.reps) == 4
    assert [r.end_s for r in app.session.reps] == [r.end_s for r in pipe.reps]


# --------------------------------------------------------------------------- live: picker, errors
class FakeScanner:
    def __init__(self, devices=None, error=None, clock=None):
        self.devices, self.error, self.clock = devices or [], error, clock
        self.connected = []

    async def scan(self, timeout_s):
        if self.error:
            raise self.error
        return list(self.devices)

    async def connect(self, device):
        self.connected.append(device.address)
        return SimulatedSource(SimConfig(reps=3, seed=2), speed=1.0, clock=self.clock or ManualClock())


def test_device_picker_lists_remembers_and_connects(tmp_path):
    from tui import storage

    data = tmp_path / "data"
    storage.save_last_device({"address": "AA:02", "name": "Movesense 2"}, data)
    devices = [
        DeviceInfo("AA:01", "WT901BLE", "WitMotion", -50, 80),
        DeviceInfo("AA:02", "Movesense 2", "Movesense", -70, None),
    ]
    scanner = FakeScanner(devices)
    app = GlideApp(mode="live", scanner=scanner, data_root=data, started_at=lambda: STARTED)

    async def go():
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await pilot.pause()
            assert isinstance(app.screen, DevicePickerScreen)
            table = app.screen.query_one("#devices")
            assert table.row_count == 2
            assert table.get_row_at(0)[:3] == ["★", "Movesense 2", "Movesense"]  # last used first
            text = screen_text(app)
            assert "-50 dBm" in text and "80 %" in text and "WitMotion" in text
            await pilot.press("down", "enter")
            for _ in range(5):
                await pilot.pause()
            assert scanner.connected == ["AA:01"]
            assert isinstance(app.screen, SetupScreen)

    run(go())
    last = storage.load_last_device(data)
    assert last["address"] == "AA:01"
    assert stat.S_IMODE((data / "last_device.json").stat().st_mode) == 0o600


def test_scan_failure_is_shown_not_raised(tmp_path):
    app = GlideApp(
        mode="live", scanner=FakeScanner(error=RuntimeError("No Bluetooth adapters found.")), data_root=tmp_path
    )

    async def go():
        async with app.run_test(size=SIZE) as pilot:
            for _ in range(3):
                await pilot.pause()
            assert "Bluetooth not available" in screen_text(app)
            assert "No Bluetooth adapters found" in screen_text(app)

    run(go())


def test_scan_failure_says_not_available_once(tmp_path):
    error = RuntimeError("Bluetooth is not available: no adapter")
    app = GlideApp(mode="live", scanner=FakeScanner(error=error), data_root=tmp_path)

    async def go():
        async with app.run_test(size=SIZE) as pilot:
            for _ in range(3):
                await pilot.pause()
            text = screen_text(app).lower()
            assert text.count("not available") == 1 and "no adapter" in text

    run(go())


def test_device_picker_keeps_every_column_at_80_columns(tmp_path):
    devices = [
        DeviceInfo("F0:CA:12:34:56:78", "WT901BLE68", "WitMotion BLE 5.0", -50, None),
        DeviceInfo("0C:8C:DC:12:34:56", "Movesense 220330000123", "Movesense", -71, None),
    ]
    app = GlideApp(mode="live", scanner=FakeScanner(devices), data_root=tmp_path / "data")

    async def go():
        async with app.run_test(size=(80, 24)) as pilot:
            for _ in range(3):
                await pilot.pause()
            text = screen_text(app)
            for d in devices:
                row = next(line for line in text.splitlines() if d.name in line)
                assert d.family in row and f"{d.rssi_dbm} dBm" in row and d.address in row, row
            assert "battery" not in text  # no sensor advertised it: no column of dashes

    run(go())


def test_ctrl_c_quits_and_saves(tmp_path):
    rig = Rig(tmp_path)

    async def go():
        async with rig.app.run_test(size=SIZE) as pilot:
            await rig.step(pilot, 30.0, until=lambda: len(rig.session.reps) >= 1)
            await pilot.press("ctrl+c")
            await pilot.pause()

    run(go())
    assert rig.app.saved_to is not None and rig.app.return_code in (None, 0)
    doc = json.loads((rig.app.saved_to / "session.json").read_text())
    assert doc["rep_count"] == len(rig.session.reps) >= 1


def test_numbers_never_show_a_negative_zero():
    from tui.text import deg, fmt

    assert deg(-0.4) == "0" and deg(-0.6) == "-1" and fmt(-0.04) == "0.0" and fmt(-0.04, "5.1f") == "  0.0"
    assert fmt(None) == "–" and fmt(3.25) == "3.2"


def test_live_without_a_transport_says_so(tmp_path):
    app = GlideApp(
        mode="live", ble_error="The Bluetooth LE transport (sensor.ble.link) is not yet available.", data_root=tmp_path
    )

    async def go():
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert isinstance(app.screen, UnavailableScreen)
            text = screen_text(app)
            assert "Live sensor not available" in text and "not yet available" in text
            assert "glide demo" in text
            await pilot.press("q")

    run(go())


# --------------------------------------------------------------------------- snapshots
def _snapshot_rig(tmp_path):
    return Rig(tmp_path, save=False, setup=SessionSetup(reps_per_set=3, sets=2, rest_s=10.0))


def test_snapshots_of_the_main_screens(tmp_path):
    rig = _snapshot_rig(tmp_path)
    rig.app.skip_setup = False

    async def go():
        async with rig.app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            check_snapshot("setup", screen_text(rig.app))
            await pilot.press("ctrl+s")
            await rig.step(pilot, 3.0)
            check_snapshot("calibration", screen_text(rig.app))
            await rig.step(pilot, 40.0, until=lambda: len(rig.session.reps) >= 2)
            await rig.step(pilot, 1.5)
            check_snapshot("live", screen_text(rig.app))
            await rig.step(pilot, 60.0, until=lambda: rig.session.state == "resting")
            await rig.step(pilot, 2.0)
            check_snapshot("set_summary", screen_text(rig.app))
            await rig.step(pilot, 120.0, until=lambda: rig.session.state == "done")
            await rig.frame(pilot)
            check_snapshot("session_summary", screen_text(rig.app))

    run(go())


@pytest.mark.parametrize("posture", ["seated"])
def test_seated_dashboard_counts_and_labels(tmp_path, posture):
    rig = Rig(tmp_path, save=False, setup=SessionSetup(reps_per_set=3, sets=1, posture=posture))

    async def go():
        async with rig.app.run_test(size=(80, 24)) as pilot:
            await rig.step(pilot, 60.0, until=lambda: len(rig.session.reps) >= 2)
            assert rig.session.reps and rig.session.pipeline.cfg.posture == "seated"
            text = screen_text(rig.app)
            assert "REPS" in text and "of 3 · set 1/1" in text  # the narrow layout

    run(go())
