"""Hypothesis fuzzing of every decoder: arbitrary bytes, and truncated/mutated valid packets.

Contract checked after every ``feed``: no exception escapes, the result is an ImuChunk with
finite values, times strictly increase across all chunks of one decoder, every notification on
a data characteristic is counted in ``stats.packets``, ``stats.samples`` equals the samples
returned, and the internal safety net (``stats.decoder_errors``) never fired.

The default suite runs a few hundred examples per decoder; the ``slow`` variant (deselected by
default in pyproject.toml, run with ``-m slow``) runs 10,000 examples per decoder.
"""

from __future__ import annotations

import math
import struct

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sensor.core.samples import ImuChunk
from sensor.protocols import glide_profile as GP
from sensor.protocols import metawear as MW
from sensor.protocols import movesense as MS
from sensor.protocols import polar_pmd as PP
from sensor.protocols import thingy52 as TH
from sensor.protocols import witmotion as WM
from sensor.protocols.decoding import Decoder
from sensor.protocols.uuids import BATTERY_LEVEL_UUID

h = bytes.fromhex


def _movesense_seeds(ref: int, kind: str) -> list[tuple[str, bytes]]:
    n = 8 if kind == "imu6" else 16
    rows = np.column_stack([np.arange(n), np.ones(n), np.full(n, 9.8)])
    out = []
    for i in range(2):
        ts = 1000 + i * 77
        body = MS.encode_imu6_body(ts, rows, -rows) if kind == "imu6" else MS.encode_vector_body(ts, rows)
        out += [(MS.DATA_UUID, p) for p in MS.split_notifications(ref, body)]
    return out


def _polar_seeds() -> list[tuple[str, bytes]]:
    k = np.arange(20)
    acc = np.column_stack([k, -k, np.full(20, 1000)])
    return [
        (PP.DATA_UUID, PP.encode_frame(2, 2_000_000_000, 0x01, acc.astype("<i2").tobytes())),
        (PP.DATA_UUID, PP.encode_frame(5, 2_000_000_000, 0x80, PP.encode_delta(acc))),
        (PP.DATA_UUID, PP.encode_frame(2, 2_400_000_000, 0x81, PP.encode_delta(acc + 3))),
        (
            PP.DATA_UUID,
            h(
                "05 00 94 35 77 00 00 00 00 81 00 00 80 3F 00 00 20 41 00 00 A0 41"
                " 1C 01 00 00 A0 01 00 00 08 CD CC EC 0D"
            ),
        ),
        (PP.DATA_UUID, h("02 00 94 35 77 00 00 00 00 00 01 02 03 04 05 06")),
        (PP.CP_UUID, h("F0 02 02 00 00 05 01") + struct.pack("<f", 2.44e-4)),
        (PP.CP_UUID, h("F0 01 02 00 01 00 01 34 00")),
        (PP.CP_UUID, h("0F 25 02")),
    ]


def _glide_seeds() -> list[tuple[str, bytes]]:
    dev = GP.GlidePeripheral(max_samples=5)
    status = dev.handle_control(GP.cmd_start())
    n = 12
    t = 1.0 + np.arange(n) / dev.rate_hz
    acc = np.column_stack([np.zeros(n), np.zeros(n), np.full(n, 9.8)])
    pk = dev.packetize(t, acc, acc * 10)
    return [(GP.STATUS_UUID, status)] + [(GP.DATA_UUID, p) for p in pk]


def _metawear_seeds() -> list[tuple[str, bytes]]:
    acc = np.array([[0.1, 0.2, 1.0]] * 3)
    return [
        (MW.NOTIFY_UUID, MW.encode_packed(0x03, 0x1C, acc, 2048.0)),
        (MW.NOTIFY_UUID, MW.encode_packed(0x13, 0x07, acc * 100, 16.4)),
        (MW.NOTIFY_UUID, MW.encode_sample(0x03, 0x04, acc[0], 2048.0)),
        (MW.NOTIFY_UUID, MW.encode_sample(0x13, 0x05, acc[0] * 50, 16.4)),
        (MW.NOTIFY_UUID, MW.encode_packed(0x13, 0x05, acc * 100, 16.4)),
        (MW.NOTIFY_UUID, h("03 80 01 01")),
        (MW.NOTIFY_UUID, h("11 8C 63 34 10")),
    ]


# family id -> (decoder factory, data characteristics, other characteristics, seed packets)
CASES = {
    "witmotion": (
        lambda: WM.WitMotionDecoder(100),
        [WM.NOTIFY_UUID],
        [WM.WRITE_UUID],
        [
            (WM.NOTIFY_UUID, WM.encode_data_packet((0, 0.5, 1), (10, -20, 30), (1, 2, 3))),
            (WM.NOTIFY_UUID, WM.encode_register_reply(0x64, [395])),
        ],
    ),
    "movesense_imu6": (
        lambda: MS.MovesenseDecoder(104),
        [MS.DATA_UUID],
        [MS.COMMAND_UUID],
        _movesense_seeds(MS.REF_IMU6, "imu6") + [(MS.DATA_UUID, h("01 05 48 65 6C 6C 6F"))],
    ),
    "movesense_split": (
        lambda: MS.MovesenseDecoder(208),
        [MS.DATA_UUID],
        [MS.COMMAND_UUID],
        _movesense_seeds(MS.REF_ACC, "acc") + _movesense_seeds(MS.REF_GYRO, "gyr"),
    ),
    "polar_pmd": (lambda: PP.PolarPmdDecoder(52), [PP.DATA_UUID], [PP.CP_UUID], _polar_seeds()),
    "metawear": (lambda: MW.MetaWearDecoder(100), [MW.NOTIFY_UUID], [MW.COMMAND_UUID], _metawear_seeds()),
    "thingy52": (
        lambda: TH.Thingy52Decoder(100),
        [TH.RAW_DATA_UUID],
        [TH.CONFIG_UUID, TH.tms_uuid(0x0404)],
        [
            (TH.RAW_DATA_UUID, TH.encode_raw((0, 0, -1), (1, 2, 3))),
            (TH.CONFIG_UUID, TH.encode_config(motion_freq_hz=100)),
        ],
    ),
    "glide": (lambda: GP.GlideDecoder(100), [GP.DATA_UUID], [GP.STATUS_UUID, GP.CONTROL_UUID], _glide_seeds()),
}
CASE_IDS = sorted(CASES)

arrivals = st.one_of(
    st.none(),
    st.floats(min_value=-1e3, max_value=1e6),
    st.floats(allow_nan=True, allow_infinity=True),
)


class Checker:
    """Feeds a decoder and checks the contract after every call."""

    def __init__(self, case: str) -> None:
        factory, self.data_uuids, self.other_uuids, self.seeds = CASES[case]
        self.dec: Decoder = factory()
        self.data_feeds = 0
        self.samples = 0
        self.last_t = -math.inf

    def feed(self, uuid: str, payload: bytes, arrival: float | None) -> None:
        before = self.dec.stats.packets
        out = self.dec.feed(uuid, payload, arrival)
        assert isinstance(out, ImuChunk)
        if uuid in self.data_uuids:
            self.data_feeds += 1
            assert self.dec.stats.packets == before + 1
        n = len(out)
        assert out.acc.shape == (n, 3) and out.gyr.shape == (n, 3)
        assert np.isfinite(out.t).all() and np.isfinite(out.acc).all()
        assert np.isfinite(out.gyr).all()
        if n:
            assert out.t[0] > self.last_t
            assert (np.diff(out.t) > 0).all()
            self.last_t = float(out.t[-1])
        self.samples += n

    def finish(self) -> None:
        s = self.dec.stats
        assert s.decoder_errors == 0
        assert s.packets == self.data_feeds
        assert s.samples == self.samples
        assert all(v >= 0 for v in s.as_dict().values())


def _mutate(data: bytes, op: int, pos: int, val: int, cut: int) -> bytes:
    if not data:
        return bytes([val])
    i = pos % len(data)
    if op == 0:
        return data
    if op == 1:  # truncate
        return data[: cut % (len(data) + 1)]
    if op == 2:  # overwrite one byte
        return data[:i] + bytes([val]) + data[i + 1 :]
    if op == 3:  # flip one bit
        return data[:i] + bytes([data[i] ^ (1 << (val % 8))]) + data[i + 1 :]
    if op == 4:  # insert a byte
        return data[:i] + bytes([val]) + data[i:]
    if op == 5:  # delete a byte
        return data[:i] + data[i + 1 :]
    return data + bytes([val]) * (1 + cut % 8)  # trailing garbage


mutations = st.tuples(st.integers(0, 6), st.integers(0, 1000), st.integers(0, 255), st.integers(0, 1000))


def _random_bytes_body(case: str, steps: list) -> None:
    chk = Checker(case)
    uuids = chk.data_uuids + chk.other_uuids + [BATTERY_LEVEL_UUID]
    for which, payload, arrival in steps:
        chk.feed(uuids[which % len(uuids)], payload, arrival)
    chk.finish()


def _mutation_body(case: str, steps: list) -> None:
    chk = Checker(case)
    t = 10.0
    for seed_index, (op, pos, val, cut), jitter in steps:
        uuid, packet = chk.seeds[seed_index % len(chk.seeds)]
        t += jitter
        chk.feed(uuid, _mutate(packet, op, pos, val, cut), t)
    chk.finish()


random_steps = st.lists(st.tuples(st.integers(0, 10), st.binary(max_size=300), arrivals), max_size=12)
mutation_steps = st.lists(st.tuples(st.integers(0, 50), mutations, st.floats(0.0, 0.5)), min_size=1, max_size=25)

FAST = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(
    max_examples=10_000, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)


@pytest.mark.parametrize("case", CASE_IDS)
@FAST
@given(payload=st.binary(max_size=400), arrival=arrivals)
def test_single_random_notification(case, payload, arrival):
    chk = Checker(case)
    for uuid in chk.data_uuids + chk.other_uuids:
        chk.feed(uuid, payload, arrival)
    chk.finish()


@pytest.mark.parametrize("case", CASE_IDS)
@FAST
@given(steps=random_steps)
def test_random_notification_sequences(case, steps):
    _random_bytes_body(case, steps)


@pytest.mark.parametrize("case", CASE_IDS)
@FAST
@given(steps=mutation_steps)
def test_truncated_and_mutated_valid_packets(case, steps):
    _mutation_body(case, steps)


@pytest.mark.parametrize("case", CASE_IDS)
def test_every_truncation_of_every_seed(case):
    chk = Checker(case)
    t = 0.0
    for uuid, packet in chk.seeds:
        for cut in range(len(packet) + 1):
            t += 0.01
            chk.feed(uuid, packet[:cut], t)
    chk.finish()
    s = chk.dec.stats
    # every data seed is valid, so its full-length copy decodes; many truncations are short
    assert s.short_packets + s.corrupt_packets + s.duplicates > 0


@pytest.mark.parametrize("case", CASE_IDS)
def test_seeds_are_valid_packets(case):
    chk = Checker(case)
    for i, (uuid, packet) in enumerate(chk.seeds):
        chk.feed(uuid, packet, 1.0 + 0.1 * i)
    chk.finish()
    s = chk.dec.stats
    assert s.short_packets == 0 and s.corrupt_packets == 0


@pytest.mark.slow
@pytest.mark.parametrize("case", CASE_IDS)
@SLOW
@given(steps=st.one_of(random_steps.map(lambda s: ("random", s)), mutation_steps.map(lambda s: ("mutate", s))))
def test_slow_fuzz_10k_per_decoder(case, steps):
    kind, body = steps
    if kind == "random":
        _random_bytes_body(case, body)
    else:
        _mutation_body(case, body)
