"""The Bluetooth LE transport: bleak in, ImuChunks out. A thin async shell around the protocols.

Everything that understands bytes lives in ``sensor.protocols``; this module only finds devices,
connects, writes the commands a family asks for, subscribes, and hands each notification to the
family's decoder. It also owns the things only a transport can know about:

* reconnecting with exponential backoff after a disconnect, and a watchdog that treats a
  connected-but-silent device as disconnected;
* one continuous sample clock across reconnects: each connection gets a fresh decoder whose
  times start anew, so the first sample after a reconnect is placed after the last one by the
  time that passed on the host's clock (the gap is kept, and reported);
* live statistics: effective sample rate, estimated packet loss, battery.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sensor.core.samples import ImuChunk
from sensor.protocols.decoding import Command, Decoder
from sensor.protocols.family import DeviceFamily
from sensor.protocols.registry import FAMILIES, match_family
from sensor.protocols.uuids import normalize_uuid

log = logging.getLogger(__name__)


class BluetoothUnavailable(Exception):
    """No adapter, Bluetooth switched off, or no access to the Bluetooth service."""


class SensorNotFound(Exception):
    """No supported sensor (or none matching the requested name/address) was seen."""


class DeviceRefused(Exception):
    """The sensor answered a start command with an error (e.g. a Polar control-point
    ERROR_INVALID_SAMPLE_RATE). Not retried: reconnecting would get the same answer. The text
    is one sentence for a person: the device, the vendor SDK's error name, what to do."""


@dataclass(frozen=True)
class FoundSensor:
    name: str
    address: str
    rssi: int
    family_id: str
    family_name: str


def _bleak() -> Any:
    """bleak, imported on first use (so importing this module never needs Bluetooth)."""
    try:
        import bleak
    except ImportError as e:
        raise BluetoothUnavailable(
            f"Bluetooth LE needs the 'bleak' package ({e}). Without it, try the simulated sensor: glide demo"
        ) from None
    return bleak


def _unavailable(exc: BaseException) -> BluetoothUnavailable:
    text = str(exc) or exc.__class__.__name__
    return BluetoothUnavailable(
        f"Bluetooth is not available ({text}). Is an adapter present and switched on? "
        "Without hardware, try the simulated sensor: glide demo"
    )


async def scan(timeout: float = 4.0) -> list[FoundSensor]:
    """Supported sensors advertising nearby, strongest signal first."""
    bleak = _bleak()
    found: dict[str, FoundSensor] = {}

    def seen(device: Any, adv: Any) -> None:
        name = adv.local_name or device.name or ""
        fam = match_family(name, list(adv.service_uuids or []), dict(adv.manufacturer_data or {}))
        if fam is not None:
            found[device.address] = FoundSensor(
                name or "?", device.address, int(adv.rssi), fam.family_id, fam.display_name
            )

    try:
        async with bleak.BleakScanner(seen):
            await asyncio.sleep(timeout)
    except (bleak.exc.BleakError, OSError, FileNotFoundError) as e:
        raise _unavailable(e) from None
    except Exception as e:  # dbus-fast raises its own errors when there is no system bus
        if e.__class__.__module__.startswith("dbus_fast"):
            raise _unavailable(e) from None
        raise
    return sorted(found.values(), key=lambda f: -f.rssi)


def choose(found: list[FoundSensor], target: str | None) -> FoundSensor:
    """Pick by address, by name (exact, then substring; case-insensitive) or the first found."""
    if not found:
        raise SensorNotFound("no supported sensor found nearby (is it switched on and not connected elsewhere?)")
    if not target:
        return found[0]
    t = target.lower()
    for f in found:
        if f.address.lower() == t or f.name.lower() == t:
            return f
    for f in found:
        if t in f.name.lower():
            return f
    names = ", ".join(f"{f.name} ({f.address})" for f in found)
    raise SensorNotFound(f"no sensor matching {target!r}; found: {names}")


@dataclass
class LinkStats:
    state: str = "idle"  # idle, scanning, connecting, streaming, reconnecting, stopped
    device: str = ""
    family: str = ""
    rate_hz: float = 0.0
    battery_percent: int | None = None
    notifications: int = 0
    samples: int = 0
    lost_samples: int = 0
    reconnects: int = 0
    gaps: int = 0

    @property
    def packet_loss_pct(self) -> float:
        total = self.samples + self.lost_samples
        return 100.0 * self.lost_samples / total if total else 0.0


class SensorLink:
    """Stream one sensor until ``stop()``: connect, configure, reconnect, watch for silence.

    ``on_chunk(chunk)`` receives every decoded ImuChunk, with one continuous time base.
    ``on_status(kind, detail)`` receives transport news: connecting, streaming, disconnected,
    reconnecting, silent, gap, battery, stopped.
    """

    def __init__(
        self,
        target: str | None = None,
        rate_hz: float | None = None,
        *,
        on_chunk: Callable[[ImuChunk], None],
        on_status: Callable[[str, str], None] | None = None,
        scan_timeout: float = 4.0,
        watchdog_s: float = 2.0,
        backoff_s: tuple[float, float] = (0.5, 10.0),
        max_attempts: int | None = None,
        connect_lock: asyncio.Lock | None = None,
    ) -> None:
        self.target = target
        self.rate_req = rate_hz
        self.on_chunk = on_chunk
        self.on_status = on_status or (lambda kind, detail: None)
        self.scan_timeout = scan_timeout
        self.watchdog_s = watchdog_s
        self.backoff = backoff_s
        self.max_attempts = max_attempts
        # Links that share a lock connect one at a time: BlueZ runs one LE connection attempt per
        # adapter (a second one fails with InProgress), and bleak's connect by address scans first.
        self._connect_lock = connect_lock
        self.stats = LinkStats()
        self.sensor: FoundSensor | None = None
        self.family: DeviceFamily | None = None
        self._stop = asyncio.Event()
        self._client = None
        self._decoder: Decoder | None = None
        self._offset: float | None = None
        self._last_t: float | None = None
        self._last_arrival: float | None = None
        self._last_notify = 0.0
        self._lost_before = 0

    def _status(self, kind: str, detail: str = "") -> None:
        self.stats.state = (
            kind if kind in ("scanning", "connecting", "streaming", "reconnecting", "stopped") else self.stats.state
        )
        try:
            self.on_status(kind, detail)
        except Exception:  # a faulty subscriber must not kill the link
            log.exception("status callback failed")

    async def find(self) -> FoundSensor:
        self._status("scanning", f"looking for {self.target or 'a supported sensor'}")
        found = await scan(self.scan_timeout)
        return self.use(choose(found, self.target))

    def use(self, sensor: FoundSensor) -> FoundSensor:
        """Stream this sensor (found by a scan made elsewhere, e.g. one scan for two links)."""
        self.sensor = sensor
        self.family = next(f for f in FAMILIES if f.family_id == sensor.family_id)
        self.stats.device, self.stats.family = sensor.name, self.family.display_name
        return sensor

    async def run(self) -> None:
        """Connect and stream until stop(); reconnects on its own. Raises only if Bluetooth
        is unavailable or no sensor is found (before the first connection)."""
        if self.sensor is None:
            await self.find()
        attempt = 0
        try:
            while not self._stop.is_set():
                try:
                    await self._session()
                    attempt = 0
                except (asyncio.CancelledError, DeviceRefused):
                    raise
                except Exception as e:
                    log.debug("connection attempt failed", exc_info=True)
                    attempt += 1
                    if self.max_attempts is not None and attempt >= self.max_attempts:
                        name = self.sensor.name if self.sensor else "the sensor"
                        raise SensorNotFound(f"could not connect to {name}: {e}") from None
                    delay = min(self.backoff[0] * 2 ** (attempt - 1), self.backoff[1])
                    self.stats.reconnects += 1
                    self._status(
                        "reconnecting", f"attempt {attempt} failed ({e.__class__.__name__}); retrying in {delay:.1f} s"
                    )
                    try:
                        await asyncio.wait_for(self._stop.wait(), delay)
                    except TimeoutError:
                        pass
        finally:
            await self._shutdown()
            self._status("stopped", "")

    async def stop(self) -> None:
        self._stop.set()

    # ------------------------------------------------------------------ one connection
    async def _session(self) -> None:
        try:
            await self._connect_and_stream()
        except DeviceRefused:
            raise  # the link is fine: run() ends with the clean shutdown (stop, unsubscribe, disconnect)
        except BaseException:
            if not self._stop.is_set():
                await self._drop_client()
            raise

    async def _drop_client(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                await asyncio.wait_for(client.disconnect(), 3.0)
            except BaseException:
                log.debug("disconnect after failure failed", exc_info=True)

    async def _connect_and_stream(self) -> None:
        bleak = _bleak()
        fam, sensor = self.family, self.sensor
        if fam is None or sensor is None:
            raise RuntimeError("find() must run before connecting")
        disconnected = asyncio.Event()
        self._status("connecting", f"{sensor.name} ({sensor.address})")
        client = bleak.BleakClient(sensor.address, disconnected_callback=lambda _c: disconnected.set())
        self._client = client
        if self._connect_lock is None:
            await client.connect()
        else:
            async with self._connect_lock:
                await client.connect()
        rate = fam.nearest_rate(self.rate_req or fam.default_rate)
        self.stats.rate_hz = rate
        decoder = self._decoder = fam.make_decoder(rate)
        self._lost_before = self.stats.lost_samples
        self._offset = None
        loop = asyncio.get_running_loop()

        def notified(char: Any, data: bytearray) -> None:
            self._on_notify(normalize_uuid(char.uuid), bytes(data), loop.time())

        for uuid in fam.notify_uuids:
            await client.start_notify(uuid, notified)
        setup = fam.setup_commands()
        for cmd in setup:
            await self._write(client, cmd, fam)
        if setup:
            await self._await_setup_replies(loop, decoder)
        for cmd in fam.start_commands(rate, decoder.device_info):
            await self._write(client, cmd, fam)
            self._check_refused()
        if fam.battery_uuid:
            try:
                level = await client.read_gatt_char(fam.battery_uuid)
                self._on_notify(normalize_uuid(fam.battery_uuid), bytes(level), loop.time())
            except Exception:
                log.debug("battery read failed", exc_info=True)
        self._status("streaming", f"{sensor.name}: {fam.display_name} at {rate:g} Hz")
        self._last_notify = loop.time()
        while not self._stop.is_set():
            self._check_refused()
            if disconnected.is_set():
                raise ConnectionError("device disconnected")
            if loop.time() - self._last_notify > self.watchdog_s:
                self._status("silent", f"no data for {self.watchdog_s:g} s: reconnecting")
                try:
                    await asyncio.wait_for(client.disconnect(), 3.0)
                except Exception:
                    pass
                raise TimeoutError("device went silent")
            try:
                await asyncio.wait_for(disconnected.wait(), 0.1)
            except TimeoutError:
                pass

    def _check_refused(self) -> None:
        """The device refused a start command (its reply is in): report it now, not after the
        watchdog's silence timeout or never (a Polar that streams ACC but refused GYRO)."""
        dec = self._decoder
        if dec is not None and dec.refusal:
            name = self.sensor.name if self.sensor else "the sensor"
            raise DeviceRefused(f"{name}: {dec.refusal}")

    async def _await_setup_replies(
        self, loop: asyncio.AbstractEventLoop, decoder: Decoder, limit_s: float = 2.0, settle_s: float = 0.2
    ) -> None:
        """Some families (MetaWear) answer setup queries with facts the start commands need;
        wait until the decoder has learnt them (device_info filled and stable), or give up."""
        end = loop.time() + limit_s
        seen: dict[str, object] | None = None
        stable_since = loop.time()
        while loop.time() < end:
            info = dict(decoder.device_info)
            if info != seen:
                seen, stable_since = info, loop.time()
            elif info and loop.time() - stable_since >= settle_s:
                return
            await asyncio.sleep(0.05)

    async def _write(self, client: Any, cmd: Command, fam: DeviceFamily) -> None:
        uuid, payload, response = cmd
        await client.write_gatt_char(uuid, payload, response=response)
        if fam.command_delay_s:
            await asyncio.sleep(fam.command_delay_s)

    def _on_notify(self, uuid: str, data: bytes, arrival: float) -> None:
        dec = self._decoder
        if dec is None:
            return
        self._last_notify = arrival
        self.stats.notifications += 1
        chunk = dec.feed(uuid, data, arrival)
        if dec.battery_percent is not None and dec.battery_percent != self.stats.battery_percent:
            self.stats.battery_percent = dec.battery_percent
            self._status("battery", f"{dec.battery_percent}%")
        self.stats.lost_samples = self._lost_before + dec.stats.lost_samples_estimate
        if len(chunk) == 0:
            return
        if self._offset is None:
            if self._last_t is None:
                self._offset = -float(chunk.t[0])
            else:
                # a new connection: keep the host-measured gap, never go back in time
                elapsed = arrival - (self._last_arrival or arrival)
                start = self._last_t + max(elapsed, 1.0 / max(self.stats.rate_hz, 1.0))
                self._offset = start - float(chunk.t[0])
                self.stats.gaps += 1
                self._status("gap", f"{elapsed:.1f} s without data")
        t = chunk.t + self._offset
        chunk = ImuChunk(t, chunk.acc, chunk.gyr)
        self._last_t = float(t[-1])
        self._last_arrival = arrival
        self.stats.samples += len(chunk)
        try:
            self.on_chunk(chunk)
        except Exception:
            log.exception("chunk consumer failed")

    async def _shutdown(self) -> None:
        client, fam = self._client, self.family
        self._client = None
        if client is None or not getattr(client, "is_connected", False):
            return
        try:
            for cmd in fam.stop_commands(self._decoder.device_info if self._decoder else None):
                await asyncio.wait_for(self._write(client, cmd, fam), 2.0)
            for uuid in fam.notify_uuids:
                await asyncio.wait_for(client.stop_notify(uuid), 2.0)
        except Exception:
            log.debug("clean stop failed", exc_info=True)
        try:
            await asyncio.wait_for(client.disconnect(), 3.0)
        except Exception:
            log.debug("disconnect failed", exc_info=True)


def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
