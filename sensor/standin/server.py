"""A BlueZ stand-in: the org.bluez D-Bus API that bleak uses, served on a private bus.

Why: glide's Bluetooth path (bleak's real BlueZ backend, our transport, the decoders, the
pipeline) should be exercised end to end on machines with no Bluetooth adapter: CI, and anyone
trying ``glide scan`` / ``glide record`` / ``glide live`` by hand. bleak talks to BlueZ over the
D-Bus *system* bus; pointing ``DBUS_SYSTEM_BUS_ADDRESS`` at a private ``dbus-daemon`` where this
module owns ``org.bluez`` makes bleak none the wiser.

What it implements (checked against bleak 3.1; see ../shared/research/bluez-standin.md):
``Adapter1`` (discovery), ``Device1`` (connect/disconnect, advertisement properties),
``GattService1`` and ``GattCharacteristic1`` (read, write, StartNotify/StopNotify, notifications
as ``Value`` PropertiesChanged). dbus-fast answers ``GetManagedObjects`` and emits
``InterfacesAdded`` for exported objects by itself.

Each advertised device is an *emulator*: a sans-IO model of one sensor family (the family's
``*Peripheral`` class in ``sensor.protocols``) fed with the simulator's motion. Faults on
request: ``drop(address)`` cuts the link from the device side, ``silence(address, s)`` keeps
the link up but stops notifications.

Run on its own: ``python -m sensor.standin.server`` prints the ``export DBUS_SYSTEM_BUS_ADDRESS=...``
line to paste into another shell, then serves until Ctrl-C.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
from dbus_fast import BusType, DBusError, PropertyAccess, Variant
from dbus_fast.aio import MessageBus
from dbus_fast.service import ServiceInterface, dbus_property, method

from sensor.core.samples import ImuChunk
from sensor.protocols.base import BATTERY_LEVEL_UUID, BATTERY_SERVICE_UUID
from sensor.sim.simulator import SimConfig, simulate_session

ADAPTER_PATH = "/org/bluez/hci0"

_BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:tmpdir={tmpdir}</listen>
  <auth>EXTERNAL</auth>
  <auth>ANONYMOUS</auth>
  <allow_anonymous/>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
    <allow eavesdrop="true"/>
  </policy>
</busconfig>
"""


class PrivateBus:
    """A throwaway ``dbus-daemon`` (Debian package ``dbus``) for one test or one demo."""

    def __init__(self) -> None:
        exe = shutil.which("dbus-daemon")
        if exe is None:
            raise RuntimeError("dbus-daemon not found: install the 'dbus' package (apt-get install dbus)")
        self.tmp = tempfile.TemporaryDirectory(prefix="glide-dbus-")
        cfg = Path(self.tmp.name) / "bus.conf"
        cfg.write_text(_BUS_CONFIG.format(tmpdir=self.tmp.name))
        self.proc = subprocess.Popen(
            [exe, f"--config-file={cfg}", "--print-address", "--nofork"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self.address = self.proc.stdout.readline().strip()
        if not self.address:
            self.close()
            raise RuntimeError("dbus-daemon did not start")

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.tmp.cleanup()


# ------------------------------------------------------------------ emulated devices
class Emulator(Protocol):
    """What the stand-in needs from a per-family device model (all sans-IO).

    Optional, looked up with getattr: ``device_clock`` (bool, default True; False = the device
    sends no timestamps, so it is never played faster than real time) and
    ``on_subscribe(char_uuid, enabled) -> [(char_uuid, bytes)] | None`` (called on
    StartNotify/StopNotify).
    """

    name: str
    address: str
    family_id: str
    adv_uuids: list[str]
    manufacturer_data: dict[int, bytes]
    gatt: list[tuple[str, list[tuple[str, list[str]]]]]  # (service uuid, [(char uuid, flags)])

    @property
    def streaming(self) -> bool: ...
    @property
    def rate_hz(self) -> float: ...
    def on_write(self, char_uuid: str, data: bytes) -> list[tuple[str, bytes]]: ...
    def on_read(self, char_uuid: str) -> bytes: ...
    def on_disconnect(self) -> None: ...
    def packets(self, chunk: ImuChunk) -> list[tuple[str, bytes]]: ...


class GlideEmulator:
    """A device implementing the glide open IMU profile (firmware_specs/glide-open-imu-profile.md)."""

    family_id = "glide"
    rssi = -45  # the strongest in the room, so "the first supported sensor found" is this one

    def __init__(self, name: str = "GlideIMU-sim", address: str = "C0:FF:EE:00:00:01", battery: int = 87) -> None:
        from sensor.protocols import glide_profile as gp

        self.gp = gp
        self.name, self.address, self.battery = name, address, battery
        self.dev = gp.GlidePeripheral()
        self.adv_uuids = [gp.SERVICE_UUID]
        self.manufacturer_data: dict[int, bytes] = {}
        self.gatt = [
            (
                gp.SERVICE_UUID,
                [
                    (gp.DATA_UUID, ["notify"]),
                    (gp.CONTROL_UUID, ["write", "write-without-response"]),
                    (gp.STATUS_UUID, ["read", "notify"]),
                ],
            ),
            (BATTERY_SERVICE_UUID, [(BATTERY_LEVEL_UUID, ["read", "notify"])]),
        ]

    @property
    def streaming(self) -> bool:
        return self.dev.streaming

    @property
    def rate_hz(self) -> float:
        return self.dev.rate_hz

    def on_write(self, char_uuid: str, data: bytes) -> list[tuple[str, bytes]]:
        if char_uuid == self.gp.CONTROL_UUID:
            return [(self.gp.STATUS_UUID, self.dev.handle_control(data))]
        return []

    def on_read(self, char_uuid: str) -> bytes:
        if char_uuid == BATTERY_LEVEL_UUID:
            return bytes([self.battery])
        if char_uuid == self.gp.STATUS_UUID:
            return self.gp.encode_status(self.dev.status())
        return b""

    def on_disconnect(self) -> None:
        self.dev.streaming = False

    def packets(self, chunk: ImuChunk) -> list[tuple[str, bytes]]:
        return [(self.gp.DATA_UUID, p) for p in self.dev.packetize_chunk(chunk)]


def default_emulators() -> list:
    """One emulated sensor per family that has a device model."""
    emus = [GlideEmulator()]
    try:
        from sensor.standin.families import family_emulators  # the other families' device models
    except ImportError:
        return emus
    return emus + family_emulators()


# ------------------------------------------------------------------ D-Bus objects
def _path_for(address: str) -> str:
    return f"{ADAPTER_PATH}/dev_{address.replace(':', '_')}"


class Adapter1(ServiceInterface):
    def __init__(self, standin: BlueZStandin) -> None:
        super().__init__("org.bluez.Adapter1")
        self.s = standin
        self._discovering = False
        self._task: asyncio.Task | None = None

    @method()
    def SetDiscoveryFilter(self, properties: "a{sv}"):
        return None

    @method()
    def StartDiscovery(self):
        self._discovering = True
        self.emit_properties_changed({"Discovering": True})
        self.s.advertise()
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._keep_advertising())

    @method()
    def StopDiscovery(self):
        self._discovering = False
        if self._task is not None:
            self._task.cancel()
            self._task = None
        self.emit_properties_changed({"Discovering": False})

    async def _keep_advertising(self) -> None:
        # A real adapter reports each advertisement it hears, over and over, while discovering.
        while self._discovering:
            await asyncio.sleep(0.1)
            self.s.advertise()

    @method()
    def RemoveDevice(self, device: o):  # noqa: F821
        return None

    @dbus_property(access=PropertyAccess.READ)
    def Address(self) -> s:  # noqa: F821
        return "00:00:5E:00:53:00"

    @dbus_property(access=PropertyAccess.READ)
    def Name(self) -> s:  # noqa: F821
        return "glide-standin"

    @dbus_property(access=PropertyAccess.READ)
    def Powered(self) -> b:  # noqa: F821
        return True

    @dbus_property(access=PropertyAccess.READ)
    def Discovering(self) -> b:  # noqa: F821
        return self._discovering

    @dbus_property(access=PropertyAccess.READ)
    def Roles(self) -> "as":
        return ["central", "peripheral"]


class Device1(ServiceInterface):
    def __init__(self, standin: BlueZStandin, dev: _Dev) -> None:
        super().__init__("org.bluez.Device1")
        self.s, self.d = standin, dev
        self.rssi = int(getattr(dev.emu, "rssi", -60))  # a distinct strength per device: scans sort by it

    @method()
    async def Connect(self):
        if self.d.refuse_connects > 0:
            self.d.refuse_connects -= 1
            raise DBusError("org.bluez.Error.Failed", "le-connection-abort-by-remote")
        await self.s.connect(self.d)

    @method()
    async def Disconnect(self):
        await self.s.disconnect(self.d)

    @dbus_property(access=PropertyAccess.READ)
    def Address(self) -> s:  # noqa: F821
        return self.d.emu.address

    @dbus_property(access=PropertyAccess.READ)
    def AddressType(self) -> s:  # noqa: F821
        return "random"

    @dbus_property(access=PropertyAccess.READ)
    def Name(self) -> s:  # noqa: F821
        return self.d.emu.name

    @dbus_property(access=PropertyAccess.READ)
    def Alias(self) -> s:  # noqa: F821
        return self.d.emu.name

    @dbus_property(access=PropertyAccess.READ)
    def RSSI(self) -> n:  # noqa: F821
        return self.rssi

    @dbus_property(access=PropertyAccess.READ)
    def UUIDs(self) -> "as":
        return list(self.d.emu.adv_uuids)

    @dbus_property(access=PropertyAccess.READ)
    def Adapter(self) -> o:  # noqa: F821
        return ADAPTER_PATH

    @dbus_property(access=PropertyAccess.READ)
    def Connected(self) -> b:  # noqa: F821
        return self.d.connected

    @dbus_property(access=PropertyAccess.READ)
    def ServicesResolved(self) -> b:  # noqa: F821
        return self.d.connected

    @dbus_property(access=PropertyAccess.READ)
    def Paired(self) -> b:  # noqa: F821
        return False

    @dbus_property(access=PropertyAccess.READ)
    def Bonded(self) -> b:  # noqa: F821
        return False

    @dbus_property(access=PropertyAccess.READ)
    def Trusted(self) -> b:  # noqa: F821
        return False

    @dbus_property(access=PropertyAccess.READ)
    def ManufacturerData(self) -> "a{qv}":
        return {k: Variant("ay", bytes(v)) for k, v in self.d.emu.manufacturer_data.items()}

    @dbus_property(access=PropertyAccess.READ)
    def ServiceData(self) -> "a{sv}":
        return {}


class GattService1(ServiceInterface):
    def __init__(self, uuid: str, device_path: str) -> None:
        super().__init__("org.bluez.GattService1")
        self.uuid, self.device_path = uuid, device_path

    @dbus_property(access=PropertyAccess.READ)
    def UUID(self) -> s:  # noqa: F821
        return self.uuid

    @dbus_property(access=PropertyAccess.READ)
    def Primary(self) -> b:  # noqa: F821
        return True

    @dbus_property(access=PropertyAccess.READ)
    def Device(self) -> o:  # noqa: F821
        return self.device_path

    @dbus_property(access=PropertyAccess.READ)
    def Includes(self) -> ao:  # noqa: F821
        return []


class GattCharacteristic1(ServiceInterface):
    def __init__(self, dev: _Dev, uuid: str, service_path: str, flags: list[str]) -> None:
        super().__init__("org.bluez.GattCharacteristic1")
        self.d, self.uuid, self.service_path, self.flags = dev, uuid, service_path, flags
        self.value = b""
        self.notifying = False

    @method()
    def ReadValue(self, options: "a{sv}") -> ay:  # noqa: F821
        self.value = self.d.emu.on_read(self.uuid)
        return self.value

    @method()
    def WriteValue(self, value: ay, options: "a{sv}"):  # noqa: F821
        for uuid, payload in self.d.emu.on_write(self.uuid, bytes(value)):
            self.d.notify(uuid, payload)

    @method()
    def StartNotify(self):
        self.notifying = True
        self.emit_properties_changed({"Notifying": True})
        self._subscribed(True)

    @method()
    def StopNotify(self):
        self.notifying = False
        self.emit_properties_changed({"Notifying": False})
        self._subscribed(False)

    def _subscribed(self, enabled: bool) -> None:
        # Optional emulator hook: some devices act on the CCCD write itself (WitMotion and
        # Thingy:52 start streaming when notifications are enabled, with no command).
        hook = getattr(self.d.emu, "on_subscribe", None)
        if hook is not None:
            for uuid, payload in hook(self.uuid, enabled) or ():
                self.d.notify(uuid, payload)

    def push(self, payload: bytes) -> None:
        if self.notifying:
            self.value = payload
            self.emit_properties_changed({"Value": payload})

    @dbus_property(access=PropertyAccess.READ)
    def UUID(self) -> s:  # noqa: F821
        return self.uuid

    @dbus_property(access=PropertyAccess.READ)
    def Service(self) -> o:  # noqa: F821
        return self.service_path

    @dbus_property(access=PropertyAccess.READ)
    def Value(self) -> ay:  # noqa: F821
        return self.value

    @dbus_property(access=PropertyAccess.READ)
    def Notifying(self) -> b:  # noqa: F821
        return self.notifying

    @dbus_property(access=PropertyAccess.READ)
    def Flags(self) -> "as":
        return self.flags

    @dbus_property(access=PropertyAccess.READ)
    def MTU(self) -> q:  # noqa: F821
        return 247


@dataclass
class _Dev:
    emu: object
    path: str
    iface: Device1 | None = None
    connected: bool = False
    exported: bool = False
    chars: dict[str, GattCharacteristic1] = field(default_factory=dict)
    gatt_paths: list[tuple[str, ServiceInterface]] = field(default_factory=list)
    silent_until: float = 0.0
    refuse_connects: int = 0
    faults: dict = field(default_factory=dict)
    rng: np.random.Generator = field(default_factory=lambda: np.random.default_rng(7))
    stream_task: asyncio.Task | None = None

    def notify(self, uuid: str, payload: bytes) -> None:
        ch = self.chars.get(uuid)
        if ch is not None:
            ch.push(payload)


class BlueZStandin:
    """Serves ``org.bluez`` on ``bus_address`` for the given emulators.

    ``speed`` plays the simulated motion faster than real time (device timestamps still advance
    by one sample period per sample), so tests see many reps in a few seconds. Only devices that
    stamp their samples can be fast-forwarded: an emulator with ``device_clock = False`` (no
    timestamps or counters on the wire: WitMotion, Thingy:52, MetaWear) is always played at
    real time, because for those devices the host's arrival clock *is* the sample clock (the
    decoders seed it, detect outages and align the acc/gyro streams from arrival times), so
    delivering samples faster than the nominal rate would emulate a different device.
    """

    def __init__(
        self,
        bus_address: str,
        emulators: list | None = None,
        *,
        speed: float = 1.0,
        posture: str = "supine",
        reps: int = 8,
        seed: int = 1,
        tick_s: float = 0.03,
    ) -> None:
        self.bus_address = bus_address
        self.devs = [_Dev(e, _path_for(e.address)) for e in (emulators or default_emulators())]
        self.speed, self.posture, self.reps, self.seed, self.tick_s = speed, posture, reps, seed, tick_s
        self.bus: MessageBus | None = None
        self.sent_samples: dict[str, int] = {}

    async def start(self) -> BlueZStandin:
        self.bus = await MessageBus(bus_address=self.bus_address, bus_type=BusType.SYSTEM).connect()
        self.bus.export(ADAPTER_PATH, Adapter1(self))
        await self.bus.request_name("org.bluez")
        return self

    async def close(self) -> None:
        for d in self.devs:
            if d.stream_task:
                d.stream_task.cancel()
        if self.bus is not None:
            self.bus.disconnect()

    def device(self, address: str) -> _Dev:
        return next(d for d in self.devs if d.emu.address.lower() == address.lower())

    # -------------------------------------------------------------- discovery and links
    def advertise(self) -> None:
        for d in self.devs:
            if not d.exported:
                d.iface = Device1(self, d)
                self.bus.export(d.path, d.iface)
                d.exported = True
            elif not d.connected:
                base = int(getattr(d.emu, "rssi", -60))
                d.iface.rssi = base - 1 if d.iface.rssi == base else base  # a fresh reading: "seen again"
                d.iface.emit_properties_changed({"RSSI": d.iface.rssi})

    async def connect(self, d: _Dev) -> None:
        if d.connected:
            return
        handle = 0x000A
        for s_uuid, chars in d.emu.gatt:
            s_path = f"{d.path}/service{handle:04x}"
            svc = GattService1(s_uuid, d.path)
            self.bus.export(s_path, svc)
            d.gatt_paths.append((s_path, svc))
            handle += 1
            for c_uuid, flags in chars:
                c_path = f"{s_path}/char{handle:04x}"
                ch = GattCharacteristic1(d, c_uuid, s_path, flags)
                self.bus.export(c_path, ch)
                d.gatt_paths.append((c_path, ch))
                d.chars[c_uuid] = ch
                handle += 2
        d.connected = True
        d.iface.emit_properties_changed({"Connected": True, "ServicesResolved": True})
        d.stream_task = asyncio.create_task(self._stream(d))

    async def disconnect(self, d: _Dev) -> None:
        if not d.connected:
            return
        d.connected = False
        if d.stream_task:
            d.stream_task.cancel()
            d.stream_task = None
        d.emu.on_disconnect()
        d.iface.emit_properties_changed({"ServicesResolved": False, "Connected": False})
        for path, iface in reversed(d.gatt_paths):
            self.bus.unexport(path, iface)
        d.gatt_paths.clear()
        d.chars.clear()

    # -------------------------------------------------------------- faults
    async def drop(self, address: str) -> None:
        """The device side cuts the link (out of range, battery pulled)."""
        await self.disconnect(self.device(address))

    def refuse(self, address: str, times: int) -> None:
        """The next ``times`` connection attempts fail, as an out-of-range device's do."""
        self.device(address).refuse_connects = times

    def damage(self, address: str, **probabilities: float) -> None:
        """Damage notifications on the air: duplicate, reorder, truncate, garbage (each a
        probability per packet)."""
        self.device(address).faults = dict(probabilities)

    def silence(self, address: str, seconds: float) -> None:
        """Connected, but no notifications for a while (a hung firmware)."""
        self.device(address).silent_until = asyncio.get_running_loop().time() + seconds

    # -------------------------------------------------------------- motion
    async def _stream(self, d: _Dev) -> None:
        loop = asyncio.get_running_loop()
        session = None
        pos, rate = 0, None
        dev_t0 = 0.0
        due = 0.0  # samples owed but not yet produced (keeps the long-run rate exact)
        speed = self.speed if getattr(d.emu, "device_clock", True) else 1.0
        last = loop.time()
        key = d.emu.address
        self.sent_samples.setdefault(key, 0)
        while True:
            await asyncio.sleep(self.tick_s)
            now = loop.time()
            elapsed, last = now - last, now
            if not d.emu.streaming:
                continue
            if rate != d.emu.rate_hz or session is None:
                rate = d.emu.rate_hz
                sim = simulate_session(
                    SimConfig(
                        reps=self.reps,
                        rate_hz=rate,
                        posture=self.posture,
                        seed=self.seed,
                        noise=True,
                        confounders=False,
                    )
                )
                # the device delivers every sample: drops are the link's business, not the sensor's
                n = int(sim.chunk.t[-1] * rate)
                t = np.arange(n) / rate
                session = ImuChunk(t, _interp(t, sim.chunk.t, sim.chunk.acc), _interp(t, sim.chunk.t, sim.chunk.gyr))
                pos, due = 0, 0.0
            # Pace by accumulated time, not by rounding each tick: round(0.03 s * 52 Hz) = 2
            # samples per 30 ms tick would be 67 Hz, and at 10 Hz no sample would ever be due.
            due += elapsed * rate * speed
            want = int(due)
            due -= want
            if want <= 0:
                continue
            end = pos + want
            idx = np.arange(pos, end)
            k = idx % len(session)
            loops = idx // len(session)
            span = len(session) / rate
            part = ImuChunk(session.t[k] + loops * span + dev_t0, session.acc[k], session.gyr[k])
            pos = end
            self.sent_samples[key] += want
            if now < d.silent_until:
                continue  # samples are produced and lost: the firmware is hung
            packets = d.emu.packets(part)
            if d.faults:
                packets = _damage(packets, d.faults, d.rng)
            for uuid, payload in packets:
                d.notify(uuid, payload)


def _damage(packets: list, faults: dict, rng: np.random.Generator) -> list:
    out = []
    for uuid, payload in packets:
        r = rng.random(4)
        if r[2] < faults.get("truncate", 0.0) and len(payload) > 1:
            payload = payload[: int(rng.integers(1, len(payload)))]
        if r[3] < faults.get("garbage", 0.0):
            out.append((uuid, bytes(rng.integers(0, 256, int(rng.integers(1, 40)), dtype=np.uint8))))
        out.append((uuid, payload))
        if r[0] < faults.get("duplicate", 0.0):
            out.append((uuid, payload))
        if r[1] < faults.get("reorder", 0.0) and len(out) >= 2:
            out[-1], out[-2] = out[-2], out[-1]
    return out


def _interp(t_new: np.ndarray, t: np.ndarray, v: np.ndarray) -> np.ndarray:
    return np.stack([np.interp(t_new, t, v[:, i]) for i in range(v.shape[1])], axis=1)


async def serve_forever(speed: float = 1.0, posture: str = "supine") -> None:
    bus = PrivateBus()
    try:
        standin = await BlueZStandin(bus.address, speed=speed, posture=posture, reps=40).start()
        names = ", ".join(f"{d.emu.name} ({d.emu.address})" for d in standin.devs)
        print(f"BlueZ stand-in serving {names}")
        print("In another shell:")
        print(f"  export DBUS_SYSTEM_BUS_ADDRESS={bus.address}")
        print("  glide scan    # or: glide record -o trace.csv --duration 30 / glide live")
        print("Ctrl-C to stop.", flush=True)
        await asyncio.Event().wait()
    finally:
        bus.close()


def main() -> None:
    import argparse

    ap = argparse.ArgumentParser(prog="python -m sensor.standin.server", description=__doc__.split("\n\n")[0])
    ap.add_argument("--speed", type=float, default=1.0)
    ap.add_argument("--posture", choices=["supine", "seated"], default="supine")
    args = ap.parse_args()
    try:
        asyncio.run(serve_forever(args.speed, args.posture))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
