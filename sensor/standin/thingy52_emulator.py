"""Device model of a Nordic Thingy:52 (motion service) for the BlueZ stand-in."""

from __future__ import annotations

import numpy as np

from sensor.protocols import thingy52 as th
from sensor.protocols.uuids import BATTERY_LEVEL_UUID, BATTERY_SERVICE_UUID
from sensor.standin.device_model import NOTIFY, AttError, DeviceModel, G

_TH_CONFIG_SERVICE = th.tms_uuid(0x0100)


class Thingy52Emulator(DeviceModel):
    """A Thingy:52 with the stock firmware's motion service.

    Enabling notifications on raw data ``ef680406`` powers the MPU-9250 and starts the stream
    at the configuration's ``motion_freq_hz``; disabling them stops it. The 9-byte
    configuration ``ef680401`` is read/write and persists (flash); a write outside the limits is
    rejected with "write not permitted", one of the wrong length with "invalid value length".
    The limits are those of ``firmware`` ("2", the default: firmware >= 2.0.0, compass interval
    100..1000 ms and motion frequency 5..200 Hz; "1": 100..5000 ms and 1..200 Hz).
    A new ``motion_freq_hz`` applies at once. Raw samples: accelerometer in the firmware's
    inverted convention (the gravity vector: -1 g on Z face up), saturated at the MPU-9250's
    +-2 g full scale (inv_mpu.c ``mpu_init``), gyroscope clamped to +-1023 deg/s (the Q11.5
    field; the chip's own full scale is +-2000), compass a constant field (no heading model).
    """

    family_id = "thingy52"
    device_clock = False

    COMPASS_UT = (22.0, -4.5, -41.0)

    def __init__(
        self,
        name: str = "Thingy",
        address: str = "E1:52:7A:3D:90:03",
        *,
        battery: int = 76,
        config: dict[str, int] | None = None,
        firmware: str = "2",
    ) -> None:
        if firmware not in ("1", "2"):
            raise ValueError("firmware must be '1' (1.x) or '2' (>= 2.0.0)")
        self.limits = th.CONFIG_LIMITS if firmware == "2" else th.CONFIG_LIMITS_V1
        motion = [(th.CONFIG_UUID, ["read", "write"])]
        motion += [(th.tms_uuid(0x0400 + i), NOTIFY) for i in range(2, 11)]  # 0402..040a
        gatt = [
            (_TH_CONFIG_SERVICE, [(th.tms_uuid(0x0101), ["read", "write"])]),  # device name
            (th.MOTION_SERVICE_UUID, motion),
            (BATTERY_SERVICE_UUID, [(BATTERY_LEVEL_UUID, ["read", "notify"])]),
        ]
        # Advertises the Thingy configuration service UUID (which one is advertised: **?**).
        super().__init__(name, address, [_TH_CONFIG_SERVICE], {}, gatt, battery)
        self.config = dict(th.DEFAULT_CONFIG, **(config or {}))

    @property
    def streaming(self) -> bool:
        return th.RAW_DATA_UUID in self.subscribed

    @property
    def rate_hz(self) -> float:
        return float(self.config["motion_freq_hz"])

    def _read(self, uuid: str) -> bytes:
        if uuid == th.CONFIG_UUID:
            return th.encode_config(**self.config)
        if uuid == th.tms_uuid(0x0101):
            return self.name.encode()
        return b""

    def _write(self, uuid: str, data: bytes) -> list[tuple[str, bytes]]:
        if uuid != th.CONFIG_UUID:
            return []
        cfg = th.decode_config(data)
        if cfg is None:
            raise AttError("InvalidValueLength", "Operation failed with ATT error: 0x0d")
        for key, (lo, hi) in self.limits.items():
            if not lo <= cfg[key] <= hi:
                raise AttError("NotPermitted", "Write not permitted")
        self.config = cfg
        return []

    def _packets(self, t: np.ndarray, acc: np.ndarray, gyr: np.ndarray) -> list[tuple[str, bytes]]:
        fs = th.ACC_FULL_SCALE_G  # the sensor saturates first (the Q6.10 field would hold 31 g)
        acc_fw = np.clip(-acc / G, -fs, fs)  # the firmware's -I accelerometer orientation
        gyr_fw = np.clip(gyr, -th.GYRO_CLAMP_DPS, th.GYRO_CLAMP_DPS)
        return [(th.RAW_DATA_UUID, th.encode_raw(a, g, self.COMPASS_UT)) for a, g in zip(acc_fw, gyr_fw)]
