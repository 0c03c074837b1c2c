"""`glide demo | replay | live` from the command line, and the live-sensor adapter."""

from __future__ import annotations

import asyncio
import types
from dataclasses import dataclass

import numpy as np
import pytest

from sensor.core.samples import ImuChunk
from sensor.io.sources import DeviceInfo
from tui import live
from tui.cli import SAFETY_NOTE, main


def test_replay_no_tui_prints_the_reps_of_the_trace(tmp_path, capsys):
    trace = tmp_path / "t.csv"
    assert main(["simulate", "-o", str(trace), "--reps", "3", "--seed", "2", "--rate", "50"]) == 0
    capsys.readouterr()
    assert main(["replay", str(trace), "--speed", "0", "--no-tui"]) == 0
    out = capsys.readouterr().out
    assert SAFETY_NOTE in out and out.count("REP ") == 3 and "3 reps counted" in out


def test_replay_of_a_bad_file_is_one_line_and_exit_2(tmp_path, capsys):
    assert main(["replay", str(tmp_path / "nope.csv")]) == 2
    err = capsys.readouterr().err
    assert "nope.csv" in err and len(err.strip().splitlines()) == 1


def test_demo_with_sets_simulates_the_rests(capsys):
    assert main(["demo", "--no-tui", "--speed", "0", "--reps", "2", "--sets", "2", "--rest", "15", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert out.count("REP ") == 4 and "4 reps counted (4 performed)" in out


def test_live_without_bluetooth_is_a_clear_error(monkeypatch, capsys):
    def unavailable():
        raise live.BleUnavailable("The Bluetooth LE transport (sensor.ble.link) is not yet available.")

    monkeypatch.setattr(live, "load_ble_scanner", unavailable)
    assert main(["live", "--no-tui"]) == 2
    err = capsys.readouterr().err
    assert "not yet available" in err and "glide demo" in err and "Traceback" not in err


def test_bad_plan_is_refused(capsys):
    assert main(["demo", "--no-tui", "--reps", "0"]) == 2
    assert "--reps: must be a whole number from 1 to 100" in capsys.readouterr().err


def test_missing_bleak_is_reported(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_bleak(name, *args, **kwargs):
        if name == "bleak" or name.startswith("bleak."):
            raise ModuleNotFoundError("No module named 'bleak'", name="bleak")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_bleak)
    with pytest.raises(live.BleUnavailable, match="needs the 'bleak' package"):
        live.load_ble_scanner()


# --------------------------------------------------------------------------- the BLE adapter
@dataclass
class FoundSensor:  # the shape sensor.ble.link's scan() returns
    name: str
    address: str
    rssi: int
    family_id: str
    family_name: str


class FakeLink:
    """Stands in for sensor.ble.link.SensorLink: pushes chunks, reports status, then stops."""

    instances: list = []

    def __init__(self, target, rate_hz=None, *, on_chunk, on_status=None, **kw):
        self.target, self.on_chunk, self.on_status = target, on_chunk, on_status
        self.stats = types.SimpleNamespace(battery_percent=None, packet_loss_pct=0.0, rate_hz=0.0)
        self.stopped = False
        FakeLink.instances.append(self)

    async def run(self):
        self.on_status("connecting", "")
        self.stats.rate_hz = 100.0
        self.on_status("streaming", "")
        for k in range(5):
            t = 0.05 * k + np.arange(5) * 0.01
            self.stats.battery_percent = 77
            self.stats.packet_loss_pct = 1.5
            self.on_chunk(ImuChunk(t, np.tile([0, 0, 9.81], (5, 1)), np.zeros((5, 3))))
            await asyncio.sleep(0)
        self.on_status("reconnecting", "attempt 1 failed")
        await asyncio.sleep(0)
        raise ConnectionError("sensor gone")

    async def stop(self):
        self.stopped = True


def test_link_source_streams_chunks_and_status_then_reports_the_failure():
    async def scan(timeout):
        return [FoundSensor("WT901", "AA:BB", -60, "witmotion", "WitMotion WT901")]

    ble = types.SimpleNamespace(scan=scan, SensorLink=FakeLink)
    scanner = live.ModuleScanner(ble)

    async def go():
        found = await scanner.scan(1.0)
        assert found == [DeviceInfo("AA:BB", "WT901", "WitMotion WT901", -60, None)]
        src = await scanner.connect(found[0])
        assert src.pausable is False and src.status.state == "connecting"
        got, states = [], []
        with pytest.raises(ConnectionError, match="sensor gone"):
            async for c in src:
                got.append(c)
                states.append(src.status.state)
        assert sum(len(c) for c in got) == 25
        assert src.status.battery_pct == 77 and src.status.packet_loss_pct == 1.5
        assert src.rate_hz == 100.0 and src.meta["sample_rate_hz"] == 100.0
        assert "streaming" in states and FakeLink.instances[-1].stopped
        assert src.status.state == "ended"

    asyncio.run(go())
