"""Nordic Thingy:52 - Thingy Motion Service (TMS), raw-data characteristic.

Spec and sources: ``firmware_specs/thingy52.md``. Summary:

* base UUID ``EF68xxxx-9B35-4933-9B10-52FFA9740042``; motion service 0x0400, configuration
  0x0401 (read/write, 9 bytes), raw data 0x0406 (notify, 18 bytes, one sample);
* enabling notifications on the raw characteristic powers the MPU-9250 and starts the stream;
  the rate is the configuration's ``motion_freq_hz`` (default 10 Hz). Limits follow firmware
  >= 2.0.0 (``ble_tms.h``: compass interval 100..1000 ms, motion frequency 5..200 Hz), which are
  a subset of the 1.x limits (100..5000 ms, 1..200 Hz), so every configuration glide writes is
  accepted by both;
* full scale: the InvenSense driver's ``mpu_init`` sets +-2000 deg/s and +-2 g and the firmware
  does not change them, so the accelerometer saturates at +-2 g (the Q6.10 field could hold
  +-31 g) and the gyroscope at +-1023 deg/s (the Q11.5 field's limit, below the chip's 2000);
* raw layout: int16 LE accel x,y,z in Q6.10 g, gyro x,y,z in Q11.5 deg/s, compass x,y,z in
  Q12.4 uT; the firmware clamps to +-31 g, +-1023 deg/s, +-2047 uT;
* the firmware's accelerometer orientation matrix is -I, so it reports the gravity *vector*
  (a face-up board reads about -1 g on Z). This decoder negates the accelerometer to deliver
  specific force as :class:`~sensor.core.samples.ImuChunk` requires (+1 g on the upward axis).
  Gyroscope and accelerometer then share the chip's right-handed frame (gyro matrix is +I).
* battery: standard Battery Service 0x180F / 0x2A19.

No timestamps or counters: sample times come from an ArrivalClock.
"""

from __future__ import annotations

import struct

import numpy as np

from sensor.core.samples import ImuChunk
from sensor.protocols.clocks import ArrivalClock, ArrivalStream
from sensor.protocols.decoding import Command, Decoder, ProtocolError
from sensor.protocols.family import DeviceFamily
from sensor.protocols.uuids import BATTERY_LEVEL_UUID, STANDARD_GRAVITY

__all__ = [
    "ACC_FULL_SCALE_G",
    "ACC_LSB_PER_G",
    "BASE_UUID_TEMPLATE",
    "COMPASS_LSB_PER_UT",
    "CONFIG_LIMITS",
    "CONFIG_LIMITS_V1",
    "CONFIG_UUID",
    "DEFAULT_CONFIG",
    "FAMILY",
    "GYRO_CLAMP_DPS",
    "GYRO_FULL_SCALE_DPS",
    "GYRO_LSB_PER_DPS",
    "MOTION_SERVICE_UUID",
    "RAW_DATA_UUID",
    "RAW_LEN",
    "Thingy52Decoder",
    "decode_config",
    "encode_config",
    "encode_raw",
    "tms_uuid",
]

BASE_UUID_TEMPLATE = "ef68{:04x}-9b35-4933-9b10-52ffa9740042"


def tms_uuid(sub_id: int) -> str:
    """128-bit Thingy UUID for a 16-bit sub-id (``tms_uuid(0x0406)`` = raw data)."""
    return BASE_UUID_TEMPLATE.format(sub_id)


MOTION_SERVICE_UUID = tms_uuid(0x0400)
CONFIG_UUID = tms_uuid(0x0401)
RAW_DATA_UUID = tms_uuid(0x0406)

RAW_LEN = 18
ACC_LSB_PER_G = 1024.0  # Q6.10
GYRO_LSB_PER_DPS = 32.0  # Q11.5
COMPASS_LSB_PER_UT = 16.0  # Q12.4

_CONFIG = struct.Struct("<HHHHB")
#: Firmware defaults (MOTION_DEFAULT_CONFIG): pedometer 1000 ms, temperature 500 ms, compass
#: 500 ms, motion 10 Hz, wake-on-motion on.
DEFAULT_CONFIG = {
    "pedo_interval_ms": 1000,
    "temp_interval_ms": 500,
    "compass_interval_ms": 500,
    "motion_freq_hz": 10,
    "wake_on_motion": 1,
}
#: Configuration limits of firmware >= 2.0.0 (ble_tms.h BLE_TMS_CONFIG_*): the firmware answers a
#: write outside them with "write not permitted".
CONFIG_LIMITS: dict[str, tuple[int, int]] = {
    "pedo_interval_ms": (100, 5000),
    "temp_interval_ms": (100, 5000),
    "compass_interval_ms": (100, 1000),
    "motion_freq_hz": (5, 200),
    "wake_on_motion": (0, 1),
}
#: The same limits in firmware 1.x (before 2.0.0): wider, so CONFIG_LIMITS satisfies both.
CONFIG_LIMITS_V1: dict[str, tuple[int, int]] = {
    "pedo_interval_ms": (100, 5000),
    "temp_interval_ms": (100, 5000),
    "compass_interval_ms": (100, 5000),
    "motion_freq_hz": (1, 200),
    "wake_on_motion": (0, 1),
}
_LIMITS = CONFIG_LIMITS
#: Sensor full scale set by the InvenSense eMPL driver's mpu_init (inv_mpu.c), kept by the firmware.
ACC_FULL_SCALE_G = 2.0
GYRO_FULL_SCALE_DPS = 2000.0
#: What the raw characteristic can carry: int16 in Q11.5 -> the firmware clamps at +-1023 deg/s.
GYRO_CLAMP_DPS = 1023.0
_RAW = struct.Struct("<9h")

SUPPORTED_RATES = (10.0, 20.0, 50.0, 100.0, 200.0)


def encode_config(**overrides: int) -> bytes:
    """The 9-byte configuration value; unspecified fields take the firmware defaults.

    The firmware rejects (ATT error "write not permitted") values outside its limits, so this
    raises ProtocolError for them instead.
    """
    cfg = dict(DEFAULT_CONFIG)
    for key, value in overrides.items():
        if key not in cfg:
            raise ProtocolError(f"unknown Thingy config field {key!r}")
        cfg[key] = value
    for key, (lo, hi) in _LIMITS.items():
        v = cfg[key]
        if not isinstance(v, int) or not (lo <= v <= hi):
            raise ProtocolError(f"{key} must be an int in {lo}..{hi}, got {v!r}")
    return _CONFIG.pack(
        cfg["pedo_interval_ms"],
        cfg["temp_interval_ms"],
        cfg["compass_interval_ms"],
        cfg["motion_freq_hz"],
        cfg["wake_on_motion"],
    )


def decode_config(data: bytes) -> dict[str, int] | None:
    """Parse a configuration read; None if it is not 9 bytes."""
    if len(data) != _CONFIG.size:
        return None
    keys = ("pedo_interval_ms", "temp_interval_ms", "compass_interval_ms", "motion_freq_hz", "wake_on_motion")
    return dict(zip(keys, _CONFIG.unpack(data)))


def encode_raw(acc_g: object, gyr_dps: object, compass_ut: object = (0.0, 0.0, 0.0)) -> bytes:
    """An 18-byte raw notification *as the firmware sends it* (accelerometer in the firmware's
    inverted convention, i.e. pass the gravity vector: -1 g on Z for a face-up board)."""
    parts: list[int] = []
    for vals, lsb in ((acc_g, ACC_LSB_PER_G), (gyr_dps, GYRO_LSB_PER_DPS), (compass_ut, COMPASS_LSB_PER_UT)):
        arr = np.asarray(vals, dtype=np.float64).reshape(3)
        if not np.isfinite(arr).all():
            raise ProtocolError("values must be finite")
        c = np.round(arr * lsb)
        if (c < -32768).any() or (c > 32767).any():
            raise ProtocolError(f"value does not fit int16 at {lsb:g} LSB/unit: {arr.tolist()}")
        parts.extend(int(x) for x in c)
    return _RAW.pack(*parts)


class Thingy52Decoder(Decoder):
    """Decoder for raw-data notifications (and the config characteristic if it is fed).

    ``last_compass_ut`` holds the compass of the latest sample. ``invert_accel`` (default True)
    undoes the firmware's -I accelerometer orientation (see module doc).
    """

    family_id = "thingy52"

    def __init__(self, rate_hz: float, *, invert_accel: bool = True, gap_threshold_s: float | None = None) -> None:
        super().__init__(rate_hz)
        self._clock = ArrivalClock(self.rate_hz, gap_threshold_s)
        self._stream = ArrivalStream()
        sign = -1.0 if invert_accel else 1.0
        self._acc_scale = sign * STANDARD_GRAVITY / ACC_LSB_PER_G
        self.last_compass_ut: tuple[float, float, float] | None = None

    def _feed(self, uuid: str, data: bytes, arrival: float | None) -> ImuChunk:
        if uuid == CONFIG_UUID:
            cfg = decode_config(data)
            if cfg is not None:
                self.device_info["config"] = cfg
            return self._nothing()
        if uuid != RAW_DATA_UUID:
            self.stats.ignored_packets += 1
            return self._nothing()
        st = self.stats
        st.packets += 1
        if len(data) < RAW_LEN:
            st.short_packets += 1
            return self._nothing()
        if len(data) > RAW_LEN:
            st.corrupt_packets += 1
            return self._nothing()
        raw = np.asarray(_RAW.unpack(data), dtype=np.float64)
        _, t = self._clock.place(self._stream, 1, arrival, st)
        c = raw[6:9] / COMPASS_LSB_PER_UT
        self.last_compass_ut = (float(c[0]), float(c[1]), float(c[2]))
        return self._emit(t, raw[0:3] * self._acc_scale, raw[3:6] / GYRO_LSB_PER_DPS)


def _start(rate: float, device_info: object = None) -> list[Command]:
    return [(CONFIG_UUID, encode_config(motion_freq_hz=int(rate)), True)]


def _stop(device_info: object = None) -> list[Command]:
    return []  # disabling raw notifications powers the motion sensor down


def _matches(name: str | None, uuids: list[str], mfr: dict[int, bytes]) -> bool:
    # Default name "Thingy" (user-changeable). Thingy services share the EF68xxxx base UUID;
    # which one is advertised was not verified, so any of them counts.
    if name and name.strip().lower().startswith("thingy"):
        return True
    return any(u.startswith("ef68") and u.endswith("-9b35-4933-9b10-52ffa9740042") for u in uuids)


FAMILY = DeviceFamily(
    family_id="thingy52",
    display_name="Nordic Thingy:52",
    service_uuid=MOTION_SERVICE_UUID,
    notify_uuids=(RAW_DATA_UUID,),
    control_uuids=(CONFIG_UUID,),
    supported_rates=SUPPORTED_RATES,
    default_rate=100.0,
    has_battery=True,
    battery_uuid=BATTERY_LEVEL_UUID,
    command_delay_s=0.0,
    spec="firmware_specs/thingy52.md",
    matcher=_matches,
    start_builder=_start,
    stop_builder=_stop,
    decoder_factory=lambda rate: Thingy52Decoder(rate),
)
