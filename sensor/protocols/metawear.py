"""MbientLab MetaMotion S / RL / R / C - MetaWear command protocol (accelerometer + gyroscope).

Spec and sources: ``firmware_specs/metamotion.md``. Summary:

* service ``326A9000-85CB-9195-D9DD-464CFBBAE75A``; commands to ``...9001`` (write without
  response); everything comes back on ``...9006`` (notify);
* every message is ``[module, register, payload]``; reads set bit 7 of the register;
* module info ``[mod, 0x80]`` -> ``[mod, 0x80, implementation, revision]``: accelerometer
  implementation 1 = BMI160 (MetaMotion R/RL/C), 4 = BMI270 (MetaMotion S); register numbers
  of the data signals differ between the two chips, so read module info first
  (:data:`FAMILY`'s ``setup_commands``) and pass ``decoder.device_info`` to ``start_commands``;
* accelerometer (module 0x03) and gyroscope (0x13) stream as separate notifications:
  unpacked ``[mod, reg, x, y, z]`` int16 LE (one sample) or packed (three samples, 20 bytes);
  counts / LSB-per-g and counts / LSB-per-deg/s with the configured ranges;
* no timestamps or counters: sample times come from an ArrivalClock shared by both streams,
  acc and gyro samples are paired by per-stream sample index (see
  :class:`~sensor.protocols.clocks.Pairer`); without arrival times the pairing is first-in
  first-out;
* lost samples are lost *pairs* (only pairs come out): ``seq_gaps``/``lost_samples_estimate``
  count the pair indices missing between emitted pairs (``Pairer(count_lost=True)``), so a
  stall that drops both streams counts once and a loss on one stream still counts.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping

import numpy as np

from sensor.core.samples import ImuChunk
from sensor.protocols.clocks import ArrivalClock, ArrivalStream, Pairer
from sensor.protocols.decoding import Command, Decoder, DecodeStats, ProtocolError
from sensor.protocols.family import DeviceFamily
from sensor.protocols.uuids import STANDARD_GRAVITY

__all__ = [
    "ACC_RANGES",
    "ACC_REGS",
    "COMMAND_UUID",
    "FAMILY",
    "GYRO_RANGES",
    "GYRO_REGS",
    "MBIENTLAB_COMPANY_ID",
    "METABOOT_SERVICE_UUID",
    "MOD_ACC",
    "MOD_GYRO",
    "MOD_SETTINGS",
    "NOTIFY_UUID",
    "ODR_CODES",
    "SERVICE_UUID",
    "MetaWearDecoder",
    "acc_config",
    "battery_request",
    "connection_parameters",
    "encode_packed",
    "encode_sample",
    "gyro_config",
    "module_info_request",
    "start_sequence",
    "stop_sequence",
]

SERVICE_UUID = "326a9000-85cb-9195-d9dd-464cfbbae75a"
COMMAND_UUID = "326a9001-85cb-9195-d9dd-464cfbbae75a"
NOTIFY_UUID = "326a9006-85cb-9195-d9dd-464cfbbae75a"
METABOOT_SERVICE_UUID = "00001530-1212-efde-1523-785feabcd123"
MBIENTLAB_COMPANY_ID = 0x626D

MOD_ACC = 0x03
MOD_GYRO = 0x13
MOD_SETTINGS = 0x11
READ = 0x80
REG_MODULE_INFO = 0x00 | READ
REG_BATTERY = 0x0C
REG_CONN_PARAMS = 0x09

#: Register numbers per chip (MetaWear-SDK-Cpp accelerometer_bosch_register.h / gyro_bosch_register.h).
ACC_REGS = {
    "bmi160": {"power": 0x01, "intr": 0x02, "config": 0x03, "data": 0x04, "packed": 0x1C},
    "bmi270": {"power": 0x01, "intr": 0x02, "config": 0x03, "data": 0x04, "packed": 0x05},
}
GYRO_REGS = {
    "bmi160": {"power": 0x01, "intr": 0x02, "config": 0x03, "data": 0x05, "packed": 0x07},
    "bmi270": {"power": 0x01, "intr": 0x02, "config": 0x03, "data": 0x04, "packed": 0x05},
}
ACC_IMPL = {1: "bmi160", 4: "bmi270"}
GYRO_IMPL = {0: "bmi160", 1: "bmi270"}

#: Bosch output-data-rate codes (low nibble of the config byte).
ODR_CODES = {25.0: 0x6, 50.0: 0x7, 100.0: 0x8, 200.0: 0x9}
#: range (g) -> (BMI160 range byte, BMI270 range byte, LSB per g)
ACC_RANGES = {2: (0x03, 0x00, 16384.0), 4: (0x05, 0x01, 8192.0), 8: (0x08, 0x02, 4096.0), 16: (0x0C, 0x03, 2048.0)}
#: range (deg/s) -> (range code, LSB per deg/s)
GYRO_RANGES = {2000: (0, 16.4), 1000: (1, 32.8), 500: (2, 65.6), 250: (3, 131.2), 125: (4, 262.4)}

DEFAULT_ACC_RANGE_G = 16
DEFAULT_GYRO_RANGE_DPS = 2000
SUPPORTED_RATES = tuple(sorted(ODR_CODES))


def _chip(chip: str) -> str:
    if chip not in ACC_REGS:
        raise ProtocolError(f"unsupported MetaWear IMU {chip!r} (need 'bmi160' or 'bmi270')")
    return chip


def _odr(rate: float) -> int:
    code = ODR_CODES.get(float(rate))
    if code is None:
        raise ProtocolError(f"MetaWear: unsupported rate {rate!r}; supported {SUPPORTED_RATES}")
    return code


def module_info_request(module: int) -> bytes:
    """``<module> 80``: reply ``<module> 80 <implementation> <revision> ...``."""
    if not (0 <= module <= 0xFF):
        raise ProtocolError("module id must be 0..255")
    return bytes((module, REG_MODULE_INFO))


def battery_request() -> bytes:
    """``11 8C``: reply ``11 8C <charge %> <voltage mV u16>``."""
    return bytes((MOD_SETTINGS, READ | REG_BATTERY))


def acc_config(chip: str, rate: float, range_g: int = DEFAULT_ACC_RANGE_G) -> bytes:
    """``03 03 <odr byte> <range byte>`` (BMI160: 0x20|odr, BMI270: 0xA0|odr)."""
    chip = _chip(chip)
    if range_g not in ACC_RANGES:
        raise ProtocolError(f"accelerometer range must be one of {sorted(ACC_RANGES)} g")
    b160, b270, _ = ACC_RANGES[range_g]
    odr = (0x20 if chip == "bmi160" else 0xA0) | _odr(rate)
    return bytes((MOD_ACC, ACC_REGS[chip]["config"], odr, b160 if chip == "bmi160" else b270))


def gyro_config(chip: str, rate: float, range_dps: int = DEFAULT_GYRO_RANGE_DPS) -> bytes:
    """``13 03 <0x20|odr> <range code>`` (bandwidth parameter 2 as the SDK default)."""
    chip = _chip(chip)
    if range_dps not in GYRO_RANGES:
        raise ProtocolError(f"gyroscope range must be one of {sorted(GYRO_RANGES)} deg/s")
    return bytes((MOD_GYRO, GYRO_REGS[chip]["config"], 0x20 | _odr(rate), GYRO_RANGES[range_dps][0]))


def connection_parameters(min_interval_ms: float, max_interval_ms: float, latency: int, timeout_ms: float) -> bytes:
    """``11 09 <min> <max> <latency> <timeout>`` (u16 each; intervals in 1.25 ms units,
    supervision timeout in 10 ms units). The central may refuse the request."""
    try:
        vals = (
            int(round(min_interval_ms / 1.25)),
            int(round(max_interval_ms / 1.25)),
            int(latency),
            int(round(timeout_ms / 10.0)),
        )
    except (TypeError, ValueError) as exc:
        raise ProtocolError(str(exc)) from exc
    if not (6 <= vals[0] <= vals[1] <= 3200) or not (0 <= vals[2] <= 499) or not (10 <= vals[3] <= 3200):
        raise ProtocolError(f"connection parameters out of range: {vals}")
    return bytes((MOD_SETTINGS, REG_CONN_PARAMS)) + struct.pack("<4H", *vals)


def _use_packed(chip: str, info: Mapping[str, object]) -> bool:
    if chip == "bmi270":
        return True
    # BMI160 packed signals need module revision >= 1 (unknown revision: assume yes)
    acc_rev = info.get("acc_rev", 1)
    gyro_rev = info.get("gyro_rev", 1)
    return bool(isinstance(acc_rev, int) and acc_rev >= 1 and isinstance(gyro_rev, int) and gyro_rev >= 1)


def _chip_from_info(info: Mapping[str, object] | None) -> tuple[str, Mapping[str, object]]:
    info = info or {}
    chip = info.get("chip", "bmi160")
    return _chip(str(chip)), info


def start_sequence(
    chip: str,
    rate: float,
    *,
    packed: bool = True,
    acc_range_g: int = DEFAULT_ACC_RANGE_G,
    gyro_range_dps: int = DEFAULT_GYRO_RANGE_DPS,
) -> list[bytes]:
    """Configure both sensors, subscribe, enable sampling and start (gyro first)."""
    chip = _chip(chip)
    a, g = ACC_REGS[chip], GYRO_REGS[chip]
    sig_a = a["packed"] if packed else a["data"]
    sig_g = g["packed"] if packed else g["data"]
    cmds = []
    if float(rate) >= 200.0:
        # > 100 Hz needs a 7.5 ms connection interval (MbientLab docs); the central may refuse
        cmds.append(connection_parameters(7.5, 7.5, 0, 6000))
    cmds += [
        acc_config(chip, rate, acc_range_g),
        gyro_config(chip, rate, gyro_range_dps),
        bytes((MOD_ACC, sig_a, 1)),
        bytes((MOD_GYRO, sig_g, 1)),
        bytes((MOD_ACC, a["intr"], 1, 0)),
        bytes((MOD_GYRO, g["intr"], 1, 0)),
        bytes((MOD_GYRO, g["power"], 1)),
        bytes((MOD_ACC, a["power"], 1)),
    ]
    return cmds


def stop_sequence(chip: str, *, packed: bool = True) -> list[bytes]:
    """Stop both sensors, disable sampling, unsubscribe."""
    chip = _chip(chip)
    a, g = ACC_REGS[chip], GYRO_REGS[chip]
    sig_a = a["packed"] if packed else a["data"]
    sig_g = g["packed"] if packed else g["data"]
    return [
        bytes((MOD_ACC, a["power"], 0)),
        bytes((MOD_GYRO, g["power"], 0)),
        bytes((MOD_ACC, a["intr"], 0, 1)),
        bytes((MOD_GYRO, g["intr"], 0, 1)),
        bytes((MOD_ACC, sig_a, 0)),
        bytes((MOD_GYRO, sig_g, 0)),
    ]


def _setup() -> list[Command]:
    return [
        (COMMAND_UUID, module_info_request(MOD_ACC), False),
        (COMMAND_UUID, module_info_request(MOD_GYRO), False),
        (COMMAND_UUID, battery_request(), False),
    ]


def _start(rate: float, device_info: Mapping[str, object] | None = None) -> list[Command]:
    chip, info = _chip_from_info(device_info)
    packed = _use_packed(chip, info)
    return [(COMMAND_UUID, c, False) for c in start_sequence(chip, rate, packed=packed)]


def _stop(device_info: Mapping[str, object] | None = None) -> list[Command]:
    chip, info = _chip_from_info(device_info)
    packed = _use_packed(chip, info)
    return [(COMMAND_UUID, c, False) for c in stop_sequence(chip, packed=packed)]


# -- encoders (tests, simulators) --------------------------------------------------------------


def _counts(rows: object, lsb: float) -> list[int]:
    arr = np.asarray(rows, dtype=np.float64).reshape(-1, 3)
    if not np.isfinite(arr).all():
        raise ProtocolError("values must be finite")
    c = np.round(arr * lsb)
    if (c < -32768).any() or (c > 32767).any():
        raise ProtocolError("value out of range for the configured full scale")
    return [int(x) for x in c.reshape(-1)]


def encode_sample(module: int, register: int, value: object, lsb: float) -> bytes:
    """Unpacked notification ``[module, register, x, y, z]`` (value in g or deg/s)."""
    return bytes((module, register)) + struct.pack("<3h", *_counts(value, lsb))


def encode_packed(module: int, register: int, values: object, lsb: float) -> bytes:
    """Packed notification with exactly three samples."""
    c = _counts(values, lsb)
    if len(c) != 9:
        raise ProtocolError("a packed notification holds exactly 3 samples")
    return bytes((module, register)) + struct.pack("<9h", *c)


# -- decoder -----------------------------------------------------------------------------------


class MetaWearDecoder(Decoder):
    """Decoder for ``...9006`` notifications.

    Learns ``device_info['chip']`` ('bmi160' / 'bmi270'), ``acc_impl``/``acc_rev``/
    ``gyro_impl``/``gyro_rev`` from module-info replies and ``battery_percent`` /
    ``device_info['battery_mv']`` from battery replies. The ranges must match the ones written
    by the start commands (defaults: +-16 g, +-2000 deg/s).
    """

    family_id = "metawear"

    def __init__(
        self,
        rate_hz: float,
        *,
        acc_range_g: int = DEFAULT_ACC_RANGE_G,
        gyro_range_dps: int = DEFAULT_GYRO_RANGE_DPS,
        gap_threshold_s: float | None = None,
    ) -> None:
        super().__init__(rate_hz)
        if acc_range_g not in ACC_RANGES or gyro_range_dps not in GYRO_RANGES:
            raise ProtocolError("unsupported range")
        self._acc_scale = STANDARD_GRAVITY / ACC_RANGES[acc_range_g][2]
        self._gyr_scale = 1.0 / GYRO_RANGES[gyro_range_dps][1]
        self._clock = ArrivalClock(self.rate_hz, gap_threshold_s)
        self._acc = ArrivalStream()
        self._gyr = ArrivalStream()
        self._stream_outages = DecodeStats()  # per stream, moves indices; loss is per pair
        self._pairer = Pairer(max_pending=int(2 * self.rate_hz) + 64, count_lost=True)

    def _classify(self, mod: int, reg: int, size: int) -> tuple[str, int] | None:
        """('acc'|'gyr', samples) for data signals; None otherwise. size = len(message)."""
        if mod == MOD_ACC:
            if reg == 0x04:
                return "acc", 1
            if reg in (0x1C, 0x05):
                return "acc", 3
        elif mod == MOD_GYRO:
            if reg == 0x04:
                return "gyr", 1
            if reg == 0x07:
                return "gyr", 3
            if reg == 0x05:  # BMI160 unpacked (8 bytes) or BMI270 packed (20 bytes)
                return "gyr", 3 if size >= 20 else 1
        return None

    def _feed(self, uuid: str, data: bytes, arrival: float | None) -> ImuChunk:
        if uuid != NOTIFY_UUID:
            self.stats.ignored_packets += 1
            return self._nothing()
        st = self.stats
        st.packets += 1
        if len(data) < 2:
            st.short_packets += 1
            return self._nothing()
        mod, reg = data[0], data[1]
        if reg == REG_MODULE_INFO and mod in (MOD_ACC, MOD_GYRO):
            self._module_info(mod, data)
            return self._nothing()
        if mod == MOD_SETTINGS and reg in (READ | REG_BATTERY, READ | 0x40 | REG_BATTERY):
            if len(data) >= 5:
                pct = data[2]
                if pct <= 100:
                    self.battery_percent = pct
                self.device_info["battery_mv"] = struct.unpack_from("<H", data, 3)[0]
            return self._nothing()
        kind = self._classify(mod, reg, len(data))
        if kind is None:
            st.ignored_packets += 1
            return self._nothing()
        which, n = kind
        need = 2 + 6 * n
        if len(data) < need:
            st.short_packets += 1
            return self._nothing()
        if len(data) > need:
            st.corrupt_packets += 1
            return self._nothing()
        counts = np.frombuffer(data, dtype="<i2", offset=2).astype(np.float64).reshape(n, 3)
        if which == "acc":
            k_first, t = self._clock.place(self._acc, n, arrival, self._stream_outages)
            self._pairer.push_acc(k_first, t, counts * self._acc_scale, st)
        else:
            k_first, _ = self._clock.place(self._gyr, n, arrival, self._stream_outages)
            self._pairer.push_gyr(k_first, counts * self._gyr_scale, st)
        tt, aa, gg = self._pairer.pop_pairs(st)
        return self._emit(tt, aa, gg)

    def _module_info(self, mod: int, data: bytes) -> None:
        info = self.device_info
        prefix = "acc" if mod == MOD_ACC else "gyro"
        if len(data) < 4:
            info[f"{prefix}_present"] = False
            return
        impl, rev = data[2], data[3]
        info[f"{prefix}_present"] = True
        info[f"{prefix}_impl"] = impl
        info[f"{prefix}_rev"] = rev
        if mod == MOD_ACC:
            info["chip"] = ACC_IMPL.get(impl, f"unsupported-acc-{impl}")


def _matches(name: str | None, uuids: list[str], mfr: dict[int, bytes]) -> bool:
    if SERVICE_UUID in uuids or MBIENTLAB_COMPANY_ID in mfr:
        return True
    if name:
        low = name.strip().lower()
        return low.startswith("metawear") or low.startswith("metamotion")
    return False


FAMILY = DeviceFamily(
    family_id="metawear",
    display_name="MbientLab MetaMotion (MetaWear)",
    service_uuid=SERVICE_UUID,
    notify_uuids=(NOTIFY_UUID,),
    control_uuids=(COMMAND_UUID,),
    supported_rates=SUPPORTED_RATES,
    default_rate=100.0,
    has_battery=True,  # settings register 0x0C read (setup_commands), parsed by the decoder
    battery_uuid=None,
    command_delay_s=0.0,
    spec="firmware_specs/metamotion.md",
    matcher=_matches,
    start_builder=_start,
    stop_builder=_stop,
    decoder_factory=lambda rate: MetaWearDecoder(rate),
    setup_builder=_setup,
)
