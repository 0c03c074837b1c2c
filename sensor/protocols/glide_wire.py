"""The glide open IMU profile's wire formats: UUIDs, data packets, control commands and status.

Normative specification: ``firmware_specs/glide-open-imu-profile.md``. Shared by the host side
(:mod:`sensor.protocols.glide_profile`, which re-exports every name here) and the device model
(:mod:`sensor.protocols.glide_peripheral`).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

from sensor.protocols.decoding import ProtocolError
from sensor.protocols.uuids import STANDARD_GRAVITY

__all__ = [
    "ACC_FS_G",
    "CONTROL_UUID",
    "DATA_UUID",
    "FLAG_OVERFLOW",
    "FLAG_SATURATED",
    "FLAG_STREAM_START",
    "GYRO_FS_DPS",
    "HEADER_LEN",
    "MAX_SAMPLES_PER_PACKET",
    "NAME_PREFIX",
    "OP_SET_RANGE",
    "OP_SET_RATE",
    "OP_START",
    "OP_STOP",
    "PROTOCOL_VERSION",
    "RESULT_ADJUSTED",
    "RESULT_INVALID_PARAMETER",
    "RESULT_INVALID_STATE",
    "RESULT_OK",
    "RESULT_UNSUPPORTED_OPCODE",
    "SAMPLE_LEN",
    "SERVICE_UUID",
    "STATE_IDLE",
    "STATE_STREAMING",
    "STATUS_LEN",
    "STATUS_UUID",
    "SUPPORTED_RATES",
    "DataPacket",
    "Status",
    "cmd_set_range",
    "cmd_set_rate",
    "cmd_start",
    "cmd_stop",
    "decode_data_packet",
    "decode_status",
    "encode_data_packet",
    "encode_status",
    "parse_control",
    "samples_per_packet",
    "to_counts",
]

_BASE = "fa52{:04x}-a34c-4990-b80f-ec0bce9cbd93"
SERVICE_UUID = _BASE.format(0x0001)
DATA_UUID = _BASE.format(0x0002)
CONTROL_UUID = _BASE.format(0x0003)
STATUS_UUID = _BASE.format(0x0004)
NAME_PREFIX = "GlideIMU"

PROTOCOL_VERSION = 1
_HEADER = struct.Struct("<BBHIBBBB")
HEADER_LEN = _HEADER.size  # 12
SAMPLE_LEN = 12
#: 12 + 41 * 12 = 504 <= 512, the largest attribute value ATT allows.
MAX_SAMPLES_PER_PACKET = 41

FLAG_OVERFLOW = 0x01
FLAG_STREAM_START = 0x02
FLAG_SATURATED = 0x04

ACC_FS_G = (2.0, 4.0, 8.0, 16.0)
GYRO_FS_DPS = (125.0, 250.0, 500.0, 1000.0, 2000.0)
DEFAULT_ACC_FS = 3  # +-16 g
DEFAULT_GYRO_FS = 4  # +-2000 deg/s

OP_START = 0x01
OP_STOP = 0x02
OP_SET_RATE = 0x03
OP_SET_RANGE = 0x04

RESULT_OK = 0
RESULT_UNSUPPORTED_OPCODE = 1
RESULT_INVALID_PARAMETER = 2
RESULT_INVALID_STATE = 3
RESULT_ADJUSTED = 4

STATE_IDLE = 0
STATE_STREAMING = 1

_STATUS = struct.Struct("<BBIBBBBBB")
STATUS_LEN = _STATUS.size  # 12

SUPPORTED_RATES = (25.0, 50.0, 100.0, 200.0)


# -- data packets ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DataPacket:
    """A parsed data packet; ``acc``/``gyr`` are raw int16 counts, shape (n, 3)."""

    version: int
    flags: int
    seq: int
    t0_us: int
    acc_fs: int
    gyr_fs: int
    acc: np.ndarray
    gyr: np.ndarray

    @property
    def n(self) -> int:
        return len(self.acc)

    def acc_mps2(self) -> np.ndarray:
        return self.acc * (ACC_FS_G[self.acc_fs] / 32768.0 * STANDARD_GRAVITY)

    def gyr_dps(self) -> np.ndarray:
        return self.gyr * (GYRO_FS_DPS[self.gyr_fs] / 32768.0)


def _int_in(v: object, lo: int, hi: int, what: str) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not (lo <= int(v) <= hi):
        raise ProtocolError(f"{what} must be an integer in {lo}..{hi}, got {v!r}")
    return int(v)


def encode_data_packet(
    seq: int,
    t0_us: int,
    acc_counts: object,
    gyr_counts: object,
    *,
    acc_fs: int = DEFAULT_ACC_FS,
    gyr_fs: int = DEFAULT_GYRO_FS,
    flags: int = 0,
) -> bytes:
    """Build a data packet from raw int16 counts (arrays of shape (n, 3), 1 <= n <= 41)."""
    _int_in(seq, 0, 0xFFFF, "seq")
    _int_in(t0_us, 0, 0xFFFFFFFF, "t0_us")
    _int_in(acc_fs, 0, len(ACC_FS_G) - 1, "acc_fs")
    _int_in(gyr_fs, 0, len(GYRO_FS_DPS) - 1, "gyr_fs")
    _int_in(flags, 0, 0x07, "flags")
    a = np.asarray(acc_counts)
    g = np.asarray(gyr_counts)
    if a.ndim == 1:
        a = a.reshape(1, -1)
    if g.ndim == 1:
        g = g.reshape(1, -1)
    if a.shape != g.shape or a.ndim != 2 or a.shape[1] != 3:
        raise ProtocolError(f"acc and gyro counts must both be (n, 3); got {a.shape}, {g.shape}")
    n = a.shape[0]
    _int_in(n, 1, MAX_SAMPLES_PER_PACKET, "sample count")
    if not (np.issubdtype(a.dtype, np.integer) and np.issubdtype(g.dtype, np.integer)):
        if not (np.array_equal(a, np.round(a)) and np.array_equal(g, np.round(g))):
            raise ProtocolError("counts must be integers (use to_counts for physical values)")
    both = np.concatenate([a, g], axis=1).astype(np.int64)
    if (both < -32768).any() or (both > 32767).any():
        raise ProtocolError("counts must fit int16")
    header = _HEADER.pack(PROTOCOL_VERSION, flags, seq, t0_us, n, acc_fs, gyr_fs, 0)
    return header + both.astype("<i2").tobytes()


def decode_data_packet(data: bytes) -> DataPacket | str:
    """Parse a data packet. Returns the packet, or a reason string:
    ``'short'`` (shorter than header + n samples), ``'corrupt'`` (bad version, codes, count or
    trailing bytes)."""
    if len(data) < HEADER_LEN:
        return "short"
    version, flags, seq, t0_us, n, acc_fs, gyr_fs, _ = _HEADER.unpack_from(data, 0)
    if (
        version != PROTOCOL_VERSION
        or n == 0
        or n > MAX_SAMPLES_PER_PACKET
        or acc_fs >= len(ACC_FS_G)
        or gyr_fs >= len(GYRO_FS_DPS)
    ):
        return "corrupt"
    need = HEADER_LEN + n * SAMPLE_LEN
    if len(data) < need:
        return "short"
    if len(data) > need:
        return "corrupt"
    vals = np.frombuffer(data, dtype="<i2", offset=HEADER_LEN).reshape(n, 6)
    return DataPacket(
        version, flags, seq, t0_us, acc_fs, gyr_fs, vals[:, :3].astype(np.int64), vals[:, 3:].astype(np.int64)
    )


def to_counts(values: object, full_scale: float) -> tuple[np.ndarray, bool]:
    """Quantise physical values (g-units already converted to the full-scale unit) to int16
    counts ``round(v / full_scale * 32768)``, clipping to -32768..32767.
    Returns (counts, saturated)."""
    arr = np.asarray(values, dtype=np.float64)
    if not np.isfinite(arr).all():
        raise ProtocolError("values must be finite")
    c = np.round(arr / full_scale * 32768.0)
    sat = bool((c < -32768).any() or (c > 32767).any())
    return np.clip(c, -32768, 32767).astype(np.int64), sat


def _quantize_rows(values: np.ndarray, full_scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Counts (clipped) and a per-row saturation mask for (n, 3) values."""
    if not np.isfinite(values).all():
        raise ProtocolError("values must be finite")
    c = np.round(values / full_scale * 32768.0)
    sat = np.asarray(((c < -32768) | (c > 32767)).any(axis=1))
    return np.clip(c, -32768, 32767).astype(np.int64), sat


def samples_per_packet(att_mtu: int) -> int:
    """Largest n that fits one notification for a negotiated ATT MTU (payload = MTU - 3)."""
    _int_in(att_mtu, 23, 517, "ATT MTU")
    n = (att_mtu - 3 - HEADER_LEN) // SAMPLE_LEN
    if n < 1:
        raise ProtocolError(f"ATT MTU {att_mtu} is too small for one sample (need >= 27)")
    return min(n, MAX_SAMPLES_PER_PACKET)


# -- control and status ----------------------------------------------------------------------


def cmd_start() -> bytes:
    return bytes((OP_START,))


def cmd_stop() -> bytes:
    return bytes((OP_STOP,))


def cmd_set_rate(rate_hz: int | float) -> bytes:
    """``03 <rate u16 LE>``: request a sample rate in whole Hz (the device picks the closest
    rate it supports and reports it in the status characteristic)."""
    if isinstance(rate_hz, float) and rate_hz.is_integer():
        rate_hz = int(rate_hz)
    return bytes((OP_SET_RATE,)) + struct.pack("<H", _int_in(rate_hz, 1, 0xFFFF, "rate (Hz)"))


def cmd_set_range(acc_fs: int, gyr_fs: int) -> bytes:
    """``04 <acc_fs> <gyr_fs>``."""
    return bytes(
        (
            OP_SET_RANGE,
            _int_in(acc_fs, 0, len(ACC_FS_G) - 1, "acc_fs"),
            _int_in(gyr_fs, 0, len(GYRO_FS_DPS) - 1, "gyr_fs"),
        )
    )


def parse_control(data: bytes) -> tuple[int, tuple[int, ...]] | None:
    """Device side: (opcode, params) of a control write, or None if malformed (wrong length).
    Unknown opcodes are returned as (opcode, ()) so the device can answer UNSUPPORTED."""
    if not data:
        return None
    op = data[0]
    if op in (OP_START, OP_STOP):
        return (op, ()) if len(data) == 1 else None
    if op == OP_SET_RATE:
        return (op, (struct.unpack_from("<H", data, 1)[0],)) if len(data) == 3 else None
    if op == OP_SET_RANGE:
        return (op, (data[1], data[2])) if len(data) == 3 else None
    return (op, ())


@dataclass(frozen=True)
class Status:
    version: int
    state: int
    rate_mhz: int
    acc_fs: int
    gyr_fs: int
    last_opcode: int
    last_result: int
    max_samples: int

    @property
    def rate_hz(self) -> float:
        return self.rate_mhz / 1000.0


def encode_status(status: Status) -> bytes:
    _int_in(status.rate_mhz, 0, 0xFFFFFFFF, "rate_mhz")
    for v, what in (
        (status.version, "version"),
        (status.state, "state"),
        (status.acc_fs, "acc_fs"),
        (status.gyr_fs, "gyr_fs"),
        (status.last_opcode, "last_opcode"),
        (status.last_result, "last_result"),
        (status.max_samples, "max_samples"),
    ):
        _int_in(v, 0, 0xFF, what)
    return _STATUS.pack(
        status.version,
        status.state,
        status.rate_mhz,
        status.acc_fs,
        status.gyr_fs,
        status.last_opcode,
        status.last_result,
        status.max_samples,
        0,
    )


def decode_status(data: bytes) -> Status | None:
    """Parse the status value (12 bytes; longer values are accepted for forward
    compatibility, extra bytes ignored). None if short or of another version."""
    if len(data) < STATUS_LEN:
        return None
    v = _STATUS.unpack_from(data, 0)
    if v[0] != PROTOCOL_VERSION:
        return None
    return Status(*v[:8])
