"""The live sensor as a dashboard source: adapts the BLE transport (``sensor.ble.link``) to ``Source``.

When Bluetooth cannot be used (bleak missing, no adapter, no access to BlueZ) the reason becomes
:class:`BleUnavailable` with a sentence a person can act on, and the dashboard shows it instead
of a traceback. :class:`LinkSource` wraps a ``SensorLink`` (``run()``/``stop()``/``stats``);
scan results may be :class:`DeviceInfo` or any object with ``address``, ``name``,
``rssi``/``rssi_dbm`` and ``family``/``family_name``.

SIGTERM and SIGHUP while a live source streams end it like Ctrl-C ends ``glide record``: the
iterator finishes, the link stops the stream, unsubscribes and disconnects.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator, Callable
from typing import Any

from sensor.core.samples import ImuChunk, concat_chunks
from sensor.io.sources import DeviceInfo, Source, SourceStatus

log = logging.getLogger("glide")


class BleUnavailable(Exception):
    """The BLE transport cannot be used (module missing, no adapter...); the text says why."""


def _field(obj, *names, default=None):
    for n in names:
        v = obj.get(n) if isinstance(obj, dict) else getattr(obj, n, None)
        if v is not None:
            return v
    return default


def to_device_info(d) -> DeviceInfo:
    if isinstance(d, DeviceInfo):
        return d
    return DeviceInfo(
        address=str(_field(d, "address", default="?")),
        name=str(_field(d, "name", default="?")),
        family=str(_field(d, "family", "family_name", "family_id", default="?")),
        rssi_dbm=_field(d, "rssi_dbm", "rssi"),
        battery_pct=_field(d, "battery_pct", "battery_percent"),
    )


class LinkSource:
    """A ``sensor.ble.link.SensorLink`` as an async iterator of chunks (never pausable: a live
    sensor keeps streaming; pausing the set only stops the counting)."""

    pausable = False

    def __init__(self, ble, device: DeviceInfo, foot: DeviceInfo | None = None) -> None:
        self.name = device.name
        self.rate_hz: float | None = None
        self.meta: dict[str, object] = {"device": device.name, "address": device.address, "family": device.family}
        self.status = SourceStatus(
            device.name, state="connecting", rssi_dbm=device.rssi_dbm, battery_pct=device.battery_pct
        )
        self._queue: asyncio.Queue[ImuChunk] = asyncio.Queue()
        #: the foot sensor's link (issue 16): None without one, else connecting/streaming/lost/failed
        self.foot_state: str | None = None
        self.foot_notice: str | None = None  # the last thing said about the foot's link
        self.on_notice: Callable[[str], None] | None = None  # e.g. the headless view prints it
        if foot is None:
            self.link = ble.SensorLink(device.address, on_chunk=self._queue.put_nowait, on_status=self._on_status)
        else:  # shin chunks carrying the foot's columns, one time base (sensor.ble.pair)
            pair = getattr(ble, "ShinFootLink", None) or _pair_class()
            self.link = pair(device.address, foot.address, on_chunk=self._queue.put_nowait, on_status=self._on_status)
            self.meta.update(foot_device=foot.name, foot_address=foot.address, foot_family=foot.family)
            self.foot_state = "connecting"
        self._task: asyncio.Task | None = None

    def _on_status(self, kind: str, detail: str) -> None:
        if kind.startswith("foot_"):  # the foot's link never changes the source's own state
            self.foot_state = getattr(self.link, "foot_state", self.foot_state)
            if kind in ("foot_streaming", "foot_lost", "foot_failed"):
                self.foot_notice = detail
                log.info("%s", detail)
                if self.on_notice is not None:
                    self.on_notice(detail)
            return
        if kind in ("connecting", "streaming", "reconnecting", "stopped", "scanning"):
            self.status.state = {"stopped": "ended", "scanning": "connecting"}.get(kind, kind)
        elif kind == "silent":
            self.status.state = "reconnecting"
        self.status.detail = detail
        self._sync()

    def _sync(self) -> None:
        st = getattr(self.link, "stats", None)
        if st is None:
            return
        self.status.battery_pct = getattr(st, "battery_percent", self.status.battery_pct)
        loss = getattr(st, "packet_loss_pct", None)
        self.status.packet_loss_pct = loss if isinstance(loss, (int, float)) else None
        rate = getattr(st, "rate_hz", None)
        if rate:
            self.rate_hz = float(rate)
            self.meta["sample_rate_hz"] = float(rate)

    def __aiter__(self) -> AsyncIterator[ImuChunk]:
        return self._run()

    async def _run(self) -> AsyncIterator[ImuChunk]:
        self._task = asyncio.create_task(self.link.run())
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        installed = []
        for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
            if sig is None:
                continue
            try:
                loop.add_signal_handler(sig, stop.set)
                installed.append(sig)
            except (NotImplementedError, RuntimeError, ValueError):  # not the main thread
                pass
        stopper = asyncio.ensure_future(stop.wait())
        try:
            while True:
                get = asyncio.ensure_future(self._queue.get())
                done, _ = await asyncio.wait({get, self._task, stopper}, return_when=asyncio.FIRST_COMPLETED)
                if stopper in done:  # SIGTERM / SIGHUP: end like Ctrl-C, cleanly
                    get.cancel()
                    self.status.detail = "stopped by a signal"
                    return
                if get not in done:
                    get.cancel()
                    self._task.result()  # raises what ended the link (e.g. no adapter)
                    return
                chunks = [get.result()]
                while not self._queue.empty():  # catch up in one step after a busy moment
                    chunks.append(self._queue.get_nowait())
                self._sync()
                yield concat_chunks(chunks) if len(chunks) > 1 else chunks[0]
        finally:
            stopper.cancel()
            for sig in installed:
                loop.remove_signal_handler(sig)
            await self.aclose()

    async def aclose(self) -> None:
        try:
            await self.link.stop()
        except Exception:
            log.debug("stopping the link failed", exc_info=True)
        task, self._task = self._task, None
        if task is not None and not task.done():
            try:
                await asyncio.wait_for(task, 5.0)
            except (TimeoutError, asyncio.CancelledError, Exception):
                task.cancel()
        self.status.state = "ended"


def _pair_class():
    from sensor.ble.pair import ShinFootLink

    return ShinFootLink


class ModuleScanner:
    """The device picker's view of the transport: ``scan`` and ``connect``. ``module`` is
    ``sensor.ble.link`` (tests pass a stand-in object with the same ``scan`` and ``SensorLink``)."""

    def __init__(self, module: Any) -> None:
        self.module = module

    async def scan(self, timeout_s: float) -> list[DeviceInfo]:
        return [to_device_info(d) for d in await self.module.scan(timeout_s)]

    async def connect(self, device: DeviceInfo, foot: DeviceInfo | None = None) -> Source:
        return LinkSource(self.module, device, foot)


def load_ble_scanner() -> ModuleScanner:
    """The BLE transport, or BleUnavailable with a reason a person can act on."""
    from sensor.ble import link  # imports no Bluetooth library itself: bleak loads on first use

    try:
        import bleak  # noqa: F401  (checked here so that the picker can say so before scanning)
    except ImportError as e:
        raise BleUnavailable(
            f"Bluetooth LE needs the 'bleak' package, which cannot be loaded ({e}). "
            "Reinstall glide with its dependencies, or try the simulated sensor: glide demo"
        ) from None
    return ModuleScanner(link)
