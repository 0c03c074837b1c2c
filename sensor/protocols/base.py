"""Shared pieces of the sans-IO protocol layer.

Every supported sensor family has one module in this package. A module turns *bytes that arrived
on a GATT characteristic* into :class:`~sensor.core.samples.ImuChunk` objects and turns *intentions*
("stream at 100 Hz") into the bytes to write. No module performs I/O: the BLE transport (bleak)
writes the commands returned by :meth:`DeviceFamily.start_commands` and calls
:meth:`Decoder.feed` from its notification callbacks. The design follows h11 and the
Bluetooth-Devices parser libraries: parsing is testable with captured bytes alone.

Error policy
    :class:`ProtocolError` is the single documented exception type. It is raised only for
    *misuse*: asking to encode an invalid value (an unsupported rate, an out-of-range count, a
    bad reference byte). Decoders never raise on received bytes; malformed input is counted in
    :class:`DecodeStats` and skipped.

Time policy
    Decoders reconstruct sample times from device timestamps or sample counters and the
    configured rate. Notification arrival time is used only where the device sends neither
    (WitMotion, Thingy:52, MetaWear streaming): there it seeds the sample clock and flags
    outages (see :class:`ArrivalClock`). Times returned by one decoder are strictly increasing
    across all chunks it returns.
"""

from __future__ import annotations

import math
import re
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from sensor.core.constants import STANDARD_GRAVITY
from sensor.core.samples import ImuChunk

__all__ = [
    "BATTERY_LEVEL_UUID",
    "BATTERY_SERVICE_UUID",
    "BLUETOOTH_BASE_SUFFIX",
    "FAMILIES",
    "STANDARD_GRAVITY",
    "ArrivalClock",
    "ArrivalStream",
    "Command",
    "DecodeStats",
    "Decoder",
    "DeviceFamily",
    "Pairer",
    "ProtocolError",
    "StampedStream",
    "Unwrapper",
    "family_by_id",
    "match_family",
    "normalize_uuid",
    "short_uuid",
]

#: Suffix that turns a 16/32-bit Bluetooth SIG UUID into its 128-bit form.
BLUETOOTH_BASE_SUFFIX = "-0000-1000-8000-00805f9b34fb"

_HEX_RE = re.compile(r"^[0-9a-f]+$")


def normalize_uuid(uuid: object) -> str:
    """Lower-case 128-bit UUID string; 16- and 32-bit SIG short forms are expanded.

    ``"2A19"``, ``"0x2a19"`` and ``"00002a19-0000-1000-8000-00805f9b34fb"`` all give the last
    form. Anything that does not look like a UUID is returned lower-cased and stripped, so a
    comparison with a known UUID simply fails (this function never raises on strings).
    """
    s = str(uuid).strip().lower()
    if s.startswith("{") and s.endswith("}"):
        s = s[1:-1]
    if s.startswith("0x"):
        s = s[2:]
    if len(s) in (4, 8) and _HEX_RE.match(s):
        return f"{s:0>8}{BLUETOOTH_BASE_SUFFIX}"
    return s


def short_uuid(n: int) -> str:
    """128-bit form of a 16-bit SIG UUID (``short_uuid(0x2A19)``)."""
    return f"{n:08x}{BLUETOOTH_BASE_SUFFIX}"


#: Standard Battery Service and Battery Level characteristic (Bluetooth SIG assigned numbers).
BATTERY_SERVICE_UUID = short_uuid(0x180F)
BATTERY_LEVEL_UUID = short_uuid(0x2A19)


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


def _empty() -> ImuChunk:
    return ImuChunk(_EMPTY_T, _EMPTY_V, _EMPTY_V)


class Decoder:
    """Base class of the per-family decoders (small stateful objects, one per connection).

    Subclasses implement :meth:`_feed`. The public :meth:`feed` normalises its arguments,
    handles the standard Battery Level characteristic for every family, and guarantees the
    no-raise contract with a last-resort safety net (counted in ``stats.decoder_errors``).
    """

    family_id: str = ""

    def __init__(self, rate_hz: float) -> None:
        rate = _check_rate(rate_hz)
        self.rate_hz: float = rate
        self.stats = DecodeStats()
        #: Last battery level in percent seen on any channel the family offers, else None.
        self.battery_percent: int | None = None
        #: Family-specific facts learnt from replies (chip type, control-point status, ...).
        self.device_info: dict[str, object] = {}
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
            return _empty()
        if uuid == BATTERY_LEVEL_UUID:
            if len(payload) >= 1 and payload[0] <= 100:
                self.battery_percent = payload[0]
            return _empty()
        try:
            return self._feed(uuid, payload, arrival)
        except Exception:  # pragma: no cover - safety net; fuzz tests assert it never fires
            self.stats.decoder_errors += 1
            self.stats.corrupt_packets += 1
            return _empty()

    def _feed(self, uuid: str, data: bytes, arrival: float | None) -> ImuChunk:
        raise NotImplementedError

    # -- helpers for subclasses ---------------------------------------------------------------

    @staticmethod
    def _nothing() -> ImuChunk:
        return _empty()

    def _emit(self, t: np.ndarray, acc: np.ndarray, gyr: np.ndarray) -> ImuChunk:
        """Build the output chunk, enforcing finite values and strictly increasing times."""
        n = len(t)
        if n == 0:
            return _empty()
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
            return _empty()
        self._last_t = float(t[-1])
        self.stats.samples += len(t)
        return ImuChunk(t, acc, gyr)


def _check_rate(rate_hz: float) -> float:
    try:
        rate = float(rate_hz)
    except (TypeError, ValueError) as exc:
        raise ProtocolError(f"sample rate must be a number, got {rate_hz!r}") from exc
    if not math.isfinite(rate) or rate <= 0:
        raise ProtocolError(f"sample rate must be a positive finite number, got {rate_hz!r}")
    return rate


# -------------------------------------------------------------------------------------------
# Clocks
# -------------------------------------------------------------------------------------------


class Unwrapper:
    """Turns a wrapping unsigned counter (``bits`` wide) into an unbounded integer.

    Steps are interpreted modulo 2**bits as signed: a forward step of up to 2**(bits-1) - 1,
    otherwise a backward step. The first value passes through unchanged.
    """

    def __init__(self, bits: int) -> None:
        self.mod = 1 << bits
        self.half = 1 << (bits - 1)
        self._raw: int | None = None
        self._value = 0

    def __call__(self, raw: int) -> int:
        if self._raw is None:
            self._value = raw
        else:
            d = (raw - self._raw) % self.mod
            if d >= self.half:
                d -= self.mod
            self._value += d
        self._raw = raw
        return self._value

    def reset(self) -> None:
        self._raw = None


class ArrivalClock:
    """Sample clock for devices that send neither timestamps nor counters.

    Sample ``k`` of the session is at ``t0 + k / rate``. ``t0`` is seeded from the arrival time
    of the first packet (so that its last sample sits at its arrival time); without arrival
    times it is 0.0. Each stream (:class:`ArrivalStream`) counts its samples. Arrival times are
    then used only to detect outages: each packet's *lateness* (arrival minus the clock time of
    its last sample) is compared with the smallest lateness seen so far on that stream; when it
    exceeds ``gap_threshold_s`` the decoder assumes lost samples, advances the sample counter by
    ``round(excess * rate)`` and counts a gap. A device whose real rate is below nominal slowly
    accumulates lateness and is re-anchored the same way (documented limitation).
    """

    def __init__(self, rate_hz: float, gap_threshold_s: float | None = None) -> None:
        self.period = 1.0 / rate_hz
        self.gap_threshold_s = max(0.3, 3.0 * self.period) if gap_threshold_s is None else float(gap_threshold_s)
        self.t0: float | None = None

    def place(
        self, stream: ArrivalStream, n: int, arrival: float | None, stats: DecodeStats
    ) -> tuple[int, np.ndarray]:
        """Assign sample indices and times to ``n`` new samples of ``stream``."""
        p = self.period
        if self.t0 is None:
            self.t0 = (arrival - (n - 1) * p) if arrival is not None else 0.0
            k_first = 0
        elif stream.k_next is None:
            if arrival is None:
                k_first = 0
            else:
                k_first = max(0, int(round((arrival - self.t0) / p)) - (n - 1))
        else:
            k_first = stream.k_next
        if arrival is not None:
            lateness = arrival - (self.t0 + (k_first + n - 1) * p)
            if stream.baseline is None or lateness < stream.baseline:
                stream.baseline = lateness
            excess = lateness - stream.baseline
            if stream.k_next is not None and excess > self.gap_threshold_s:
                lost = int(round(excess / p))
                if lost > 0:
                    k_first += lost
                    stats.seq_gaps += 1
                    stats.lost_samples_estimate += lost
        stream.k_next = k_first + n
        times = self.t0 + (k_first + np.arange(n)) * p
        return k_first, times


@dataclass
class ArrivalStream:
    """Per-stream state for :class:`ArrivalClock`."""

    k_next: int | None = None
    baseline: float | None = None


class StampedStream:
    """Places samples of one stream on the device clock (device timestamps in seconds).

    Two stamping conventions exist: the timestamp marks the *first* sample of the packet
    (Movesense, glide profile; :meth:`place_first`) or the *last* one (Polar PMD;
    :meth:`place_last`). Rules shared by both:

    * elapsed time since the previous packet <= 0 (and less than ``reset_s`` backwards): the
      packet repeats earlier data -> ``duplicates`` += 1, dropped;
    * more than ``reset_s`` backwards: the device clock was reset -> re-anchor so times
      continue right after the last returned sample; counted as a gap with no lost estimate;
    * elapsed time longer than the samples it should cover (with ``tolerance`` for oscillator
      error plus half a period): a gap -> ``seq_gaps`` += 1, lost samples estimated from the
      elapsed time, the sample index jumps accordingly (the time base continues across it).
    """

    def __init__(
        self,
        rate_hz: float,
        *,
        tolerance: float = 0.05,
        quantum_s: float = 0.0,
        reset_s: float = 1.0,
    ) -> None:
        self.period = 1.0 / rate_hz
        self.tolerance = tolerance
        self.quantum_s = quantum_s
        self.reset_s = reset_s
        self.prev_stamp: float | None = None  # device stamp (s, offset applied) of prev packet
        self.prev_n = 0
        self.k_next: int | None = None
        self.t_next: float | None = None  # place_first: expected time of the next sample
        self.last_t = -math.inf
        self.offset = 0.0  # added to device time after a clock reset

    def set_rate(self, rate_hz: float) -> None:
        self.period = 1.0 / rate_hz

    def _elapsed_check(self, stamp: float, n_cover: int, stats: DecodeStats) -> tuple[str, int]:
        """Classify the step from the previous stamp: ('dup'|'reset'|'gap'|'ok', lost)."""
        assert self.prev_stamp is not None
        elapsed = stamp - self.prev_stamp
        p = self.period
        if elapsed <= 0:
            if elapsed < -self.reset_s:
                return "reset", 0
            return "dup", 0
        if elapsed > n_cover * p * (1.0 + self.tolerance) + 0.5 * p:
            lost = max(1, int(round(elapsed / p)) - n_cover)
            return "gap", lost
        return "ok", 0

    def place_first(self, stamp: float, n: int, stats: DecodeStats, k_first: int = 0) -> tuple[int, np.ndarray] | None:
        """``stamp`` = device time (s) of the first of ``n`` samples. Returns (k_first, times)
        or None when the packet is a duplicate. ``k_first`` is used for the first packet."""
        p = self.period
        stamp += self.offset
        if self.prev_stamp is not None:
            kind, lost = self._elapsed_check(stamp, self.prev_n, stats)
            if kind == "dup":
                stats.duplicates += 1
                return None
            assert self.k_next is not None
            if kind == "reset":
                self.offset += (self.last_t + p) - stamp
                stamp = self.last_t + p
                stats.seq_gaps += 1
                k_first = self.k_next
            elif kind == "gap":
                stats.seq_gaps += 1
                stats.lost_samples_estimate += lost
                k_first = self.k_next + lost
            else:
                k_first = self.k_next
                if self.t_next is not None and abs(stamp - self.t_next) <= self.quantum_s:
                    stamp = self.t_next  # timestamp quantisation: continue the even grid
        times = stamp + np.arange(n) * p
        self.prev_stamp = stamp
        self.prev_n = n
        self.k_next = k_first + n
        self.t_next = stamp + n * p
        self.last_t = float(times[-1])
        return k_first, times

    def place_last(self, stamp: float, n: int, stats: DecodeStats, k_first: int = 0) -> tuple[int, np.ndarray] | None:
        """``stamp`` = device time (s) of the last of ``n`` samples (Polar convention).

        Without a gap the samples are spread evenly between the previous stamp and this one
        (the Polar SDK's rule: delta = elapsed / n, sample i at prev + (i+1) * delta); for the
        first packet or after a gap they are back-filled from ``stamp`` at the nominal period.
        """
        p = self.period
        stamp += self.offset
        idx = np.arange(n)
        if self.prev_stamp is None:
            times = stamp - (n - 1 - idx) * p
        else:
            kind, lost = self._elapsed_check(stamp, n, stats)
            if kind == "dup":
                stats.duplicates += 1
                return None
            assert self.k_next is not None
            if kind == "reset":
                new_stamp = self.last_t + n * p
                self.offset += new_stamp - stamp
                stamp = new_stamp
                stats.seq_gaps += 1
                k_first = self.k_next
                times = stamp - (n - 1 - idx) * p
            elif kind == "gap":
                stats.seq_gaps += 1
                stats.lost_samples_estimate += lost
                k_first = self.k_next + lost
                times = stamp - (n - 1 - idx) * p
            else:
                k_first = self.k_next
                delta = (stamp - self.prev_stamp) / n
                times = self.prev_stamp + (idx + 1) * delta
        self.prev_stamp = stamp
        self.prev_n = n
        self.k_next = k_first + n
        self.last_t = float(times[-1])
        return k_first, times

    def align_index(self, t_first: float) -> int:
        """Sample index that a *different* stream's sample at device time ``t_first`` should
        get so that samples taken at the same instant share an index (pairing)."""
        if self.k_next is None:
            return 0
        k_last = self.k_next - 1
        return int(round(k_last + (t_first + self.offset - self.last_t) / self.period))


class Pairer:
    """Pairs accelerometer and gyroscope samples that carry the same sample index ``k``.

    Pairing rule (used by Polar, MetaWear and Movesense-with-separate-subscriptions): each
    stream numbers its samples consecutively (plus the estimated lost samples at a detected
    gap); the first index of a stream that starts later is derived from the time of its first
    sample relative to the other stream. A pair is emitted when both streams have delivered
    index k; its time is the accelerometer sample's time. An index that one stream skipped can
    never pair: when the other stream has moved past it, the lone sample is dropped and counted
    in ``unpaired_samples``. At most ``max_pending`` samples wait per stream (oldest dropped).
    """

    def __init__(self, max_pending: int) -> None:
        self.max_pending = max(1, int(max_pending))
        self.acc: deque[tuple[int, float, float, float, float]] = deque()
        self.gyr: deque[tuple[int, float, float, float]] = deque()

    def push_acc(self, k_first: int, times: np.ndarray, values: np.ndarray, stats: DecodeStats) -> None:
        for i, (t, v) in enumerate(zip(times.tolist(), values.tolist())):
            self.acc.append((k_first + i, t, v[0], v[1], v[2]))
        while len(self.acc) > self.max_pending:
            self.acc.popleft()
            stats.unpaired_samples += 1

    def push_gyr(self, k_first: int, values: np.ndarray, stats: DecodeStats) -> None:
        for i, v in enumerate(values.tolist()):
            self.gyr.append((k_first + i, v[0], v[1], v[2]))
        while len(self.gyr) > self.max_pending:
            self.gyr.popleft()
            stats.unpaired_samples += 1

    def pop_pairs(self, stats: DecodeStats) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        ts: list[float] = []
        av: list[tuple[float, float, float]] = []
        gv: list[tuple[float, float, float]] = []
        acc, gyr = self.acc, self.gyr
        while acc and gyr:
            ka = acc[0][0]
            kg = gyr[0][0]
            if ka == kg:
                a = acc.popleft()
                g = gyr.popleft()
                ts.append(a[1])
                av.append(a[2:])
                gv.append(g[1:])
            elif ka < kg:
                acc.popleft()
                stats.unpaired_samples += 1
            else:
                gyr.popleft()
                stats.unpaired_samples += 1
        if not ts:
            return _EMPTY_T, _EMPTY_V, _EMPTY_V
        return np.array(ts), np.array(av), np.array(gv)


# -------------------------------------------------------------------------------------------
# Device families
# -------------------------------------------------------------------------------------------

Matcher = Callable[[str | None, list[str], dict[int, bytes]], bool]


@dataclass(frozen=True)
class DeviceFamily:
    """Static description of one supported sensor family (one per protocol module).

    ``notify_uuids``   characteristics the transport must subscribe to (feed all of them to
                       the decoder); ``control_uuids`` characteristics commands are written to.
    ``has_battery``    the battery level can be read through this profile (``battery_uuid`` is
                       then the standard Battery Level characteristic, or None when the family
                       reports battery through its own replies that the decoder parses).
    ``command_delay_s`` pause the transport should keep between consecutive writes.
    ``spec``           the firmware_specs/ document describing the protocol.
    """

    family_id: str
    display_name: str
    service_uuid: str
    notify_uuids: tuple[str, ...]
    control_uuids: tuple[str, ...]
    supported_rates: tuple[float, ...]
    default_rate: float
    has_battery: bool
    battery_uuid: str | None
    command_delay_s: float
    spec: str
    matcher: Matcher = field(repr=False, compare=False)
    start_builder: Callable[[float, Mapping[str, object] | None], list[Command]] = field(repr=False, compare=False)
    stop_builder: Callable[[Mapping[str, object] | None], list[Command]] = field(repr=False, compare=False)
    decoder_factory: Callable[[float], Decoder] = field(repr=False, compare=False)
    setup_builder: Callable[[], list[Command]] | None = field(default=None, repr=False, compare=False)

    def matches(
        self,
        name: str | None,
        service_uuids: Sequence[str] | None = None,
        manufacturer_data: Mapping[int, bytes] | None = None,
    ) -> bool:
        """Does an advertisement (local name, advertised service UUIDs, manufacturer data keyed
        by company id) look like this family? Never raises."""
        try:
            uuids = [normalize_uuid(u) for u in (service_uuids or [])]
            mfr = dict(manufacturer_data or {})
            nm = name if isinstance(name, str) else None
            return bool(self.matcher(nm, uuids, mfr))
        except Exception:
            return False

    def check_rate(self, rate_hz: float) -> float:
        """Return the supported rate equal to ``rate_hz`` or raise :class:`ProtocolError`."""
        rate = _check_rate(rate_hz)
        for r in self.supported_rates:
            if abs(r - rate) < 1e-9:
                return r
        raise ProtocolError(
            f"{self.display_name}: unsupported rate {rate_hz!r} Hz; "
            f"supported: {', '.join(f'{r:g}' for r in self.supported_rates)}"
        )

    def nearest_rate(self, rate_hz: float) -> float:
        """Closest supported rate (ties go to the higher rate)."""
        rate = _check_rate(rate_hz)
        return min(self.supported_rates, key=lambda r: (abs(r - rate), -r))

    def setup_commands(self) -> list[Command]:
        """Queries to send once after connecting, before :meth:`start_commands` (their replies
        fill ``decoder.device_info``, which ``start_commands`` may need). Often empty."""
        return list(self.setup_builder()) if self.setup_builder else []

    def start_commands(self, rate_hz: float, device_info: Mapping[str, object] | None = None) -> list[Command]:
        """Writes that configure the device for ``rate_hz`` and start streaming, in order.
        Subscribe to every ``notify_uuids`` entry first. Raises ProtocolError for a rate not
        in ``supported_rates``."""
        return list(self.start_builder(self.check_rate(rate_hz), device_info))

    def stop_commands(self, device_info: Mapping[str, object] | None = None) -> list[Command]:
        """Writes that stop streaming (may be empty: then stop_notify is enough)."""
        return list(self.stop_builder(device_info))

    def make_decoder(self, rate_hz: float) -> Decoder:
        """A fresh decoder for a stream started with ``start_commands(rate_hz)``."""
        return self.decoder_factory(self.check_rate(rate_hz))


_FAMILY_MODULES = ("glide_profile", "witmotion", "movesense", "polar_pmd", "metawear", "thingy52")


def _load_families() -> tuple[DeviceFamily, ...]:
    import importlib

    return tuple(importlib.import_module(f"sensor.protocols.{m}").FAMILY for m in _FAMILY_MODULES)


def __getattr__(name: str) -> object:  # PEP 562: lazy registry avoids an import cycle
    if name == "FAMILIES":
        fams = _load_families()
        globals()["FAMILIES"] = fams
        return fams
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _families() -> tuple[DeviceFamily, ...]:
    fams = globals().get("FAMILIES")
    return fams if fams is not None else __getattr__("FAMILIES")  # type: ignore[return-value]


def family_by_id(family_id: str) -> DeviceFamily:
    """The registered family with this id (KeyError if none)."""
    for fam in _families():
        if fam.family_id == family_id:
            return fam
    raise KeyError(family_id)


def match_family(
    name: str | None,
    service_uuids: Sequence[str] | None = None,
    manufacturer_data: Mapping[int, bytes] | None = None,
) -> DeviceFamily | None:
    """First family (in ``FAMILIES`` order, the glide profile first) matching an advertisement."""
    for fam in _families():
        if fam.matches(name, service_uuids, manufacturer_data):
            return fam
    return None
