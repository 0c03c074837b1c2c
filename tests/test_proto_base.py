"""Shared protocol pieces: UUIDs, registry, advertisement matching, clocks, pairing."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from sensor.core.samples import ImuChunk
from sensor.protocols import FAMILIES, registry
from sensor.protocols.clocks import ArrivalClock, ArrivalStream, Pairer, StampedStream, Unwrapper
from sensor.protocols.decoding import DecodeStats, ProtocolError
from sensor.protocols.registry import family_by_id, match_family
from sensor.protocols.uuids import BATTERY_LEVEL_UUID, normalize_uuid

ROOT = Path(__file__).resolve().parents[1]


def spec_hex(path: str) -> str:
    """A spec document with all whitespace removed, lower-case (to search for hex vectors)."""
    return re.sub(r"\s+", "", (ROOT / path).read_text(encoding="utf-8").lower())


def test_spec_index_lists_every_family_document():
    index = (ROOT / "firmware_specs" / "README.md").read_text(encoding="utf-8")
    for fam in FAMILIES:
        assert Path(fam.spec).name in index


def test_normalize_uuid_forms():
    full = "00002a19-0000-1000-8000-00805f9b34fb"
    assert normalize_uuid("2A19") == full
    assert normalize_uuid("0x2a19") == full
    assert normalize_uuid(full.upper()) == full
    assert normalize_uuid("{" + full + "}") == full
    assert normalize_uuid("  FB005C82-02E7-F387-1CAD-8ACD2D8DF0C8 ") == ("fb005c82-02e7-f387-1cad-8acd2d8df0c8")
    assert normalize_uuid("not a uuid") == "not a uuid"
    assert full == BATTERY_LEVEL_UUID


def test_registry_lists_all_six_families_in_order():
    ids = [f.family_id for f in FAMILIES]
    assert ids == ["glide", "witmotion", "movesense", "polar_pmd", "metawear", "thingy52"]
    assert registry.FAMILIES is FAMILIES  # one registry: the package re-exports it
    assert family_by_id("metawear").display_name.startswith("MbientLab")
    with pytest.raises(KeyError):
        family_by_id("nope")


@pytest.mark.parametrize("fam", FAMILIES, ids=lambda f: f.family_id)
def test_family_description_is_consistent(fam):
    assert fam.service_uuid == normalize_uuid(fam.service_uuid)
    assert fam.notify_uuids and all(u == normalize_uuid(u) for u in fam.notify_uuids)
    assert fam.control_uuids and all(u == normalize_uuid(u) for u in fam.control_uuids)
    assert fam.default_rate in fam.supported_rates
    assert list(fam.supported_rates) == sorted(fam.supported_rates)
    assert fam.spec.startswith("firmware_specs/") and fam.spec.endswith(".md")
    spec = (ROOT / fam.spec).read_text(encoding="utf-8")
    assert "## Sources" in spec or "Design rationale" in spec
    assert fam.service_uuid in spec.lower()
    if fam.battery_uuid is not None:
        assert fam.has_battery and fam.battery_uuid == BATTERY_LEVEL_UUID
    for rate in fam.supported_rates:
        cmds = fam.start_commands(rate)
        for uuid, payload, response in cmds:
            assert uuid in fam.control_uuids
            assert isinstance(payload, bytes) and payload
            assert isinstance(response, bool)
        dec = fam.make_decoder(rate)
        assert dec.rate_hz == rate and dec.family_id == fam.family_id
    for uuid, payload, _ in fam.stop_commands() + fam.setup_commands():
        assert uuid in fam.control_uuids and payload


@pytest.mark.parametrize("fam", FAMILIES, ids=lambda f: f.family_id)
def test_unsupported_rate_is_a_protocol_error(fam):
    with pytest.raises(ProtocolError):
        fam.start_commands(7.0)
    with pytest.raises(ProtocolError):
        fam.make_decoder(float("nan"))
    with pytest.raises(ProtocolError):
        fam.make_decoder(-5)
    assert fam.nearest_rate(fam.default_rate + 0.4) == fam.default_rate


# Advertisements: (name, service UUIDs, manufacturer data) -> expected family id (or None).
ADVERTS = [
    (None, ["fa520001-a34c-4990-b80f-ec0bce9cbd93"], {}, "glide"),
    ("GlideIMU-3F2A", [], {}, "glide"),
    ("WT901BLE68", [], {}, "witmotion"),
    ("WT9011DCL-BT50", [], {}, "witmotion"),
    ("WTVB01-BT50", [], {}, None),  # WitMotion vibration sensor: other packet layout
    ("Movesense 204730000081", [], {}, "movesense"),
    (None, ["34802252-7185-4D5D-B431-630E7050E8F0"], {}, "movesense"),
    ("Polar Sense AAAA0003", [], {}, "polar_pmd"),
    ("Polar H10 20346EAB", [], {}, None),  # no gyroscope
    ("Polar OH1 1A2B3C4D", [], {}, None),
    ("MetaWear", [], {}, "metawear"),
    (None, ["326A9000-85CB-9195-D9DD-464CFBBAE75A"], {}, "metawear"),
    (None, [], {0x626D: b"\x01\x02"}, "metawear"),
    ("Thingy", [], {}, "thingy52"),
    (None, ["ef680100-9b35-4933-9b10-52ffa9740042"], {}, "thingy52"),
    ("Some headphones", ["0000180f-0000-1000-8000-00805f9b34fb"], {76: b"\x10"}, None),
    (None, [], {}, None),
]


@pytest.mark.parametrize("name,uuids,mfr,expected", ADVERTS)
def test_advertisement_matching(name, uuids, mfr, expected):
    fam = match_family(name, uuids, mfr)
    assert (fam.family_id if fam else None) == expected
    # exactly one family (or none) claims each advertisement
    claims = [f.family_id for f in FAMILIES if f.matches(name, uuids, mfr)]
    assert claims == ([expected] if expected else [])


def test_matching_never_raises_on_odd_input():
    for fam in FAMILIES:
        assert fam.matches(12345, None, None) is False  # type: ignore[arg-type]
        assert fam.matches("", [object()], {"x": 1}) in (True, False)  # type: ignore[list-item]


def test_unwrapper_handles_wrap_and_backward_steps():
    u = Unwrapper(16)
    assert [u(x) for x in (65530, 65535, 3, 10, 5)] == [65530, 65535, 65539, 65546, 65541]
    u32 = Unwrapper(32)
    assert u32(0xFFFFFFF0) == 0xFFFFFFF0
    assert u32(0x10) == 0x1_0000_0010


def test_arrival_clock_even_spacing_and_outage_detection():
    stats = DecodeStats()
    clock = ArrivalClock(100.0)  # gap threshold max(0.3 s, 3 periods) = 0.3 s
    s = ArrivalStream()
    k, t = clock.place(s, 1, 5.00, stats)
    assert (k, t.tolist()) == (0, [5.0])
    # jittery but timely arrivals: indices just count up, times on the 10 ms grid
    for i, arrival in enumerate([5.03, 5.03, 5.05, 5.04], start=1):
        k, t = clock.place(s, 1, arrival, stats)
        assert k == i and t[0] == pytest.approx(5.0 + 0.01 * i)
    assert stats.seq_gaps == 0
    # 1 s of silence, then packets resume on time: ~100 samples were lost
    k, t = clock.place(s, 1, 6.05, stats)
    assert stats.seq_gaps == 1 and stats.lost_samples_estimate == 100
    assert k == 105 and t[0] == pytest.approx(6.05)


def test_arrival_clock_without_arrival_times_counts_from_zero():
    stats = DecodeStats()
    clock = ArrivalClock(50.0)
    s = ArrivalStream()
    _, t1 = clock.place(s, 3, None, stats)
    _, t2 = clock.place(s, 3, None, stats)
    assert np.allclose(np.concatenate([t1, t2]), np.arange(6) * 0.02)


def test_stamped_stream_first_sample_convention():
    stats = DecodeStats()
    s = StampedStream(100.0, quantum_s=0.001)
    k, t = s.place_first(10.000, 4, stats)
    assert k == 0 and np.allclose(t, [10.0, 10.01, 10.02, 10.03])
    k, t = s.place_first(10.0405, 4, stats)  # within 1 ms of the grid: snapped onto it
    assert k == 4 and t[0] == pytest.approx(10.04, abs=1e-12)
    assert s.place_first(10.04, 4, stats) is None and stats.duplicates == 1
    k, t = s.place_first(10.16, 4, stats)  # 8 samples missing
    assert k == 16 and stats.seq_gaps == 1 and stats.lost_samples_estimate == 8
    assert t[0] == pytest.approx(10.16)
    k, t = s.place_first(2.0, 4, stats)  # clock reset: re-anchored after the last sample
    assert k == 20 and stats.seq_gaps == 2 and t[0] == pytest.approx(10.20)


def test_stamped_stream_last_sample_convention_spreads_between_stamps():
    stats = DecodeStats()
    s = StampedStream(50.0)
    k, t = s.place_last(1.0, 5, stats)
    assert np.allclose(t, [0.92, 0.94, 0.96, 0.98, 1.0])
    k, t = s.place_last(1.101, 5, stats)  # device clock slightly slower: delta = 20.2 ms
    assert k == 5 and np.allclose(np.diff(np.concatenate([[1.0], t])), 0.0202)
    k, t = s.place_last(1.5, 5, stats)  # 0.399 s for 5 samples: 15 lost
    assert stats.seq_gaps == 1 and stats.lost_samples_estimate == 15 and k == 25
    assert np.allclose(t, [1.42, 1.44, 1.46, 1.48, 1.5])


def test_pairer_matches_indices_and_drops_orphans():
    stats = DecodeStats()
    p = Pairer(max_pending=100)
    p.push_acc(0, np.arange(4) * 0.1, np.arange(12.0).reshape(4, 3), stats)
    t, a, g = p.pop_pairs(stats)
    assert len(t) == 0  # nothing to pair yet
    p.push_gyr(1, -np.arange(9.0).reshape(3, 3), stats)  # gyro k=0 missing, k=1..3 present
    t, a, g = p.pop_pairs(stats)
    assert np.allclose(t, [0.1, 0.2, 0.3])
    assert np.allclose(a[:, 0], [3, 6, 9]) and np.allclose(g[:, 0], [0, -3, -6])
    assert stats.unpaired_samples == 1  # acc k=0 can never pair


def test_decoder_base_handles_battery_level_for_every_family():
    for fam in FAMILIES:
        dec = fam.make_decoder(fam.default_rate)
        out = dec.feed("2a19", b"\x57")
        assert isinstance(out, ImuChunk) and len(out) == 0
        assert dec.battery_percent == 87
        dec.feed("2a19", b"\xff")  # invalid percent: ignored
        assert dec.battery_percent == 87


def test_decoder_feed_accepts_bytearray_memoryview_and_bad_arguments():
    fam = family_by_id("thingy52")
    dec = fam.make_decoder(100)
    raw = bytes(18)
    assert len(dec.feed(fam.notify_uuids[0], bytearray(raw), 1.0)) == 1
    assert len(dec.feed(fam.notify_uuids[0].upper(), memoryview(raw), 1.01)) == 1
    assert len(dec.feed(fam.notify_uuids[0], None, 1.02)) == 0  # type: ignore[arg-type]
    assert len(dec.feed(fam.notify_uuids[0], raw, "soon")) == 0  # type: ignore[arg-type]
    assert dec.stats.decoder_errors == 0 and dec.stats.ignored_packets == 2
    assert dec.stats.samples == 2


def test_no_runtime_module_outside_the_stand_in_imports_dbus_fast():
    # dbus-fast is the stand-in's dependency (the 'standin' extra), not glide's: the transport
    # reaches BlueZ only through bleak.
    import ast

    offenders = []
    for path in sorted((ROOT / "sensor").rglob("*.py")) + sorted((ROOT / "tui").rglob("*.py")):
        if "standin" in path.relative_to(ROOT).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] == "dbus_fast"]
    assert offenders == []
