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
    # one outage of both streams: n pairs lost, once (tests/test_paired_stamped_loss.py)
    assert s.seq_gaps == 1 and s.lost_samples_estimate == n
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


# -- the Polar SDK's own delta frames and corner cases ------------------------------------------
# Frames from polarofficial/polar-ble-sdk @ c492d74d, sources/Android/android-communications/library/
# src/test/java/com/polar/androidcommunications/api/ble/model/gatt/client/pmd/BlePmdClientParsersTest.kt
# (tests test_parseDeltaFrameAllSamples_withResolution32_realVector1, _withResolution32,
# _multipleDeltas). The expected values are those the SDK test asserts; the test code is ours.
# Decoding rules: BlePMDClient.kt @ 01d7dd08, parseDeltaFrame / parseDeltaFramesAll.

SDK_FLOAT_REAL_VECTOR1 = h(
    "00 00 80 3F 00 00 20 41 00 00 A0 41 1C 06 00 00 A0 01 00 00 08 CD CC EC 0D 00 00 08 CD CC EC 3D 33 33"
    "1A CD CC EC 3D 33 33 1A 00 00 C0 30 33 33 1A 00 00 C0 A0 99 99 DA 00 00 C0 A0 99 99 DA 66 66 A6 A1 99"
    "99 DA 66 66 A6 01 00 00 0E 20 03 66 66 A6 01 00 00 E0 00 42 6C 45 0E 00 00 E0 00 42 6C 45 0E 2B F8 ED"
    "21 00 00 60 FD BE 93 BA F0 93 9B 4C CF 1C 06 00 00 A0 01 00 00 08 CD CC EC 0D 00 00 08 CD CC EC 3D 33"
    "33 1A CD CC EC 3D 33 33 1A 00 00 C0 30 33 33 1A 00 00 C0 A0 99 99 DA 00 00 C0 A0 99 99 DA 66 66 A6 A1"
    "99 99 DA 66 66 A6 01 00 00 0E 20 03 66 66 A6 01 00 00 E0 00 42 6C 45 0E 00 00 E0 00 42 6C 45 0E 2B F8"
    "ED 21 00 00 60 FD BE 93 BA F0 93 9B 4C CF"
)
SDK_INT32_17 = h(
    "02 00 00 00 19 32 99 E9 00 DA FE FF 20 11 17 32 99 E9 E7 A7 65 16 38 DB 06 46 E7 A7 65 16 38 DB 06 46"
    "73 41 3B B8 7A 26 04 01 C9 0A FF 59 77 07 D1 32 87 BF 01 9F 21 3E 0D 91 E5 01 76 AD 21 3E 0D 91 E5 01"
    "76 AD 92 01 38 CD E5 01 76 AD 92 01 38 CD 00 54 84 87 92 01 38 CD 00 54 84 87 78 CB EE 40 00 54 84 87"
    "78 CB EE 40 F1 DE CC 8B 78 CB EE 40 F1 DE CC 8B 17 32 99 E9 F1 DE CC 8B 17 32 99 E9 E7 A7 65 16 17 32"
    "99 E9 E7 A7 65 16 38 DB 06 46 E7 A7 65 16 38 DB 06 46 73 41 3B B8 7A 26 04 01 C9 0A FF 59 77 07 D1 32"
    "87 BF 01 9F 21 3E 0D 91 E5 01 76 AD 21 3E 0D 91 E5 01 76 AD 92 01 38 CD E5 01 76 AD 92 01 38 CD 00 54"
    "84 87 92 01 38 CD 00 54 84 87 78 CB EE 40"
)
SDK_MULTIPLE_DELTAS = h(
    "C9 FF 12 00 11 00 03 09 41 FE 2B 0F 9C 0B BF 15 00 4F 00 04 1E F1 EF 00 F0 C1 23 E4 ED F4 D1 F1 F1 F5"
    "FF 22 DE 31 00 F1 FE 21 02 1F 0E 2B 1F 00 E2 20 00 0E 02 E1 1E 20 FF F1 F1 02 C5 D0 02 E0 E1 02 03 0A"
    "31 2E FB BA 90 2B AA 0E 23 40 9E 03 04 14 E3 EF F3 0F 02 1F 01 E0 0F 04 9E 13 E2 D0 04 E2 22 E2 C2 0E"
    "20 0F 20 02 FE 00 0F 1C 32 EE 03 0A 89 00 07 08 7C 00 CE 2F E8 3A 9E 03 04 1E 01 00 11 19 4F 00 2F 12"
    "FD 13 FF 0E 10 00 00 F1 C0 12 E4 EF 21 00 00 01 F1 FF FF 02 10 10 2B 51 0B 4E 31 FC 2E BF 31 14 EC 0E"
    "2F 52 EF 03 0A 06 9E 04 0E 02 A8 88 EE E0 07 9A 00 04 0A 1F 21 1E 4E 2E FE C6 C0 02 EF 03 01 02 EE 11"
    "03 0A F8 13 00 00 F0 40 BF A5 E7 00 76 00"
)


def _i32(v: int) -> int:
    return ((v + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)


def test_sdk_frame_float_real_vector1_28_and_32_bit_blocks():
    out = P.decode_delta(SDK_FLOAT_REAL_VECTOR1, 3, 32, float_bits=True)
    assert out.shape == (1 + 6 + 3 + 6 + 3, 3)
    assert out[0].tolist() == [0x3F800000, 0x41200000, 0x41A00000]
    assert out[1].tolist() == [0x3F800000 + 0x1A00000, 0x41200000 + 0x0800000, (0x41A00000 + 0xFDECCCCD) & 0xFFFFFFFF]
    f = out[:2].astype("<u4").view("<f4")
    assert f[0].tolist() == [1.0, 10.0, 20.0] and f[1].tolist() == pytest.approx([10.0, 20.0, 1.1], rel=1e-6)


def test_sdk_frame_17_samples_of_32_bit_deltas_wrap_like_kotlin_int():
    out = P.decode_delta(SDK_INT32_17, 3, 32, float_bits=True)
    assert out.shape == (18, 3)
    ref = [0x00000002, 0xE9993219, 0xFFFEDA00]
    assert out[0].tolist() == ref
    step = [0xE9993217, 0x1665A7E7, 0x4606DB38]
    assert out[1].tolist() == [(r + d) & 0xFFFFFFFF for r, d in zip(ref, step)]


def test_sdk_frame_multiple_deltas_with_a_partly_filled_last_byte():
    # First block: 3-bit deltas x 3 channels x 9 samples = 81 bits -> 11 bytes, 7 padding bits.
    out = P.decode_delta(SDK_MULTIPLE_DELTAS, 3, 16)
    assert out.shape == (1 + 9 + 30 + 10 + 20 + 10 + 30 + 10 + 10 + 10, 3)
    assert out[0].tolist() == [-55, 18, 17]
    assert out[1].tolist() == [-54, 18, 18]
    # the same frame as a GYRO 0x80 body (factor 1): decodes in deg/s, all samples kept
    vals = P.frame_values(P.MEAS_GYRO, 0x80, SDK_MULTIPLE_DELTAS)
    assert vals.shape == (140, 3) and vals[1].tolist() == [-54.0, 18.0, 18.0]


def test_zero_bit_block_yields_no_samples_like_the_sdk():
    # parseDeltaFramesAll: bitLength = count * 0 * channels = 0 -> parseDeltaFrame returns no
    # samples. The SDK does NOT repeat the last sample `count` times.
    # ref (10, 20, 30); a 0-bit block "of 5 samples"; a 2-bit block of 1 sample: byte 0x09 =
    # 0b00_10_01 read LSB first -> 01 = +1, 10 = -2, 00 = 0.
    body = h("0A 00 14 00 1E 00") + h("00 05") + h("02 01 09")
    out = P.decode_delta(body, 3, 16)
    assert out.tolist() == [[10, 20, 30], [11, 18, 30]]


def test_one_bit_delta_decodes_to_int_max_like_the_sdk():
    # mask = Int.MAX_VALUE shl (1 - 1) = 0x7FFFFFFF: a set 1-bit delta becomes 2147483647 and the
    # sum wraps as a Kotlin Int. Channel 0 set, channels 1, 2 clear (bits 0b001 -> byte 0x01).
    body = h("64 00 C8 00 2C 01") + h("01 01 01")
    out = P.decode_delta(body, 3, 16)
    assert out.tolist() == [[100, 200, 300], [_i32(100 + 0x7FFFFFFF), 200, 300]]
    # no 16-bit sensor reading looks like that: the frame is counted corrupt, not passed on
    assert P.frame_values(P.MEAS_ACC, 0x81, body) is None
    dec = P.PolarPmdDecoder(52)
    dec.feed(P.DATA_UUID, P.encode_frame(P.MEAS_ACC, 10**9, 0x81, body))
    assert dec.stats.corrupt_packets == 1 and dec.stats.samples == 0
    # all-zero 1-bit deltas are fine: they repeat the sample
    assert P.decode_delta(h("64 00 C8 00 2C 01") + h("01 02 00"), 3, 16).tolist() == [[100, 200, 300]] * 3


def test_encoder_never_writes_widths_the_sdk_misreads():
    rows = np.array([[0, 0, 0], [-1, 0, -1], [-1, -1, -1], [-1, -1, -1]])
    body = P.encode_delta(rows)
    assert body[6] == 2  # {0, -1} deltas need 2 bits for the SDK, not 1
    assert P.decode_delta(body, 3, 16).tolist() == rows.tolist()
    still = P.encode_delta(np.zeros((4, 3), dtype=int))
    assert still[6] == 1 and P.decode_delta(still, 3, 16).tolist() == [[0, 0, 0]] * 4


# -- control-point error replies ------------------------------------------------------------------


def test_four_byte_error_reply_is_parsed_with_the_sdk_error_name():
    # F0 02 05 08: START (02) of GYRO (05) refused with status 8. PmdControlPointResponse.kt
    # @ 708f39af: the status enum names 8 ERROR_INVALID_SAMPLE_RATE; 'more' and parameters are
    # read only on SUCCESS, so an error reply needs only 4 bytes.
    r = P.parse_cp_response(h("F0 02 05 08"))
    assert (r.op_code, r.meas_type, r.status, r.more, r.params) == (2, 5, 8, False, b"")
    assert r.status_name == "ERROR_INVALID_SAMPLE_RATE" and not r.ok
    assert "gyroscope" in r.describe() and "ERROR_INVALID_SAMPLE_RATE" in r.describe() and "--rate 52" in r.describe()
    assert P.parse_cp_response(h("F0 02 05 00")) is None  # a success needs its 'more' byte
    assert P.parse_cp_response(h("F0 02 05")) is None
    assert [P.status_name(i) for i in (0, 13, 14, 99)] == [
        "SUCCESS",
        "ERROR_DEVICE_IN_CHARGER",
        "ERROR_DISK_FULL",
        "STATUS_99",
    ]


def test_decoder_reports_a_refused_start_at_once():
    dec = P.PolarPmdDecoder(52)
    dec.feed(P.CP_UUID, h("F0 02 02 00 00"))  # ACC started
    assert dec.refusal is None
    dec.feed(P.CP_UUID, h("F0 03 09 06"))  # leaving SDK mode when not in it: harmless
    assert dec.refusal is None
    dec.feed(P.CP_UUID, h("F0 02 05 08"))
    assert dec.refusal is not None and "ERROR_INVALID_SAMPLE_RATE" in dec.refusal
    assert dec.device_info["cp_status"][(2, 5)] == 8
