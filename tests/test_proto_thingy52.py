"""Nordic Thingy:52 motion service.

Layouts from NordicSemiconductor/Nordic-Thingy52-FW (``include/ble_services/ble_tms.h``:
raw and config structs, config limits; ``source/ble_services/ble_tms.c``: UUIDs;
``source/modules/m_motion.c``: Q-format integer bits 6/11/12). The raw vector is hand-built from
that layout (research file 5.5; no public capture with decoded values was found).
See firmware_specs/thingy52.md.
"""

from __future__ import annotations

import numpy as np
import pytest

from sensor.protocols import thingy52 as T
from sensor.protocols.decoding import ProtocolError
from sensor.protocols.uuids import STANDARD_GRAVITY as G

h = bytes.fromhex

RAW_VECTOR = h("00 00 00 00 00 FC 40 01 80 FD 10 00 90 01 38 FF 80 02")


def test_uuids():
    assert T.MOTION_SERVICE_UUID == "ef680400-9b35-4933-9b10-52ffa9740042"
    assert T.CONFIG_UUID == "ef680401-9b35-4933-9b10-52ffa9740042"
    assert T.RAW_DATA_UUID == "ef680406-9b35-4933-9b10-52ffa9740042"


def test_config_bytes():
    assert T.encode_config(motion_freq_hz=100) == h("E8 03 F4 01 F4 01 64 00 01")
    assert T.encode_config() == h("E8 03 F4 01 F4 01 0A 00 01")  # firmware defaults
    assert T.decode_config(h("E8 03 F4 01 F4 01 64 00 01"))["motion_freq_hz"] == 100
    assert T.decode_config(b"\x00") is None
    assert T.FAMILY.start_commands(50) == [(T.CONFIG_UUID, h("E8 03 F4 01 F4 01 32 00 01"), True)]
    assert T.FAMILY.stop_commands() == []
    with pytest.raises(ProtocolError):
        T.encode_config(motion_freq_hz=201)
    with pytest.raises(ProtocolError):
        T.encode_config(pedo_interval_ms=50)
    with pytest.raises(ProtocolError):
        T.encode_config(colour=3)


def test_decode_raw_vector_with_accelerometer_sign_convention():
    dec = T.Thingy52Decoder(100)
    out = dec.feed(T.RAW_DATA_UUID, RAW_VECTOR, 4.0)
    # firmware reports the gravity vector (-1 g on Z face up); we deliver specific force
    assert np.allclose(out.acc[0], [0.0, 0.0, 1.0 * G])
    assert np.allclose(out.gyr[0], [10.0, -20.0, 0.5])
    assert dec.last_compass_ut == (25.0, -12.5, 40.0)
    raw = T.Thingy52Decoder(100, invert_accel=False).feed(T.RAW_DATA_UUID, RAW_VECTOR)
    assert np.allclose(raw.acc[0], [0.0, 0.0, -1.0 * G])


def test_encoder_reproduces_vector():
    assert T.encode_raw((0, 0, -1), (10, -20, 0.5), (25, -12.5, 40)) == RAW_VECTOR
    with pytest.raises(ProtocolError):
        T.encode_raw((40, 0, 0), (0, 0, 0))


def test_times_even_at_configured_rate_and_outage():
    dec = T.Thingy52Decoder(50)
    rng = np.random.default_rng(7)
    arr = 1.0 + np.arange(100) * 0.02 + rng.uniform(0, 0.03, 100)
    arr[60:] += 0.8  # outage of 0.8 s
    t = np.concatenate([dec.feed(T.RAW_DATA_UUID, RAW_VECTOR, a).t for a in arr])
    assert len(t) == 100
    d = np.diff(t)
    assert np.allclose(np.delete(d, 59), 0.02)
    assert dec.stats.seq_gaps == 1
    assert 38 <= dec.stats.lost_samples_estimate <= 42
    assert d[59] == pytest.approx(0.02 * (1 + dec.stats.lost_samples_estimate))


def test_bad_lengths_and_other_characteristics():
    dec = T.Thingy52Decoder(100)
    dec.feed(T.RAW_DATA_UUID, RAW_VECTOR[:17])
    dec.feed(T.RAW_DATA_UUID, RAW_VECTOR + b"\x00")
    dec.feed(T.CONFIG_UUID, h("E8 03 F4 01 F4 01 64 00 01"))
    dec.feed(T.tms_uuid(0x0404), bytes(16))  # quaternion characteristic
    s = dec.stats
    assert (s.packets, s.short_packets, s.corrupt_packets, s.ignored_packets) == (2, 1, 1, 1)
    assert dec.device_info["config"]["motion_freq_hz"] == 100


def test_vectors_are_documented_in_the_spec():
    import re
    from pathlib import Path

    spec = Path(__file__).resolve().parents[1] / "firmware_specs" / "thingy52.md"
    compact = re.sub(r"\s+", "", spec.read_text(encoding="utf-8").lower())
    for vector in (RAW_VECTOR,):
        assert vector.hex() in compact


def test_config_limits_are_those_of_firmware_2_and_within_1x():
    # ble_tms.h of firmware >= 2.0.0: compass interval 100..1000 ms, motion frequency 5..200 Hz
    # (1.x: 100..5000 ms and 1..200 Hz). glide writes only values both accept.
    assert T.CONFIG_LIMITS["compass_interval_ms"] == (100, 1000)
    assert T.CONFIG_LIMITS["motion_freq_hz"] == (5, 200)
    for key, (lo, hi) in T.CONFIG_LIMITS.items():
        lo1, hi1 = T.CONFIG_LIMITS_V1[key]
        assert lo1 <= lo <= hi <= hi1
    assert T.encode_config(compass_interval_ms=1000, motion_freq_hz=5)[4:8] == h("E8 03 05 00")
    with pytest.raises(ProtocolError):
        T.encode_config(compass_interval_ms=1001)  # 2.x rejects it (1.x took up to 5000)
    with pytest.raises(ProtocolError):
        T.encode_config(motion_freq_hz=4)  # 2.x minimum is 5 Hz
    for rate in T.FAMILY.supported_rates:
        T.FAMILY.start_commands(rate)  # every offered rate is a valid 2.x configuration


def test_scaling_matches_the_full_scale_settings():
    # inv_mpu.c mpu_init: +-2 g, +-2000 deg/s. The MPL reports in Q16 g / deg/s whatever the FSR,
    # so the LSB of the raw characteristic does not depend on it: 1 g = 1024, 1 deg/s = 32.
    # Full scale then bounds what can arrive: 2 g fits the Q6.10 field, +-2000 deg/s does not
    # fit Q11.5 and is clamped by the firmware at 1023 deg/s.
    assert T.ACC_FULL_SCALE_G * T.ACC_LSB_PER_G < 32767
    assert T.GYRO_FULL_SCALE_DPS * T.GYRO_LSB_PER_DPS > 32767
    assert T.GYRO_CLAMP_DPS == 32767 // T.GYRO_LSB_PER_DPS
    full = T.encode_raw((0, 0, -T.ACC_FULL_SCALE_G), (T.GYRO_CLAMP_DPS, 0, 0))
    out = T.Thingy52Decoder(100).feed(T.RAW_DATA_UUID, full, 1.0)
    assert out.acc[0][2] == pytest.approx(2.0 * G) and out.gyr[0][0] == pytest.approx(1023.0)
