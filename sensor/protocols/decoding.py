"""The decoder contract shared by every family: :class:`Decoder`, its counters and its one error type.

A family module turns *bytes that arrived on a GATT characteristic* into
:class:`~sensor.core.samples.ImuChunk` objects and turns *intentions* ("stream at 100 Hz") into the
bytes to write. No module performs I/O: the BLE transport (bleak) writes the commands returned by
``DeviceFamily.start_commands`` and calls :meth:`Decoder.feed` from its notification callbacks.
The design follows h11 and the Bluetooth-Devices parser libraries: parsing is testable with
captured bytes alone.

Error policy
    :class:`ProtocolError` is the single documented exception type. It is raised only for
    *misuse*: asking to encode an invalid value (an unsupported rate, an out-of-range count, a
    bad reference byte). Decoders never raise on received bytes; malformed input is counted in
    :class:`DecodeStats` and skipped.

Time policy
    Decoders reconstruct sample times from device timestamps or sample counters and the
    configured rate (see :mod:`sensor.protocols.clocks`). Times returned by one decoder are
    strictly increasing across all chunks it returns.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from sensor.core.samples import ImuChunk
from sensor.protocols.uuids import BATTERY_LEVEL_UUID, normalize_uuid

__all__ = ["Command", "DecodeStats", "Decoder", "ProtocolError", "check_rate", "empty_chunk"]


class ProtocolError(Exception):
    """Misuse of a protocol module: an invalid value was given to an encoder or command builder.

    Decoders never raise this (nor anything else) for received bytes.
    """


@dataclass
class DecodeStats:
    """Counters kept by every decoder. All counts start at zero and only grow.

    packets                notifications received on the family's data characteristic(s),
                           whatever they hold (also command replies that share the data
                           characteristic, as on Movesense and MetaWear); notifications on
                           separate control/status characteristics and battery reads are not
                           counted
    samples                6-axis samples returned in chunks
    short_packets          data packets (or reassembled messages) shorter than their layout
                           requires, or a started multi-part message that never completed
    corrupt_packets        data packets with impossible content (bad header/type/length, non-
                           finite values, undecodable compression); also bytes skipped while
                           re-synchronising a byte stream (WitMotion), counted once per skip
    seq_gaps               discontinuities detected (sequence number jump, timestamp jump, or
                           for devices without either, an arrival-time outage)
    lost_samples_estimate  estimated number of samples missing across those gaps
    duplicates             packets (or samples) dropped because they repeat or precede data
                           already returned
    unpaired_samples       single-sensor samples dropped because their accelerometer/gyroscope
                           partner never arrived (families with separate acc/gyro streams)
    ignored_packets        notifications of a kind this decoder does not use (other
                           characteristics, other measurement types, other MetaWear modules,
                           unknown Movesense references) and feed() calls whose arguments are
                           not bytes-like / numeric
    decoder_errors         internal errors caught by the safety net in :meth:`Decoder.feed`.
                           Always 0 unless there is a bug; the fuzz tests assert it stays 0.
    """

    packets: int = 0
    samples: int = 0
    short_packets: int = 0
    corrupt_packets: int = 0
    seq_gaps: int = 0
    lost_samples_estimate: int = 0
    duplicates: int = 0
    unpaired_samples: int = 0
    ignored_packets: int = 0
    decoder_errors: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


#: A write to perform: (characteristic UUID, payload, write-with-response?).
Command = tuple[str, bytes, bool]

_EMPTY_T = np.empty(0)
_EMPTY_V = np.empty((0, 3))


def empty_chunk() -> ImuChunk:
    return ImuChunk(_EMPTY_T, _EMPTY_V, _EMPTY_V)


class Decoder:
    """Base class of the per-family decoders (small stateful objects, one per connection).

    Subclasses implement :meth:`_feed`. The public :meth:`feed` normalises its arguments,
    handles the standard Battery Level characteristic for every family, and guarantees the
    no-raise contract with a last-resort safety net (counted in ``stats.decoder_errors``).
    """

    family_id: str = ""

    def __init__(self, rate_hz: float) -> None:
        rate = check_rate(rate_hz)
        self.rate_hz: float = rate
        self.stats = DecodeStats()
        #: Last battery level in percent seen on any channel the family offers, else None.
        self.battery_percent: int | None = None
        #: Family-specific facts learnt from replies (chip type, control-point status, ...).
        self.device_info: dict[str, object] = {}
        #: Set when the device refused to start streaming (one sentence for a person, e.g. the
        #: Polar SDK's error name and what to do). The transport stops waiting and reports it.
        self.refusal: str | None = None
        self._last_t = -math.inf

    @property
    def period(self) -> float:
        return 1.0 / self.rate_hz

    def feed(self, char_uuid: str, data: bytes, arrival_s: float | None = None) -> ImuChunk:
        """Decode one notification. Never raises; returns an empty chunk when no complete
        6-axis sample became available.

        ``char_uuid`` is the characteristic the notification came from (any case, 16-bit short
        forms accepted); ``arrival_s`` is the host's receive time in seconds (any monotonic
        clock) and is used only by families whose devices send no timestamps. Arguments of the
        wrong type are counted in ``stats.ignored_packets``.
        """
        try:
            uuid = normalize_uuid(char_uuid)
            payload = bytes(data)
            arrival: float | None = None
            if arrival_s is not None:
                a = float(arrival_s)
                # anything beyond +-1e12 s (31,700 years) cannot be a clock reading
                arrival = a if math.isfinite(a) and abs(a) < 1e12 else None
        except Exception:  # not bytes-like / not a number: nothing to decode
            self.stats.ignored_packets += 1
            return empty_chunk()
        if uuid == BATTERY_LEVEL_UUID:
            if len(payload) >= 1 and payload[0] <= 100:
                self.battery_percent = payload[0]
            return empty_chunk()
        try:
            return self._feed(uuid, payload, arrival)
        except Exception:  # pragma: no cover - safety net; fuzz tests assert it never fires
            self.stats.decoder_errors += 1
            self.stats.corrupt_packets += 1
            return empty_chunk()

    def _feed(self, uuid: str, data: bytes, arrival: float | None) -> ImuChunk:
        raise NotImplementedError

    # -- helpers for subclasses ---------------------------------------------------------------

    @staticmethod
    def _nothing() -> ImuChunk:
        return empty_chunk()

    def _emit(self, t: np.ndarray, acc: np.ndarray, gyr: np.ndarray) -> ImuChunk:
        """Build the output chunk, enforcing finite values and strictly increasing times."""
        n = len(t)
        if n == 0:
            return empty_chunk()
        t = np.asarray(t, dtype=np.float64)
        acc = np.asarray(acc, dtype=np.float64).reshape(n, 3)
        gyr = np.asarray(gyr, dtype=np.float64).reshape(n, 3)
        ok = np.isfinite(t) & np.isfinite(acc).all(axis=1) & np.isfinite(gyr).all(axis=1)
        if not ok.all():
            self.stats.corrupt_packets += 1
            t, acc, gyr = t[ok], acc[ok], gyr[ok]
        # strictly increasing, also relative to everything returned before
        run_max = np.maximum.accumulate(np.concatenate(([self._last_t], t)))[:-1]
        keep = t > run_max
        if not keep.all():
            self.stats.duplicates += 1
            t, acc, gyr = t[keep], acc[keep], gyr[keep]
        if len(t) == 0:
            return empty_chunk()
        self._last_t = float(t[-1])
        self.stats.samples += len(t)
        return ImuChunk(t, acc, gyr)


def check_rate(rate_hz: float) -> float:
    try:
        rate = float(rate_hz)
    except (TypeError, ValueError) as exc:
        raise ProtocolError(f"sample rate must be a number, got {rate_hz!r}") from exc
    if not math.isfinite(rate) or rate <= 0:
        raise ProtocolError(f"sample rate must be a positive finite number, got {rate_hz!r}")
    return rate
