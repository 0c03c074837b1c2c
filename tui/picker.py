"""Before a live session: the device picker (scan, list, connect) and the screen that says plainly
when there is no usable Bluetooth LE transport. Views only; the app does the connecting.
"""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label, Static

from sensor.core.coach import SAFETY_NOTE
from sensor.io.sources import DeviceInfo

from .text import glide_app, plural


def _unavailable_text(error: object) -> str:
    """One line for a scan that failed, without saying "not available" twice."""
    text = str(error).strip() or error.__class__.__name__
    return text if "not available" in text.lower() else f"Bluetooth not available: {text}"


# =========================================================================== device picker
class DevicePickerScreen(Screen):
    """Scan for sensors, list them with family and signal (and battery, when advertised), connect to one.

    An optional second sensor on the foot (issue 16): ``f`` marks the highlighted row as the foot
    sensor (``F`` in the first column; ``f`` again unmarks it), Enter connects the highlighted row
    as the shin sensor together with the marked foot sensor. ``foot`` (a name or address, from
    ``glide live --foot-device``) marks the first scan result that matches it.
    """

    BINDINGS = [
        Binding("enter", "connect", "Connect", priority=True),
        Binding("f", "mark_foot", "Foot sensor"),
        Binding("r", "rescan", "Rescan"),
        Binding("q", "app.quit", "Quit"),
    ]

    def __init__(self, scanner, last_device: dict | None = None, foot: str | None = None) -> None:
        super().__init__()
        self.scanner = scanner
        self.last_device = last_device
        self.foot_target = foot
        self.foot: DeviceInfo | None = None
        self.devices: list[DeviceInfo] = []

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="picker"):
            yield Label("Choose your sensor", classes="screen-title")
            yield Static("", id="picker-status")
            yield DataTable(id="devices", cursor_type="row", zebra_stripes=True)
            yield Static(
                "Turn the sensor on and keep it near. Enter connects, r scans again; "
                "f marks an optional second sensor on the foot (F).",
                classes="hint",
            )
        yield Static(SAFETY_NOTE, classes="safety")
        yield Footer()

    def on_mount(self) -> None:
        self.scan()

    def action_rescan(self) -> None:
        self.scan()

    @work(exclusive=True, group="scan")
    async def scan(self) -> None:
        status = self.query_one("#picker-status", Static)
        status.update("Scanning for sensors...")
        try:
            found = list(await self.scanner.scan(5.0))
        except Exception as e:
            status.update(_unavailable_text(e))
            status.add_class("error")
            return
        status.remove_class("error")
        last = (self.last_device or {}).get("address")
        found.sort(key=lambda d: (d.address != last, -(d.rssi_dbm if d.rssi_dbm is not None else -999)))
        self.devices = found
        if self.foot_target and self.foot is None:
            self.foot = _matching(found, self.foot_target)
        elif self.foot is not None:  # keep the mark across a rescan if the sensor is still there
            self.foot = next((d for d in found if d.address == self.foot.address), None)
        self._fill_table()
        if found:
            status.update(
                f"{plural(len(found), 'sensor')} found"
                + (" (★ last used)" if any(d.address == last for d in found) else "")
                + self._foot_text()
            )
        else:
            status.update("No sensor found. Is it on and charged? Press r to scan again.")

    def _foot_text(self) -> str:
        return f"; foot: {self.foot.name}" if self.foot is not None else ""

    def _fill_table(self) -> None:
        found = self.devices
        last = (self.last_device or {}).get("address")
        foot = self.foot.address if self.foot is not None else None
        # A battery column only when some sensor advertises its level: most report it only once
        # connected (the status bar shows it then), and a column of dashes says nothing.
        battery = any(d.battery_pct is not None for d in found)
        table = self.query_one("#devices", DataTable)
        row = table.cursor_row  # a mark redraws the table: the highlighted row stays
        table.clear(columns=True)
        table.add_columns("", "name", "family", "signal", *(["battery"] if battery else []), "address")
        for d in found:
            signal = "–" if d.rssi_dbm is None else f"{d.rssi_dbm} dBm"
            level = ["–" if d.battery_pct is None else f"{d.battery_pct} %"] if battery else []
            mark = ("★" if d.address == last else "") + ("F" if d.address == foot else "")
            table.add_row(mark, d.name, d.family, signal, *level, d.address)
        if found and row > 0:
            table.move_cursor(row=min(row, len(found) - 1))

    def action_mark_foot(self) -> None:
        if not self.devices:
            return
        row = self.query_one("#devices", DataTable).cursor_row
        device = self.devices[min(max(row, 0), len(self.devices) - 1)]
        same = self.foot is not None and self.foot.address == device.address
        self.foot = None if same else device
        self._fill_table()
        text = f"{device.name} is no longer the foot sensor" if same else f"foot sensor: {device.name}"
        self.query_one("#picker-status", Static).update(
            text + (". Enter connects the shin sensor." if not same else "")
        )

    def action_connect(self) -> None:
        if not self.devices:
            return
        row = self.query_one("#devices", DataTable).cursor_row
        device = self.devices[min(max(row, 0), len(self.devices) - 1)]
        status = self.query_one("#picker-status", Static)
        if self.foot is not None and self.foot.address == device.address:
            status.update("That is the foot sensor: highlight the shin sensor and press Enter (f unmarks).")
            return
        if self.foot is None:
            status.update(f"Connecting to {device.name}...")
            glide_app(self).connect_device(device)
        else:
            status.update(f"Connecting to {device.name} and, on the foot, {self.foot.name}...")
            glide_app(self).connect_device(device, self.foot)


def _matching(found: list[DeviceInfo], target: str) -> DeviceInfo | None:
    """The scan result a name or address means: address or exact name, then part of a name."""
    t = target.lower()
    exact = [d for d in found if t in (d.address.lower(), d.name.lower())]
    near = exact or [d for d in found if t in d.name.lower()]
    return near[0] if near else None


class UnavailableScreen(Screen):
    """Live mode without a usable BLE transport: say so plainly and point to what works."""

    BINDINGS = [Binding("q", "app.quit", "Quit"), Binding("escape", "app.quit", "Quit", show=False)]

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason

    def compose(self) -> ComposeResult:
        yield Header()
        with Center(id="unavailable"):
            yield Static(
                "[b]Live sensor not available[/b]\n\n"
                f"{self.reason}\n\n"
                "glide needs a Bluetooth LE adapter that the system can use (on Linux: BlueZ, "
                "with the adapter powered on). Without one:\n\n"
                "  [b]glide demo[/b]            the dashboard on the built-in simulated sensor\n"
                "  [b]glide replay TRACE[/b]    the dashboard on a recorded trace\n",
                id="unavailable-text",
            )
        yield Static(SAFETY_NOTE, classes="safety")
        yield Footer()
