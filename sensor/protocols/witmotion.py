"""WitMotion BLE 5.0 IMUs (WT901BLECL 5.0, BWT901BLECL 5.0, WT9011DCL).

Spec and sources: ``firmware_specs/witmotion.md``. Summary:

* service ``0000ffe5-0000-1000-8000-00805f9a34fb``; notify ``...ffe4...`` (data out); write
  ``...ffe9...`` (commands in). Note the base: ``...-00805f9a34fb`` (9a), *not* the
  Bluetooth base UUID ``...-00805f9b34fb``: every WitMotion SDK uses it (e.g.
  WITMOTION/WitBluetooth_BWT901BLE5_0 @ 069867a9, ``Python/BWT901BLE5.0_python_sdk/
  device_model.py`` lines 65-67), so a short form like ``"ffe4"`` does **not** name these;
* streaming starts when notifications on ``ffe4`` are enabled (default 10 Hz);
* data packet: ``55 61`` + 9 x int16 LE = acc (/32768*16 g), gyro (/32768*2000 deg/s),
  angles (/32768*180 deg); 20 bytes, one sample, no timestamp, no counter, no checksum;
* register read reply: ``55 71 RR_lo RR_hi`` + 8 x int16 (registers RR..RR+7);
* commands ``FF AA <reg> <lo> <hi>``: unlock ``FF AA 69 88 B5``, rate ``FF AA 03 <code> 00``,
  save ``FF AA 00 00 00``, read register ``FF AA 27 <reg> 00``.

The decoder treats the notification payloads as a byte stream (as the official SDK does):
it re-synchronises on the ``55 61`` / ``55 71`` headers and consumes 20-byte packets, so
packets split across notifications, or several per notification, are handled. Sample times come
from an :class:`~sensor.protocols.clocks.ArrivalClock` (the device sends no timestamps).
"""

from __future__ import annotations

import struct

import numpy as np

from sensor.core.samples import ImuChunk
from sensor.protocols.clocks import ArrivalClock, ArrivalStream
from sensor.protocols.decoding import Command, Decoder, ProtocolError
from sensor.protocols.family import DeviceFamily
from sensor.protocols.uuids import STANDARD_GRAVITY

__all__ = [
    "ACC_FULL_SCALE_G",
    "ANGLE_FULL_SCALE_DEG",
    "FAMILY",
    "GYRO_FULL_SCALE_DPS",
    "NOTIFY_UUID",
    "PACKET_LEN",
    "RATE_CODES",
    "REG_BATTERY",
    "REG_RATE",
    "REG_READ",
    "REG_SAVE",
    "REG_UNLOCK",
    "SERVICE_UUID",
    "WIT_BASE_SUFFIX",
    "WRITE_UUID",
    "WitMotionDecoder",
    "battery_percent_from_voltage",
    "encode_data_packet",
    "encode_register_reply",
    "read_register",
    "save",
    "set_rate",
    "unlock",
    "wit_uuid",
    "write_register",
]

#: The 128-bit base WitMotion derives its 16-bit ids from. It differs from the Bluetooth SIG base
#: (``...-00805f9b34fb``) in one digit; a real device advertises and resolves these exact UUIDs.
WIT_BASE_SUFFIX = "-0000-1000-8000-00805f9a34fb"


def wit_uuid(n: int) -> str:
    """128-bit WitMotion UUID for a 16-bit id (``wit_uuid(0xFFE4)`` = the data characteristic)."""
    return f"{n:08x}{WIT_BASE_SUFFIX}"


SERVICE_UUID = wit_uuid(0xFFE5)
NOTIFY_UUID = wit_uuid(0xFFE4)
WRITE_UUID = wit_uuid(0xFFE9)

PACKET_LEN = 20
_HDR_DATA = b"\x55\x61"
_HDR_REG = b"\x55\x71"

ACC_FULL_SCALE_G = 16.0
GYRO_FULL_SCALE_DPS = 2000.0
ANGLE_FULL_SCALE_DEG = 180.0

REG_SAVE = 0x00
REG_RATE = 0x03
REG_READ = 0x27
REG_BATTERY = 0x64
REG_UNLOCK = 0x69
_UNLOCK_VALUE = 0xB588

#: Return-rate register codes. 10/50/100/200 Hz are used by the official SDKs; 20 Hz (0x07) is
#: from the WIT manuals only (unverified on BLE units).
RATE_CODES: dict[float, int] = {10.0: 0x06, 20.0: 0x07, 50.0: 0x08, 100.0: 0x09, 200.0: 0x0B}

# Voltage -> percent table of the official Android SDK (thresholds in volts, strictly greater).
_BATTERY_TABLE = (
    (3.96, 100),
    (3.93, 90),
    (3.87, 75),
    (3.82, 60),
    (3.79, 50),
    (3.77, 40),
    (3.73, 30),
    (3.70, 20),
    (3.68, 15),
    (3.50, 10),
    (3.40, 5),
)

_STRUCT_9H = struct.Struct("<9h")
_STRUCT_REG = struct.Struct("<H8h")


# -- commands --------------------------------------------------------------------------------


def write_register(reg: int, value: int) -> bytes:
    """``FF AA <reg> <value lo> <value hi>``."""
    if not (0 <= reg <= 0xFF):
        raise ProtocolError(f"register must be 0..255, got {reg!r}")
    if not (0 <= value <= 0xFFFF):
        raise ProtocolError(f"register value must be 0..65535, got {value!r}")
    return bytes((0xFF, 0xAA, reg, value & 0xFF, value >> 8))


def unlock() -> bytes:
    """Unlock register writes for about 10 s: ``FF AA 69 88 B5``."""
    return write_register(REG_UNLOCK, _UNLOCK_VALUE)


def save() -> bytes:
    """Persist the configuration: ``FF AA 00 00 00``."""
    return write_register(REG_SAVE, 0)


def set_rate(rate_hz: float) -> bytes:
    """Set the return rate: ``FF AA 03 <code> 00``."""
    code = RATE_CODES.get(float(rate_hz))
    if code is None:
        raise ProtocolError(f"WitMotion: unsupported rate {rate_hz!r}; supported {sorted(RATE_CODES)}")
    return write_register(REG_RATE, code)


def read_register(reg: int) -> bytes:
    """Ask for registers ``reg..reg+7``: ``FF AA 27 <reg> 00`` (reply is a ``55 71`` packet)."""
    if not (0 <= reg <= 0xFF):
        raise ProtocolError(f"register must be 0..255, got {reg!r}")
    return write_register(REG_READ, reg)


def _start(rate: float, device_info: object = None) -> list[Command]:
    return [
        (WRITE_UUID, unlock(), True),
        (WRITE_UUID, set_rate(rate), True),
        (WRITE_UUID, save(), True),
        (WRITE_UUID, read_register(REG_BATTERY), True),
    ]


def _stop(device_info: object = None) -> list[Command]:
    return []  # the device streams while notifications are enabled: stop_notify suffices


# -- encoders (tests, simulators) -----------------------------------------------------------


def _counts(values: object, full_scale: float) -> list[int]:
    arr = np.asarray(values, dtype=np.float64).reshape(3)
    if not np.isfinite(arr).all():
        raise ProtocolError("values must be finite")
    c = np.round(arr / full_scale * 32768.0)
    if (c < -32768).any() or (c > 32767).any():
        raise ProtocolError(f"value outside +-{full_scale:g}: {arr.tolist()}")
    return [int(x) for x in c]


def encode_data_packet(acc_g: object, gyr_dps: object, angles_deg: object = (0.0, 0.0, 0.0)) -> bytes:
    """A ``55 61`` packet for the given acceleration (g), rate (deg/s) and angles (deg)."""
    vals = (
        _counts(acc_g, ACC_FULL_SCALE_G)
        + _counts(gyr_dps, GYRO_FULL_SCALE_DPS)
        + _counts(angles_deg, ANGLE_FULL_SCALE_DEG)
    )
    return _HDR_DATA + _STRUCT_9H.pack(*vals)


def encode_register_reply(start_reg: int, values: list[int]) -> bytes:
    """A ``55 71`` register-read reply (8 int16 registers starting at ``start_reg``)."""
    vals = list(values) + [0] * (8 - len(values))
    if len(vals) != 8 or not (0 <= start_reg <= 0xFFFF):
        raise ProtocolError("need start register 0..65535 and at most 8 values")
    try:
        return _HDR_REG + _STRUCT_REG.pack(start_reg, *vals)
    except struct.error as exc:
        raise ProtocolError(str(exc)) from exc


def battery_percent_from_voltage(volts: float) -> int:
    """The official SDK's voltage-to-percent table."""
    for threshold, pct in _BATTERY_TABLE:
        if volts > threshold:
            return pct
    return 0


# -- decoder ---------------------------------------------------------------------------------


class WitMotionDecoder(Decoder):
    """Stateful decoder for ``ffe4`` notifications.

    Extra state: ``last_angles_deg`` (roll, pitch, yaw of the last packet, on-board fusion),
    ``registers`` (values from ``55 71`` replies), ``battery_percent`` / ``device_info
    ['battery_voltage_v']`` after a register-0x64 reply.
    """

    family_id = "witmotion"

    def __init__(self, rate_hz: float, gap_threshold_s: float | None = None) -> None:
        super().__init__(rate_hz)
        self._buf = bytearray()
        self._clock = ArrivalClock(self.rate_hz, gap_threshold_s)
        self._stream = ArrivalStream()
        self.last_angles_deg: tuple[float, float, float] | None = None
        self.registers: dict[int, int] = {}
        self._acc_scale = ACC_FULL_SCALE_G / 32768.0 * STANDARD_GRAVITY
        self._gyr_scale = GYRO_FULL_SCALE_DPS / 32768.0
        self._ang_scale = ANGLE_FULL_SCALE_DEG / 32768.0

    def _feed(self, uuid: str, data: bytes, arrival: float | None) -> ImuChunk:
        if uuid != NOTIFY_UUID:
            self.stats.ignored_packets += 1
            return self._nothing()
        st = self.stats
        st.packets += 1
        if not data:
            st.short_packets += 1
            return self._nothing()
        buf = self._buf
        # A pending partial packet followed by a notification that itself starts a clean run
        # of packets: the partial one will never complete (its tail was lost).
        if buf and data[:2] in (_HDR_DATA, _HDR_REG) and len(data) % PACKET_LEN == 0:
            if bytes(buf[:2]) in (_HDR_DATA, _HDR_REG):
                st.short_packets += 1
            buf.clear()  # (otherwise just a stray 0x55 kept from a re-sync)
        buf += data
        samples: list[tuple[int, ...]] = []
        while True:
            i_data = buf.find(_HDR_DATA)
            i_reg = buf.find(_HDR_REG)
            cands = [i for i in (i_data, i_reg) if i >= 0]
            if not cands:
                # keep a trailing 0x55 (could be the first half of a header)
                keep = 1 if buf and buf[-1] == 0x55 else 0
                if len(buf) > keep:
                    st.corrupt_packets += 1
                    del buf[: len(buf) - keep]
                break
            start = min(cands)
            if start > 0:
                st.corrupt_packets += 1
                del buf[:start]
            if len(buf) < PACKET_LEN:
                break
            pkt = bytes(buf[:PACKET_LEN])
            del buf[:PACKET_LEN]
            if pkt[1] == 0x61:
                samples.append(_STRUCT_9H.unpack_from(pkt, 2))
            else:
                self._register_reply(pkt)
        if not samples:
            return self._nothing()
        raw = np.asarray(samples, dtype=np.float64)
        n = len(raw)
        _, t = self._clock.place(self._stream, n, arrival, st)
        a = raw[-1, 6:9] * self._ang_scale
        self.last_angles_deg = (float(a[0]), float(a[1]), float(a[2]))
        return self._emit(t, raw[:, 0:3] * self._acc_scale, raw[:, 3:6] * self._gyr_scale)

    def _register_reply(self, pkt: bytes) -> None:
        start, *vals = _STRUCT_REG.unpack_from(pkt, 2)
        for i, v in enumerate(vals):
            self.registers[start + i] = v
        if start == REG_BATTERY:
            volts = vals[0] / 100.0
            self.device_info["battery_voltage_v"] = volts
            self.battery_percent = battery_percent_from_voltage(volts)
        if start == REG_RATE:
            self.device_info["rate_code"] = vals[0]


def _matches(name: str | None, uuids: list[str], mfr: dict[int, bytes]) -> bool:
    # Official SDKs keep names starting with (Android) / containing (Python, iOS) "WT"; the
    # WTVB01 vibration sensor also starts with "WT" but has another 55 61 layout -> reject it.
    if name:
        up = name.strip().upper()
        if up.startswith("WTVB"):
            return False
        if up.startswith("WT"):
            return True
    # A renamed unit is still recognised by its own service UUID (on the 9a base), if advertised.
    return SERVICE_UUID in uuids


FAMILY = DeviceFamily(
    family_id="witmotion",
    display_name="WitMotion WT901BLECL / BWT901BLECL / WT9011DCL",
    service_uuid=SERVICE_UUID,
    notify_uuids=(NOTIFY_UUID,),
    control_uuids=(WRITE_UUID,),
    supported_rates=tuple(sorted(RATE_CODES)),
    default_rate=100.0,
    has_battery=True,  # via register 0x64 read (reply parsed by the decoder), no BAS
    battery_uuid=None,
    command_delay_s=0.1,
    spec="firmware_specs/witmotion.md",
    matcher=_matches,
    start_builder=_start,
    stop_builder=_stop,
    decoder_factory=lambda rate: WitMotionDecoder(rate),
)
