"""Device model of a WitMotion WT901BLECL 5.0 for the BlueZ stand-in (firmware_specs/witmotion.md)."""

from __future__ import annotations

import numpy as np

from sensor.protocols import witmotion as wit
from sensor.standin.device_model import NOTIFY, WRITE, DeviceModel, G, saturate

_WIT_RATE_OF_CODE = {code: rate for rate, code in wit.RATE_CODES.items()}
_WIT_NO_OUTPUT = 0x0D  # "no output" return-rate code (spec: exists, R)


class WitMotionEmulator(DeviceModel):
    """A WT901BLECL 5.0: streams ``55 61`` packets while notifications on ``ffe4`` are enabled.

    Registers: writes ``FF AA reg lo hi`` to ``ffe9`` need the unlock write ``FF AA 69 88 B5``
    first (the official SDK always unlocks; the spec's "valid ~10 s" is not modelled - a sans-IO
    model has no clock - so the unlock lasts until a restart or disconnect). The rate register
    (0x03) applies at once (the BLE examples imply it; **?** in the spec), ``FF AA 00 00 00``
    saves to flash, ``FF AA 00 01 00`` restores the factory defaults, ``FF AA 27 RR 00`` answers
    a ``55 71`` packet with registers RR..RR+7 on ``ffe4``. The return rate after power-up is
    the saved one: factory default 10 Hz, so a fresh device streams at 10 Hz for the moment
    between the host's subscription and its rate write, exactly as the hardware would.
    Angles (bytes 14-19) are the on-board fusion: roll/pitch from gravity, yaw integrated.
    """

    family_id = "witmotion"
    device_clock = False

    FACTORY = {0x03: wit.RATE_CODES[10.0], 0x40: 2650, wit.REG_BATTERY: 395, 0x3A: 360, 0x3B: 105, 0x3C: 122}

    def __init__(
        self,
        name: str = "WT901BLE68",
        address: str = "D4:0B:5A:11:22:01",
        *,
        saved_rate_hz: float = 10.0,
        battery_centivolts: int = 395,
        require_unlock: bool = True,
    ) -> None:
        gatt = [(wit.SERVICE_UUID, [(wit.NOTIFY_UUID, NOTIFY), (wit.WRITE_UUID, WRITE)])]
        super().__init__(name, address, [], {}, gatt, battery=None)
        self.flash = dict(self.FACTORY)
        self.flash[wit.REG_RATE] = wit.RATE_CODES[float(saved_rate_hz)]
        self.flash[wit.REG_BATTERY] = battery_centivolts
        self.regs = dict(self.flash)  # power-up: registers load from flash
        self.require_unlock = require_unlock
        self.unlocked = False
        self._yaw = 0.0

    @property
    def streaming(self) -> bool:
        return wit.NOTIFY_UUID in self.subscribed and self.regs[wit.REG_RATE] in _WIT_RATE_OF_CODE

    @property
    def rate_hz(self) -> float:
        return _WIT_RATE_OF_CODE.get(self.regs[wit.REG_RATE], 10.0)

    def _write(self, uuid: str, data: bytes) -> list[tuple[str, bytes]]:
        if uuid != wit.WRITE_UUID or len(data) != 5 or data[:2] != b"\xff\xaa":
            return []  # the firmware ignores anything that is not a register command
        reg, value = data[2], data[3] | (data[4] << 8)
        if reg == wit.REG_READ:
            start = value & 0xFF
            vals = [self.regs.get(start + i, 0) for i in range(8)]
            return [(wit.NOTIFY_UUID, wit.encode_register_reply(start, vals))]
        if reg == wit.REG_UNLOCK:
            self.unlocked = value == 0xB588
            return []
        if self.require_unlock and not self.unlocked:
            return []  # locked: writes are ignored silently
        if reg == wit.REG_SAVE:
            if value == 0x0000:
                self.flash = dict(self.regs)
            elif value == 0x0001:
                self.regs = dict(self.FACTORY)
            elif value == 0x00FF:  # restart: registers reload from flash, unlock is lost
                self.regs = dict(self.flash)
                self.unlocked = False
            return []
        if reg == wit.REG_RATE and value not in _WIT_RATE_OF_CODE and value != _WIT_NO_OUTPUT:
            return []  # codes this model does not know (0.2-5 Hz, 125 Hz?) are ignored
        self.regs[reg] = value
        return []

    def _link_lost(self) -> None:
        self.unlocked = False  # (the device stays powered: the rate register survives)

    def _packets(self, t: np.ndarray, acc: np.ndarray, gyr: np.ndarray) -> list[tuple[str, bytes]]:
        acc_g = saturate(acc / G, wit.ACC_FULL_SCALE_G)
        gyr_d = saturate(gyr, wit.GYRO_FULL_SCALE_DPS)
        roll = np.degrees(np.arctan2(acc_g[:, 1], acc_g[:, 2]))
        pitch = np.degrees(np.arctan2(-acc_g[:, 0], np.hypot(acc_g[:, 1], acc_g[:, 2])))
        yaw = self._yaw + np.cumsum(gyr_d[:, 2]) / self.rate_hz
        yaw = (yaw + 180.0) % 360.0 - 180.0
        self._yaw = float(yaw[-1])
        ang = saturate(np.stack([roll, pitch, yaw], axis=1), wit.ANGLE_FULL_SCALE_DEG)
        return [(wit.NOTIFY_UUID, wit.encode_data_packet(a, g, an)) for a, g, an in zip(acc_g, gyr_d, ang)]
