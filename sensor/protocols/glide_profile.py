"""The glide open IMU profile: a GATT service that DIY firmware can implement.

Normative specification: ``firmware_specs/glide-open-imu-profile.md`` (this module is the
reference implementation of both sides: the host decoder and a sans-IO device model/encoder for
firmware authors, tests and the simulator-backed stand-in).

GATT (128-bit UUIDs, base ``fa52xxxx-a34c-4990-b80f-ec0bce9cbd93``):

==========  ===================================  ==========================
service     ``fa520001-a34c-4990-b80f-ec0bce9cbd93``
data        ``fa520002-...``                     notify
control     ``fa520003-...``                     write (with response)
status      ``fa520004-...``                     read, notify
battery     standard 0x180F / 0x2A19             read, notify
==========  ===================================  ==========================

Data packet (little-endian)::

    0  u8   version (1)
    1  u8   flags   bit0 OVERFLOW (samples were dropped before this packet)
                    bit1 STREAM_START (first packet after START; seq restarts)
                    bit2 SATURATED (a value in this packet was clipped)
    2  u16  seq     +1 per data packet, wraps 65535 -> 0
    4  u32  t0_us   device time of the first sample, microseconds, wraps every 2^32 us
    8  u8   n       samples in this packet (1..41)
    9  u8   acc_fs  0 +-2 g, 1 +-4 g, 2 +-8 g, 3 +-16 g
   10  u8   gyr_fs  0 +-125, 1 +-250, 2 +-500, 3 +-1000, 4 +-2000 deg/s
   11  u8   reserved (0)
   12  n x (ax ay az gx gy gz) int16;  value = count * full_scale / 32768

Control opcodes: ``01`` START, ``02`` STOP, ``03 <u16 Hz>`` SET_RATE,
``04 <acc_fs> <gyr_fs>`` SET_RANGE. Status value (12 bytes): version, state, actual rate
(u32 millihertz), acc_fs, gyr_fs, last opcode, last result, max samples per packet, reserved.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sensor.core.samples import ImuChunk
from sensor.protocols.clocks import Unwrapper
from sensor.protocols.decoding import Command, Decoder, ProtocolError
from sensor.protocols.family import DeviceFamily
from sensor.protocols.uuids import BATTERY_LEVEL_UUID, STANDARD_GRAVITY

__all__ = [
    "ACC_FS_G",
    "CONTROL_UUID",
    "DATA_UUID",
    "FAMILY",
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
    "STATUS_UUID",
    "DataPacket",
    "GlideDecoder",
    "GlidePeripheral",
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


# -- device model (firmware reference / simulator) --------------------------------------------


class GlidePeripheral:
    """Sans-IO model of a device implementing the profile.

    ``handle_control(bytes)`` applies a control write and returns the status value to notify;
    ``packetize(t, acc_mps2, gyr_dps)`` turns samples (times in seconds on the device clock)
    into data packets while streaming. Firmware authors can mirror this logic.
    """

    def __init__(
        self,
        supported_rates: Sequence[float] = SUPPORTED_RATES,
        *,
        rate_hz: float = 100.0,
        max_samples: int = 19,
        acc_fs: int = DEFAULT_ACC_FS,
        gyr_fs: int = DEFAULT_GYRO_FS,
    ) -> None:
        if not supported_rates:
            raise ProtocolError("need at least one supported rate")
        self.supported_rates = tuple(float(r) for r in supported_rates)
        self.rate_hz = min(self.supported_rates, key=lambda r: abs(r - rate_hz))
        self.max_samples = _int_in(max_samples, 1, MAX_SAMPLES_PER_PACKET, "max_samples")
        self.acc_fs = _int_in(acc_fs, 0, len(ACC_FS_G) - 1, "acc_fs")
        self.gyr_fs = _int_in(gyr_fs, 0, len(GYRO_FS_DPS) - 1, "gyr_fs")
        self.streaming = False
        self.seq = 0
        self.last_opcode = 0
        self.last_result = RESULT_OK
        self._start_pending = False
        self._overflow_pending = False

    def status(self) -> Status:
        return Status(
            PROTOCOL_VERSION,
            STATE_STREAMING if self.streaming else STATE_IDLE,
            int(round(self.rate_hz * 1000)),
            self.acc_fs,
            self.gyr_fs,
            self.last_opcode,
            self.last_result,
            self.max_samples,
        )

    def handle_control(self, data: bytes) -> bytes:
        parsed = parse_control(data)
        if parsed is None:
            self.last_opcode = data[0] if data else 0
            self.last_result = RESULT_INVALID_PARAMETER
            return encode_status(self.status())
        op, params = parsed
        self.last_opcode = op
        result = RESULT_OK
        if op == OP_START:
            if not self.streaming:
                self.streaming = True
                self.seq = 0
                self._start_pending = True
        elif op == OP_STOP:
            self.streaming = False
        elif op == OP_SET_RATE:
            if self.streaming:
                result = RESULT_INVALID_STATE
            elif params[0] == 0:
                result = RESULT_INVALID_PARAMETER
            else:
                req = float(params[0])
                self.rate_hz = min(self.supported_rates, key=lambda r: (abs(r - req), -r))
                result = RESULT_OK if self.rate_hz == req else RESULT_ADJUSTED
        elif op == OP_SET_RANGE:
            a, g = params
            if self.streaming:
                result = RESULT_INVALID_STATE
            elif a >= len(ACC_FS_G) or g >= len(GYRO_FS_DPS):
                result = RESULT_INVALID_PARAMETER
            else:
                self.acc_fs, self.gyr_fs = a, g
        else:
            result = RESULT_UNSUPPORTED_OPCODE
        self.last_result = result
        return encode_status(self.status())

    def mark_overflow(self) -> None:
        """Record that samples were dropped; the next packet carries FLAG_OVERFLOW."""
        self._overflow_pending = True

    def packetize(self, t_s: object, acc_mps2: object, gyr_dps: object) -> list[bytes]:
        """Data packets for consecutive samples (nothing while not streaming). ``t_s`` are
        device times in seconds (microsecond counter = round(t * 1e6) mod 2^32)."""
        if not self.streaming:
            return []
        t = np.asarray(t_s, dtype=np.float64).reshape(-1)
        acc = np.asarray(acc_mps2, dtype=np.float64).reshape(-1, 3)
        gyr = np.asarray(gyr_dps, dtype=np.float64).reshape(-1, 3)
        if not (len(t) == len(acc) == len(gyr)):
            raise ProtocolError("t, acc and gyr must have the same length")
        a_counts, a_sat = _quantize_rows(acc / STANDARD_GRAVITY, ACC_FS_G[self.acc_fs])
        g_counts, g_sat = _quantize_rows(gyr, GYRO_FS_DPS[self.gyr_fs])
        sat_rows = a_sat | g_sat
        out = []
        for start in range(0, len(t), self.max_samples):
            sl = slice(start, start + self.max_samples)
            flags = 0
            if self._start_pending:
                flags |= FLAG_STREAM_START
                self._start_pending = False
            if self._overflow_pending:
                flags |= FLAG_OVERFLOW
                self._overflow_pending = False
            if sat_rows[sl].any():
                flags |= FLAG_SATURATED
            t0_us = int(round(t[start] * 1e6)) % (1 << 32)
            out.append(
                encode_data_packet(
                    self.seq, t0_us, a_counts[sl], g_counts[sl], acc_fs=self.acc_fs, gyr_fs=self.gyr_fs, flags=flags
                )
            )
            self.seq = (self.seq + 1) & 0xFFFF
        return out

    def packetize_chunk(self, chunk: ImuChunk) -> list[bytes]:
        return self.packetize(chunk.t, chunk.acc, chunk.gyr)


# -- host decoder ----------------------------------------------------------------------------


class GlideDecoder(Decoder):
    """Host-side decoder for data and status notifications.

    Rate: starts with ``rate_hz`` and follows the actual rate reported in status notifications.
    Times: ``t0_us`` (unwrapped) / 1e6 + i / rate; a packet continuing the previous one within
    2 us is placed exactly on the even grid. Gaps: sequence-number jumps (and the OVERFLOW flag)
    count a gap; lost samples are estimated from the timestamps (fallback: missing packets x
    previous packet size). A packet 1..64 sequence numbers behind is a duplicate; further
    behind means the device restarted (re-synchronise, counted as a gap). STREAM_START
    re-synchronises without counting a gap. If the device clock went backwards, times are
    re-anchored right after the last returned sample so that they keep increasing.
    """

    family_id = "glide"
    DUPLICATE_WINDOW = 64

    def __init__(self, rate_hz: float) -> None:
        super().__init__(rate_hz)
        self._unwrap = Unwrapper(32)
        self._prev_seq: int | None = None
        self._prev_t0_us = 0
        self._prev_n = 0
        self._t_next: float | None = None
        self._offset = 0.0
        self.status: Status | None = None
        self.saturated_packets = 0

    def _feed(self, uuid: str, data: bytes, arrival: float | None) -> ImuChunk:
        if uuid == STATUS_UUID:
            s = decode_status(data)
            if s is not None:
                self.status = s
                self.device_info["status"] = s
                if s.rate_mhz > 0:
                    self.rate_hz = s.rate_mhz / 1000.0
            return self._nothing()
        if uuid != DATA_UUID:
            self.stats.ignored_packets += 1
            return self._nothing()
        st = self.stats
        st.packets += 1
        pkt = decode_data_packet(data)
        if isinstance(pkt, str):
            if pkt == "short":
                st.short_packets += 1
            else:
                st.corrupt_packets += 1
            return self._nothing()
        p = self.period
        t0u = self._unwrap(pkt.t0_us)
        gap = False
        resync = self._prev_seq is None or bool(pkt.flags & FLAG_STREAM_START)
        if not resync:
            assert self._prev_seq is not None
            expected = (self._prev_seq + 1) & 0xFFFF
            ahead = (pkt.seq - expected) & 0xFFFF
            if ahead >= 0x8000:
                behind = (expected - pkt.seq) & 0xFFFF
                if behind <= self.DUPLICATE_WINDOW:
                    st.duplicates += 1
                    return self._nothing()
                st.seq_gaps += 1  # device restarted without STREAM_START
                resync = True
            elif ahead > 0 or pkt.flags & FLAG_OVERFLOW:
                gap = True
                st.seq_gaps += 1
                elapsed_us = t0u - self._prev_t0_us
                lost_ts = int(round(elapsed_us * 1e-6 * self.rate_hz)) - self._prev_n
                lost = lost_ts if lost_ts > 0 else ahead * self._prev_n
                st.lost_samples_estimate += max(0, lost)
        t_first = t0u * 1e-6 + self._offset
        if t_first <= self._last_t:  # device clock went backwards (restart, bad clock)
            self._offset += (self._last_t + p) - t_first
            t_first = self._last_t + p
        elif not gap and not resync and self._t_next is not None and abs(t_first - self._t_next) <= 2e-6:
            t_first = self._t_next  # microsecond quantisation: stay on the even grid
        n = pkt.n
        t = t_first + np.arange(n) * p
        self._prev_seq = pkt.seq
        self._prev_t0_us = t0u
        self._prev_n = n
        self._t_next = t_first + n * p
        if pkt.flags & FLAG_SATURATED:
            self.saturated_packets += 1
        return self._emit(t, pkt.acc_mps2(), pkt.gyr_dps())


def _start(rate: float, device_info: object = None) -> list[Command]:
    return [
        (CONTROL_UUID, cmd_set_range(DEFAULT_ACC_FS, DEFAULT_GYRO_FS), True),
        (CONTROL_UUID, cmd_set_rate(int(round(rate))), True),
        (CONTROL_UUID, cmd_start(), True),
    ]


def _stop(device_info: object = None) -> list[Command]:
    return [(CONTROL_UUID, cmd_stop(), True)]


def _matches(name: str | None, uuids: list[str], mfr: dict[int, bytes]) -> bool:
    if SERVICE_UUID in uuids:
        return True
    return bool(name) and name.strip().startswith(NAME_PREFIX)  # type: ignore[union-attr]


FAMILY = DeviceFamily(
    family_id="glide",
    display_name="glide open IMU profile",
    service_uuid=SERVICE_UUID,
    notify_uuids=(DATA_UUID, STATUS_UUID),
    control_uuids=(CONTROL_UUID,),
    supported_rates=SUPPORTED_RATES,
    default_rate=100.0,
    has_battery=True,
    battery_uuid=BATTERY_LEVEL_UUID,
    command_delay_s=0.0,
    spec="firmware_specs/glide-open-imu-profile.md",
    matcher=_matches,
    start_builder=_start,
    stop_builder=_stop,
    decoder_factory=lambda rate: GlideDecoder(rate),
)
