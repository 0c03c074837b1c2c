"""Polar PMD control point: request bytes, settings TLVs and responses, including the 4-byte error
replies and the SDK's error names. Sans-IO; :mod:`sensor.protocols.polar_pmd` re-exports it.

Sources: ``firmware_specs/polar-verity-sense.md`` (Constants: PmdControlPointResponse.kt).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from sensor.protocols.decoding import ProtocolError
from sensor.protocols.pmd_frames import MEAS_ACC, MEAS_GYRO, RESOLUTION_BITS, _u8

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
