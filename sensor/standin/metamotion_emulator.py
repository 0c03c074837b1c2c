"""Device model of an MbientLab MetaMotion board (MetaWear protocol) for the BlueZ stand-in."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

import numpy as np

from sensor.protocols import metawear as mw
from sensor.protocols.uuids import short_uuid
from sensor.standin.device_model import NOTIFY, READ, WRITE, DeviceModel, G, saturate

_BOSCH_ODR = {code: 100.0 * 2.0 ** (code - 8) for code in range(5, 13)}  # 12.5 Hz .. 1600 Hz
_BMI160_ACC_RANGE = {0x03: 2, 0x05: 4, 0x08: 8, 0x0C: 16}
_BMI270_ACC_RANGE = {0: 2, 1: 4, 2: 8, 3: 16}
_GYRO_RANGE = {code: dps for dps, (code, _) in mw.GYRO_RANGES.items()}
_MW_IMPL = {"bmi160": ((1, 1), (0, 1)), "bmi270": ((4, 0), (1, 0))}  # (acc impl, rev), (gyro impl, rev)


@dataclass
class _Bosch:
    odr: float = 100.0
    range_: int = 0
    power: bool = False
    intr: bool = False
    signals: set[int] = field(default_factory=set)  # subscribed data registers
    pending: list[list[float]] = field(default_factory=list)  # samples waiting for a packed notification
    pending_t: list[float] = field(default_factory=list)


class MetaMotionEmulator(DeviceModel):
    """A MetaMotion board: ``chip="bmi270"`` (MetaMotion S, default) or ``"bmi160"`` (R/RL/C).

    Every message is ``[module, register, payload]`` on ``326a9001`` (write without response),
    answered on ``326a9006``. Module info ``mod 80`` -> ``mod 80 impl rev`` for the
    accelerometer (BMI160 1/1, BMI270 4/0) and gyroscope (BMI160 0/1, BMI270 1/0); every other
    module answers as absent (just ``mod 80``; a simplification). Battery ``11 8C`` / silent
    ``11 CC`` -> ``<pct> <mV u16>``. Config writes set ODR (low nibble) and range with the
    chip's own encoding - a BMI160 range byte sent to a BMI270 gives the range its low two bits
    select, as the chip would. A sensor streams while powered (``01 01``), its data interrupt
    is enabled (``02 01 00``) and a data signal is subscribed (``mod reg 01``: single samples or
    packed, 3 per 20-byte notification; BMI160 revision 0 has no packed signals).
    Samples carry no time; they are saturated at int16 like the chip's registers.
    """

    family_id = "metawear"
    device_clock = False

    def __init__(
        self,
        name: str = "MetaWear",
        address: str = "F7:3C:11:9A:4E:02",
        *,
        chip: str = "bmi270",
        battery: int = 93,
        battery_mv: int = 4071,
    ) -> None:
        if chip not in _MW_IMPL:
            raise ValueError("chip must be 'bmi160' or 'bmi270'")
        gatt = [
            (mw.SERVICE_UUID, [(mw.COMMAND_UUID, WRITE), (mw.NOTIFY_UUID, NOTIFY)]),
            (short_uuid(0x180A), [(short_uuid(0x2A29), READ)]),
        ]
        # Advertises the MetaWear service UUID (spec: R). The MbientLab manufacturer data
        # (company 0x626D) is documented as an alternative, its content is not: left out.
        super().__init__(name, address, [mw.SERVICE_UUID], {}, gatt, battery=None)
        self.chip = chip
        self.battery_pct, self.battery_mv = battery, battery_mv
        (self.acc_impl, self.acc_rev), (self.gyro_impl, self.gyro_rev) = _MW_IMPL[chip]
        self.acc = _Bosch(range_=2)  # power-on defaults: 100 Hz, +-2 g
        self.gyr = _Bosch(range_=2000)
        self._n = 0

    def _regs(self, mod: int) -> dict[str, int]:
        return (mw.ACC_REGS if mod == mw.MOD_ACC else mw.GYRO_REGS)[self.chip]

    def _active(self, s: _Bosch) -> bool:
        return s.power and s.intr and bool(s.signals)

    @property
    def streaming(self) -> bool:
        return self._active(self.acc) or self._active(self.gyr)

    @property
    def rate_hz(self) -> float:
        rates = [s.odr for s in (self.acc, self.gyr) if self._active(s)]
        return max(rates, default=self.acc.odr)

    def _read(self, uuid: str) -> bytes:
        return b"MbientLab Inc" if uuid == short_uuid(0x2A29) else b""

    def _write(self, uuid: str, data: bytes) -> list[tuple[str, bytes]]:
        if uuid != mw.COMMAND_UUID or len(data) < 2:
            return []
        mod, reg, arg = data[0], data[1], data[2:]
        if reg == mw.REG_MODULE_INFO:
            if mod == mw.MOD_ACC:
                return [(mw.NOTIFY_UUID, bytes((mod, reg, self.acc_impl, self.acc_rev)))]
            if mod == mw.MOD_GYRO:
                return [(mw.NOTIFY_UUID, bytes((mod, reg, self.gyro_impl, self.gyro_rev)))]
            return [(mw.NOTIFY_UUID, bytes((mod, reg)))]
        if mod == mw.MOD_SETTINGS:
            if reg in (mw.READ | mw.REG_BATTERY, mw.READ | 0x40 | mw.REG_BATTERY):
                return [(mw.NOTIFY_UUID, bytes((mod, reg, self.battery_pct)) + struct.pack("<H", self.battery_mv))]
            return []  # connection parameters (11 09 ...) and the rest: accepted silently
        if mod not in (mw.MOD_ACC, mw.MOD_GYRO):
            return []
        s = self.acc if mod == mw.MOD_ACC else self.gyr
        regs = self._regs(mod)
        if reg == regs["config"] and len(arg) >= 2:
            odr = _BOSCH_ODR.get(arg[0] & 0x0F)
            if mod == mw.MOD_ACC:
                table = _BMI160_ACC_RANGE if self.chip == "bmi160" else _BMI270_ACC_RANGE
                rng = table.get(arg[1] if self.chip == "bmi160" else arg[1] & 0x03)
            else:
                rng = _GYRO_RANGE.get(arg[1] & 0x07)
            if odr is not None:
                s.odr = odr
            if rng is not None:
                s.range_ = rng
        elif reg == regs["power"] and len(arg) >= 1:
            s.power = arg[0] == 1
        elif reg == regs["intr"] and len(arg) >= 2:
            if arg[0]:
                s.intr = True
            if arg[1]:
                s.intr = False
        elif reg in (regs["data"], regs["packed"]) and len(arg) >= 1:
            packed = reg == regs["packed"]
            rev = self.acc_rev if mod == mw.MOD_ACC else self.gyro_rev
            if packed and self.chip == "bmi160" and rev < 1:
                return []  # no packed signal on this revision
            if arg[0] == 1:
                s.signals.add(reg)
            else:
                s.signals.discard(reg)
                if packed:
                    s.pending.clear()
                    s.pending_t.clear()
        return []

    def _link_lost(self) -> None:
        for s in (self.acc, self.gyr):  # the firmware tears down what the connection set up
            s.power = s.intr = False
            s.signals.clear()
            s.pending.clear()
            s.pending_t.clear()

    def _packets(self, t: np.ndarray, acc: np.ndarray, gyr: np.ndarray) -> list[tuple[str, bytes]]:
        base = self.rate_hz
        idx = self._n + np.arange(len(t))
        self._n += len(t)
        out: list[tuple[float, bytes]] = []
        for mod, s, values in ((mw.MOD_GYRO, self.gyr, gyr), (mw.MOD_ACC, self.acc, acc)):
            if not self._active(s):
                continue
            keep = idx % max(1, int(round(base / s.odr))) == 0
            if mod == mw.MOD_ACC:
                lsb = mw.ACC_RANGES[s.range_][2]
                units = saturate(values[keep] / G, s.range_)
            else:
                lsb = mw.GYRO_RANGES[s.range_][1]
                units = saturate(values[keep], 32768.0 / lsb)
            tk = t[keep]
            regs = self._regs(mod)
            if regs["data"] in s.signals:
                out += [(float(ti), mw.encode_sample(mod, regs["data"], u, lsb)) for ti, u in zip(tk, units)]
            if regs["packed"] in s.signals:
                s.pending.extend(units.tolist())
                s.pending_t.extend(tk.tolist())
                while len(s.pending) >= 3:
                    out.append((s.pending_t[2], mw.encode_packed(mod, regs["packed"], s.pending[:3], lsb)))
                    del s.pending[:3], s.pending_t[:3]
        out.sort(key=lambda x: x[0])
        return [(mw.NOTIFY_UUID, p) for _, p in out]
