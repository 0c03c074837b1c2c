"""MbientLab MetaMotion (MetaWear protocol).

Vectors come from the official SDK's unit tests, mbientlab/MetaWear-SDK-Cpp ``test/``:
``test_accelerometer_bmi160.py`` / ``test_accelerometer_bmi270.py`` (acc data at +-4 g, packed
acc at +-8 g, configuration and enable bytes), ``test_gyro_bmi160.py`` (gyro data at +-500 and
packed at +-1000 deg/s, configuration, subscribe/enable/start bytes), ``test_settings.py``
(battery reply, connection parameters). Register numbers: ``gyro_bosch_register.h``.
See firmware_specs/metamotion.md.
"""

from __future__ import annotations

import numpy as np
import pytest

from sensor.protocols import metawear as M
from sensor.protocols.decoding import ProtocolError
from sensor.protocols.uuids import STANDARD_GRAVITY as G

h = bytes.fromhex

ACC_4G = h("03 04 16 C4 94 A2 2A D0")
ACC_PACKED_8G_BMI160 = h("03 1C 62 B7 53 0D E9 FD 16 D0 4D 0E 57 02 8A FF A1 05 0A 01")
ACC_PACKED_8G_BMI270 = h("03 05 62 B7 53 0D E9 FD 16 D0 4D 0E 57 02 8A FF A1 05 0A 01")
GYRO_500 = h("13 05 3E 43 FF 7F 00 80")
GYRO_PACKED_1000 = h("13 07 09 15 AD 26 08 DE 8A 1A 0D 26 65 E4 8D 20 AC 27 73 EC")

ACC_4G_G = [-1.872, -2.919, -1.495]
ACC_PACKED_G = [[-4.539, 0.833, -0.131], [-2.995, 0.894, 0.146], [-0.029, 0.352, 0.065]]
GYRO_500_DPS = [262.409, 499.497, -499.512]
GYRO_PACKED_DPS = [[164.177, 301.860, -265.122], [207.134, 296.982, -215.457], [254.055, 309.634, -152.591]]


def test_uuids():
    assert M.SERVICE_UUID == "326a9000-85cb-9195-d9dd-464cfbbae75a"
    assert M.COMMAND_UUID == "326a9001-85cb-9195-d9dd-464cfbbae75a"
    assert M.NOTIFY_UUID == "326a9006-85cb-9195-d9dd-464cfbbae75a"


def test_configuration_bytes_match_sdk_tests():
    assert M.acc_config("bmi160", 200, 8) == h("03 03 29 08")
    assert M.acc_config("bmi270", 200, 8) == h("03 03 A9 02")
    assert M.acc_config("bmi270", 100, 16) == h("03 03 A8 03")
    assert M.gyro_config("bmi160", 50, 125) == h("13 03 27 04")
    assert M.gyro_config("bmi160", 200, 2000) == h("13 03 29 00")
    assert M.gyro_config("bmi160", 100, 250) == h("13 03 28 03")
    assert M.module_info_request(M.MOD_ACC) == h("03 80")
    assert M.battery_request() == h("11 8C")
    assert M.connection_parameters(750, 1000, 128, 16384) == h("11 09 58 02 20 03 80 00 66 06")
    assert M.connection_parameters(7.5, 7.5, 0, 6000) == h("11 09 06 00 06 00 00 00 58 02")


def test_start_and_stop_sequences_per_chip():
    assert M.start_sequence("bmi160", 100) == [
        h("03 03 28 0C"),
        h("13 03 28 00"),
        h("03 1C 01"),
        h("13 07 01"),
        h("03 02 01 00"),
        h("13 02 01 00"),
        h("13 01 01"),
        h("03 01 01"),
    ]
    assert M.start_sequence("bmi270", 50) == [
        h("03 03 A7 03"),
        h("13 03 27 00"),
        h("03 05 01"),
        h("13 05 01"),
        h("03 02 01 00"),
        h("13 02 01 00"),
        h("13 01 01"),
        h("03 01 01"),
    ]
    assert M.start_sequence("bmi160", 200)[0] == h("11 09 06 00 06 00 00 00 58 02")
    assert M.start_sequence("bmi160", 50, packed=False)[2:4] == [h("03 04 01"), h("13 05 01")]
    assert M.stop_sequence("bmi160") == [
        h("03 01 00"),
        h("13 01 00"),
        h("03 02 00 01"),
        h("13 02 00 01"),
        h("03 1C 00"),
        h("13 07 00"),
    ]


def test_family_uses_module_info_from_setup_replies():
    fam = M.FAMILY
    assert fam.setup_commands() == [
        (M.COMMAND_UUID, h("03 80"), False),
        (M.COMMAND_UUID, h("13 80"), False),
        (M.COMMAND_UUID, h("11 8C"), False),
    ]
    dec = fam.make_decoder(100)
    dec.feed(M.NOTIFY_UUID, h("03 80 04 00"))  # MetaMotion S: BMI270
    dec.feed(M.NOTIFY_UUID, h("13 80 01 00"))
    dec.feed(M.NOTIFY_UUID, h("11 8C 63 34 10"))  # SDK test: 99 %, 4148 mV
    assert dec.device_info["chip"] == "bmi270"
    assert dec.battery_percent == 99 and dec.device_info["battery_mv"] == 4148
    cmds = fam.start_commands(100, dec.device_info)
    assert all(c[0] == M.COMMAND_UUID and c[2] is False for c in cmds)
    assert cmds[2][1] == h("03 05 01")
    # MetaMotion R with BMI160 revision 0 gyro: packed gyro unavailable -> unpacked streams
    old = {"chip": "bmi160", "acc_rev": 1, "gyro_rev": 0}
    assert [c[1] for c in fam.start_commands(50, old)][2:4] == [h("03 04 01"), h("13 05 01")]
    with pytest.raises(ProtocolError):
        fam.start_commands(100, {"chip": "unsupported-acc-0"})


def test_data_vectors_single_and_packed():
    dec = M.MetaWearDecoder(100, acc_range_g=4, gyro_range_dps=500)
    assert len(dec.feed(M.NOTIFY_UUID, ACC_4G)) == 0  # waits for its gyro partner
    out = dec.feed(M.NOTIFY_UUID, GYRO_500)
    assert len(out) == 1
    assert np.allclose(out.acc[0] / G, ACC_4G_G, atol=5e-4)
    assert np.allclose(out.gyr[0], GYRO_500_DPS, atol=5e-4)
    for acc_vec in (ACC_PACKED_8G_BMI160, ACC_PACKED_8G_BMI270):
        dec = M.MetaWearDecoder(100, acc_range_g=8, gyro_range_dps=1000)
        dec.feed(M.NOTIFY_UUID, acc_vec)
        out = dec.feed(M.NOTIFY_UUID, GYRO_PACKED_1000)
        assert len(out) == 3
        assert np.allclose(out.acc / G, ACC_PACKED_G, atol=5e-4)
        assert np.allclose(out.gyr, GYRO_PACKED_DPS, atol=5e-4)


def test_bmi270_gyro_packed_and_single_registers():
    dec = M.MetaWearDecoder(100, acc_range_g=8, gyro_range_dps=1000)
    dec.feed(M.NOTIFY_UUID, ACC_PACKED_8G_BMI270)
    out = dec.feed(M.NOTIFY_UUID, b"\x13\x05" + GYRO_PACKED_1000[2:])  # BMI270 packed = reg 5
    assert np.allclose(out.gyr, GYRO_PACKED_DPS, atol=5e-4)
    dec.feed(M.NOTIFY_UUID, ACC_4G)
    out = dec.feed(M.NOTIFY_UUID, b"\x13\x04" + GYRO_500[2:])  # BMI270 single = reg 4
    assert len(out) == 1


def test_encoders_round_trip_sdk_vectors():
    acc_g = np.frombuffer(ACC_4G, "<i2", offset=2) / 8192.0
    assert np.allclose(acc_g, ACC_4G_G, atol=5e-4)
    assert M.encode_sample(0x03, 0x04, acc_g, 8192.0) == ACC_4G
    gyr = np.frombuffer(GYRO_PACKED_1000, "<i2", offset=2).reshape(3, 3) / 32.8
    assert M.encode_packed(0x13, 0x07, gyr, 32.8) == GYRO_PACKED_1000
    with pytest.raises(ProtocolError):
        M.encode_packed(0x13, 0x07, np.zeros((2, 3)), 32.8)


def test_pairing_time_reconstruction_and_outage():
    rate = 100.0
    dec = M.MetaWearDecoder(rate)
    outs = []
    k = 0
    arrival = 50.0
    for i in range(40):  # packed acc and gyro notifications alternate, 3 samples each
        if i == 20:
            arrival += 1.0  # 1 s link outage: 100 samples of each stream lost
            k += 100
        vals = np.arange(k, k + 3, dtype=float)
        acc = np.column_stack([vals / 100, np.zeros(3), np.ones(3)])
        gyr = np.column_stack([vals, np.zeros(3), np.zeros(3)])
        outs.append(dec.feed(M.NOTIFY_UUID, M.encode_packed(0x03, 0x1C, acc, 2048.0), arrival))
        outs.append(dec.feed(M.NOTIFY_UUID, M.encode_packed(0x13, 0x07, gyr, 16.4), arrival + 0.002))
        k += 3
        arrival += 0.03
    t = np.concatenate([o.t for o in outs])
    acc = np.concatenate([o.acc for o in outs])
    gyr = np.concatenate([o.gyr for o in outs])
    assert len(t) == 120
    assert np.allclose(acc[:, 0] / G * 100, gyr[:, 0], atol=0.1)  # pairs from the same instant
    d = np.diff(t)
    assert np.allclose(d[:59], 0.01) and np.allclose(d[60:], 0.01)
    assert d[59] == pytest.approx(1.0 + 0.01)  # time base continues across the gap
    assert dec.stats.seq_gaps == 1  # one outage, though both streams saw it ...
    assert dec.stats.lost_samples_estimate == 100  # ... 100 (acc, gyro) pairs lost, not 200


def test_other_notifications_and_bad_lengths():
    dec = M.MetaWearDecoder(100)
    dec.feed(M.NOTIFY_UUID, h("01 01 01"))  # switch module: ignored
    dec.feed(M.NOTIFY_UUID, h("03 04 00 00"))  # short acc sample
    dec.feed(M.NOTIFY_UUID, h("03 04") + bytes(8))  # too long
    dec.feed(M.NOTIFY_UUID, h("03"))  # no register
    dec.feed(M.NOTIFY_UUID, h("03 80"))  # module absent
    s = dec.stats
    assert (s.packets, s.ignored_packets, s.short_packets, s.corrupt_packets) == (5, 1, 2, 1)
    assert dec.device_info["acc_present"] is False


def test_vectors_are_documented_in_the_spec():
    import re
    from pathlib import Path

    spec = Path(__file__).resolve().parents[1] / "firmware_specs" / "metamotion.md"
    compact = re.sub(r"\s+", "", spec.read_text(encoding="utf-8").lower())
    for vector in (
        ACC_4G,
        ACC_PACKED_8G_BMI270,
        GYRO_500,
        GYRO_PACKED_1000,
    ):
        assert vector.hex() in compact
