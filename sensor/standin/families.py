"""Device-side models of the sensor families glide supports, for the BlueZ stand-in.

Each class here is what :mod:`sensor.standin.server` calls an *emulator*: a sans-IO model of one real
device. It advertises like the device, exposes the device's GATT layout, answers the family's
own command bytes the way ``firmware_specs/<family>.md`` documents, starts streaming only when
the host has done what the real device needs (a command, or for WitMotion and Thingy:52 just
enabling notifications), stops on the stop commands, and encodes the simulated motion into the
family's notification format at the rate the host negotiated. Nothing is converted on the way:
the bytes are those a real device would send, so the stand-in exercises the same decoders,
transport and pipeline as hardware would.

=================  ===============================  ===========================================
family             starts streaming when            notifications
=================  ===============================  ===========================================
WitMotion          notifications on ``ffe4`` are    ``55 61`` packets, one sample each, at the
                   enabled (at the rate in its      rate register (factory default 10 Hz; the
                   rate register)                   unlocked rate write applies at once)
Movesense (GSP)    ``01 <ref> /Meas/IMU6/<rate>``   IMU6 / Acc / Gyro messages of rate/13
                   (or Acc / Gyro) subscriptions    samples, u32 ms timestamp of the first
                                                    sample, split in two parts above 150 bytes
Polar Verity       ``02 02`` / ``02 05`` START      ACC 0x81 (mG) and GYRO 0x80 (x FACTOR) or
Sense (PMD)        requests (``02 09`` SDK mode     0x81 (float) delta frames, sent when a frame
                   for rates other than 52 Hz)      is full (<= 232 bytes), u64 ns timestamp of
                                                    the last sample
MetaMotion         power + data interrupt +         packed (3 samples, 20 bytes) or single
(MetaWear)         signal subscription, per sensor  samples, acc and gyro separately, no time
Thingy:52          notifications on raw data        18-byte raw samples at the configuration's
                   ``ef680406`` are enabled         ``motion_freq_hz`` (gravity-vector accel)
=================  ===============================  ===========================================

Device clocks: Movesense and Polar put their own clock on every message; the models keep that
clock monotonic across the stand-in's stream restarts. WitMotion, MetaWear and Thingy:52 send no
time at all (``device_clock = False``): the stand-in never fast-forwards them (see
:class:`sensor.standin.server.BlueZStandin`), because the host's arrival clock is their sample clock.

Facts the specs mark unverified (**?**) are modelled as the spec's best guess and say so where
they are used; see :func:`family_emulators` for the advertised identities.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass, field

import numpy as np
from dbus_fast.errors import DBusError

from sensor.core.samples import ImuChunk
from sensor.protocols import metawear as mw
from sensor.protocols import movesense as ms
from sensor.protocols import polar_pmd as pmd
from sensor.protocols import thingy52 as th
from sensor.protocols import witmotion as wit
from sensor.protocols.uuids import BATTERY_LEVEL_UUID, BATTERY_SERVICE_UUID, STANDARD_GRAVITY, normalize_uuid, short_uuid

__all__ = [
    "AttError",
    "MetaMotionEmulator",
    "MovesenseEmulator",
    "PolarVeritySenseEmulator",
    "Thingy52Emulator",
    "WitMotionEmulator",
    "family_emulators",
]

G = STANDARD_GRAVITY
_NOTIFY = ["notify"]
_READ = ["read"]
_WRITE = ["write", "write-without-response"]


class AttError(DBusError):
    """A write the device rejects with an ATT error; BlueZ reports it as a D-Bus error.

    Raised by ``on_write``; the stand-in's D-Bus method turns it into the error reply bleak
    receives (``org.bluez.Error.NotPermitted`` for ATT "write not permitted", 0x03, and
    ``org.bluez.Error.InvalidValueLength`` for 0x0D, as BlueZ maps them).
    """

    def __init__(self, name: str, text: str) -> None:
        super().__init__(f"org.bluez.Error.{name}", text)


def _sat(values: np.ndarray, full_scale: float, counts: float = 32768.0) -> np.ndarray:
    """Saturate at the largest value an int16 of this scale holds, as the sensor does."""
    lim = full_scale * (counts - 1) / counts
    return np.clip(values, -lim, lim)


class _DeviceModel:
    """Shared plumbing: identity, CCCD state, battery read, a monotonic device clock."""

    family_id = ""
    device_clock = True  # False: the device sends no timestamps (see BlueZStandin)

    def __init__(
        self,
        name: str,
        address: str,
        adv_uuids: list[str],
        manufacturer_data: dict[int, bytes],
        gatt: list[tuple[str, list[tuple[str, list[str]]]]],
        battery: int | None,
    ) -> None:
        self.name, self.address = name, address
        self.adv_uuids = adv_uuids
        self.manufacturer_data = manufacturer_data
        self.gatt = gatt
        self.battery = battery
        self.subscribed: set[str] = set()
        #: every write received, in order: (characteristic, bytes) - for tests and debugging
        self.writes: list[tuple[str, bytes]] = []
        #: was the device still streaming when the link went down? (None before any disconnect)
        self.streaming_at_disconnect: bool | None = None
        self.disconnects = 0
        self._t_offset = 0.0
        self._t_last = -math.inf

    # -- what the stand-in calls ---------------------------------------------------------------
    @property
    def streaming(self) -> bool:
        raise NotImplementedError

    @property
    def rate_hz(self) -> float:
        raise NotImplementedError

    def on_write(self, char_uuid: str, data: bytes) -> list[tuple[str, bytes]]:
        uuid = normalize_uuid(char_uuid)
        self.writes.append((uuid, bytes(data)))
        return self._write(uuid, bytes(data))

    def on_read(self, char_uuid: str) -> bytes:
        uuid = normalize_uuid(char_uuid)
        if uuid == BATTERY_LEVEL_UUID and self.battery is not None:
            return bytes([self.battery])
        return self._read(uuid)

    def on_subscribe(self, char_uuid: str, enabled: bool) -> list[tuple[str, bytes]]:
        uuid = normalize_uuid(char_uuid)
        if enabled:
            self.subscribed.add(uuid)
        else:
            self.subscribed.discard(uuid)
        return []

    def on_disconnect(self) -> None:
        self.streaming_at_disconnect = self.streaming
        self.disconnects += 1
        self.subscribed.clear()
        self._link_lost()

    def packets(self, chunk: ImuChunk) -> list[tuple[str, bytes]]:
        if len(chunk) == 0 or not self.streaming:
            return []
        return self._packets(self._device_time(chunk.t), chunk.acc, chunk.gyr)

    # -- per family ----------------------------------------------------------------------------
    def _write(self, uuid: str, data: bytes) -> list[tuple[str, bytes]]:
        return []

    def _read(self, uuid: str) -> bytes:
        return b""

    def _link_lost(self) -> None:
        pass

    def _packets(self, t: np.ndarray, acc: np.ndarray, gyr: np.ndarray) -> list[tuple[str, bytes]]:
        raise NotImplementedError

    # -- helpers -------------------------------------------------------------------------------
    def _device_time(self, t: np.ndarray) -> np.ndarray:
        """The stand-in restarts its sample times at 0 whenever a stream (re)starts; a device's
        clock keeps running. Shift restarted times so they continue after the last sample."""
        t = np.asarray(t, dtype=np.float64) + self._t_offset
        if t[0] <= self._t_last:
            shift = self._t_last + 1.0 / self.rate_hz - t[0]
            self._t_offset += shift
            t = t + shift
        self._t_last = float(t[-1])
        return t


# =============================================================================================
# WitMotion WT901BLECL (firmware_specs/witmotion.md)
# =============================================================================================

_WIT_RATE_OF_CODE = {code: rate for rate, code in wit.RATE_CODES.items()}
_WIT_NO_OUTPUT = 0x0D  # "no output" return-rate code (spec: exists, R)


class WitMotionEmulator(_DeviceModel):
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
        gatt = [(wit.SERVICE_UUID, [(wit.NOTIFY_UUID, _NOTIFY), (wit.WRITE_UUID, _WRITE)])]
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

    def _packets(self, t, acc, gyr):
        acc_g = _sat(acc / G, wit.ACC_FULL_SCALE_G)
        gyr_d = _sat(gyr, wit.GYRO_FULL_SCALE_DPS)
        roll = np.degrees(np.arctan2(acc_g[:, 1], acc_g[:, 2]))
        pitch = np.degrees(np.arctan2(-acc_g[:, 0], np.hypot(acc_g[:, 1], acc_g[:, 2])))
        yaw = self._yaw + np.cumsum(gyr_d[:, 2]) / self.rate_hz
        yaw = (yaw + 180.0) % 360.0 - 180.0
        self._yaw = float(yaw[-1])
        ang = _sat(np.stack([roll, pitch, yaw], axis=1), wit.ANGLE_FULL_SCALE_DEG)
        return [(wit.NOTIFY_UUID, wit.encode_data_packet(a, g, an)) for a, g, an in zip(acc_g, gyr_d, ang)]


# =============================================================================================
# Movesense, GATT SensorData Protocol (firmware_specs/movesense.md)
# =============================================================================================

_MS_RATES = (13.0, 26.0, 52.0, 104.0, 208.0)
_MS_TWO_PARTS = ms.FIRST_PART_MAX + 156  # 150 + (MTU 161 - 3 - 2): the most two parts carry


@dataclass
class _MsSub:
    kind: str  # 'imu6' | 'acc' | 'gyr'
    rate: float
    per_message: int
    t: list = field(default_factory=list)
    a: list = field(default_factory=list)
    g: list = field(default_factory=list)


class MovesenseEmulator(_DeviceModel):
    """A Movesense sensor (default firmware >= 2.3.0) speaking GSP on ``34800001/2``.

    HELLO ``00 ref`` -> ``01 ref 'Hello'``; SUBSCRIBE ``01 ref /Meas/IMU6|Acc|Gyro/<rate>``
    starts a stream on that reference (success is silent, as in the sample firmware; an unknown
    path or rate fails silently too); at most 4 subscriptions, a fifth gets ``01 ref 01 FB``
    (507); UNSUBSCRIBE ``02 ref`` stops it (an unused reference is ignored).

    Samples per message = rate / 13 (2 at 26 Hz ... 16 at 208 Hz; the spec's "~16 at 208 Hz",
    exact counts **?**). A payload over 150 bytes goes out as ``02 ref`` + 150 bytes, then
    ``03 ref`` + the rest; IMU6 above 104 Hz would not fit two parts and is refused (silently).
    Timestamps: u32 ms since the sensor booted, of the first sample of each message.
    """

    family_id = "movesense"

    def __init__(
        self, name: str = "Movesense 224830000421", address: str = "0C:8C:DC:41:00:21", *, uptime_ms: int = 1_234_567
    ) -> None:
        gatt = [(ms.SERVICE_UUID, [(ms.COMMAND_UUID, _WRITE), (ms.DATA_UUID, _NOTIFY)])]
        # Advertised 16-bit UUID: FDF3 (the spec reports FE06 or FDF3 **?**); not the GSP
        # service, so glide finds it by the "Movesense <serial>" name.
        super().__init__(name, address, [short_uuid(0xFDF3)], {}, gatt, battery=None)
        self.uptime_ms = uptime_ms
        self.subs: dict[int, _MsSub] = {}
        self._n = 0  # samples seen at rate_hz (for decimating slower subscriptions)

    @property
    def streaming(self) -> bool:
        return bool(self.subs)

    @property
    def rate_hz(self) -> float:
        return max((s.rate for s in self.subs.values()), default=104.0)

    def _write(self, uuid: str, data: bytes) -> list[tuple[str, bytes]]:
        if uuid != ms.COMMAND_UUID or len(data) < 2 or data[1] == 0:
            return []
        cmd, ref = data[0], data[1]
        if cmd == ms.CMD_HELLO:
            return [(ms.DATA_UUID, bytes((ms.RESP_COMMAND_RESULT, ref)) + b"Hello")]
        if cmd == ms.CMD_UNSUBSCRIBE:
            self.subs.pop(ref, None)
            return []
        if cmd != ms.CMD_SUBSCRIBE:
            return []
        sub = self._parse_path(data[2:])
        if sub is None:
            return []  # 404 / 501: the sample firmware does not report it
        if ref not in self.subs and len(self.subs) >= 4:
            return [(ms.DATA_UUID, bytes((ms.RESP_COMMAND_RESULT, ref)) + (507).to_bytes(2, "big"))]
        self.subs[ref] = sub
        return []

    @staticmethod
    def _parse_path(raw: bytes) -> _MsSub | None:
        try:
            parts = raw.decode("ascii").split("/")
        except UnicodeDecodeError:
            return None
        if len(parts) != 4 or parts[0] != "" or parts[1] != "Meas" or not parts[3].isdigit():
            return None
        kind = {"IMU6": "imu6", "Acc": "acc", "Gyro": "gyr"}.get(parts[2])
        rate = float(parts[3])
        if kind is None or rate not in _MS_RATES:
            return None
        n = int(round(rate / 13.0))
        if 4 + (24 if kind == "imu6" else 12) * n > _MS_TWO_PARTS:
            return None
        return _MsSub(kind, rate, n)

    def _link_lost(self) -> None:
        self.subs.clear()  # subscriptions belong to the connection

    def _packets(self, t, acc, gyr):
        base = self.rate_hz
        idx = self._n + np.arange(len(t))
        self._n += len(t)
        out: list[tuple[str, bytes]] = []
        for ref, s in self.subs.items():
            step = max(1, int(round(base / s.rate)))
            keep = idx % step == 0
            s.t.extend(t[keep].tolist())
            s.a.extend(acc[keep].tolist())
            s.g.extend(gyr[keep].tolist())
            while len(s.t) >= s.per_message:
                n = s.per_message
                ts = (self.uptime_ms + int(round(s.t[0] * 1000.0))) & 0xFFFFFFFF
                if s.kind == "imu6":
                    body = ms.encode_imu6_body(ts, s.a[:n], s.g[:n])
                else:
                    body = ms.encode_vector_body(ts, (s.a if s.kind == "acc" else s.g)[:n])
                out += [(ms.DATA_UUID, p) for p in ms.split_notifications(ref, body)]
                del s.t[:n], s.a[:n], s.g[:n]
        return out


# =============================================================================================
# Polar Verity Sense, PMD (firmware_specs/polar-verity-sense.md)
# =============================================================================================

_PMD_SDK_RATES = (26, 52, 104, 208, 416)
_PMD_ALLOWED = {  # (measurement, sdk mode) -> {setting: allowed values}
    (pmd.MEAS_ACC, False): {
        pmd.SETTING_SAMPLE_RATE: (52,),
        pmd.SETTING_RESOLUTION: (16,),
        pmd.SETTING_RANGE: (8,),
        pmd.SETTING_CHANNELS: (3,),
    },
    (pmd.MEAS_ACC, True): {
        pmd.SETTING_SAMPLE_RATE: _PMD_SDK_RATES,
        pmd.SETTING_RESOLUTION: (16,),
        pmd.SETTING_RANGE: (2, 4, 8, 16),
        pmd.SETTING_CHANNELS: (3,),
    },
    (pmd.MEAS_GYRO, False): {
        pmd.SETTING_SAMPLE_RATE: (52,),
        pmd.SETTING_RESOLUTION: (16,),
        pmd.SETTING_RANGE: (2000,),
        pmd.SETTING_CHANNELS: (3,),
    },
    (pmd.MEAS_GYRO, True): {
        pmd.SETTING_SAMPLE_RATE: _PMD_SDK_RATES,
        pmd.SETTING_RESOLUTION: (16,),
        pmd.SETTING_RANGE: (250, 500, 1000, 2000),
        pmd.SETTING_CHANNELS: (3,),
    },
}
_PMD_BAD = {pmd.SETTING_SAMPLE_RATE: 8, pmd.SETTING_RESOLUTION: 7, pmd.SETTING_RANGE: 9, pmd.SETTING_CHANNELS: 11}
ST_OK, ST_INVALID_MEAS_TYPE, ST_NOT_SUPPORTED, ST_INVALID_LENGTH, ST_INVALID_PARAM = 0, 2, 3, 4, 5
ST_ALREADY, ST_INVALID_STATE = 6, 12
#: "the device only sends the frame to the client when it is filled with MTU size of data (232
#: bytes max)" - Polar, polar-ble-sdk issue #439.
PMD_MAX_FRAME = 232
#: 2024-05-01T00:00:00Z in ns since 2000-01-01 (the PMD epoch): where this model's clock starts.
_PMD_CLOCK0_NS = 767_836_800 * 1_000_000_000


@dataclass
class _PmdStream:
    rate: int
    range_: int
    frame_type: int
    factor: float
    t: list = field(default_factory=list)
    v: list = field(default_factory=list)  # integer rows (mG, counts or float32 bit patterns)


class PolarVeritySenseEmulator(_DeviceModel):
    """A Polar Verity Sense with the PMD service (ACC + GYRO online streaming).

    Control point (write, answered by a notification on the control point):
    GET settings ``01 t`` / GET SDK-mode settings ``04 t`` -> ``F0 op t 00 00`` + TLVs of what
    the current mode offers (default mode: ACC/GYRO 52 Hz only; SDK mode: 26..416 Hz, ACC
    +-2/4/8/16 g, GYRO +-250..2000 deg/s; all 16 bit, 3 channels); START ``02 09`` enters SDK
    mode (``12`` invalid state while a stream runs, ``6`` if already in it); START ``02 t TLVs``
    validates each setting against the mode (``8`` rate, ``7`` resolution, ``9`` range, ``11``
    channels, ``5`` a setting missing) and starts the stream; STOP ``03 t``. Reading the control
    point gives the feature bitmap ``0F 6E 02`` (PPG, ACC, PPI, GYRO, MAG; SDK mode).

    Frames: ACC type ``0x81`` (delta-compressed, mG, START response without params, as a real
    Verity answers ``F0 02 02 00 00`` in polar-ble-sdk issue #443); GYRO ``0x80`` with FACTOR =
    range/32768 in the START response (default) or ``0x81`` float32 patterns
    (``gyro_frame_type=0x81``) - which one a Verity sends is **?** in the spec. A frame goes out
    when the next sample would not fit 232 bytes; its u64 timestamp (ns since 2000) is that of
    the last sample. Delta blocks hold up to ``block_size`` samples (captures show blocks of 10
    and 47; the firmware's rule is not documented). SDK mode ends with the connection (**?**).
    """

    family_id = "polar_pmd"
    FEATURES = bytes((pmd.CP_FEATURES, 0x02 | 0x04 | 0x08 | 0x20 | 0x40, 0x02))

    def __init__(
        self,
        name: str = "Polar Sense B5E5C221",
        address: str = "A0:9E:1A:B5:E5:C2",
        *,
        battery: int = 78,
        gyro_frame_type: int = 0x80,
        block_size: int = 16,
        max_frame: int = PMD_MAX_FRAME,
    ) -> None:
        if gyro_frame_type not in (0x80, 0x81):
            raise ValueError("gyro_frame_type must be 0x80 or 0x81")
        gatt = [
            (short_uuid(0x180D), [(short_uuid(0x2A37), _NOTIFY), (short_uuid(0x2A38), _READ)]),
            (pmd.SERVICE_UUID, [(pmd.CP_UUID, ["read", "write", "notify"]), (pmd.DATA_UUID, _NOTIFY)]),
            (BATTERY_SERVICE_UUID, [(BATTERY_LEVEL_UUID, ["read", "notify"])]),
        ]
        # Advertises the Heart Rate service and Polar's 16-bit UUID FEEE (**?**: not in the spec;
        # glide matches the "Polar Sense <id>" name).
        super().__init__(name, address, [short_uuid(0x180D), short_uuid(0xFEEE)], {}, gatt, battery)
        self.gyro_frame_type = gyro_frame_type
        self.block_size = block_size
        self.max_frame = max_frame
        self.sdk_mode = False
        self.streams: dict[int, _PmdStream] = {}
        self._n = 0

    @property
    def streaming(self) -> bool:
        return bool(self.streams)

    @property
    def rate_hz(self) -> float:
        return float(max((s.rate for s in self.streams.values()), default=52))

    def _read(self, uuid: str) -> bytes:
        return self.FEATURES if uuid == pmd.CP_UUID else b""

    @staticmethod
    def _resp(op: int, mtype: int, status: int, params: bytes = b"") -> list[tuple[str, bytes]]:
        return [(pmd.CP_UUID, bytes((pmd.CP_RESPONSE, op, mtype, status, 0)) + params)]

    def _write(self, uuid: str, data: bytes) -> list[tuple[str, bytes]]:
        if uuid != pmd.CP_UUID:
            return []
        if len(data) < 2:
            return self._resp(data[0] if data else 0, 0, ST_INVALID_LENGTH)
        op, raw_type = data[0], data[1]
        mtype = raw_type & 0x3F
        if raw_type & 0x80:  # offline recording: not modelled
            return self._resp(op, mtype, ST_NOT_SUPPORTED)
        if op in (pmd.OP_GET_SETTINGS, pmd.OP_GET_SDK_SETTINGS):
            sdk = self.sdk_mode or op == pmd.OP_GET_SDK_SETTINGS
            allowed = _PMD_ALLOWED.get((mtype, sdk))
            if allowed is None:
                return self._resp(op, mtype, ST_NOT_SUPPORTED)
            return self._resp(op, mtype, ST_OK, _settings_tlvs(allowed))
        if op == pmd.OP_START:
            if mtype == pmd.MEAS_SDK_MODE:
                if self.streams:
                    return self._resp(op, mtype, ST_INVALID_STATE)
                if self.sdk_mode:
                    return self._resp(op, mtype, ST_ALREADY)
                self.sdk_mode = True
                return self._resp(op, mtype, ST_OK)
            return self._start(op, mtype, data[2:])
        if op == pmd.OP_STOP:
            if mtype == pmd.MEAS_SDK_MODE:
                if not self.sdk_mode:
                    return self._resp(op, mtype, ST_ALREADY)
                if self.streams:
                    return self._resp(op, mtype, ST_INVALID_STATE)
                self.sdk_mode = False
                return self._resp(op, mtype, ST_OK)
            if mtype not in (pmd.MEAS_ACC, pmd.MEAS_GYRO):
                return self._resp(op, mtype, ST_NOT_SUPPORTED)
            if self.streams.pop(mtype, None) is None:
                return self._resp(op, mtype, ST_ALREADY)
            return self._resp(op, mtype, ST_OK)
        return self._resp(op, mtype, 1)  # invalid op code

    def _start(self, op: int, mtype: int, tlvs: bytes) -> list[tuple[str, bytes]]:
        allowed = _PMD_ALLOWED.get((mtype, self.sdk_mode))
        if allowed is None:
            return self._resp(op, mtype, ST_NOT_SUPPORTED if mtype in (1, 3, 6) else ST_INVALID_MEAS_TYPE)
        if mtype in self.streams:
            return self._resp(op, mtype, ST_ALREADY)
        req = pmd.parse_settings(tlvs)
        if req is None:
            return self._resp(op, mtype, ST_INVALID_LENGTH)
        for stype, values in allowed.items():
            got = req.get(stype)
            if not got:
                return self._resp(op, mtype, ST_INVALID_PARAM)
            if got[0] not in values:
                return self._resp(op, mtype, _PMD_BAD[stype])
        rate, range_ = int(req[pmd.SETTING_SAMPLE_RATE][0]), int(req[pmd.SETTING_RANGE][0])
        params = b""
        if mtype == pmd.MEAS_ACC:
            stream = _PmdStream(rate, range_, 0x81, 1.0)
        elif self.gyro_frame_type == 0x80:
            factor = float(np.float32(range_ / 32768.0))
            stream = _PmdStream(rate, range_, 0x80, factor)
            params = pmd.encode_settings({pmd.SETTING_FACTOR: factor})
        else:
            stream = _PmdStream(rate, range_, 0x81, 1.0)
        self.streams[mtype] = stream
        return self._resp(op, mtype, ST_OK, params)

    def _link_lost(self) -> None:
        self.streams.clear()
        self.sdk_mode = False

    def _packets(self, t, acc, gyr):
        base = self.rate_hz
        idx = self._n + np.arange(len(t))
        self._n += len(t)
        out: list[tuple[float, bytes]] = []
        for mtype, s in self.streams.items():
            keep = idx % max(1, int(round(base / s.rate))) == 0
            if mtype == pmd.MEAS_ACC:
                rows = np.round(np.clip(acc[keep] / G, -s.range_, s.range_) * 1000.0).astype(np.int64)
            elif s.frame_type == 0x80:
                rows = np.round(_sat(gyr[keep], s.range_) / s.factor).astype(np.int64)
            else:
                f32 = np.clip(gyr[keep], -s.range_, s.range_).astype("<f4")
                rows = f32.view("<u4").astype(np.int64)
            s.t.extend(t[keep].tolist())
            s.v.extend(rows.tolist())
            out += self._full_frames(mtype, s)
        out.sort(key=lambda x: x[0])
        return [(pmd.DATA_UUID, frame) for _, frame in out]

    def _frame(self, mtype: int, s: _PmdStream, n: int) -> bytes:
        floats = mtype == pmd.MEAS_GYRO and s.frame_type == 0x81
        content = pmd.encode_delta(
            np.asarray(s.v[:n], dtype=np.int64), 32 if floats else 16, block_size=self.block_size, float_bits=floats
        )
        ts = _PMD_CLOCK0_NS + int(round(s.t[n - 1] * 1e9))
        return pmd.encode_frame(mtype, ts, s.frame_type, content)

    def _full_frames(self, mtype: int, s: _PmdStream) -> list[tuple[float, bytes]]:
        out = []
        while len(s.v) > 1 and len(self._frame(mtype, s, len(s.v))) > self.max_frame:
            lo, hi = 1, len(s.v) - 1  # the frame size grows with n: largest n that fits
            while lo < hi:
                mid = (lo + hi + 1) // 2
                if len(self._frame(mtype, s, mid)) <= self.max_frame:
                    lo = mid
                else:
                    hi = mid - 1
            out.append((s.t[lo - 1], self._frame(mtype, s, lo)))
            del s.t[:lo], s.v[:lo]
        return out


def _settings_tlvs(allowed: dict[int, tuple[int, ...]]) -> bytes:
    out = bytearray()
    for stype, values in allowed.items():
        size = 1 if stype == pmd.SETTING_CHANNELS else 2
        out += bytes((stype, len(values))) + b"".join(v.to_bytes(size, "little") for v in values)
    return bytes(out)


# =============================================================================================
# MbientLab MetaMotion, MetaWear protocol (firmware_specs/metamotion.md)
# =============================================================================================

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
    signals: set = field(default_factory=set)  # subscribed data registers
    pending: list = field(default_factory=list)  # samples waiting for a packed notification
    pending_t: list = field(default_factory=list)


class MetaMotionEmulator(_DeviceModel):
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
            (mw.SERVICE_UUID, [(mw.COMMAND_UUID, _WRITE), (mw.NOTIFY_UUID, _NOTIFY)]),
            (short_uuid(0x180A), [(short_uuid(0x2A29), _READ)]),
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

    def _packets(self, t, acc, gyr):
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
                units = _sat(values[keep] / G, s.range_)
            else:
                lsb = mw.GYRO_RANGES[s.range_][1]
                units = _sat(values[keep], 32768.0 / lsb)
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


# =============================================================================================
# Nordic Thingy:52, motion service (firmware_specs/thingy52.md)
# =============================================================================================

_TH_CONFIG_SERVICE = th.tms_uuid(0x0100)
_TH_LIMITS = {
    "pedo_interval_ms": (100, 5000),
    "temp_interval_ms": (100, 5000),
    "compass_interval_ms": (100, 5000),
    "motion_freq_hz": (1, 200),
    "wake_on_motion": (0, 1),
}


class Thingy52Emulator(_DeviceModel):
    """A Thingy:52 with the stock firmware's motion service.

    Enabling notifications on raw data ``ef680406`` powers the MPU-9250 and starts the stream
    at the configuration's ``motion_freq_hz``; disabling them stops it. The 9-byte
    configuration ``ef680401`` is read/write and persists (flash); a write outside the limits is
    rejected with "write not permitted", one of the wrong length with "invalid value length".
    A new ``motion_freq_hz`` applies at once. Raw samples: accelerometer in the firmware's
    inverted convention (the gravity vector: -1 g on Z face up), clamped to +-31 g, gyroscope
    clamped to +-1023 deg/s, compass a constant field (the model has no heading).
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
    ) -> None:
        motion = [(th.CONFIG_UUID, ["read", "write"])]
        motion += [(th.tms_uuid(0x0400 + i), _NOTIFY) for i in range(2, 11)]  # 0402..040a
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
        for key, (lo, hi) in _TH_LIMITS.items():
            if not lo <= cfg[key] <= hi:
                raise AttError("NotPermitted", "Write not permitted")
        self.config = cfg
        return []

    def _packets(self, t, acc, gyr):
        acc_fw = np.clip(-acc / G, -31.0, 31.0)  # the firmware's -I accelerometer orientation
        gyr_fw = np.clip(gyr, -1023.0, 1023.0)
        return [(th.RAW_DATA_UUID, th.encode_raw(a, g, self.COMPASS_UT)) for a, g in zip(acc_fw, gyr_fw)]


def family_emulators() -> list:
    """One emulated device per family (besides the glide profile's own GlideEmulator)."""
    return [
        WitMotionEmulator(),
        MovesenseEmulator(),
        PolarVeritySenseEmulator(),
        MetaMotionEmulator(),
        Thingy52Emulator(),
    ]
