"""Movesense GATT SensorData Protocol.

Vectors: command bytes follow alexisduque/movesense-device-lib (mirror of the official device
library) ``samples/gatt_sensordata_app/python_client/movesense_sensor_data.py`` (``[1, 99] +
path``, unsubscribe ``[2, 99]``) and ``GATTSensorDataClient.cpp`` (HELLO reply, 507 error).
The IMU6 notification is *hand-built* from the documented layout (research file section 2.5;
no public capture with decoded values exists). See firmware_specs/movesense.md.
"""

from __future__ import annotations

import struct

import numpy as np
import pytest

from sensor.protocols import movesense as M
from sensor.protocols.decoding import ProtocolError

h = bytes.fromhex

# IMU6, ref 42 (0x2a), timestamp 123456 ms, 4 samples (research file 2.5, hand-built [D]).
IMU6_VECTOR = h(
    "02 2a 40 e2 01 00 cd cc cc 3d cd cc 4c 3e c3 f5 1c 41 cd cc 4c 3e cd cc cc 3d cd cc 1c 41"
    " 00 00 00 00 00 00 00 00 d7 a3 1c 41 cd cc cc bd 9a 99 99 3e b8 1e 1d 41 00 00 c0 3f 00 00"
    " 00 c0 00 00 80 3e 00 00 80 3f 00 00 c0 bf 00 00 00 3f 00 00 00 3f 00 00 80 bf 00 00 40 3f"
    " 00 00 00 00 00 00 00 bf 00 00 80 3f"
)


def test_uuids():
    assert M.SERVICE_UUID == "34802252-7185-4d5d-b431-630e7050e8f0"
    assert M.COMMAND_UUID == "34800001-7185-4d5d-b431-630e7050e8f0"
    assert M.DATA_UUID == "34800002-7185-4d5d-b431-630e7050e8f0"


def test_command_bytes():
    assert M.subscribe(99, "/Meas/IMU6/104") == h("01 63 2F 4D 65 61 73 2F 49 4D 55 36 2F 31 30 34")
    assert M.subscribe(99, "/Meas/IMU6/52") == h("01 63 2F 4D 65 61 73 2F 49 4D 55 36 2F 35 32")
    assert M.subscribe(99, "/Meas/Acc/13") == bytes([1, 99]) + b"/Meas/Acc/13"  # official client
    assert M.unsubscribe(99) == h("02 63")
    assert M.hello(7) == h("00 07")


def test_family_commands_per_rate():
    assert M.FAMILY.start_commands(104) == [(M.COMMAND_UUID, b"\x01\x63/Meas/IMU6/104", True)]
    assert M.FAMILY.start_commands(52) == [(M.COMMAND_UUID, b"\x01\x63/Meas/IMU6/52", True)]
    # 208 Hz: separate acc + gyro subscriptions (an IMU6 payload would exceed two parts)
    assert M.FAMILY.start_commands(208) == [
        (M.COMMAND_UUID, b"\x01\x61/Meas/Acc/208", True),
        (M.COMMAND_UUID, b"\x01\x67/Meas/Gyro/208", True),
    ]
    assert M.FAMILY.stop_commands() == [
        (M.COMMAND_UUID, h("02 63"), True),
        (M.COMMAND_UUID, h("02 61"), True),
        (M.COMMAND_UUID, h("02 67"), True),
    ]


def test_command_misuse():
    with pytest.raises(ProtocolError):
        M.subscribe(0, "/Meas/IMU6/104")  # reference 0 is reserved
    with pytest.raises(ProtocolError):
        M.subscribe(1, "Meas/IMU6/104")
    with pytest.raises(ProtocolError):
        M.subscribe(1, "/Meas/Ä")
    with pytest.raises(ProtocolError):
        M.unsubscribe(256)


def test_decode_hand_built_imu6_vector():
    dec = M.MovesenseDecoder(104, refs={42: "imu6"})
    out = dec.feed(M.DATA_UUID, IMU6_VECTOR)
    assert len(out) == 4
    assert np.allclose(out.t, 123.456 + np.arange(4) / 104)
    assert np.allclose(out.acc, [[0.1, 0.2, 9.81], [0.2, 0.1, 9.80], [0.0, 0.0, 9.79], [-0.1, 0.3, 9.82]], atol=1e-6)
    assert np.allclose(out.gyr, [[1.5, -2.0, 0.25], [1.0, -1.5, 0.5], [0.5, -1.0, 0.75], [0.0, -0.5, 1.0]])
    assert M.encode_imu6_body(123456, out.acc, out.gyr) == IMU6_VECTOR[2:]


def test_command_results_are_recorded():
    dec = M.MovesenseDecoder(104)
    dec.feed(M.DATA_UUID, h("01 05 48 65 6C 6C 6F"))  # HELLO reply
    dec.feed(M.DATA_UUID, h("01 63 01 FB"))  # 507, no free subscription slot
    assert dec.device_info["hello"] is True
    assert dec.device_info["results"] == {5: b"Hello", 0x63: h("01 FB")}
    assert dec.stats.samples == 0 and dec.stats.corrupt_packets == 0


def _imu6_message(ts_ms: int, n: int, base: float = 0.0) -> bytes:
    acc = np.column_stack([np.full(n, base), np.arange(n, dtype=float), np.full(n, 9.81)])
    gyr = np.column_stack([np.arange(n, dtype=float), np.zeros(n), np.ones(n)])
    return M.encode_imu6_body(ts_ms, acc, gyr)


def test_two_part_reassembly():
    body = _imu6_message(5000, 8)  # 4 + 8 * 24 = 196 bytes -> 150 + 46
    parts = M.split_notifications(99, body)
    assert [len(p) for p in parts] == [152, 48]
    assert parts[0][:2] == h("02 63") and parts[1][:2] == h("03 63")
    dec = M.MovesenseDecoder(104)
    assert len(dec.feed(M.DATA_UUID, parts[0])) == 0  # waits for part 2
    out = dec.feed(M.DATA_UUID, parts[1])
    assert len(out) == 8 and np.allclose(out.acc[:, 1], np.arange(8))
    assert dec.stats.packets == 2 and dec.stats.short_packets == 0


def test_lost_part2_counted_short_and_stream_continues():
    dec = M.MovesenseDecoder(104)
    p1 = M.split_notifications(99, _imu6_message(1000, 8))
    p2 = M.split_notifications(99, _imu6_message(1077, 8))
    dec.feed(M.DATA_UUID, p1[0])  # its part 2 is lost
    dec.feed(M.DATA_UUID, p2[0])
    out = dec.feed(M.DATA_UUID, p2[1])
    assert len(out) == 8 and dec.stats.short_packets == 1
    orphan = M.MovesenseDecoder(104)
    orphan.feed(M.DATA_UUID, p1[1])  # a continuation without its first part
    assert orphan.stats.short_packets == 1 and orphan.stats.samples == 0


def test_time_reconstruction_even_grid_across_packets_despite_ms_rounding():
    rate = 52.0
    dec = M.MovesenseDecoder(rate)
    ts = []
    for i in range(40):
        ts_ms = 10_000 + int(round(i * 4 * 1000 / rate))  # device stamps in whole ms
        for pkt in M.split_notifications(99, _imu6_message(ts_ms, 4)):
            out = dec.feed(M.DATA_UUID, pkt)
            ts.append(out.t)
    t = np.concatenate(ts)
    assert len(t) == 160
    assert np.allclose(np.diff(t), 1 / rate, atol=1e-9)
    assert dec.stats.seq_gaps == 0


def test_gap_duplicate_and_uint32_wraparound():
    rate = 104.0
    dec = M.MovesenseDecoder(rate)
    period_ms = 1000 / rate
    start = 2**32 - 200  # the ms counter wraps after ~49.7 days

    def ts(i):
        return int(round(start + i * 4 * period_ms)) % 2**32

    out0 = dec.feed(M.DATA_UUID, b"\x02\x63" + _imu6_message(ts(0), 4))
    out1 = dec.feed(M.DATA_UUID, b"\x02\x63" + _imu6_message(ts(1), 4))
    dup = dec.feed(M.DATA_UUID, b"\x02\x63" + _imu6_message(ts(1), 4))
    assert len(dup) == 0 and dec.stats.duplicates == 1
    # packets 2..6 lost (20 samples); packet 7 arrives after the counter wrapped
    out7 = dec.feed(M.DATA_UUID, b"\x02\x63" + _imu6_message(ts(7), 4))
    assert ts(7) < ts(1)  # wrapped
    assert dec.stats.seq_gaps == 1 and dec.stats.lost_samples_estimate == 20
    assert out7.t[0] - out1.t[0] == pytest.approx(24 / rate, abs=1e-3)
    assert out1.t[0] > out0.t[-1] and out7.t[0] > out1.t[-1]


def test_separate_acc_and_gyro_subscriptions_are_paired():
    rate = 208.0
    dec = M.MovesenseDecoder(rate)
    assert dec.refs == {M.REF_ACC: "acc", M.REF_GYRO: "gyr"}
    n = 16
    outs = []
    for i in range(6):
        ts_ms = 1000 + int(round(i * n * 1000 / rate))
        k = np.arange(i * n, (i + 1) * n, dtype=float)
        acc = np.column_stack([k, np.zeros(n), np.full(n, 9.8)])
        gyr = np.column_stack([-k, np.zeros(n), np.zeros(n)])
        for pkt in M.split_notifications(M.REF_ACC, M.encode_vector_body(ts_ms, acc)):
            outs.append(dec.feed(M.DATA_UUID, pkt))
        if i == 0:
            continue  # the gyro subscription starts one packet later
        for pkt in M.split_notifications(M.REF_GYRO, M.encode_vector_body(ts_ms, gyr)):
            outs.append(dec.feed(M.DATA_UUID, pkt))
    acc = np.concatenate([o.acc for o in outs])
    gyr = np.concatenate([o.gyr for o in outs])
    t = np.concatenate([o.t for o in outs])
    assert len(t) == 5 * n
    assert np.allclose(acc[:, 0], -gyr[:, 0])  # every pair comes from the same instant
    assert np.allclose(acc[:, 0], np.arange(n, 6 * n))
    assert np.allclose(np.diff(t), 1 / rate, atol=1e-9)
    # the first acc packet has no gyro partner: its samples are dropped as unpaired
    assert dec.stats.unpaired_samples == n


def test_corrupt_messages():
    dec = M.MovesenseDecoder(104)
    dec.feed(M.DATA_UUID, b"\x02")  # no reference
    dec.feed(M.DATA_UUID, b"\x02\x63" + b"\x00" * 10)  # not 4 + 24 N
    nan_body = struct.pack("<I", 5) + np.full(6, np.nan, dtype="<f4").tobytes()
    dec.feed(M.DATA_UUID, b"\x02\x63" + nan_body)
    dec.feed(M.DATA_UUID, b"\x09\x63\x00")  # unknown message type
    dec.feed(M.DATA_UUID, b"\x02\x11" + _imu6_message(1, 1))  # unknown reference
    s = dec.stats
    assert (s.packets, s.short_packets, s.corrupt_packets, s.ignored_packets, s.samples) == (5, 2, 2, 1, 0)
