"""Polar and Movesense (separate subscriptions) lose (acc, gyro) pairs, counted once per outage.

Both families stamp each stream's packets with the one device clock and the decoder emits only
pairs (sensor/protocols/clocks.py: StampedStream, Pairer). Each stream's clock sees an outage;
the loss the user has is the pairs that never came out. The byte streams are built with the
families' own encoders from their documented layouts (firmware_specs/polar-verity-sense.md:
PMD frame, u64 ns timestamp of the *last* sample, ACC raw type 0x01 in mG, GYRO 0x80 delta
frames; firmware_specs/movesense.md: ``/Meas/Acc/208`` and ``/Meas/Gyro/208`` bodies, u32 ms
timestamp of the *first* sample, split at 150 bytes). Every sample's x value is its index, so
the truth is exact: the pair indices between the first and the last pair that miss either
sensor. Outages drop whole packets, as a radio does (their ranges are multiples of every packet
size used, so each chunking drops the very same samples).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest

from sensor.core.samples import ImuChunk
from sensor.protocols import movesense as MS
from sensor.protocols import polar_pmd as P
from sensor.protocols.decoding import Decoder
from sensor.protocols.uuids import STANDARD_GRAVITY as G

T0_NS = 700_000_000_000_000_000  # Polar: ~22 years after 2000
T0_MS = 5_000  # Movesense: sensor uptime at the first sample


@dataclass(frozen=True)
class _Family:
    rate: float
    unit: int  # outage ranges are multiples of this (a multiple of every packet size below)
    make: Callable[[], Decoder]
    uuid: str
    #: (is_gyro, first sample index, n samples, device clock shift s) -> notifications of one packet
    packet: Callable[[bool, int, int, float], list[bytes]]
    acc_index: Callable[[np.ndarray], np.ndarray]  # decoded acc -> sample index
    time_atol: float  # device clock resolution: ns (Polar), ms (Movesense)


def _polar_packet(gyro: bool, k0: int, n: int, shift_s: float) -> list[bytes]:
    k = np.arange(k0, k0 + n)
    ts = T0_NS + int(round((k0 + n - 1) * 1e9 / 52.0 + shift_s * 1e9))  # last sample's time
    if gyro:  # 0x80 delta frame, factor 1 (no START response): k deg/s
        rows = np.column_stack([k, np.ones(n, int), np.zeros(n, int)])
        return [P.encode_frame(P.MEAS_GYRO, ts, 0x80, P.encode_delta(rows))]
    rows = np.column_stack([k, np.zeros(n, int), np.full(n, 1000)])  # raw int16, k mG
    return [P.encode_frame(P.MEAS_ACC, ts, 0x01, rows.astype("<i2").tobytes())]


def _movesense_packet(gyro: bool, k0: int, n: int, shift_s: float) -> list[bytes]:
    k = np.arange(k0, k0 + n, dtype=float)
    ts = int(round(T0_MS + k0 * 1000.0 / 208.0 + shift_s * 1000.0)) % 2**32  # first sample, whole ms
    vals = np.column_stack([k, np.zeros(n), np.full(n, 0.0 if gyro else 9.8)])
    return MS.split_notifications(MS.REF_GYRO if gyro else MS.REF_ACC, MS.encode_vector_body(ts, vals))


FAMILIES = {
    "polar": _Family(
        52.0, 72, lambda: P.PolarPmdDecoder(52.0), P.DATA_UUID, _polar_packet, lambda a: a[:, 0] / G * 1000.0, 1e-6
    ),
    "movesense": _Family(
        208.0, 48, lambda: MS.MovesenseDecoder(208.0), MS.DATA_UUID, _movesense_packet, lambda a: a[:, 0], 1.5e-3
    ),
}
N_UNITS = 15  # session length in units: Polar 1080 samples (20.8 s), Movesense 720 (3.5 s)

#: name -> (acc outages, gyro outages) as [first, end) ranges in units
SCENARIOS = {
    "none": ([], []),
    "both": ([(5, 7)], [(5, 7)]),  # one radio outage of both streams
    "acc_only": ([(5, 6)], []),
    "gyro_only": ([], [(7, 8)]),
    "staggered": ([(5, 7)], [(6, 8)]),  # acc out first, gyro out later: the union is lost
    "mixed": ([(2, 4), (6, 7), (9, 11)], [(2, 4), (8, 9), (10, 12)]),
}

#: name -> (acc packet size, gyro packet size, which stream starts (and is sent) first) as
#: fractions of a unit: packet boundaries of the two streams coincide or interleave
CHUNKINGS = {
    "same-acc1st": (1 / 3, 1 / 3, "acc"),
    "odd-acc1st": (1 / 6, 1 / 4, "acc"),
    "odd-gyro1st": (1 / 4, 1 / 6, "gyro"),
    "big-gyro1st": (1 / 2, 1 / 12, "gyro"),
}


def _notifications(fam: _Family, acc_out, gyro_out, chunking: str, clock_reset_at: int | None = None):
    """Notifications in sending order: by each packet's last sample, the first stream first on a tie.
    The stream that starts second begins one unit late (the host starts them one after the other).
    ``clock_reset_at``: from that sample on the device clock reads 100 s less (a reset)."""
    fa, fg, first = CHUNKINGS[chunking]
    u = fam.unit
    n_total = N_UNITS * u
    out = []
    for gyro, frac, outages in ((False, fa, acc_out), (True, fg, gyro_out)):
        n = int(round(frac * u))
        second = gyro == (first == "acc")
        for k0 in range(u if second else 0, n_total, n):
            if any(a * u <= k0 < b * u for a, b in outages):
                continue
            shift = -100.0 if clock_reset_at is not None and k0 >= clock_reset_at else 0.0
            for part, note in enumerate(fam.packet(gyro, k0, n, shift)):
                out.append(((k0 + n - 1, second, part), note))
    out.sort(key=lambda a: a[0])
    return [note for _, note in out]


def _decode(fam: _Family, notes) -> tuple[Decoder, np.ndarray, np.ndarray]:
    dec = fam.make()
    chunks = [dec.feed(fam.uuid, note) for note in notes]
    got = ImuChunk(
        np.concatenate([c.t for c in chunks]),
        np.concatenate([c.acc for c in chunks]),
        np.concatenate([c.gyr for c in chunks]),
    )
    k = np.rint(fam.acc_index(got.acc)).astype(int)
    assert np.array_equal(k, np.rint(got.gyr[:, 0]).astype(int))  # every pair is one instant of both
    assert dec.stats.decoder_errors == 0
    return dec, got.t, k


def _truth(fam: _Family, acc_out, gyro_out) -> tuple[np.ndarray, int, int]:
    """(pair indices sent, lost pairs, runs of lost pairs) between the first and the last pair."""
    u = fam.unit
    ok = np.ones(N_UNITS * u, bool)
    ok[:u] = False  # the second stream starts one unit late: no pairs yet, nothing lost
    for a, b in [*acc_out, *gyro_out]:
        ok[a * u : b * u] = False
    idx = np.flatnonzero(ok)
    inner = ~ok[idx[0] : idx[-1] + 1]
    return idx, int(inner.sum()), int(np.count_nonzero(np.diff(inner.astype(int)) == 1))


@pytest.mark.parametrize("chunking", list(CHUNKINGS))
@pytest.mark.parametrize("scenario", list(SCENARIOS))
@pytest.mark.parametrize("family", list(FAMILIES))
def test_lost_samples_are_lost_pairs_for_any_chunking(family, scenario, chunking):
    fam = FAMILIES[family]
    acc_out, gyro_out = SCENARIOS[scenario]
    sent, lost, runs = _truth(fam, acc_out, gyro_out)
    dec, t, k = _decode(fam, _notifications(fam, acc_out, gyro_out, chunking))
    st = dec.stats
    assert np.array_equal(k, sent)  # every pair both sensors sent came out, and no other
    assert (st.samples, st.lost_samples_estimate, st.seq_gaps, st.duplicates) == (len(sent), lost, runs, 0)
    assert st.samples + st.lost_samples_estimate == k[-1] - k[0] + 1
    # the emitted time base has exactly those holes: pair k at k / rate from the first
    np.testing.assert_allclose(t - t[0], (k - k[0]) / fam.rate, atol=fam.time_atol)


@pytest.mark.parametrize("family", list(FAMILIES))
def test_one_outage_of_both_streams_is_one_gap_of_its_length(family):
    """The defect: each stream's clock saw the outage and both added its length."""
    fam = FAMILIES[family]
    dec, _, _ = _decode(fam, _notifications(fam, *SCENARIOS["both"], "odd-acc1st"))
    st = dec.stats
    assert (st.lost_samples_estimate, st.seq_gaps) == (2 * fam.unit, 1)
    # the unit the acc stream sent before the gyro stream started has no partner: unpaired
    assert st.unpaired_samples == fam.unit


@pytest.mark.parametrize("family", list(FAMILIES))
def test_staggered_outages_count_the_union(family):
    """acc out units 5-7, gyro out 6-8: pairs of units 5-8 are gone (3 units), the unit of acc and
    of gyro that did arrive in it are unpaired, and 2 + 2 units would count one unit twice."""
    fam = FAMILIES[family]
    dec, _, k = _decode(fam, _notifications(fam, *SCENARIOS["staggered"], "odd-gyro1st"))
    u, st = fam.unit, dec.stats
    assert (st.lost_samples_estimate, st.seq_gaps, st.unpaired_samples) == (3 * u, 1, 3 * u)
    assert not np.isin(np.arange(5 * u, 8 * u), k).any() and np.isin([5 * u - 1, 8 * u], k).all()


@pytest.mark.parametrize("family", list(FAMILIES))
def test_repeated_packets_count_each_and_a_clock_reset_once(family):
    """A repeated packet of each stream is two duplicates (both were received and dropped); a device
    clock reset shows on both streams' stamps but is one discontinuity of the one clock: one gap,
    nothing lost, and the pairs run on without a hole (the old per-stream count said 2 gaps)."""
    fam = FAMILIES[family]
    u = fam.unit
    notes = _notifications(fam, [], [], "odd-acc1st", clock_reset_at=8 * u)
    for gyro, n in ((False, u // 6), (True, u // 4)):  # the "odd-acc1st" packet sizes
        again = fam.packet(gyro, 4 * u, n, 0.0)  # 4 u: a packet boundary of both streams
        i = notes.index(again[-1]) + 1
        notes[i:i] = again  # sent again at once
    dec, t, k = _decode(fam, notes)
    st = dec.stats
    assert np.array_equal(k, np.arange(u, N_UNITS * u))
    assert (st.duplicates, st.seq_gaps, st.lost_samples_estimate) == (2, 1, 0)
    assert np.all(np.diff(t) > 0)
