"""Device model of a Polar Verity Sense (PMD service, ACC + GYRO online streams) for the BlueZ stand-in."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sensor.protocols import polar_pmd as pmd
from sensor.protocols.uuids import BATTERY_LEVEL_UUID, BATTERY_SERVICE_UUID, short_uuid
from sensor.standin.device_model import NOTIFY, READ, DeviceModel, G, saturate

_PMD_SDK_RATES = (26, 52, 104, 208, 416)
_PMD_ALLOWED: dict[tuple[int, bool], dict[int, tuple[int, ...]]] = {  # (measurement, sdk mode) -> {setting: values}
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
    t: list[float] = field(default_factory=list)
    v: list[list[int]] = field(default_factory=list)  # integer rows (mG, counts or float32 bit patterns)


class PolarVeritySenseEmulator(DeviceModel):
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
        gyro_rates: tuple[int, ...] | None = None,
    ) -> None:
        if gyro_frame_type not in (0x80, 0x81):
            raise ValueError("gyro_frame_type must be 0x80 or 0x81")
        gatt = [
            (short_uuid(0x180D), [(short_uuid(0x2A37), NOTIFY), (short_uuid(0x2A38), READ)]),
            (pmd.SERVICE_UUID, [(pmd.CP_UUID, ["read", "write", "notify"]), (pmd.DATA_UUID, NOTIFY)]),
            (BATTERY_SERVICE_UUID, [(BATTERY_LEVEL_UUID, ["read", "notify"])]),
        ]
        # Advertises the Heart Rate service and Polar's 16-bit UUID FEEE (**?**: not in the spec;
        # glide matches the "Polar Sense <id>" name).
        super().__init__(name, address, [short_uuid(0x180D), short_uuid(0xFEEE)], {}, gatt, battery)
        self.gyro_frame_type = gyro_frame_type
        self.block_size = block_size
        self.max_frame = max_frame
        #: GYRO rates this unit accepts outside SDK mode (default: 52 Hz, as documented); a
        #: narrower set models a firmware that refuses the host's request (tests of the refusal).
        self.allowed: dict[tuple[int, bool], dict[int, tuple[int, ...]]] = {k: dict(v) for k, v in _PMD_ALLOWED.items()}
        if gyro_rates is not None:
            self.allowed[(pmd.MEAS_GYRO, False)][pmd.SETTING_SAMPLE_RATE] = tuple(gyro_rates)
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
        # An error reply ends after the status byte (``F0 02 05 08``): the SDK reads 'more' and
        # parameters only on SUCCESS (PmdControlPointResponse.kt), and sensors send 4 bytes.
        if status != ST_OK:
            return [(pmd.CP_UUID, bytes((pmd.CP_RESPONSE, op, mtype, status)))]
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
            allowed = self.allowed.get((mtype, sdk))
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
        allowed = self.allowed.get((mtype, self.sdk_mode))
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

    def _packets(self, t: np.ndarray, acc: np.ndarray, gyr: np.ndarray) -> list[tuple[str, bytes]]:
        base = self.rate_hz
        idx = self._n + np.arange(len(t))
        self._n += len(t)
        out: list[tuple[float, bytes]] = []
        for mtype, s in self.streams.items():
            keep = idx % max(1, int(round(base / s.rate))) == 0
            if mtype == pmd.MEAS_ACC:
                rows = np.round(np.clip(acc[keep] / G, -s.range_, s.range_) * 1000.0).astype(np.int64)
            elif s.frame_type == 0x80:
                rows = np.round(saturate(gyr[keep], s.range_) / s.factor).astype(np.int64)
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
