"""Polar Verity Sense - Polar Measurement Data (PMD) service, ACC + GYRO online streams.

Spec and sources: ``firmware_specs/polar-verity-sense.md``. Summary:

* service ``FB005C80-02E7-F387-1CAD-8ACD2D8DF0C8``; control point ``...5C81`` (write +
  notify), data ``...5C82`` (notify). Enable notifications on *both* before writing commands;
* control point request ``[op, type, settings TLVs]``; response
  ``F0 op type status more params`` (START responses may carry a FACTOR setting);
* settings TLV ``[setting_type, count, value x count]`` (sample rate u16, resolution u16,
  range u16, channels u8, factor float32);
* data frame: ``type(1) | timestamp u64 ns since 2000-01-01 of the LAST sample (8) |
  frame_type(1) | content``. Frame type bit 7 = delta-compressed. ACC raw types 0/1/2 hold
  int8/int16/int24 triples in mG; compressed ACC 0x80 (x factor = g) and 0x81 (mG); GYRO 0x80
  (int16 x factor = deg/s) and 0x81 (float32 bit patterns, deltas added modulo 2^32);
* delta compression: reference sample (``channels`` x ceil(resolution/8) bytes, signed LE),
  then blocks ``[delta_bits, sample_count, packed deltas]``; deltas form one LSB-first bit
  stream, ``delta_bits`` bits per value, channel-interleaved, sign-extended, cumulative.

Pairing: ACC and GYRO arrive as separate frames, each timestamped on the same device clock.
Samples are numbered per stream; a stream that starts later gets its first index from the time
of its first sample relative to the other stream; pairs with equal index are emitted (time =
ACC sample time). See :class:`~sensor.protocols.clocks.Pairer`.

Lost samples are lost *pairs*: only pairs come out, so ``seq_gaps`` / ``lost_samples_estimate``
count the pair indices missing between emitted pairs (``Pairer(count_lost=True)``). An outage
that drops both streams' frames is one gap of its length (each stream's clock sees it, and
adding both estimates counted it twice); a frame lost on one stream loses its pairs and counts.
Duplicates count per frame; a device clock reset (seen on both streams) is one gap.
"""

from __future__ import annotations

import math

from sensor.core.samples import ImuChunk
from sensor.protocols.clocks import PairedClockCounts, Pairer, StampedStream
from sensor.protocols.decoding import Command, Decoder
from sensor.protocols.family import DeviceFamily
from sensor.protocols.pmd_control import (
    _FEATURE_BITS,
    CP_FEATURES,
    CP_ONLINE_STOPPED,
    CP_RESPONSE,
    CP_STATUS_NAMES,
    MEAS_SDK_MODE,
    OP_GET_SDK_SETTINGS,
    OP_GET_SETTINGS,
    OP_START,
    OP_STOP,
    SETTING_CHANNELS,
    SETTING_FACTOR,
    SETTING_RANGE,
    SETTING_RANGE_MILLIUNIT,
    SETTING_RESOLUTION,
    SETTING_SAMPLE_RATE,
    SETTING_SECURITY,
    STATUS_ALREADY_IN_STATE,
    CpResponse,
    encode_settings,
    enter_sdk_mode,
    exit_sdk_mode,
    get_settings,
    parse_cp_response,
    parse_settings,
    start_measurement,
    status_name,
    stop_measurement,
)
from sensor.protocols.pmd_frames import (
    FRAME_HEADER_LEN,
    MEAS_ACC,
    MEAS_GYRO,
    RESOLUTION_BITS,
    PmdFrame,
    decode_delta,
    decode_frame,
    encode_delta,
    encode_frame,
    frame_values,
)
from sensor.protocols.uuids import BATTERY_LEVEL_UUID

__all__ = [
    "CP_FEATURES",
    "CP_RESPONSE",
    "CP_STATUS_NAMES",
    "CP_UUID",
    "DATA_UUID",
    "FAMILY",
    "FRAME_HEADER_LEN",
    "MEAS_ACC",
    "MEAS_GYRO",
    "MEAS_SDK_MODE",
    "OP_GET_SDK_SETTINGS",
    "OP_GET_SETTINGS",
    "OP_START",
    "OP_STOP",
    "POLAR_EPOCH_UNIX_NS",
    "RESOLUTION_BITS",
    "SERVICE_UUID",
    "SETTING_CHANNELS",
    "SETTING_FACTOR",
    "SETTING_RANGE",
    "SETTING_RANGE_MILLIUNIT",
    "SETTING_RESOLUTION",
    "SETTING_SAMPLE_RATE",
    "SETTING_SECURITY",
    "CpResponse",
    "PmdFrame",
    "PolarPmdDecoder",
    "decode_delta",
    "decode_frame",
    "encode_delta",
    "encode_frame",
    "encode_settings",
    "enter_sdk_mode",
    "exit_sdk_mode",
    "frame_values",
    "get_settings",
    "parse_cp_response",
    "parse_settings",
    "start_measurement",
    "status_name",
    "stop_measurement",
]

SERVICE_UUID = "fb005c80-02e7-f387-1cad-8acd2d8df0c8"
CP_UUID = "fb005c81-02e7-f387-1cad-8acd2d8df0c8"
DATA_UUID = "fb005c82-02e7-f387-1cad-8acd2d8df0c8"


#: Add to a PMD timestamp to get Unix time in ns (2000-01-01T00:00:00Z).
POLAR_EPOCH_UNIX_NS = 946_684_800_000_000_000

SUPPORTED_RATES = (26.0, 52.0, 104.0, 208.0)
NON_SDK_RATE = 52.0
ACC_RANGE_G = 8
GYRO_RANGE_DPS = 2000


# -- decoder ----------------------------------------------------------------------------------


class PolarPmdDecoder(Decoder):
    """Decoder for PMD data frames (``...5C82``) and control-point responses (``...5C81``).

    Control-point notifications update ``factors`` (FACTOR from START responses; default 1.0),
    ``refusal`` (a START the sensor refused, as one sentence with the SDK's error name),
    ``device_info['cp_status']`` ({(op, type): status}), ``device_info['settings']``
    ({type: parsed settings}), ``device_info['features']`` (feature bitmap read) and
    ``device_info['stopped_types']`` (device stopped a stream by itself).
    """

    family_id = "polar_pmd"

    def __init__(self, rate_hz: float) -> None:
        super().__init__(rate_hz)
        self.factors: dict[int, float] = {MEAS_ACC: 1.0, MEAS_GYRO: 1.0}
        self._streams = {m: StampedStream(self.rate_hz) for m in (MEAS_ACC, MEAS_GYRO)}
        self._pairer = Pairer(max_pending=int(6 * self.rate_hz) + 512, count_lost=True)
        self._clock_counts = PairedClockCounts()  # the streams' estimates move indices only
        self._cp_more: dict[tuple[int, int], bytearray] = {}

    # control point
    def _control(self, data: bytes) -> None:
        info = self.device_info
        if not data:
            return
        if data[0] == CP_FEATURES:
            feats = sorted(name for (byte, bit), name in _FEATURE_BITS.items() if len(data) > byte and data[byte] & bit)
            info["features"] = feats
            return
        if data[0] == CP_ONLINE_STOPPED and len(data) >= 2:
            info["stopped_types"] = [b & 0x3F for b in data[1:]]
            return
        resp = parse_cp_response(data)
        if resp is None:
            return
        key = (resp.op_code, resp.meas_type)
        status = info.setdefault("cp_status", {})
        assert isinstance(status, dict)
        status[key] = resp.status
        if not resp.ok:
            self._cp_more.pop(key, None)
            if (
                resp.op_code == OP_START
                and resp.meas_type in (MEAS_ACC, MEAS_GYRO, MEAS_SDK_MODE)
                and resp.status != STATUS_ALREADY_IN_STATE
                and self.refusal is None
            ):
                self.refusal = resp.describe()
            return
        buf = self._cp_more.pop(key, bytearray()) + resp.params
        if resp.more:
            self._cp_more[key] = buf
            return
        params = parse_settings(bytes(buf))
        if params is None:
            return
        if resp.op_code in (OP_GET_SETTINGS, OP_GET_SDK_SETTINGS):
            settings = info.setdefault("settings", {})
            assert isinstance(settings, dict)
            settings[resp.meas_type] = params
        elif resp.op_code == OP_START:
            fac = params.get(SETTING_FACTOR)
            if fac and isinstance(fac[0], float) and math.isfinite(fac[0]) and fac[0] != 0.0:
                self.factors[resp.meas_type] = fac[0]

    def _feed(self, uuid: str, data: bytes, arrival: float | None) -> ImuChunk:
        if uuid == CP_UUID:
            self._control(data)
            return self._nothing()
        if uuid != DATA_UUID:
            self.stats.ignored_packets += 1
            return self._nothing()
        st = self.stats
        st.packets += 1
        frame = decode_frame(data, self.factors)
        if isinstance(frame, str):
            if frame == "short":
                st.short_packets += 1
            elif frame == "ignored":
                st.ignored_packets += 1
            else:
                st.corrupt_packets += 1
            return self._nothing()
        mtype, values, ts_ns = frame.meas_type, frame.values, frame.timestamp_ns
        n = len(values)
        stream = self._streams[mtype]
        t_last = ts_ns / 1e9
        k0 = 0
        if stream.k_next is None:
            other = self._streams[MEAS_GYRO if mtype == MEAS_ACC else MEAS_ACC]
            if other.k_next is not None:
                k0 = other.align_index(t_last - (n - 1) * stream.period)
        placed = stream.place_last(t_last, n, self._clock_counts.scratch, k_first=k0)
        self._clock_counts.fold(self._streams.values(), st)
        if placed is None:
            return self._nothing()
        k_first, t = placed
        if mtype == MEAS_ACC:
            self._pairer.push_acc(k_first, t, values, st)
        else:
            self._pairer.push_gyr(k_first, values, st)
        tt, aa, gg = self._pairer.pop_pairs(st)
        return self._emit(tt, aa, gg)


def _start(rate: float, device_info: object = None) -> list[Command]:
    r = int(rate)
    cmds: list[Command] = []
    if rate != NON_SDK_RATE:
        cmds.append((CP_UUID, enter_sdk_mode(), True))
    cmds.append((CP_UUID, start_measurement(MEAS_ACC, r, RESOLUTION_BITS, ACC_RANGE_G, 3), True))
    cmds.append((CP_UUID, start_measurement(MEAS_GYRO, r, RESOLUTION_BITS, GYRO_RANGE_DPS, 3), True))
    return cmds


def _stop(device_info: object = None) -> list[Command]:
    # Leaving SDK mode when not in it only produces an error response: harmless.
    return [
        (CP_UUID, stop_measurement(MEAS_ACC), True),
        (CP_UUID, stop_measurement(MEAS_GYRO), True),
        (CP_UUID, exit_sdk_mode(), True),
    ]


def _matches(name: str | None, uuids: list[str], mfr: dict[int, bytes]) -> bool:
    # Only the Verity Sense ("Polar Sense <id>") has a gyroscope; H10/OH1 are acc-only.
    return bool(name) and name.strip().lower().startswith("polar sense")  # type: ignore[union-attr]


FAMILY = DeviceFamily(
    family_id="polar_pmd",
    display_name="Polar Verity Sense (PMD)",
    service_uuid=SERVICE_UUID,
    notify_uuids=(CP_UUID, DATA_UUID),
    control_uuids=(CP_UUID,),
    supported_rates=SUPPORTED_RATES,
    default_rate=52.0,
    has_battery=True,
    battery_uuid=BATTERY_LEVEL_UUID,
    command_delay_s=0.0,
    spec="firmware_specs/polar-verity-sense.md",
    matcher=_matches,
    start_builder=_start,
    stop_builder=_stop,
    decoder_factory=lambda rate: PolarPmdDecoder(rate),
)
