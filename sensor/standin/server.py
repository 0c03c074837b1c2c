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
the link up but stops notifications, ``lose(address)`` drops a device and keeps it away.

Two sensors at once (issue 16): every device is its own ``Device1`` object under the one adapter
(bleak connects to each by its path, as BlueZ does with several peripherals), so a shin sensor
and a foot sensor are two emulators. The addresses in ``feet`` stream what an IMU on the top of
the foot sees (``sensor.sim.foot`` hung from the same simulated shin session), on the shin's
motion clock: a foot that connects or reconnects later joins the movement where it is now (and
so does a shin that reconnects while a foot is served; alone, a shin starts its motion anew).

Run on its own: ``python -m sensor.standin.server`` prints the ``export DBUS_SYSTEM_BUS_ADDRESS=...``
line to paste into another shell, then serves until Ctrl-C.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Callable

import numpy as np
from dbus_fast import BusType
from dbus_fast.aio import MessageBus

from sensor.core.samples import ImuChunk
from sensor.core.types import Posture
from sensor.sim.simulator import SimConfig, simulate_session
from sensor.standin.bluez_objects import (
    ADAPTER_PATH,
    Adapter1,
    Device1,
    DeviceSlot,
    GattCharacteristic1,
    GattService1,
    path_for,
)
from sensor.standin.bus import PrivateBus
from sensor.standin.emulator import Emulator, GlideEmulator, default_emulators

__all__ = [
    "FOOT_ADDRESS",
    "BlueZStandin",
    "Emulator",
    "GlideEmulator",
    "PrivateBus",
    "default_emulators",
    "foot_emulator",
    "main",
    "serve_forever",
]


class BlueZStandin:
    """Serves ``org.bluez`` on ``bus_address`` for the given emulators.

    ``speed`` plays the simulated motion faster than real time, for every device: device
    timestamps still advance by one sample period per sample, and devices without timestamps
    (WitMotion, Thingy:52, MetaWear) simply deliver their samples ``speed`` times as often. Their
    decoders number samples and place them at ``t0 + k / rate`` (arrival times only seed the
    clock and flag outages, and a packet arriving *early* is never an outage), so the decoded
    sample times are the device's own at any speed. ``speeds`` overrides the speed per family id
    (tests use it: one notification per sample at 100 Hz x 10 is more D-Bus traffic than a
    shared two-core machine carries).

    Device-side events (connect, subscribe, unsubscribe with the number of samples notified so
    far, disconnect) are kept in ``events`` and passed to ``on_event`` (the command-line stand-in
    prints them), so a test in another process can see what the device saw.
    """

    def __init__(
        self,
        bus_address: str,
        emulators: list[Emulator] | None = None,
        *,
        speed: float = 1.0,
        speeds: dict[str, float] | None = None,
        posture: Posture = Posture.SUPINE,
        reps: int = 8,
        seed: int = 1,
        tick_s: float = 0.03,
        feet: set[str] | None = None,
        foot_pattern: str | None = "correct",
    ) -> None:
        self.bus_address = bus_address
        self.devs = [DeviceSlot(e, path_for(e.address)) for e in (emulators or default_emulators())]
        self.speed, self.posture, self.reps, self.seed, self.tick_s = speed, posture, reps, seed, tick_s
        self.speeds = dict(speeds or {})
        self.feet = {a.lower() for a in (feet or ())}
        self.foot_pattern = foot_pattern
        self._motion_t0: float | None = None  # loop time at which the shin's motion began
        self.bus: MessageBus | None = None
        self.sent_samples: dict[str, int] = {}
        #: samples a subscriber was notified of, per device address (0 until someone listens)
        self.notified_samples: dict[str, int] = {}
        self.events: list[str] = []
        self.on_event: Callable[[str], None] | None = None
        for d in self.devs:
            d.on_event = self._device_event

    def _device_event(self, d: DeviceSlot, what: str) -> None:
        text = f"{d.emu.name} ({d.emu.address}): {what}"
        if what.startswith("unsubscribed"):
            text += f" after {self.notified_samples.get(d.emu.address, 0)} samples"
        self.events.append(text)
        if self.on_event is not None:
            self.on_event(text)

    async def start(self) -> BlueZStandin:
        self.bus = await MessageBus(bus_address=self.bus_address, bus_type=BusType.SYSTEM).connect()
        self._bus().export(ADAPTER_PATH, Adapter1(self))
        await self.bus.request_name("org.bluez")
        return self

    async def close(self) -> None:
        for d in self.devs:
            if d.stream_task:
                d.stream_task.cancel()
        if self.bus is not None:
            self.bus.disconnect()
            try:
                await asyncio.wait_for(self.bus.wait_for_disconnect(), 2.0)  # type: ignore[no-untyped-call]
            except Exception:  # already gone: nothing left to close
                pass

    def _bus(self) -> MessageBus:
        if self.bus is None:
            raise RuntimeError("the stand-in is not started")
        return self.bus

    @staticmethod
    def _iface(d: DeviceSlot) -> Device1:
        if d.iface is None:
            raise RuntimeError(f"{d.emu.address} was never advertised")
        return d.iface

    def device(self, address: str) -> DeviceSlot:
        return next(d for d in self.devs if d.emu.address.lower() == address.lower())

    # -------------------------------------------------------------- discovery and links
    def advertise(self) -> None:
        for d in self.devs:
            if not d.exported:
                d.iface = Device1(self, d)
                self._bus().export(d.path, d.iface)
                d.exported = True
            elif not d.connected:
                base = int(getattr(d.emu, "rssi", -60))
                self._iface(d).rssi = base - 1 if self._iface(d).rssi == base else base  # a fresh reading: "seen again"
                self._iface(d).emit_properties_changed({"RSSI": self._iface(d).rssi})

    async def connect(self, d: DeviceSlot) -> None:
        if d.connected:
            return
        handle = 0x000A
        for s_uuid, chars in d.emu.gatt:
            s_path = f"{d.path}/service{handle:04x}"
            svc = GattService1(s_uuid, d.path)
            self._bus().export(s_path, svc)
            d.gatt_paths.append((s_path, svc))
            handle += 1
            for c_uuid, flags in chars:
                c_path = f"{s_path}/char{handle:04x}"
                ch = GattCharacteristic1(d, c_uuid, s_path, flags)
                self._bus().export(c_path, ch)
                d.gatt_paths.append((c_path, ch))
                d.chars[c_uuid] = ch
                handle += 2
        d.connected = True
        d.event("connected")
        self._iface(d).emit_properties_changed({"Connected": True, "ServicesResolved": True})
        d.stream_task = asyncio.create_task(self._stream(d))

    async def disconnect(self, d: DeviceSlot) -> None:
        if not d.connected:
            return
        d.connected = False
        d.event("disconnected")
        if d.stream_task:
            d.stream_task.cancel()
            d.stream_task = None
        d.emu.on_disconnect()
        self._iface(d).emit_properties_changed({"ServicesResolved": False, "Connected": False})
        for path, iface in reversed(d.gatt_paths):
            self._bus().unexport(path, iface)
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

    async def lose(self, address: str) -> None:
        """The device goes away for good (battery out, left in the other room): dropped, and every
        reconnection attempt fails until :meth:`come_back`."""
        self.refuse(address, 1_000_000)
        await self.drop(address)

    def come_back(self, address: str) -> None:
        """A lost device is in range again: connections succeed."""
        self.refuse(address, 0)

    def silence(self, address: str, seconds: float) -> None:
        """Connected, but no notifications for a while (a hung firmware)."""
        self.device(address).silent_until = asyncio.get_running_loop().time() + seconds

    # -------------------------------------------------------------- motion
    async def _stream(self, d: DeviceSlot) -> None:
        loop = asyncio.get_running_loop()
        session = None
        pos, rate = 0, None
        dev_t0 = 0.0
        due = 0.0  # samples owed but not yet produced (keeps the long-run rate exact)
        speed = self.speeds.get(d.emu.family_id, self.speed)
        last = loop.time()
        key = d.emu.address
        foot = key.lower() in self.feet
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
                src = sim.chunk
                if foot:  # the foot hung from this very shin session
                    from sensor.sim.foot import simulate_foot_for

                    src = simulate_foot_for(sim, pattern=self.foot_pattern).chunk
                # the device delivers every sample: drops are the link's business, not the sensor's
                n = int(sim.chunk.t[-1] * rate)
                t = np.arange(n) / rate
                session = ImuChunk(t, _interp(t, src.t, src.acc), _interp(t, src.t, src.gyr))
                pos, due = 0, 0.0
                if not foot and self._motion_t0 is None:
                    self._motion_t0 = now
                elif (foot or self.feet) and self._motion_t0 is not None:  # join the movement where it is
                    pos = int((now - self._motion_t0) * rate * speed)
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
            heard = False
            for uuid, payload in packets:
                heard = d.notify(uuid, payload) or heard
            if heard:
                self.notified_samples[key] = self.notified_samples.get(key, 0) + want


def _damage(
    packets: list[tuple[str, bytes]], faults: dict[str, float], rng: np.random.Generator
) -> list[tuple[str, bytes]]:
    out: list[tuple[str, bytes]] = []
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


FOOT_ADDRESS = "C0:FF:EE:00:00:02"


def foot_emulator() -> GlideEmulator:
    """A second glide-profile device that plays the foot (issue 16); weaker than the shin's, so
    "the first supported sensor found" stays the shin."""
    emu = GlideEmulator("GlideFoot-sim", FOOT_ADDRESS)
    emu.rssi = -50
    return emu


async def serve_forever(speed: float = 1.0, posture: Posture = Posture.SUPINE, foot: bool = False) -> None:
    """Serve until SIGINT (Ctrl-C), SIGTERM or SIGHUP; then leave the bus and end the daemon."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(sig, stop.set)
    bus = PrivateBus()
    standin: BlueZStandin | None = None
    try:
        emulators = default_emulators() + ([foot_emulator()] if foot else [])
        feet = {FOOT_ADDRESS} if foot else None
        standin = BlueZStandin(bus.address, emulators, speed=speed, posture=posture, reps=60, feet=feet)  # ~6 min
        standin.on_event = lambda text: print(f"[device] {text}", flush=True)
        await standin.start()
        names = ", ".join(f"{d.emu.name} ({d.emu.address})" for d in standin.devs)
        print(f"BlueZ stand-in serving {names}")
        print("In another shell:")
        print(f"  export DBUS_SYSTEM_BUS_ADDRESS={bus.address}")
        print("  glide scan    # or: glide record -o trace.csv --duration 30 / glide live")
        if foot:
            print("  glide live --device GlideIMU-sim --foot-device GlideFoot-sim")
        print("Ctrl-C to stop.", flush=True)
        await stop.wait()
    finally:
        if standin is not None:
            await standin.close()
        bus.close()
    print("stand-in stopped", flush=True)


def _positive(text: str) -> float:
    import argparse
    import math

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive, finite number, got {text!r}")
    return value


def main() -> None:
    import argparse

    ap = argparse.ArgumentParser(prog="python -m sensor.standin", description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--speed", type=_positive, default=1.0, help="play the motion this many times faster (all devices)")
    ap.add_argument("--posture", choices=["supine", "seated"], default="supine")
    ap.add_argument("--foot", action="store_true", help="also serve a foot sensor, GlideFoot-sim (issue 16)")
    args = ap.parse_args()
    try:
        asyncio.run(serve_forever(args.speed, Posture(args.posture), args.foot))
    except RuntimeError as e:  # no dbus-daemon: one line, not a traceback
        print(f"stand-in: {e}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:  # a second Ctrl-C during shutdown
        print("stand-in stopped", flush=True)


if __name__ == "__main__":
    main()
