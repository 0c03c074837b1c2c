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
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass

from sensor.core.samples import ImuChunk
from sensor.protocols.clocks import Pairer, StampedStream
from sensor.protocols.decoding import Command, Decoder, ProtocolError
from sensor.protocols.family import DeviceFamily
from sensor.protocols.pmd_frames import (
    FRAME_HEADER_LEN,
    MEAS_ACC,
    MEAS_GYRO,
    RESOLUTION_BITS,
    PmdFrame,
    _u8,
    decode_delta,
    decode_frame,
    encode_delta,
    encode_frame,
    frame_values,
)
from sensor.protocols.uuids import BATTERY_LEVEL_UUID

__all__ = [
    "CP_RESPONSE",
    "CP_STATUS_NAMES",
    "CP_UUID",
    "DATA_UUID",
    "FAMILY",
    "FRAME_HEADER_LEN",
    "MEAS_ACC",
    "MEAS_GYRO",
    "MEAS_SDK_MODE",
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

MEAS_SDK_MODE = 9

OP_GET_SETTINGS = 1
OP_START = 2
OP_STOP = 3
OP_GET_SDK_SETTINGS = 4

SETTING_SAMPLE_RATE = 0
SETTING_RESOLUTION = 1
SETTING_RANGE = 2
SETTING_RANGE_MILLIUNIT = 3
SETTING_CHANNELS = 4
SETTING_FACTOR = 5
SETTING_SECURITY = 6
_SETTING_SIZES = {0: 2, 1: 2, 2: 2, 3: 4, 4: 1, 5: 4, 6: 16}

CP_RESPONSE = 0xF0
CP_FEATURES = 0x0F
CP_ONLINE_STOPPED = 0x01

#: Add to a PMD timestamp to get Unix time in ns (2000-01-01T00:00:00Z).
POLAR_EPOCH_UNIX_NS = 946_684_800_000_000_000

SUPPORTED_RATES = (26.0, 52.0, 104.0, 208.0)
NON_SDK_RATE = 52.0
ACC_RANGE_G = 8
GYRO_RANGE_DPS = 2000

_FEATURE_BITS = {
    (1, 0x01): "ecg",
    (1, 0x02): "ppg",
    (1, 0x04): "acc",
    (1, 0x08): "ppi",
    (1, 0x20): "gyro",
    (1, 0x40): "mag",
    (1, 0x80): "skin_temp",
    (2, 0x02): "sdk_mode",
    (2, 0x04): "location",
    (2, 0x08): "pressure",
    (2, 0x10): "temperature",
    (2, 0x20): "offline_recording",
    (2, 0x40): "offline_hr",
}


# -- control point ---------------------------------------------------------------------------


def get_settings(meas_type: int) -> bytes:
    """GET_MEASUREMENT_SETTINGS: ``01 <type>``."""
    return bytes((OP_GET_SETTINGS, _u8(meas_type, "measurement type") & 0x3F))


def encode_settings(settings: dict[int, int | float]) -> bytes:
    """TLVs with count 1 for the given {setting_type: value} (insertion order kept)."""
    out = bytearray()
    for stype, value in settings.items():
        size = _SETTING_SIZES.get(stype)
        if size is None or stype == SETTING_SECURITY:
            raise ProtocolError(f"unsupported setting type {stype!r}")
        if stype == SETTING_FACTOR:
            out += bytes((stype, 1)) + struct.pack("<f", float(value))
            continue
        if not isinstance(value, int) or not (0 <= value < (1 << (8 * size))):
            raise ProtocolError(f"setting {stype} value {value!r} does not fit {size} byte(s)")
        out += bytes((stype, 1)) + value.to_bytes(size, "little")
    return bytes(out)


def start_measurement(
    meas_type: int,
    sample_rate: int,
    resolution: int = RESOLUTION_BITS,
    range_: int | None = None,
    channels: int | None = 3,
) -> bytes:
    """REQUEST_MEASUREMENT_START: ``02 <type> <TLVs>`` (online recording)."""
    settings: dict[int, int | float] = {SETTING_SAMPLE_RATE: sample_rate, SETTING_RESOLUTION: resolution}
    if range_ is not None:
        settings[SETTING_RANGE] = range_
    if channels is not None:
        settings[SETTING_CHANNELS] = channels
    return bytes((OP_START, _u8(meas_type, "measurement type") & 0x3F)) + encode_settings(settings)


def stop_measurement(meas_type: int) -> bytes:
    """STOP_MEASUREMENT: ``03 <type>``."""
    return bytes((OP_STOP, _u8(meas_type, "measurement type") & 0x3F))


def enter_sdk_mode() -> bytes:
    """``02 09``: SDK mode unlocks 26..416 Hz and the full ranges (disables HR/PPI)."""
    return bytes((OP_START, MEAS_SDK_MODE))


def exit_sdk_mode() -> bytes:
    """``03 09``."""
    return bytes((OP_STOP, MEAS_SDK_MODE))


def parse_settings(params: bytes) -> dict[int, list[int | float]] | None:
    """Parse a run of settings TLVs; None if malformed."""
    out: dict[int, list[int | float]] = {}
    i = 0
    while i < len(params):
        if i + 2 > len(params):
            return None
        stype, count = params[i], params[i + 1]
        i += 2
        size = _SETTING_SIZES.get(stype)
        if size is None or i + size * count > len(params):
            return None
        vals: list[int | float] = []
        for _ in range(count):
            chunk = params[i : i + size]
            if stype == SETTING_FACTOR:
                vals.append(struct.unpack("<f", chunk)[0])
            else:
                vals.append(int.from_bytes(chunk, "little"))
            i += size
        out.setdefault(stype, []).extend(vals)
    return out


#: Control-point status codes, named as the Polar SDK names them
#: (PmdControlPointResponse.PmdControlPointResponseCode).
CP_STATUS_NAMES: dict[int, str] = {
    0: "SUCCESS",
    1: "ERROR_INVALID_OP_CODE",
    2: "ERROR_INVALID_MEASUREMENT_TYPE",
    3: "ERROR_NOT_SUPPORTED",
    4: "ERROR_INVALID_LENGTH",
    5: "ERROR_INVALID_PARAMETER",
    6: "ERROR_ALREADY_IN_STATE",
    7: "ERROR_INVALID_RESOLUTION",
    8: "ERROR_INVALID_SAMPLE_RATE",
    9: "ERROR_INVALID_RANGE",
    10: "ERROR_INVALID_MTU",
    11: "ERROR_INVALID_NUMBER_OF_CHANNELS",
    12: "ERROR_INVALID_STATE",
    13: "ERROR_DEVICE_IN_CHARGER",
    14: "ERROR_DISK_FULL",
}
STATUS_SUCCESS = 0
STATUS_ALREADY_IN_STATE = 6

#: What a person can do about each refusal (glide's own advice, not the SDK's).
_CP_HINTS: dict[int, str] = {
    2: "this Polar model has no such sensor (only the Verity Sense has a gyroscope)",
    3: "this Polar model does not offer this stream (only the Verity Sense has a gyroscope)",
    7: "the sensor's firmware does not offer 16-bit samples; update the firmware with Polar Flow",
    8: "the sensor does not offer this sample rate: use --rate 52 (26, 104 and 208 Hz need SDK mode)",
    9: "the sensor does not offer this range; update the firmware with Polar Flow",
    10: "the Bluetooth link's MTU is too small for this stream; reconnect or use another adapter",
    11: "the sensor does not offer 3-axis samples for this stream",
    12: "another stream or app holds the sensor: close Polar apps, or switch the sensor off and on",
    13: "take the sensor off the charger",
    14: "the sensor's memory is full: clear its offline recordings",
}

_MEAS_NAMES = {MEAS_ACC: "accelerometer", MEAS_GYRO: "gyroscope", MEAS_SDK_MODE: "SDK mode"}
_OP_NAMES = {OP_GET_SETTINGS: "settings request", OP_START: "start", OP_STOP: "stop"}


def status_name(status: int) -> str:
    """The SDK's name for a control-point status (``ERROR_INVALID_SAMPLE_RATE``), or ``STATUS_<n>``."""
    return CP_STATUS_NAMES.get(status, f"STATUS_{status}")


@dataclass(frozen=True)
class CpResponse:
    op_code: int
    meas_type: int
    status: int
    more: bool
    params: bytes

    @property
    def ok(self) -> bool:
        return self.status == STATUS_SUCCESS

    @property
    def status_name(self) -> str:
        return status_name(self.status)

    def describe(self) -> str:
        """One sentence for a person: what was refused, the SDK's error name, and what to do."""
        what = _MEAS_NAMES.get(self.meas_type, f"measurement type {self.meas_type}")
        op = _OP_NAMES.get(self.op_code, f"op {self.op_code}")
        hint = _CP_HINTS.get(self.status)
        text = f"the sensor refused the {what} {op}: {self.status_name}"
        return f"{text} ({hint})" if hint else text


def parse_cp_response(data: bytes) -> CpResponse | None:
    """``F0 op type status [more params]`` -> CpResponse; None for anything else.

    An error reply may be only 4 bytes (``F0 02 05 08``: gyroscope start refused,
    ERROR_INVALID_SAMPLE_RATE): the SDK reads ``more`` and parameters only when the status is
    SUCCESS (PmdControlPointResponse.kt), and so does this parser.
    """
    if len(data) < 4 or data[0] != CP_RESPONSE:
        return None
    status = data[3]
    if status != STATUS_SUCCESS:
        return CpResponse(data[1], data[2] & 0x3F, status, False, b"")
    if len(data) < 5:
        return None  # a success always carries the 'more' byte
    return CpResponse(data[1], data[2] & 0x3F, status, data[4] != 0, bytes(data[5:]))


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
        self._pairer = Pairer(max_pending=int(6 * self.rate_hz) + 512)
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
        placed = stream.place_last(t_last, n, st, k_first=k0)
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
