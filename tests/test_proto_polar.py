"""Polar Verity Sense / PMD.

Vectors (see firmware_specs/polar-verity-sense.md for the full citations):
* polarofficial/polar-ble-sdk Android unit tests: ``model/AccDataTest.kt`` (raw type 1,
  compressed type 0 with factor 2.44e-4, compressed type 1), ``model/GyrDataTest.kt``
  (compressed type 0 and type 1 with and without factor 0.5), ``PmdSettingTest.kt`` (settings
  TLVs), ``BlePmdClientControlPointResponseTest.kt`` (control point responses);
* real Verity Sense captures posted in polar-ble-sdk issues #331 and #443 (posts truncated;
  decoded here only as far as the posted bytes go);
* the START commands: ACC 52 Hz from issues #331/#443 (reported working); GYRO and 104 Hz
  variants hand-built from the TLV layout.
"""

from __future__ import annotations

import struct

import numpy as np
import pytest

from sensor.protocols import polar_pmd as P
from sensor.protocols.decoding import ProtocolError
from sensor.protocols.uuids import STANDARD_GRAVITY as G

h = bytes.fromhex

ACC_RAW1_HEADER = h("02 00 94 35 77 00 00 00 00 01")  # ts 2_000_000_000 ns
ACC_RAW1_CONTENT = h(
    "F7 FF FF FF E7 03 F8 FF FE FF E5 03 F9 FF FF FF E5 03 FA FF FF FF E6 03 FA FF FE FF E6 03"
    " F9 FF FF FF E5 03 F8 FF FF FF E6 03 F8 FF FE FF E6 03 FA FF FF FF E5 03 FA FF FF FF E7 03"
    " FA FF FF FF E5 03 F8 FF FF FF E6 03 F7 FF FF FF E6 03 F8 FF FE FF E6 03 F9 FF FE FF E7 03"
    " F9 FF 00 00 E6 03 F9 FF FF FF E6 03 F7 FF FE FF E5 03 F9 FF FF FF E5 03 F9 FF FF FF E5 03"
    " FA FF 00 00 E6 03 F9 FF FE FF E6 03 F8 FF FF FF E6 03 F8 FF FF FF E5 03 F9 FF FF FF E6 03"
    " F9 FF FF FF E5 03 FA FF FF FF E6 03 F9 FF FF FF E5 03 F9 FF FF FF E5 03 F8 FF FE FF E6 03"
    " F9 FF FF FF E6 03 F9 FF FF FF E6 03 F9 FF 00 00 E5 03 F9 FF FE FF E6 03 F8 FF FE FF E6 03"
    " F7 FF FE FF E6 03"
)
ACC_COMP0_CONTENT = h(
    "71 07 F0 6A 9E 8D 0A 38 BE 5C BE BA 2F 96 B3 EE 4B E5 AD FB 42 B9 EB BE 4C FE BA 2F 92 BF"
    " EE 4B E4 B1 FB 12 B9 EC BD 3C 3E BB 2F 8F D3 DE 4B E3 B5 F7 D2 B8 ED BD 30 7E 7B 2F 8B E3"
    " CE 8B E2 BA F7 A2 B8 EE BC 20 BE 7B 2F 88 F3 CE CB E1 BD EF 52 F8 EF BC 18 FE 3B 2F 84 03"
    " BF CB E0 C2 EF 32 B8 F0 BB 04 4E BC 2E 81 13 AF 0B E0 C6 EF F2 F7 F1 B9 FC 7D BC 2E 7D 27"
    " 9F 4B DF CA EB C2 F7 F2 B8 EC CD 7C 2E 7B 37 8F 4B DE CE E3 92 F7 F3 B8 E0 0D FD 2D 77 4B"
    " 7F CB DD D2 DF 62 37 F5 B7 D4 4D BD 2D 74 5B 6F CB DC D7 D7 32 37 F6 B5 C8 8D 7D 2D 71 6B"
    " 4F 4B DC DC D3 F2 36 F7 B4 BC DD FD 2C 6F 7B 3F 4B DB E0 CF D2 36 F8 B2 B0 2D BE 2C 6C 8F"
    " 1F CB DA E3 C7 A2 76 F9"
)
ACC_COMP1_FRAME = h("02 65 00 00 00 00 00 00 00 81") + h("F1 FF 14 00 F0 03 06 01 7B 0F 08")
GYRO_COMP0_FRAME = h("05 FF FF FF FF FF FF FF 7F 80") + h("EA FF 08 00 0D 00 03 01 DF 00")
GYRO_COMP1_FRAME = h("05 00 94 35 77 00 00 00 00 81") + h(
    "00 00 80 3F 00 00 20 41 00 00 A0 41 1C 01 00 00 A0 01 00 00 08 CD CC EC 0D"
)


def mg(values):
    return np.asarray(values) / G * 1000.0


def test_uuids():
    assert P.SERVICE_UUID == "fb005c80-02e7-f387-1cad-8acd2d8df0c8"
    assert P.CP_UUID == "fb005c81-02e7-f387-1cad-8acd2d8df0c8"
    assert P.DATA_UUID == "fb005c82-02e7-f387-1cad-8acd2d8df0c8"


def test_control_point_command_bytes():
    assert P.get_settings(P.MEAS_ACC) == h("01 02")
    assert P.get_settings(P.MEAS_GYRO) == h("01 05")
    # issues #331/#443: reported to start Verity Sense ACC at 52 Hz
    assert P.start_measurement(P.MEAS_ACC, 52, 16, 8, 3) == h("02 02 00 01 34 00 01 01 10 00 02 01 08 00 04 01 03")
    assert P.start_measurement(P.MEAS_GYRO, 52, 16, 2000, 3) == h("02 05 00 01 34 00 01 01 10 00 02 01 D0 07 04 01 03")
    assert P.start_measurement(P.MEAS_ACC, 104, 16, 16, 3) == h("02 02 00 01 68 00 01 01 10 00 02 01 10 00 04 01 03")
    assert P.start_measurement(P.MEAS_ACC, 200, 16, 8, None) == h(  # H10 style, no channels
        "02 02 00 01 C8 00 01 01 10 00 02 01 08 00"
    )
    assert P.stop_measurement(P.MEAS_ACC) == h("03 02")
    assert P.stop_measurement(P.MEAS_GYRO) == h("03 05")
    assert P.enter_sdk_mode() == h("02 09") and P.exit_sdk_mode() == h("03 09")


def test_family_start_and_stop():
    at52 = P.FAMILY.start_commands(52)
    assert [c[1] for c in at52] == [
        h("02 02 00 01 34 00 01 01 10 00 02 01 08 00 04 01 03"),
        h("02 05 00 01 34 00 01 01 10 00 02 01 D0 07 04 01 03"),
    ]
    at104 = P.FAMILY.start_commands(104)
    assert at104[0][1] == h("02 09")  # 104 Hz needs SDK mode
    assert at104[1][1] == h("02 02 00 01 68 00 01 01 10 00 02 01 08 00 04 01 03")
    assert all(c[0] == P.CP_UUID and c[2] is True for c in at52 + at104)
    assert [c[1] for c in P.FAMILY.stop_commands()] == [h("03 02"), h("03 05"), h("03 09")]
    assert P.FAMILY.notify_uuids == (P.CP_UUID, P.DATA_UUID)


def test_command_misuse():
    with pytest.raises(ProtocolError):
        P.start_measurement(P.MEAS_ACC, 70000)
    with pytest.raises(ProtocolError):
        P.encode_settings({P.SETTING_SECURITY: 1})
    with pytest.raises(ProtocolError):
        P.get_settings(300)


def test_settings_tlv_vector():
    params = h("00 01 34 00 01 01 10 00 02 04 F5 00 F4 01 E8 03 D0 07 04 01 03")
    assert P.parse_settings(params) == {0: [52], 1: [16], 2: [245, 500, 1000, 2000], 4: [3]}
    assert P.parse_settings(h("00 02 34")) is None


def test_control_point_response_vectors():
    r = P.parse_cp_response(h("F0 01 02 00 00 FF FF FF"))
    assert (r.op_code, r.meas_type, r.status, r.more, r.params) == (1, 2, 0, False, h("FF FF FF"))
    r = P.parse_cp_response(h("F0 01 06 07 00"))
    assert (r.op_code, r.meas_type, r.status) == (1, 6, 7)  # MAG, invalid resolution
    assert P.parse_cp_response(h("F0 01")) is None


def test_decoder_learns_factor_settings_and_features_from_control_point():
    dec = P.PolarPmdDecoder(52)
    dec.feed(P.CP_UUID, h("F0 02 02 00 00"))  # Verity Sense ACC start, no params (#331)
    assert dec.factors[P.MEAS_ACC] == 1.0
    dec.feed(P.CP_UUID, h("F0 02 05 00 00 05 01") + struct.pack("<f", 0.5))  # hand-built
    assert dec.factors[P.MEAS_GYRO] == 0.5
    dec.feed(P.CP_UUID, h("F0 01 02 00 01 00 01 34 00"))  # GET settings, more follows
    dec.feed(P.CP_UUID, h("F0 01 02 00 00 01 01 10 00"))
    assert dec.device_info["settings"] == {2: {0: [52], 1: [16]}}
    dec.feed(P.CP_UUID, h("0F 25 02"))  # feature read: ECG, ACC, GYRO, SDK mode
    assert dec.device_info["features"] == ["acc", "ecg", "gyro", "sdk_mode"]
    dec.feed(P.CP_UUID, h("01 02 05"))  # the sensor stopped ACC and GYRO itself
    assert dec.device_info["stopped_types"] == [2, 5]
    assert dec.stats.packets == 0  # control traffic is not data


def test_sdk_vector_acc_raw_type1():
    f = P.decode_frame(ACC_RAW1_HEADER + ACC_RAW1_CONTENT)
    assert f.meas_type == P.MEAS_ACC and f.timestamp_ns == 2_000_000_000
    assert len(f.values) == len(ACC_RAW1_CONTENT) // 6 == 36
    assert np.allclose(mg(f.values[:2]), [[-9, -1, 999], [-8, -2, 997]])


def test_sdk_vector_acc_compressed_type0_with_factor():
    frame = h("02 00 94 35 77 00 00 00 00 80") + ACC_COMP0_CONTENT
    f = P.decode_frame(frame, {P.MEAS_ACC: 2.44e-4})
    assert len(f.values) == 57  # reference + 56 deltas
    assert np.array_equal(
        np.trunc(mg(f.values[:2]) + 1e-9 * np.sign(f.values[:2])), [[464, 6679, -7144], [511, 6654, -7165]]
    )
    assert (np.abs(mg(f.values)) <= 8000).all()  # +-8 g range as the SDK test checks


def test_sdk_vector_acc_compressed_type1():
    f = P.decode_frame(ACC_COMP1_FRAME)
    assert np.allclose(mg(f.values), [[-15, 20, 1008], [-20, 17, 1008]])


def test_sdk_vectors_gyro_compressed():
    f = P.decode_frame(GYRO_COMP0_FRAME)
    assert f.timestamp_ns == 2**63 - 1
    assert np.array_equal(f.values, [[-22, 8, 13], [-23, 11, 16]])
    f = P.decode_frame(GYRO_COMP1_FRAME)
    assert np.allclose(f.values, [[1.0, 10.0, 20.0], [10.0, 20.0, 1.1]])
    half = P.decode_frame(GYRO_COMP1_FRAME, {P.MEAS_GYRO: 0.5})
    assert np.allclose(half.values, [[0.5, 5.0, 10.0], [5.0, 10.0, 0.55]])


def test_real_capture_issue_331_first_samples():
    # Verity Sense ACC frame 0x81 as posted (truncated after 18 delta bytes); the block's
    # sample-count byte (0x3B = 59) is set to the 8 samples whose bits the post contains.
    frame = h(
        "02 9C 58 29 13 84 57 73 07 81 FA FF 21 00 F4 03 06 3B 83 D0 EB C6 F1 EF 3A F2 1B FD EF 07 BF 1F 00 77 0F 24"
    )
    assert P.decode_frame(frame) == "corrupt"  # as posted: the block is incomplete
    edited = frame[:17] + b"\x08" + frame[18:]
    f = P.decode_frame(edited)
    assert np.allclose(
        mg(f.values[:6]),
        [[-6, 33, 1012], [-3, 35, 1009], [-9, 41, 1016], [-10, 36, 1010], [-2, 35, 1016], [-5, 34, 1014]],
    )
    assert np.allclose(np.linalg.norm(f.values, axis=1), G, rtol=0.02)  # at rest: |a| ~ 1 g


def test_real_capture_issue_443_first_block():
    # Verity Sense ACC frame 0x81 (Feb 2024) cut after its first delta block (8 bit x 10).
    frame = h(
        "02 00 41 6F C4 12 45 93 0A 81 EE 02 1F FE 82 FF 08 0A 10 DA 20 D6 A3 0B D9 CB"
        " E7 D6 F6 C4 E6 F1 E1 F3 E0 15 1A FE 28 1B F8 37 2C 25 20 13 19 11"
    )
    f = P.decode_frame(frame)
    assert len(f.values) == 11
    assert np.allclose(mg(f.values[:4]), [[750, -481, -126], [766, -519, -94], [724, -612, -83], [685, -665, -108]])
    unix_s = (f.timestamp_ns + P.POLAR_EPOCH_UNIX_NS) / 1e9
    assert 1_708_560_000 < unix_s < 1_708_992_000  # 2024-02-22 .. 2024-02-27


def test_delta_encoder_round_trip():
    rng = np.random.default_rng(3)
    samples = np.cumsum(rng.integers(-300, 300, size=(60, 3)), axis=0)
    content = P.encode_delta(samples, block_size=25)
    assert np.array_equal(P.decode_delta(content, 3, 16), samples)
    bits = np.array([[0x3F800000, 0x41200000, 0x41A00000], [0x41200000, 0x41A00000, 0x3F8CCCCD]])
    content = P.encode_delta(bits, 32, float_bits=True)
    assert np.array_equal(P.decode_delta(content, 3, 32, float_bits=True), bits)


def _acc_frame(ts_ns, k0, n):
    k = np.arange(k0, k0 + n)
    counts = np.column_stack([k % 1000, np.zeros(n, int), np.full(n, 1000)])
    return P.encode_frame(P.MEAS_ACC, ts_ns, 0x01, counts.astype("<i2").tobytes())


def _gyro_frame(ts_ns, k0, n):
    k = np.arange(k0, k0 + n)
    counts = np.column_stack([-(k % 1000), np.ones(n, int), np.zeros(n, int)])
    return P.encode_frame(P.MEAS_GYRO, ts_ns, 0x80, P.encode_delta(counts))


def test_pairing_time_reconstruction_gap_and_duplicate():
    rate = 52.0
    period_ns = 1e9 / rate
    n = 36
    dec = P.PolarPmdDecoder(rate)
    t0 = 700_000_000_000_000_000  # ~22 years after 2000

    def ts(frame_index):  # timestamp of the last sample of frame i
        return int(round(t0 + ((frame_index + 1) * n - 1) * period_ns))

    outs = []
    for i in range(8):
        if i == 5:
            continue  # both frames of block 5 are lost
        outs.append(dec.feed(P.DATA_UUID, _acc_frame(ts(i), i * n, n)))
        if i >= 1:  # GYRO started one frame later than ACC
            outs.append(dec.feed(P.DATA_UUID, _gyro_frame(ts(i), i * n, n)))
    outs.append(dec.feed(P.DATA_UUID, _gyro_frame(ts(7), 7 * n, n)))  # repeated frame
    t = np.concatenate([o.t for o in outs])
    acc = np.concatenate([o.acc for o in outs])
    gyr = np.concatenate([o.gyr for o in outs])
    k_acc = np.round(mg(acc[:, 0])).astype(int)
    assert np.array_equal(k_acc, np.round(-gyr[:, 0]).astype(int))  # same-instant pairs
    expected_k = np.concatenate([np.arange(n, 5 * n), np.arange(6 * n, 8 * n)])
    assert np.array_equal(k_acc, expected_k)
    assert np.allclose(t, (t0 + expected_k * period_ns) / 1e9, atol=1e-6)
    assert np.allclose(np.diff(t)[: 4 * n - 1], 1 / rate, atol=1e-6)
    s = dec.stats
    assert s.seq_gaps == 2 and s.lost_samples_estimate == 2 * n  # one gap per stream
    assert s.duplicates == 1 and s.unpaired_samples == n


def test_frames_of_other_types_and_garbage():
    dec = P.PolarPmdDecoder(52)
    dec.feed(P.DATA_UUID, h("01 00 00 00 00 00 00 00 00 00 11 22 33"))  # PPG: ignored
    dec.feed(P.DATA_UUID, h("02 00 00"))  # short header
    dec.feed(P.DATA_UUID, h("02 00 00 00 00 00 00 00 00 01"))  # header only
    dec.feed(P.DATA_UUID, h("02 00 00 00 00 00 00 00 00 01 01 02 03"))  # not 6 N bytes
    dec.feed(P.DATA_UUID, h("05 00 00 00 00 00 00 00 00 01 01 02 03 04 05 06"))  # raw gyro
    dec.feed(P.DATA_UUID, h("02 00 00 00 00 00 00 00 00 81 01 00 02 00 03 00 05 09"))
    s = dec.stats
    assert (s.packets, s.ignored_packets, s.short_packets, s.corrupt_packets) == (6, 1, 2, 3)


def test_vectors_are_documented_in_the_spec():
    import re
    from pathlib import Path

    spec = Path(__file__).resolve().parents[1] / "firmware_specs" / "polar-verity-sense.md"
    compact = re.sub(r"\s+", "", spec.read_text(encoding="utf-8").lower())
    for vector in (
        ACC_COMP1_FRAME,
        GYRO_COMP0_FRAME,
        GYRO_COMP1_FRAME,
    ):
        assert vector.hex() in compact
