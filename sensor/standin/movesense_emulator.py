"""Device model of a Movesense sensor (GSP, default firmware >= 2.3.0) for the BlueZ stand-in."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sensor.protocols import movesense as ms
from sensor.protocols.uuids import short_uuid
from sensor.standin.device_model import NOTIFY, WRITE, DeviceModel

_MS_RATES = (13.0, 26.0, 52.0, 104.0, 208.0)
_MS_TWO_PARTS = ms.FIRST_PART_MAX + 156  # 150 + (MTU 161 - 3 - 2): the most two parts carry


@dataclass
class _MsSub:
    kind: str  # 'imu6' | 'acc' | 'gyr'
    rate: float
    per_message: int
    t: list[float] = field(default_factory=list)
    a: list[list[float]] = field(default_factory=list)
    g: list[list[float]] = field(default_factory=list)


class MovesenseEmulator(DeviceModel):
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
        gatt = [(ms.SERVICE_UUID, [(ms.COMMAND_UUID, WRITE), (ms.DATA_UUID, NOTIFY)])]
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

    def _packets(self, t: np.ndarray, acc: np.ndarray, gyr: np.ndarray) -> list[tuple[str, bytes]]:
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
