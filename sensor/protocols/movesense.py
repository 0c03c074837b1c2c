"""Movesense sensors - GATT SensorData Protocol (GSP), default firmware >= 2.3.0.

Spec and sources: ``firmware_specs/movesense.md``. Summary:

* service ``34802252-7185-4d5d-b431-630e7050e8f0``; command ``34800001-...`` (write);
  data ``34800002-...`` (notify);
* command ``[cmd, ref, payload]``: HELLO 0, SUBSCRIBE 1 (+ ASCII path such as
  ``/Meas/IMU6/104``), UNSUBSCRIBE 2; ``ref`` is chosen by the client and must not be 0;
* notification ``[type, ref, body]``: 1 command result, 2 data, 3 data part 2, 4 data part 3.
  A payload longer than 150 bytes is split: ``02 ref`` + first 150 bytes, ``03 ref`` + rest;
* IMU body: uint32 timestamp (ms, first sample) + N x (x, y, z) float32 acc (m/s^2) +
  N x (x, y, z) float32 gyro (deg/s). N = (len - 4) / 24. Single-sensor paths
  (``/Meas/Acc``, ``/Meas/Gyro``) carry N x 12 bytes after the timestamp.

Subscription plan (what :data:`FAMILY` sends): 26/52/104 Hz subscribe ``/Meas/IMU6/<rate>``
with reference 99; at 208 Hz an IMU6 payload (16 samples) would not fit the two-part scheme,
so ``/Meas/Acc/208`` (ref 97) and ``/Meas/Gyro/208`` (ref 103) are subscribed separately and
the decoder pairs them (see :class:`~sensor.protocols.clocks.Pairer`). Paired, the lost samples
are lost pairs (``Pairer(count_lost=True)``): an outage of both subscriptions is one gap of its
length, not one per stream; a message lost on one stream loses its pairs and counts; a sensor
clock reset seen on both is one gap. IMU6 messages hold both sensors: their clock counts as is.

Times: ``timestamp_ms / 1000 + i / rate`` (the official client's rule), with the uint32
millisecond counter unwrapped; a packet whose timestamp continues the previous one to within
the 1 ms quantisation is placed exactly on the even grid.
"""

from __future__ import annotations

import struct

import numpy as np

from sensor.core.samples import ImuChunk
from sensor.protocols.clocks import PairedClockCounts, Pairer, StampedStream, Unwrapper
from sensor.protocols.decoding import Command, Decoder, ProtocolError
from sensor.protocols.family import DeviceFamily

__all__ = [
    "CMD_HELLO",
    "CMD_SUBSCRIBE",
    "CMD_UNSUBSCRIBE",
    "COMMAND_UUID",
    "DATA_UUID",
    "FAMILY",
    "FIRST_PART_MAX",
    "REF_ACC",
    "REF_GYRO",
    "REF_IMU6",
    "RESP_COMMAND_RESULT",
    "RESP_DATA",
    "RESP_DATA_PART2",
    "RESP_DATA_PART3",
    "SERVICE_UUID",
    "MovesenseDecoder",
    "encode_imu6_body",
    "encode_vector_body",
    "hello",
    "imu6_path",
    "split_notifications",
    "subscribe",
    "unsubscribe",
]

SERVICE_UUID = "34802252-7185-4d5d-b431-630e7050e8f0"
COMMAND_UUID = "34800001-7185-4d5d-b431-630e7050e8f0"
DATA_UUID = "34800002-7185-4d5d-b431-630e7050e8f0"

CMD_HELLO = 0
CMD_SUBSCRIBE = 1
CMD_UNSUBSCRIBE = 2

RESP_COMMAND_RESULT = 1
RESP_DATA = 2
RESP_DATA_PART2 = 3
RESP_DATA_PART3 = 4

REF_IMU6 = 99  # the official Python client's reference
REF_ACC = 97  # ord("a")
REF_GYRO = 103  # ord("g")

#: Payload bytes carried by a DATA notification when the sensor splits a message.
FIRST_PART_MAX = 150
_MAX_MESSAGE = 1024  # give up on a reassembly beyond this (the sensor cannot produce it)

SUPPORTED_RATES = (26.0, 52.0, 104.0, 208.0)
IMU6_MAX_RATE = 104.0


def _check_ref(ref: int) -> int:
    if not isinstance(ref, int) or not (1 <= ref <= 255):
        raise ProtocolError(f"Movesense reference must be an int 1..255, got {ref!r}")
    return ref


def hello(ref: int = 1) -> bytes:
    """HELLO: ``00 <ref>``; the sensor answers ``01 <ref> 'Hello'``."""
    return bytes((CMD_HELLO, _check_ref(ref)))


def subscribe(ref: int, path: str) -> bytes:
    """SUBSCRIBE: ``01 <ref> <ASCII path>`` (no terminator)."""
    _check_ref(ref)
    if not isinstance(path, str) or not path.startswith("/"):
        raise ProtocolError(f"resource path must be a string starting with '/', got {path!r}")
    try:
        p = path.encode("ascii")
    except UnicodeEncodeError as exc:
        raise ProtocolError(f"resource path must be ASCII: {path!r}") from exc
    if len(p) > 150:
        raise ProtocolError("resource path too long (max 150 bytes)")
    return bytes((CMD_SUBSCRIBE, ref)) + p


def unsubscribe(ref: int) -> bytes:
    """UNSUBSCRIBE: ``02 <ref>`` (the reference used when subscribing)."""
    return bytes((CMD_UNSUBSCRIBE, _check_ref(ref)))


def _rate_str(rate: float) -> str:
    r = float(rate)
    if not r.is_integer() or r <= 0:
        raise ProtocolError(f"Movesense rates are whole Hz, got {rate!r}")
    return str(int(r))


def imu6_path(rate: float) -> str:
    return f"/Meas/IMU6/{_rate_str(rate)}"


def _plan(rate: float) -> dict[int, str]:
    """ref -> kind ('imu6' | 'acc' | 'gyr') for a rate."""
    if rate <= IMU6_MAX_RATE:
        return {REF_IMU6: "imu6"}
    return {REF_ACC: "acc", REF_GYRO: "gyr"}


def _start(rate: float, device_info: object = None) -> list[Command]:
    plan = _plan(rate)
    out: list[Command] = []
    for ref, kind in plan.items():
        path = {
            "imu6": imu6_path(rate),
            "acc": f"/Meas/Acc/{_rate_str(rate)}",
            "gyr": f"/Meas/Gyro/{_rate_str(rate)}",
        }[kind]
        out.append((COMMAND_UUID, subscribe(ref, path), True))
    return out


def _stop(device_info: object = None) -> list[Command]:
    # Unsubscribing a reference that is not active is ignored by the firmware.
    return [(COMMAND_UUID, unsubscribe(r), True) for r in (REF_IMU6, REF_ACC, REF_GYRO)]


# -- encoders (tests, simulators) -----------------------------------------------------------


def _f32_rows(values: object, name: str) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64).reshape(-1, 3)
    if not np.isfinite(arr).all():
        raise ProtocolError(f"{name} values must be finite")
    return arr.astype("<f4")


def encode_imu6_body(timestamp_ms: int, acc_mps2: object, gyr_dps: object) -> bytes:
    """The reassembled IMU6 payload (timestamp + acc block + gyro block)."""
    if not (0 <= int(timestamp_ms) <= 0xFFFFFFFF):
        raise ProtocolError("timestamp must fit uint32")
    a = _f32_rows(acc_mps2, "acc")
    g = _f32_rows(gyr_dps, "gyro")
    if len(a) != len(g) or len(a) == 0:
        raise ProtocolError("acc and gyro need the same, non-zero number of samples")
    return struct.pack("<I", int(timestamp_ms)) + a.tobytes() + g.tobytes()


def encode_vector_body(timestamp_ms: int, values: object) -> bytes:
    """A single-sensor payload (``/Meas/Acc`` or ``/Meas/Gyro``)."""
    if not (0 <= int(timestamp_ms) <= 0xFFFFFFFF):
        raise ProtocolError("timestamp must fit uint32")
    v = _f32_rows(values, "sensor")
    if len(v) == 0:
        raise ProtocolError("need at least one sample")
    return struct.pack("<I", int(timestamp_ms)) + v.tobytes()


def split_notifications(ref: int, body: bytes) -> list[bytes]:
    """The notifications the sensor sends for one payload (150-byte split rule)."""
    _check_ref(ref)
    if len(body) <= FIRST_PART_MAX:
        return [bytes((RESP_DATA, ref)) + body]
    return [
        bytes((RESP_DATA, ref)) + body[:FIRST_PART_MAX],
        bytes((RESP_DATA_PART2, ref)) + body[FIRST_PART_MAX:],
    ]


# -- decoder ---------------------------------------------------------------------------------


class MovesenseDecoder(Decoder):
    """Decoder for ``34800002`` notifications.

    ``refs`` maps subscription reference -> 'imu6' | 'acc' | 'gyr'; by default it follows the
    subscription plan for ``rate_hz``. Command results are stored in ``device_info``
    (``'hello'``: True after a HELLO reply; ``'results'``: {ref: body bytes}).
    """

    family_id = "movesense"

    def __init__(self, rate_hz: float, refs: dict[int, str] | None = None) -> None:
        super().__init__(rate_hz)
        self.refs = dict(refs) if refs is not None else _plan(self.rate_hz)
        if not self.refs or any(k not in ("imu6", "acc", "gyr") for k in self.refs.values()):
            raise ProtocolError(f"bad subscription map {refs!r}")
        self._pending: dict[int, bytearray] = {}
        self._last_part_len: dict[int, int] = {}
        self._streams = {ref: StampedStream(self.rate_hz, quantum_s=0.001) for ref in self.refs}
        self._unwrap = {ref: Unwrapper(32) for ref in self.refs}
        self._pairer = Pairer(max_pending=int(4 * self.rate_hz) + 64, count_lost=True)
        self._clock_counts = PairedClockCounts()  # paired streams' estimates move indices only
        self._paired = [self._streams[r] for r, kind in self.refs.items() if kind != "imu6"]

    def _feed(self, uuid: str, data: bytes, arrival: float | None) -> ImuChunk:
        if uuid != DATA_UUID:
            self.stats.ignored_packets += 1
            return self._nothing()
        st = self.stats
        st.packets += 1
        if len(data) < 2:
            st.short_packets += 1
            return self._nothing()
        kind, ref, body = data[0], data[1], data[2:]
        if kind == RESP_COMMAND_RESULT:
            if body == b"Hello":
                self.device_info["hello"] = True
            results = self.device_info.setdefault("results", {})
            assert isinstance(results, dict)
            results[ref] = bytes(body)
            return self._nothing()
        if kind not in (RESP_DATA, RESP_DATA_PART2, RESP_DATA_PART3):
            st.corrupt_packets += 1
            return self._nothing()
        if ref not in self.refs:
            st.ignored_packets += 1
            return self._nothing()
        if kind == RESP_DATA:
            if ref in self._pending:  # previous message never completed
                st.short_packets += 1
            self._pending[ref] = bytearray(body)
        else:
            if ref not in self._pending:  # continuation without its first part
                st.short_packets += 1
                return self._nothing()
            self._pending[ref] += body
        self._last_part_len[ref] = len(body)
        return self._try_complete(ref)

    def _try_complete(self, ref: int) -> ImuChunk:
        st = self.stats
        msg = self._pending[ref]
        kind = self.refs[ref]
        unit = 24 if kind == "imu6" else 12
        size = len(msg)
        if size >= 4 + unit and (size - 4) % unit == 0:
            del self._pending[ref]
            return self._decode(ref, kind, bytes(msg), (size - 4) // unit)
        if self._last_part_len.get(ref, 0) >= FIRST_PART_MAX and size < _MAX_MESSAGE:
            return self._nothing()  # a full-size part: more should follow
        del self._pending[ref]
        if size < 4 + unit:
            st.short_packets += 1
        else:
            st.corrupt_packets += 1
        return self._nothing()

    def _decode(self, ref: int, kind: str, msg: bytes, n: int) -> ImuChunk:
        st = self.stats
        ts_raw = struct.unpack_from("<I", msg, 0)[0]
        with np.errstate(invalid="ignore"):  # signalling NaNs are rejected just below
            vals = np.frombuffer(msg, dtype="<f4", offset=4).astype(np.float64)
        if not np.isfinite(vals).all():
            st.corrupt_packets += 1
            return self._nothing()
        stream = self._streams[ref]
        t_first = self._unwrap[ref](ts_raw) / 1000.0
        if kind == "imu6":
            placed = stream.place_first(t_first, n, st)
            if placed is None:
                return self._nothing()
            _, t = placed
            return self._emit(t, vals[: 3 * n].reshape(n, 3), vals[3 * n :].reshape(n, 3))
        # separate accelerometer / gyroscope subscriptions -> pair them
        k0 = 0
        if stream.k_next is None:
            others = [s for r, s in self._streams.items() if r != ref and s.k_next is not None]
            if others:
                k0 = others[0].align_index(t_first)
        placed = stream.place_first(t_first, n, self._clock_counts.scratch, k_first=k0)
        self._clock_counts.fold(self._paired, st)
        if placed is None:
            return self._nothing()
        k_first, t = placed
        v = vals.reshape(n, 3)
        if kind == "acc":
            self._pairer.push_acc(k_first, t, v, st)
        else:
            self._pairer.push_gyr(k_first, v, st)
        tt, aa, gg = self._pairer.pop_pairs(st)
        return self._emit(tt, aa, gg)


def _matches(name: str | None, uuids: list[str], mfr: dict[int, bytes]) -> bool:
    if SERVICE_UUID in uuids:
        return True
    return bool(name) and name.strip().lower().startswith("movesense")  # type: ignore[union-attr]


FAMILY = DeviceFamily(
    family_id="movesense",
    display_name="Movesense (GATT SensorData Protocol)",
    service_uuid=SERVICE_UUID,
    notify_uuids=(DATA_UUID,),
    control_uuids=(COMMAND_UUID,),
    supported_rates=SUPPORTED_RATES,
    default_rate=104.0,
    has_battery=False,  # not reachable through GSP v1
    battery_uuid=None,
    command_delay_s=0.0,
    spec="firmware_specs/movesense.md",
    matcher=_matches,
    start_builder=_start,
    stop_builder=_stop,
    decoder_factory=lambda rate: MovesenseDecoder(rate),
)
