"""The live sensor as a dashboard source: adapts the BLE transport (``sensor.ble.link``) to ``Source``.

The transport is written separately and may not be there (or may fail to load, or find no
adapter); every such case becomes :class:`BleUnavailable` with a sentence a person can act on,
and the dashboard shows it instead of a traceback.

Two transport shapes are accepted: ``connect(address) -> Source`` (a source already), or a
``SensorLink(target, on_chunk=..., on_status=...)`` with ``run()``/``stop()`` and ``stats``,
wrapped here by :class:`LinkSource`. Scan results may be :class:`DeviceInfo` or any object with
``address``, ``name``, ``rssi``/``rssi_dbm`` and ``family``/``family_name``.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import AsyncIterator

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

    def __init__(self, ble, device: DeviceInfo) -> None:
        self.name = device.name
        self.rate_hz = None
        self.meta = {"device": device.name, "address": device.address, "family": device.family}
        self.status = SourceStatus(
            device.name, state="connecting", rssi_dbm=device.rssi_dbm, battery_pct=device.battery_pct
        )
        self._queue: asyncio.Queue[ImuChunk] = asyncio.Queue()
        self.link = ble.SensorLink(device.address, on_chunk=self._queue.put_nowait, on_status=self._on_status)
        self._task: asyncio.Task | None = None

    def _on_status(self, kind: str, detail: str) -> None:
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
        try:
            while True:
                get = asyncio.ensure_future(self._queue.get())
                done, _ = await asyncio.wait({get, self._task}, return_when=asyncio.FIRST_COMPLETED)
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


class ModuleScanner:
    """The device picker's view of the transport: ``scan`` and ``connect``."""

    def __init__(self, module) -> None:
        self.module = module

    async def scan(self, timeout_s: float) -> list[DeviceInfo]:
        return [to_device_info(d) for d in await self.module.scan(timeout_s)]

    async def connect(self, device: DeviceInfo) -> Source:
        connect = getattr(self.module, "connect", None)
        if callable(connect):
            return await connect(device.address)
        return LinkSource(self.module, device)


def load_ble_scanner() -> ModuleScanner:
    """The BLE transport, or BleUnavailable with a reason a person can act on."""
    try:
        mod = importlib.import_module("sensor.ble.link")
    except ModuleNotFoundError as e:
        if e.name == "sensor.ble.link":
            raise BleUnavailable(
                "The Bluetooth LE transport (sensor.ble.link) is not yet available in this version of glide."
            ) from None
        raise BleUnavailable(f"The Bluetooth LE transport cannot load: {e}") from None
    except Exception as e:
        raise BleUnavailable(f"The Bluetooth LE transport failed to start: {e.__class__.__name__}: {e}") from None
    if not callable(getattr(mod, "scan", None)) or not (
        callable(getattr(mod, "connect", None)) or callable(getattr(mod, "SensorLink", None))
    ):
        raise BleUnavailable("The Bluetooth LE transport (sensor.ble.link) cannot scan and connect yet.")
    return ModuleScanner(mod)
