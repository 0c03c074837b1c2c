"""Sample clocks and stream pairing: how decoders place samples in time.

Decoders reconstruct sample times from device timestamps (:class:`StampedStream`) or sample
counters (:class:`Unwrapper`) and the configured rate. Notification arrival time is used only
where the device sends neither (WitMotion, Thingy:52, MetaWear streaming): there it seeds the
sample clock and flags outages (:class:`ArrivalClock`). Families with separate accelerometer and
gyroscope streams pair them by sample index (:class:`Pairer`).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from sensor.protocols.decoding import DecodeStats

__all__ = ["ArrivalClock", "ArrivalStream", "PairedClockCounts", "Pairer", "StampedStream", "Unwrapper"]

_EMPTY_T = np.empty(0)
_EMPTY_V = np.empty((0, 3))


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

    def place(self, stream: ArrivalStream, n: int, arrival: float | None, stats: DecodeStats) -> tuple[int, np.ndarray]:
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
      continue right after the last returned sample; counted as a gap with no lost estimate
      (and in ``resets``, so that paired streams can count one device clock's reset once);
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
        self.resets = 0  # device clock resets seen on this stream

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
                self.resets += 1
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
                self.resets += 1
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

    ``count_lost``: the pairer, not the streams' clocks, counts the loss. Only pairs come out
    of the decoder, so what the user lost is the pair indices that never came out between two
    that did: each such run is one ``seq_gaps`` and its length adds to
    ``lost_samples_estimate``. One outage that both streams skipped is then counted once, and
    an index only one stream skipped still counts (its pair is lost). The decoder using this
    must not also add the per-stream estimates (every paired decoder: MetaWear, Polar, and
    Movesense with separate subscriptions; stamped streams fold the rest with
    :class:`PairedClockCounts`).
    """

    def __init__(self, max_pending: int, *, count_lost: bool = False) -> None:
        self.max_pending = max(1, int(max_pending))
        self.count_lost = count_lost
        self.last_k: int | None = None  # index of the last pair emitted
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
        ks: list[int] = []
        av: list[tuple[float, float, float]] = []
        gv: list[tuple[float, float, float]] = []
        acc, gyr = self.acc, self.gyr
        while acc and gyr:
            ka = acc[0][0]
            kg = gyr[0][0]
            if ka == kg:
                a = acc.popleft()
                g = gyr.popleft()
                ks.append(ka)
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
        if self.count_lost:
            self._count_lost(ks, stats)
        return np.array(ts), np.array(av), np.array(gv)

    def _count_lost(self, ks: list[int], stats: DecodeStats) -> None:
        """Tally the pair indices skipped since the last pair emitted and between the pairs ``ks``."""
        k = np.array(ks if self.last_k is None else [self.last_k, *ks])
        skipped = np.diff(k) - 1
        skipped = skipped[skipped > 0]
        stats.seq_gaps += len(skipped)
        stats.lost_samples_estimate += int(skipped.sum())
        self.last_k = ks[-1]


class PairedClockCounts:
    """The counts of two :class:`StampedStream` clocks whose samples leave the decoder only as pairs.

    With ``Pairer(count_lost=True)`` the pairer counts the loss, so the stream clocks place
    their packets into ``scratch``: their gap estimates still move each stream's sample index
    (that is what keeps the two streams' indices meeting after an outage), but adding them to
    the decoder's stats would count an outage of both streams twice (Polar, Movesense). What
    the clocks see that is not a loss is folded in by :meth:`fold`:

    * duplicates, each one: every repeated packet of either stream was received and dropped;
    * device clock resets, once: both streams are stamped by the one device clock, so a reset
      shows on each of them; the larger of their counts is how often the device clock reset
      (one ``seq_gaps`` each, no lost estimate, as for a single stream).
    """

    def __init__(self) -> None:
        self.scratch = DecodeStats()
        self._resets = 0  # resets already folded into the decoder's stats

    def fold(self, streams: Iterable[StampedStream], stats: DecodeStats) -> None:
        """Move what the clocks counted since the last call, other than loss, into ``stats``."""
        stats.duplicates += self.scratch.duplicates
        self.scratch.duplicates = 0
        resets = max((s.resets for s in streams), default=0)
        stats.seq_gaps += max(0, resets - self._resets)
        self._resets = max(resets, self._resets)
