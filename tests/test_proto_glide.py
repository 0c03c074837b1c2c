"""glide open IMU profile: worked examples from firmware_specs/glide-open-imu-profile.md,
encoder/decoder round trips, rate negotiation, sequence gaps and wrap-around."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sensor.protocols import glide_profile as GP
from sensor.protocols.decoding import ProtocolError
from sensor.protocols.uuids import STANDARD_GRAVITY as G

h = bytes.fromhex

# Worked examples (spec section "Worked examples").
EX1 = h("01 02 00 00 40 42 0f 00 02 03 04 00 00 00 00 00 00 08 00 00 00 00 00 00 00 04 00 00 00 08 00 08 00 fc 00 00")
EX2 = h("01 04 01 00 60 90 0f 00 02 03 04 00 00 00 00 fe 00 08 00 40 00 00 f0 ff 00 80 00 00 00 08 00 00 00 00 ff 7f")
EX3 = h("01 00 ff ff 80 e3 ff ff 01 03 04 00 00 00 00 00 00 08 00 00 00 00 00 00")
EX4 = h("01 00 00 00 90 0a 00 00 01 03 04 00 00 00 00 00 00 08 00 00 00 00 00 00")
STATUS_EX = h("01 00 40 96 01 00 03 04 03 04 13 00")


def test_uuids_and_name():
    assert GP.SERVICE_UUID == "fa520001-a34c-4990-b80f-ec0bce9cbd93"
    assert GP.DATA_UUID == "fa520002-a34c-4990-b80f-ec0bce9cbd93"
    assert GP.CONTROL_UUID == "fa520003-a34c-4990-b80f-ec0bce9cbd93"
    assert GP.STATUS_UUID == "fa520004-a34c-4990-b80f-ec0bce9cbd93"
    assert GP.FAMILY.notify_uuids == (GP.DATA_UUID, GP.STATUS_UUID)
    assert GP.FAMILY.battery_uuid == "00002a19-0000-1000-8000-00805f9b34fb"


def test_control_bytes_and_family_sequences():
    assert GP.cmd_start() == h("01") and GP.cmd_stop() == h("02")
    assert GP.cmd_set_rate(100) == h("03 64 00")
    assert GP.cmd_set_rate(208) == h("03 D0 00")
    assert GP.cmd_set_range(3, 4) == h("04 03 04")
    assert GP.FAMILY.start_commands(200) == [
        (GP.CONTROL_UUID, h("04 03 04"), True),
        (GP.CONTROL_UUID, h("03 C8 00"), True),
        (GP.CONTROL_UUID, h("01"), True),
    ]
    assert GP.FAMILY.stop_commands() == [(GP.CONTROL_UUID, h("02"), True)]
    for bad in (
        lambda: GP.cmd_set_rate(0),
        lambda: GP.cmd_set_rate(70000),
        lambda: GP.cmd_set_range(4, 0),
        lambda: GP.cmd_set_range(0, 5),
    ):
        with pytest.raises(ProtocolError):
            bad()


def test_worked_example_packets_encode_exactly():
    assert (
        GP.encode_data_packet(
            0, 1_000_000, [[0, 0, 2048], [1024, 0, 2048]], [[0, 0, 0], [2048, -1024, 0]], flags=GP.FLAG_STREAM_START
        )
        == EX1
    )
    assert (
        GP.encode_data_packet(
            1,
            1_020_000,
            [[0, -512, 2048], [-32768, 0, 2048]],
            [[16384, 0, -16], [0, 0, 32767]],
            flags=GP.FLAG_SATURATED,
        )
        == EX2
    )
    assert GP.encode_data_packet(65535, 4_294_960_000, [[0, 0, 2048]], [[0, 0, 0]]) == EX3
    assert GP.encode_data_packet(0, 2704, [[0, 0, 2048]], [[0, 0, 0]]) == EX4
    assert GP.encode_status(GP.Status(1, 0, 104_000, 3, 4, 3, 4, 19)) == STATUS_EX


def test_worked_examples_decode_to_documented_values():
    dec = GP.GlideDecoder(100)
    a = dec.feed(GP.DATA_UUID, EX1)
    b = dec.feed(GP.DATA_UUID, EX2)
    assert np.allclose(a.t, [1.00, 1.01]) and np.allclose(b.t, [1.02, 1.03])
    assert np.allclose(a.acc, [[0, 0, G], [0.5 * G, 0, G]])
    assert np.allclose(a.gyr, [[0, 0, 0], [125.0, -62.5, 0]])
    assert np.allclose(b.acc, [[0, -0.25 * G, G], [-16 * G, 0, G]])
    assert np.allclose(b.gyr, [[1000.0, 0, -0.9765625], [0, 0, 1999.93896484375]])
    assert dec.saturated_packets == 1 and dec.stats.seq_gaps == 0
    s = GP.decode_status(STATUS_EX)
    assert s == GP.Status(1, GP.STATE_IDLE, 104_000, 3, 4, GP.OP_SET_RATE, GP.RESULT_ADJUSTED, 19)
    assert s.rate_hz == 104.0


def test_spec_document_carries_the_same_example_bytes():
    import re
    from pathlib import Path

    spec = Path(__file__).resolve().parents[1] / "firmware_specs" / "glide-open-imu-profile.md"
    compact = re.sub(r"\s+", "", spec.read_text(encoding="utf-8").lower())
    for example in (EX1, EX2, EX3, EX4, STATUS_EX):
        assert example.hex() in compact
    for uuid in (GP.SERVICE_UUID, GP.DATA_UUID, GP.CONTROL_UUID, GP.STATUS_UUID):
        assert uuid in compact


def test_seq_and_timestamp_wraparound_examples():
    dec = GP.GlideDecoder(100)
    a = dec.feed(GP.DATA_UUID, EX3)  # seq 65535, t0 = 2^32 - 7296 us
    b = dec.feed(GP.DATA_UUID, EX4)  # seq 0, t0 = 2704 us: both counters wrapped
    assert dec.stats.seq_gaps == 0 and dec.stats.duplicates == 0
    assert b.t[0] - a.t[0] == pytest.approx(0.010, abs=1e-9)


def test_decode_rejects_malformed_packets():
    assert GP.decode_data_packet(EX1[:11]) == "short"
    assert GP.decode_data_packet(EX1[:30]) == "short"
    assert GP.decode_data_packet(EX1 + b"\x00") == "corrupt"
    assert GP.decode_data_packet(b"\x02" + EX1[1:]) == "corrupt"  # unknown version
    assert GP.decode_data_packet(EX1[:8] + b"\x00" + EX1[9:12]) == "corrupt"  # n = 0
    assert GP.decode_data_packet(EX1[:9] + b"\x04" + EX1[10:]) == "corrupt"  # acc_fs 4
    dec = GP.GlideDecoder(100)
    for pkt in (EX1[:11], EX1[:30], EX1 + b"\x00", b"\x02" + EX1[1:]):
        assert len(dec.feed(GP.DATA_UUID, pkt)) == 0
    assert (dec.stats.packets, dec.stats.short_packets, dec.stats.corrupt_packets) == (4, 2, 2)


def test_encoder_misuse():
    with pytest.raises(ProtocolError):
        GP.encode_data_packet(70000, 0, [[0, 0, 0]], [[0, 0, 0]])
    with pytest.raises(ProtocolError):
        GP.encode_data_packet(0, 0, [[0, 0, 40000]], [[0, 0, 0]])
    with pytest.raises(ProtocolError):
        GP.encode_data_packet(0, 0, np.zeros((42, 3), int), np.zeros((42, 3), int))
    with pytest.raises(ProtocolError):
        GP.encode_data_packet(0, 0, [[0.5, 0, 0]], [[0, 0, 0]])
    with pytest.raises(ProtocolError):
        GP.encode_data_packet(0, 0, [[0, 0, 0]], [[0, 0, 0]], flags=0x80)


def test_samples_per_packet():
    assert GP.samples_per_packet(247) == 19
    assert GP.samples_per_packet(185) == 14
    assert GP.samples_per_packet(27) == 1
    assert GP.samples_per_packet(517) == 41
    with pytest.raises(ProtocolError):
        GP.samples_per_packet(23)


@settings(max_examples=150, deadline=None)
@given(
    seq=st.integers(0, 0xFFFF),
    t0=st.integers(0, 0xFFFFFFFF),
    flags=st.integers(0, 7),
    acc_fs=st.integers(0, 3),
    gyr_fs=st.integers(0, 4),
    counts=hnp.arrays(np.int16, st.tuples(st.integers(1, GP.MAX_SAMPLES_PER_PACKET), st.just(6))),
)
def test_encode_decode_round_trip(seq, t0, flags, acc_fs, gyr_fs, counts):
    pkt = GP.encode_data_packet(seq, t0, counts[:, :3], counts[:, 3:], acc_fs=acc_fs, gyr_fs=gyr_fs, flags=flags)
    assert len(pkt) == GP.HEADER_LEN + GP.SAMPLE_LEN * len(counts)
    d = GP.decode_data_packet(pkt)
    assert (d.seq, d.t0_us, d.flags, d.acc_fs, d.gyr_fs) == (seq, t0, flags, acc_fs, gyr_fs)
    assert np.array_equal(d.acc, counts[:, :3]) and np.array_equal(d.gyr, counts[:, 3:])
    assert np.allclose(d.acc_mps2(), counts[:, :3] * GP.ACC_FS_G[acc_fs] / 32768 * G)


@settings(max_examples=50, deadline=None)
@given(
    st.builds(
        GP.Status,
        st.just(1),
        st.integers(0, 1),
        st.integers(0, 2**32 - 1),
        st.integers(0, 3),
        st.integers(0, 4),
        st.integers(0, 255),
        st.integers(0, 4),
        st.integers(1, 41),
    )
)
def test_status_round_trip(status):
    assert GP.decode_status(GP.encode_status(status)) == status


def test_peripheral_rate_negotiation_and_control_results():
    dev = GP.GlidePeripheral(supported_rates=(26, 52, 104, 208), rate_hz=52)
    st_ = GP.decode_status(dev.handle_control(GP.cmd_set_rate(100)))
    assert st_.rate_mhz == 104_000 and st_.last_result == GP.RESULT_ADJUSTED
    st_ = GP.decode_status(dev.handle_control(GP.cmd_set_rate(208)))
    assert st_.rate_hz == 208 and st_.last_result == GP.RESULT_OK
    st_ = GP.decode_status(dev.handle_control(GP.cmd_set_range(2, 3)))
    assert (st_.acc_fs, st_.gyr_fs, st_.last_result) == (2, 3, GP.RESULT_OK)
    st_ = GP.decode_status(dev.handle_control(GP.cmd_start()))
    assert st_.state == GP.STATE_STREAMING
    st_ = GP.decode_status(dev.handle_control(GP.cmd_set_rate(52)))
    assert st_.last_result == GP.RESULT_INVALID_STATE and st_.rate_hz == 208
    st_ = GP.decode_status(dev.handle_control(h("7f")))
    assert st_.last_result == GP.RESULT_UNSUPPORTED_OPCODE
    st_ = GP.decode_status(dev.handle_control(h("03 64")))  # truncated SET_RATE
    assert st_.last_result == GP.RESULT_INVALID_PARAMETER
    st_ = GP.decode_status(dev.handle_control(GP.cmd_stop()))
    assert st_.state == GP.STATE_IDLE
    assert dev.packetize([0.0], [[0, 0, G]], [[0, 0, 0]]) == []  # idle: nothing sent


def _session(n=1000, supported=(25, 50, 104, 200), max_samples=19, t_start=3.0):
    """Device model + decoder wired as the transport would wire them (100 Hz requested)."""
    dev = GP.GlidePeripheral(supported_rates=supported, max_samples=max_samples)
    dec = GP.FAMILY.make_decoder(100)
    for _uuid, payload, _ in GP.FAMILY.start_commands(100):
        dec.feed(GP.STATUS_UUID, dev.handle_control(payload))  # status notification
    rate = dev.rate_hz
    t = t_start + np.arange(n) / rate
    phase = 2 * np.pi * 0.5 * (t - t_start)
    acc = np.column_stack([np.sin(phase), np.zeros(n), np.ones(n)]) * G
    gyr = np.column_stack([np.zeros(n), 90 * np.cos(phase), np.zeros(n)])
    return dev, dec, t, acc, gyr


def test_end_to_end_negotiated_rate_even_times_and_values():
    dev, dec, t, acc, gyr = _session()
    assert dec.rate_hz == 104.0  # learnt from the status notification, not the request
    packets = dev.packetize(t, acc, gyr)
    assert len(packets) == int(np.ceil(1000 / 19))
    assert GP.decode_data_packet(packets[0]).flags & GP.FLAG_STREAM_START
    out = [dec.feed(GP.DATA_UUID, p) for p in packets]
    tt = np.concatenate([o.t for o in out])
    aa = np.concatenate([o.acc for o in out])
    gg = np.concatenate([o.gyr for o in out])
    assert len(tt) == 1000 and dec.stats.samples == 1000
    assert np.allclose(np.diff(tt), 1 / 104.0, atol=1e-9)  # evenly spaced across packets
    assert np.allclose(tt, t, atol=1e-6)
    assert np.allclose(aa, acc, atol=16 / 32768 * G) and np.allclose(gg, gyr, atol=2000 / 32768)
    assert dec.stats.seq_gaps == dec.stats.duplicates == dec.stats.corrupt_packets == 0


def test_sequence_gap_duplicate_and_overflow():
    dev, dec, t, acc, gyr = _session(n=19 * 20)
    packets = dev.packetize(t, acc, gyr)
    kept = packets[:5] + packets[8:]  # packets 5, 6, 7 lost: 57 samples
    outs = [dec.feed(GP.DATA_UUID, p) for p in kept[:6]]
    outs.append(dec.feed(GP.DATA_UUID, kept[5]))  # duplicate notification
    outs += [dec.feed(GP.DATA_UUID, p) for p in kept[6:]]
    s = dec.stats
    assert s.seq_gaps == 1 and s.lost_samples_estimate == 57 and s.duplicates == 1
    tt = np.concatenate([o.t for o in outs])
    assert np.allclose(tt, np.concatenate([t[:95], t[152:]]), atol=1e-6)
    # OVERFLOW flag: the device dropped samples itself (sequence continues)
    dev.mark_overflow()
    more = dev.packetize(t[-1] + 0.5 + np.arange(19) / 104, acc[:19], gyr[:19])
    out = dec.feed(GP.DATA_UUID, more[0])
    assert dec.stats.seq_gaps == 2 and len(out) == 19
    assert dec.stats.lost_samples_estimate == 57 + round(0.5 * 104) - 1


def test_restart_and_stream_start_resynchronise():
    dec = GP.GlideDecoder(100)
    zeros = np.zeros((10, 3), int)
    dec.feed(GP.DATA_UUID, GP.encode_data_packet(500, 50_000_000, zeros, zeros))
    # device rebooted: sequence and clock start again without STREAM_START
    out = dec.feed(GP.DATA_UUID, GP.encode_data_packet(0, 1_000, zeros, zeros))
    assert dec.stats.seq_gaps == 1 and len(out) == 10
    assert out.t[0] == pytest.approx(50.1)  # re-anchored right after the last sample
    # STOP, START 2 s later (device clock continued): no gap, real elapsed time kept
    out = dec.feed(GP.DATA_UUID, GP.encode_data_packet(0, 2_101_000, zeros, zeros, flags=GP.FLAG_STREAM_START))
    assert dec.stats.seq_gaps == 1 and out.t[0] == pytest.approx(52.2)
