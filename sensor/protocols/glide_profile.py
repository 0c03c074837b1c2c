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

import numpy as np

from sensor.core.samples import ImuChunk
from sensor.protocols.clocks import Unwrapper
from sensor.protocols.decoding import Command, Decoder
from sensor.protocols.family import DeviceFamily
from sensor.protocols.glide_peripheral import GlidePeripheral
from sensor.protocols.glide_wire import (  # re-exported: the profile's wire formats
    ACC_FS_G,
    CONTROL_UUID,
    DATA_UUID,
    DEFAULT_ACC_FS,
    DEFAULT_GYRO_FS,
    FLAG_OVERFLOW,
    FLAG_SATURATED,
    FLAG_STREAM_START,
    GYRO_FS_DPS,
    HEADER_LEN,
    MAX_SAMPLES_PER_PACKET,
    NAME_PREFIX,
    OP_SET_RANGE,
    OP_SET_RATE,
    OP_START,
    OP_STOP,
    PROTOCOL_VERSION,
    RESULT_ADJUSTED,
    RESULT_INVALID_PARAMETER,
    RESULT_INVALID_STATE,
    RESULT_OK,
    RESULT_UNSUPPORTED_OPCODE,
    SAMPLE_LEN,
    SERVICE_UUID,
    STATE_IDLE,
    STATE_STREAMING,
    STATUS_LEN,
    STATUS_UUID,
    SUPPORTED_RATES,
    DataPacket,
    Status,
    cmd_set_range,
    cmd_set_rate,
    cmd_start,
    cmd_stop,
    decode_data_packet,
    decode_status,
    encode_data_packet,
    encode_status,
    parse_control,
    samples_per_packet,
    to_counts,
)
from sensor.protocols.uuids import BATTERY_LEVEL_UUID

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
    "STATUS_LEN",
    "STATUS_UUID",
    "SUPPORTED_RATES",
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
