"""What the stand-in serves: the emulator contract and the glide open profile's device model.

Each advertised device is an *emulator*: a sans-IO model of one sensor family fed with the
simulator's motion (the other families' models are in :mod:`sensor.standin.families`).
"""

from __future__ import annotations

from typing import Any, Protocol

from sensor.core.samples import ImuChunk
from sensor.protocols.uuids import BATTERY_LEVEL_UUID, BATTERY_SERVICE_UUID

__all__ = ["Emulator", "GlideEmulator", "default_emulators"]


class Emulator(Protocol):
    """What the stand-in needs from a per-family device model (all sans-IO).

    Optional, looked up with getattr: ``rssi`` (int) and
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


def default_emulators() -> list[Any]:
    """One emulated sensor per family that has a device model."""
    emus = [GlideEmulator()]
    try:
        from sensor.standin.families import family_emulators  # the other families' device models
    except ImportError:
        return emus
    return emus + family_emulators()
