"""MetaWear lost samples are lost (acc, gyro) pairs, counted once per outage.

The accelerometer and the gyroscope stream separately and carry no counter; the decoder places
each stream on an arrival-seeded clock and only emits pairs. The byte streams here are built
with the SDK-verified encoders (packed BMI160 registers ``03 1C`` / ``13 07``, unpacked
``03 04`` / ``13 05``; firmware_specs/metamotion.md): a device sampling both sensors at 100 Hz,
each notification sent a fixed latency after its last sample plus a few ms of jitter (well
inside the clock's 0.3 s outage threshold), and outages that drop whole notifications with
nothing buffered. The truth is then exact: the pair indices between the first and the last
pair that miss either sensor.
"""

from __future__ import annotations

import numpy as np
import pytest

from sensor.protocols import metawear as M
from sensor.protocols.clocks import Pairer
from sensor.protocols.decoding import DecodeStats

RATE = 100.0
N = 900  # samples per stream (9 s)
LSB = 2048.0  # +-16 g: the decoder's default, so a sample's x value decodes back to its index
GYRO_LSB = 16.4  # +-2000 deg/s

#: name -> (acc outages, gyro outages) as [first, end) sample ranges, multiples of 3
SCENARIOS = {
    "none": ([], []),
    "both": ([(300, 360)], [(300, 360)]),  # one radio outage, 0.6 s, both streams
    "acc_only": ([(300, 345)], []),
    "gyro_only": ([], [(300, 336)]),
    "staggered": ([(300, 360)], [(330, 390)]),  # acc out first, gyro out later: 90 pairs
    "mixed": ([(150, 210), (420, 465), (660, 720)], [(150, 210), (540, 576), (690, 750)]),
}


def _notifications(acc_out, gyro_out, per_packet: int, gyro_lag_s: float, seed: int, acc_start: int = 0):
    """(arrival s, bytes) in arrival order; ``gyro_lag_s`` < 0: gyro notifications lead."""
    rng = np.random.default_rng(seed)
    reg = {1: (0x04, 0x05), 3: (0x1C, 0x07)}[per_packet]
    out = []
    for mod, r, lsb, lag, outages, start in (
        (M.MOD_ACC, reg[0], LSB, 0.0, acc_out, acc_start),
        (M.MOD_GYRO, reg[1], GYRO_LSB, gyro_lag_s, gyro_out, 0),
    ):
        for k0 in range(start, N, per_packet):
            if any(a <= k0 < b for a, b in outages):
                continue
            k = np.arange(k0, k0 + per_packet, dtype=float)
            vals = np.column_stack([k / lsb, np.zeros(per_packet), np.ones(per_packet) * (mod == M.MOD_ACC)])
            data = (M.encode_sample if per_packet == 1 else M.encode_packed)(mod, r, vals, lsb)
            arrival = 20.0 + (k0 + per_packet - 1) / RATE + 0.015 + lag + rng.uniform(0.0, 0.004)
            out.append((arrival, data))
    out.sort(key=lambda a: a[0])
    return out


def _truth(acc_out, gyro_out) -> tuple[int, int]:
    """(lost pairs, runs of lost pairs) between the first and the last pair the device sent."""
    ok = np.ones(N, bool)
    for a, b in [*acc_out, *gyro_out]:
        ok[a:b] = False
    idx = np.flatnonzero(ok)
    inner = ~ok[idx[0] : idx[-1] + 1]
    runs = np.count_nonzero(np.diff(inner.astype(int)) == 1)
    return int(inner.sum()), int(runs)


def _decode(notes) -> tuple[M.MetaWearDecoder, np.ndarray, np.ndarray]:
    dec = M.MetaWearDecoder(RATE)
    chunks = [dec.feed(M.NOTIFY_UUID, data, arrival) for arrival, data in notes]
    t = np.concatenate([c.t for c in chunks])
    acc = np.concatenate([c.acc for c in chunks])
    gyr = np.concatenate([c.gyr for c in chunks])
    k_acc = np.rint(acc[:, 0] / (M.STANDARD_GRAVITY / LSB)).astype(int)
    k_gyr = np.rint(gyr[:, 0] * GYRO_LSB).astype(int)
    assert np.array_equal(k_acc, k_gyr)  # every emitted pair is one instant of both sensors
    return dec, t, k_acc


#: 3 samples a notification (packed) or 1, the gyroscope's notification 2 ms after or before
CHUNKINGS = {"packed-acc1st": (3, 0.002), "packed-gyro1st": (3, -0.002), "single-acc1st": (1, 0.002)}
CHUNKINGS["single-gyro1st"] = (1, -0.002)


@pytest.mark.parametrize("per_packet,gyro_lag_s", list(CHUNKINGS.values()), ids=list(CHUNKINGS))
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_lost_samples_are_lost_pairs_for_any_chunking(scenario, per_packet, gyro_lag_s):
    acc_out, gyro_out = SCENARIOS[scenario]
    lost, runs = _truth(acc_out, gyro_out)
    dec, t, k = _decode(_notifications(acc_out, gyro_out, per_packet, gyro_lag_s, seed=len(scenario)))
    st = dec.stats
    assert st.samples == N - sum(b - a for a, b in _merged(acc_out + gyro_out)) == len(k)
    assert (st.lost_samples_estimate, st.seq_gaps) == (lost, runs)
    # the emitted time base has exactly those holes: pair k at k / rate from the first
    np.testing.assert_allclose(t - t[0], (k - k[0]) / RATE, atol=1e-9)
    assert st.samples + st.lost_samples_estimate == k[-1] - k[0] + 1


def _merged(ranges):
    out: list[list[int]] = []
    for a, b in sorted(ranges):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return out


def test_one_outage_of_both_streams_is_one_gap_of_its_length():
    """The defect: each stream's clock saw the 0.6 s outage and both added 60."""
    dec, _, _ = _decode(_notifications(*SCENARIOS["both"], 3, 0.002, seed=1))
    assert (dec.stats.lost_samples_estimate, dec.stats.seq_gaps, dec.stats.unpaired_samples) == (60, 1, 0)


def test_staggered_outages_count_the_union():
    """acc out 300-360, gyro out 330-390: pairs 300-390 are gone (90), the 30 acc and 30 gyro
    samples that did arrive in it are unpaired, and 60 + 60 = 120 would count 30 twice."""
    dec, _, k = _decode(_notifications(*SCENARIOS["staggered"], 3, 0.002, seed=2))
    assert (dec.stats.lost_samples_estimate, dec.stats.seq_gaps, dec.stats.unpaired_samples) == (90, 1, 60)
    assert not np.isin(np.arange(300, 390), k).any() and np.isin([299, 390], k).all()


def test_start_up_stagger_is_not_loss():
    """The gyroscope starts first (start_sequence); its first 0.3 s have no acc partner. Those
    are dropped as unpaired, never counted lost: the user had nothing yet."""
    dec, _, k = _decode(_notifications([], [], 3, -0.002, seed=3, acc_start=30))
    st = dec.stats
    assert (k[0], k[-1], st.unpaired_samples) == (30, N - 1, 30)
    assert (st.lost_samples_estimate, st.seq_gaps) == (0, 0)


def test_pairer_counts_lost_pairs_only_when_asked():
    """Without count_lost the pairer counts no loss (the stream clocks then do); every paired
    decoder (MetaWear, Polar, Movesense) asks for it."""
    for count_lost, expected in ((True, (1, 4)), (False, (0, 0))):
        p, st = Pairer(64, count_lost=count_lost), DecodeStats()
        v = np.zeros((10, 3))
        p.push_acc(0, np.arange(10.0), v, st)
        p.push_gyr(0, v[:3], st)
        p.pop_pairs(st)  # pairs 0-2
        p.push_gyr(7, v[:3], st)  # gyro skipped 3-6
        p.pop_pairs(st)  # pairs 7-9
        assert (st.seq_gaps, st.lost_samples_estimate, st.unpaired_samples) == (*expected, 4)
