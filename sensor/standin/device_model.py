"""Shared plumbing of the family emulators: identity, CCCD state, battery read, a monotonic
device clock, ATT errors, and int16 saturation. See :mod:`sensor.standin.families`."""

from __future__ import annotations

import math

import numpy as np
from dbus_fast.errors import DBusError

from sensor.core.samples import ImuChunk
from sensor.protocols.uuids import BATTERY_LEVEL_UUID, STANDARD_GRAVITY, normalize_uuid

__all__ = ["NOTIFY", "READ", "WRITE", "AttError", "DeviceModel", "G", "saturate"]

G = STANDARD_GRAVITY
NOTIFY = ["notify"]
READ = ["read"]
WRITE = ["write", "write-without-response"]


class AttError(DBusError):
    """A write the device rejects with an ATT error; BlueZ reports it as a D-Bus error.

    Raised by ``on_write``; the stand-in's D-Bus method turns it into the error reply bleak
    receives (``org.bluez.Error.NotPermitted`` for ATT "write not permitted", 0x03, and
    ``org.bluez.Error.InvalidValueLength`` for 0x0D, as BlueZ maps them).
    """

    def __init__(self, name: str, text: str) -> None:
        super().__init__(f"org.bluez.Error.{name}", text)


def saturate(values: np.ndarray, full_scale: float, counts: float = 32768.0) -> np.ndarray:
    """Saturate at the largest value an int16 of this scale holds, as the sensor does."""
    lim = full_scale * (counts - 1) / counts
    return np.asarray(np.clip(values, -lim, lim), dtype=np.float64)


class DeviceModel:
    """Shared plumbing: identity, CCCD state, battery read, a monotonic device clock."""

    family_id = ""
    device_clock = True  # False: the device sends no timestamps (see BlueZStandin)

    def __init__(
        self,
        name: str,
        address: str,
        adv_uuids: list[str],
        manufacturer_data: dict[int, bytes],
        gatt: list[tuple[str, list[tuple[str, list[str]]]]],
        battery: int | None,
    ) -> None:
        self.name, self.address = name, address
        self.adv_uuids = adv_uuids
        self.manufacturer_data = manufacturer_data
        self.gatt = gatt
        self.battery = battery
        self.subscribed: set[str] = set()
        #: every write received, in order: (characteristic, bytes) - for tests and debugging
        self.writes: list[tuple[str, bytes]] = []
        #: was the device still streaming when the link went down? (None before any disconnect)
        self.streaming_at_disconnect: bool | None = None
        self.disconnects = 0
        self._t_offset = 0.0
        self._t_last = -math.inf

    # -- what the stand-in calls ---------------------------------------------------------------
    @property
    def streaming(self) -> bool:
        raise NotImplementedError

    @property
    def rate_hz(self) -> float:
        raise NotImplementedError

    def on_write(self, char_uuid: str, data: bytes) -> list[tuple[str, bytes]]:
        uuid = normalize_uuid(char_uuid)
        self.writes.append((uuid, bytes(data)))
        return self._write(uuid, bytes(data))

    def on_read(self, char_uuid: str) -> bytes:
        uuid = normalize_uuid(char_uuid)
        if uuid == BATTERY_LEVEL_UUID and self.battery is not None:
            return bytes([self.battery])
        return self._read(uuid)

    def on_subscribe(self, char_uuid: str, enabled: bool) -> list[tuple[str, bytes]]:
        uuid = normalize_uuid(char_uuid)
        if enabled:
            self.subscribed.add(uuid)
        else:
            self.subscribed.discard(uuid)
        return []

    def on_disconnect(self) -> None:
        self.streaming_at_disconnect = self.streaming
        self.disconnects += 1
        self.subscribed.clear()
        self._link_lost()

    def packets(self, chunk: ImuChunk) -> list[tuple[str, bytes]]:
        if len(chunk) == 0 or not self.streaming:
            return []
        return self._packets(self._device_time(chunk.t), chunk.acc, chunk.gyr)

    # -- per family ----------------------------------------------------------------------------
    def _write(self, uuid: str, data: bytes) -> list[tuple[str, bytes]]:
        return []

    def _read(self, uuid: str) -> bytes:
        return b""

    def _link_lost(self) -> None:
        pass

    def _packets(self, t: np.ndarray, acc: np.ndarray, gyr: np.ndarray) -> list[tuple[str, bytes]]:
        raise NotImplementedError

    # -- helpers -------------------------------------------------------------------------------
    def _device_time(self, t: np.ndarray) -> np.ndarray:
        """The stand-in restarts its sample times at 0 whenever a stream (re)starts; a device's
        clock keeps running. Shift restarted times so they continue after the last sample."""
        t = np.asarray(t, dtype=np.float64) + self._t_offset
        if t[0] <= self._t_last:
            shift = self._t_last + 1.0 / self.rate_hz - t[0]
            self._t_offset += shift
            t = t + shift
        self._t_last = float(t[-1])
        return t
