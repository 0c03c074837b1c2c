"""WitMotion BLE 5.0 (WT901BLECL / BWT901BLECL / WT9011DCL).

Vectors: the ``55 71`` register reply is the WT901BLECL 5.0 manual's example (section "Single
return register", mirrors easymanua.ls / manualshive.com); the ``55 61`` data packet was
hand-built from the layout in WITMOTION/WitBluetooth_BWT901BLE5_0
``Python/BWT901BLE5.0_python_sdk/device_model.py`` (no public capture with decoded values
exists). See firmware_specs/witmotion.md.
"""

from __future__ import annotations

import numpy as np
import pytest

from sensor.protocols import witmotion as W
from sensor.protocols.decoding import ProtocolError
from sensor.protocols.uuids import STANDARD_GRAVITY as G
from sensor.protocols.uuids import normalize_uuid, short_uuid

h = bytes.fromhex

DATA_VECTOR = h("55 61 00 00 00 FC 00 08 66 06 00 00 00 F0 00 00 1C 07 00 40")
MANUAL_REG_REPLY = h("55 71 3A 00 68 01 69 00 7A 00 00 00 00 00 00 00 00 00 00 00")


def test_uuids_are_on_witmotions_9a_base_not_the_bluetooth_base():
    # WITMOTION/WitBluetooth_BWT901BLE5_0 @ 069867a9, Python/BWT901BLE5.0_python_sdk/device_model.py
    # lines 65-67: ...-00805f9a34fb. The Bluetooth SIG base (...9b34fb) would find no service.
    assert W.SERVICE_UUID == "0000ffe5-0000-1000-8000-00805f9a34fb"
    assert W.NOTIFY_UUID == "0000ffe4-0000-1000-8000-00805f9a34fb"
    assert W.WRITE_UUID == "0000ffe9-0000-1000-8000-00805f9a34fb"
    assert normalize_uuid("ffe4") != W.NOTIFY_UUID  # the 16-bit short form means the SIG base


def test_notification_on_the_sig_base_uuid_is_not_data():
    # A look-alike on the Bluetooth base is another characteristic: ignored, not decoded.
    dec = W.WitMotionDecoder(100)
    assert len(dec.feed(short_uuid(0xFFE4), DATA_VECTOR, 1.0)) == 0
    assert dec.stats.ignored_packets == 1 and dec.stats.samples == 0


def test_issue_vector_on_the_9a_notify_characteristic():
    # The issue's vector, fed under the exact UUID string a real device reports (upper case, 9a).
    dec = W.WitMotionDecoder(10)
    out = dec.feed("0000FFE4-0000-1000-8000-00805F9A34FB", DATA_VECTOR, 3.0)
    assert len(out) == 1
    assert out.acc[0] / G == pytest.approx([0.0, -0.5, 1.0])
    assert out.gyr[0] == pytest.approx([100.0, 0.0, -250.0], abs=0.03)  # 3277 counts = 99.976 deg/s
    roll, pitch, yaw = dec.last_angles_deg
    assert roll == 0.0 and pitch == pytest.approx(10.0, abs=0.003) and yaw == 90.0


def test_matches_by_name_or_by_the_9a_service_uuid():
    assert W.FAMILY.matches("WT901BLE68")
    assert not W.FAMILY.matches("WTVB01-BT50")
    assert W.FAMILY.matches("my-imu", [W.SERVICE_UUID.upper()])
    assert not W.FAMILY.matches("my-imu", [short_uuid(0xFFE5)])


def test_command_bytes():
    assert W.unlock() == h("FF AA 69 88 B5")
    assert W.save() == h("FF AA 00 00 00")
    assert W.read_register(0x64) == h("FF AA 27 64 00")
    assert W.read_register(0x3A) == h("FF AA 27 3A 00")
    assert W.set_rate(10) == h("FF AA 03 06 00")
    assert W.set_rate(50) == h("FF AA 03 08 00")
    assert W.set_rate(100) == h("FF AA 03 09 00")
    assert W.set_rate(200) == h("FF AA 03 0B 00")
    assert W.write_register(0x24, 1) == h("FF AA 24 01 00")


def test_family_start_sequence_is_unlock_rate_save_then_battery_read():
    cmds = W.FAMILY.start_commands(100)
    assert cmds == [
        (W.WRITE_UUID, h("FF AA 69 88 B5"), True),
        (W.WRITE_UUID, h("FF AA 03 09 00"), True),
        (W.WRITE_UUID, h("FF AA 00 00 00"), True),
        (W.WRITE_UUID, h("FF AA 27 64 00"), True),
    ]
    assert W.FAMILY.command_delay_s == pytest.approx(0.1)
    assert W.FAMILY.stop_commands() == []


def test_command_misuse_raises_protocol_error():
    with pytest.raises(ProtocolError):
        W.set_rate(30)
    with pytest.raises(ProtocolError):
        W.write_register(0x100, 0)
    with pytest.raises(ProtocolError):
        W.write_register(3, 70000)
    with pytest.raises(ProtocolError):
        W.encode_data_packet((17, 0, 0), (0, 0, 0))  # beyond +-16 g


def test_decode_data_vector():
    dec = W.WitMotionDecoder(100)
    out = dec.feed(W.NOTIFY_UUID, DATA_VECTOR, 12.5)
    assert len(out) == 1
    assert out.t.tolist() == [12.5]
    assert np.allclose(out.acc[0], [0.0, -0.5 * G, 1.0 * G])
    assert np.allclose(out.gyr[0], [99.9755859375, 0.0, -250.0])
    assert dec.last_angles_deg == pytest.approx((0.0, 9.99755859375, 90.0))
    assert dec.stats.packets == 1 and dec.stats.samples == 1


def test_encoder_reproduces_the_vector():
    assert W.encode_data_packet((0, -0.5, 1.0), (99.9755859375, 0, -250), (0, 9.99755859375, 90)) == DATA_VECTOR


def test_register_reply_from_manual():
    dec = W.WitMotionDecoder(10)
    out = dec.feed(W.NOTIFY_UUID, MANUAL_REG_REPLY, 1.0)
    assert len(out) == 0
    assert (dec.registers[0x3A], dec.registers[0x3B], dec.registers[0x3C]) == (360, 105, 122)


def test_battery_register_reply():
    dec = W.WitMotionDecoder(10)
    dec.feed(W.NOTIFY_UUID, W.encode_register_reply(0x64, [392]), 1.0)  # 3.92 V
    assert dec.device_info["battery_voltage_v"] == pytest.approx(3.92)
    assert dec.battery_percent == 75
    assert W.battery_percent_from_voltage(4.1) == 100
    assert W.battery_percent_from_voltage(3.3) == 0


def test_stream_reassembly_split_and_batched_notifications():
    pkts = [W.encode_data_packet((0, 0, i / 10), (i, 0, 0)) for i in range(5)]
    stream = b"".join(pkts)
    dec = W.WitMotionDecoder(50)
    # 5 packets delivered as 7-byte pieces, arrival times irrelevant here
    outs = [dec.feed(W.NOTIFY_UUID, stream[i : i + 7]) for i in range(0, len(stream), 7)]
    gyr = np.concatenate([o.gyr[:, 0] for o in outs])
    assert np.allclose(gyr, [0, 1, 2, 3, 4], atol=0.07)
    t = np.concatenate([o.t for o in outs])
    assert np.allclose(np.diff(t), 0.02)
    assert dec.stats.corrupt_packets == 0 and dec.stats.short_packets == 0
    # two packets in one notification
    out = dec.feed(W.NOTIFY_UUID, pkts[0] + pkts[1])
    assert len(out) == 2


def test_resync_after_garbage_and_truncated_packet():
    dec = W.WitMotionDecoder(10)
    good = W.encode_data_packet((0, 0, 1), (0, 0, 0))
    out = dec.feed(W.NOTIFY_UUID, b"\x01\x02\x03" + good)
    assert len(out) == 1 and dec.stats.corrupt_packets == 1
    out = dec.feed(W.NOTIFY_UUID, good[:12])  # tail lost
    assert len(out) == 0
    out = dec.feed(W.NOTIFY_UUID, good)  # a clean packet: the partial one is abandoned
    assert len(out) == 1 and dec.stats.short_packets == 1


def test_times_evenly_spaced_at_configured_rate_despite_arrival_jitter():
    rng = np.random.default_rng(1)
    dec = W.WitMotionDecoder(100)
    pkt = W.encode_data_packet((0, 0, 1), (1, 2, 3))
    arrivals = 3.0 + np.arange(300) * 0.01 + rng.uniform(0, 0.04, 300)  # BLE batching jitter
    t = np.concatenate([dec.feed(W.NOTIFY_UUID, pkt, a).t for a in arrivals])
    assert len(t) == 300
    assert np.allclose(np.diff(t), 0.01)
    assert dec.stats.seq_gaps == 0


def test_outage_counted_as_gap_and_time_base_continues():
    dec = W.WitMotionDecoder(50)
    pkt = W.encode_data_packet((0, 0, 1), (0, 0, 0))
    t1 = np.concatenate([dec.feed(W.NOTIFY_UUID, pkt, 1.0 + i * 0.02).t for i in range(10)])
    # a 1-second radio outage: 50 samples never arrive
    t2 = np.concatenate([dec.feed(W.NOTIFY_UUID, pkt, 2.2 + i * 0.02).t for i in range(10)])
    assert dec.stats.seq_gaps == 1
    assert dec.stats.lost_samples_estimate == 50
    assert np.allclose(np.diff(t1), 0.02) and np.allclose(np.diff(t2), 0.02)
    assert t2[0] - t1[-1] == pytest.approx(0.02 * 51)


def test_wrong_characteristic_is_ignored():
    dec = W.WitMotionDecoder(10)
    assert len(dec.feed(W.WRITE_UUID, DATA_VECTOR)) == 0
    assert dec.stats.ignored_packets == 1 and dec.stats.packets == 0


def test_vectors_are_documented_in_the_spec():
    import re
    from pathlib import Path

    spec = Path(__file__).resolve().parents[1] / "firmware_specs" / "witmotion.md"
    compact = re.sub(r"\s+", "", spec.read_text(encoding="utf-8").lower())
    for vector in (
        DATA_VECTOR,
        MANUAL_REG_REPLY,
    ):
        assert vector.hex() in compact
