"""The dashboard's device picker with an optional foot sensor (issue 16), and `glide live --foot-device`.

Textual Pilot drives the picker: ``f`` marks the highlighted sensor as the foot one, Enter
connects the highlighted one as the shin together with it; everything fits 80 columns.
"""

import asyncio

from test_tui import screen_text

from sensor.io.sources import DeviceInfo, ManualClock
from sensor.sim.simulator import SimConfig
from sensor.sim.source import SimulatedSource
from tui.app import GlideApp
from tui.picker import DevicePickerScreen
from tui.screens import SetupScreen

DEVICES = [
    DeviceInfo("0C:8C:DC:12:34:56", "Movesense 220330000123", "Movesense", -55, None),
    DeviceInfo("F0:CA:12:34:56:78", "WT901BLE68", "WitMotion BLE 5.0", -71, None),
]


class FootScanner:
    def __init__(self, devices):
        self.devices = devices
        self.connected = []

    async def scan(self, timeout_s):
        return list(self.devices)

    async def connect(self, device, foot=None):
        self.connected.append((device.address, foot.address if foot else None))
        return SimulatedSource(SimConfig(reps=3, seed=2), speed=1.0, clock=ManualClock())


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 60))


async def _settle(pilot, n=4):
    for _ in range(n):
        await pilot.pause()


def _row(text, name):
    """The table row of a sensor (not the status line that may name it too)."""
    address = next(d.address for d in DEVICES if d.name == name)
    return next(line for line in text.splitlines() if name in line and address in line)


def test_f_marks_the_foot_sensor_and_enter_connects_both(tmp_path):
    scanner = FootScanner(DEVICES)
    app = GlideApp(mode="live", scanner=scanner, data_root=tmp_path / "data")

    async def go():
        async with app.run_test(size=(80, 24)) as pilot:
            await _settle(pilot)
            assert isinstance(app.screen, DevicePickerScreen)
            await pilot.press("down", "f")
            await _settle(pilot, 2)
            text = screen_text(app)
            assert "foot sensor: WT901BLE68" in text
            foot_row = _row(text, "WT901BLE68")
            assert foot_row.split()[0] == "F"
            for d in DEVICES:  # every column still fits 80 columns
                row = _row(text, d.name)
                assert d.family in row and f"{d.rssi_dbm} dBm" in row and d.address in row, row
            await pilot.press("enter")  # still on the foot's row: refused, said why
            await _settle(pilot, 2)
            assert scanner.connected == []
            assert "That is the foot sensor" in screen_text(app)
            await pilot.press("up", "enter")
            await _settle(pilot, 5)
            assert scanner.connected == [(DEVICES[0].address, DEVICES[1].address)]
            assert isinstance(app.screen, SetupScreen)
            assert "+ foot WT901BLE68" in app.sub_title

    run(go())


def test_f_again_unmarks_and_enter_connects_the_shin_alone(tmp_path):
    scanner = FootScanner(DEVICES)
    app = GlideApp(mode="live", scanner=scanner, data_root=tmp_path / "data")

    async def go():
        async with app.run_test(size=(80, 24)) as pilot:
            await _settle(pilot)
            await pilot.press("f", "f", "enter")
            await _settle(pilot, 5)
            assert scanner.connected == [(DEVICES[0].address, None)]

    run(go())


def test_foot_device_option_marks_the_matching_sensor(tmp_path):
    scanner = FootScanner(DEVICES)
    app = GlideApp(mode="live", scanner=scanner, data_root=tmp_path / "data", foot_device="wt901")

    async def go():
        async with app.run_test(size=(80, 24)) as pilot:
            await _settle(pilot)
            text = screen_text(app)
            assert _row(text, "WT901BLE68").split()[0] == "F" and "foot: WT901BLE68" in text
            await pilot.press("enter")
            await _settle(pilot, 5)
            assert scanner.connected == [(DEVICES[0].address, DEVICES[1].address)]

    run(go())


def test_live_foot_device_option_is_parsed_and_checked(capsys):
    from tui.cli import build_parser, main

    args = build_parser().parse_args(["live", "--device", "AA", "--foot-device", "Foot 1"])
    assert (args.device, args.foot_device) == ("AA", "Foot 1")
    assert build_parser().parse_args(["live"]).foot_device is None
    assert main(["live", "--foot-device", ""]) == 2
    err = capsys.readouterr().err
    assert "--foot-device" in err and "Traceback" not in err
