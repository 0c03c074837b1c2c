"""Tests for the glide trace format (sensor/io/trace.py): round trips, bad-input policy, errors."""

from __future__ import annotations

import errno
import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from helpers import use_block_parser
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import sensor.io.trace as trace
import sensor.io.trace_writer as trace_writer
from sensor.core.samples import ImuChunk, concat_chunks
from sensor.io import fastcsv
from sensor.io.trace import (
    FOOT_COLUMNS,
    HEADER,
    TraceFormatError,
    TraceReader,
    TraceWriteError,
    TraceWriter,
    read_trace,
)


@pytest.fixture(autouse=True, params=["pyarrow", "numpy"])
def block_parser(request, monkeypatch):
    """Every test runs with both block parsers: pyarrow (extra 'fast') and numpy alone."""
    return use_block_parser(request.param, monkeypatch)


def make_chunk(n: int = 500, rate: float = 100.0, seed: int = 0) -> ImuChunk:
    rng = np.random.default_rng(seed)
    t = 12.5 + np.arange(n) / rate
    acc = rng.normal(0.0, 1.0, (n, 3)) + [0.0, 0.0, 9.80665]
    gyr = rng.normal(0.0, 30.0, (n, 3))
    return ImuChunk(t, acc, gyr)


def write_text(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8"))
    return path


def rows_text(n: int, t0: int = 0) -> list[str]:
    """n clean rows with t = (t0 + i) / 100 and recognisable values."""
    return [f"{(t0 + i) / 100},{i}.5,0.25,9.81,{-i},1e-3,2" for i in range(n)]


def assert_same(a: ImuChunk, b: ImuChunk) -> None:
    assert np.array_equal(a.t, b.t)
    assert np.array_equal(a.acc, b.acc)
    assert np.array_equal(a.gyr, b.gyr)


# --- round trip -------------------------------------------------------------------------------


def test_round_trip_is_bit_identical_including_meta(tmp_path):
    chunk = make_chunk(1000)
    # Awkward values: subnormal, extremes, negative zero, 0.1 + 0.2, values needing 17 digits.
    chunk.acc[0] = [5e-324, 1.7976931348623157e308, -0.0]
    chunk.gyr[1] = [0.1 + 0.2, -2.220446049250313e-16, 123456789.12345679]
    meta = {
        "sample_rate_hz": 100.0,
        "device": "ShinIMU v2 (fw 1.4)",
        "leg": "left",
        "posture": "supine",
        "started_at": "2026-11-23T10:00:00Z",
        "n": 3,
    }
    path = tmp_path / "rt.csv"
    with TraceWriter(path, meta) as w:
        for part in chunk.split([1, 10, 489]):  # several write calls of various sizes
            w.write(part)

    got_meta, got, stats = read_trace(path)

    assert_same(got, chunk)
    assert got_meta == {
        "format": "glide-trace/1",
        "sample_rate_hz": "100.0",
        "device": "ShinIMU v2 (fw 1.4)",
        "leg": "left",
        "posture": "supine",
        "started_at": "2026-11-23T10:00:00Z",
        "n": "3",
    }
    assert (stats.rows_read, stats.rows_ok, stats.gaps, stats.warnings) == (1000, 1000, 0, [])
    assert path.read_text().splitlines()[:2] == ["# format=glide-trace/1", "# sample_rate_hz=100.0"]
    with TraceReader(path) as r:
        assert r.sample_rate_hz == 100.0
        assert (r.posture, r.leg, r.device) == ("supine", "left", "ShinIMU v2 (fw 1.4)")
        assert r.started_at.isoformat() == "2026-11-23T10:00:00+00:00"


@settings(max_examples=40, deadline=None)
@given(
    vals=hnp.arrays(
        np.float64, st.tuples(st.integers(1, 30), st.just(6)), elements=st.floats(allow_nan=False, allow_infinity=False)
    )
)
def test_round_trip_any_finite_values(tmp_path_factory, vals):
    path = tmp_path_factory.mktemp("rt") / "h.csv"
    chunk = ImuChunk(np.arange(len(vals)) * 0.01, vals[:, :3], vals[:, 3:])
    with TraceWriter(path, {}) as w:
        w.write(chunk)
    assert_same(read_trace(path)[1], chunk)


def test_chunk_size_does_not_change_the_data(tmp_path):
    chunk = make_chunk(1000)
    path = tmp_path / "c.csv"
    with TraceWriter(path, {"sample_rate_hz": 100}) as w:
        w.write(chunk)
    with TraceReader(path, chunk_rows=7) as r:
        small = list(r.chunks())
    with TraceReader(path, chunk_rows=65536) as r:
        big = list(r.chunks())
    assert [len(c) for c in small] == [7] * 142 + [6]
    assert len(big) == 1
    assert_same(concat_chunks(small), concat_chunks(big))
    assert_same(concat_chunks(small), chunk)


def test_round_trip_across_many_blocks(tmp_path, monkeypatch):
    chunk = make_chunk(3000)
    path = tmp_path / "blocks.csv"
    with TraceWriter(path, {}) as w:
        w.write(chunk)
    monkeypatch.setattr(trace, "_BLOCK_BYTES", 4096)  # ~30 blocks, fast path in each
    with TraceReader(path, chunk_rows=1000) as r:
        parts = list(r.chunks())
    assert [len(p) for p in parts] == [1000, 1000, 1000]
    assert_same(concat_chunks(parts), chunk)
    assert (r.stats.rows_read, r.stats.rows_ok, r.stats.gaps) == (3000, 3000, 0)


def test_block_boundaries_do_not_change_results(tmp_path, monkeypatch):
    lines = rows_text(300)
    lines[40] = "0.4,nan,0,0,0,0,0"
    lines[41] = "0.41,1,2,x3,4,5,6"
    lines[42] = "0.2,1,2,3,4,5,6"  # goes back in time
    lines[43] = "   "
    path = write_text(tmp_path / "b.csv", HEADER + "\r\n" + "\r\n".join(lines) + "\r\n")
    _, ref, ref_stats = read_trace(path)
    monkeypatch.setattr(trace, "_BLOCK_BYTES", 61)  # lines straddle every block boundary
    _, got, stats = read_trace(path)
    assert_same(got, ref)
    # the gap size uses a median dt estimated from the first block, which differs in the last bits
    assert stats.gap_seconds_total == pytest.approx(ref_stats.gap_seconds_total, abs=1e-12)
    assert replace(stats, gap_seconds_total=0) == replace(ref_stats, gap_seconds_total=0)
    assert (
        stats.rows_read,
        stats.rows_ok,
        stats.nan_rows_skipped,
        stats.malformed_rows_skipped,
        stats.non_monotonic_dropped,
        stats.gaps,
    ) == (299, 296, 1, 1, 1, 1)
    assert [w.split(": ")[0] for w in stats.warnings] == [f"{path}:{n}" for n in (42, 43, 44)]


def test_extra_columns_are_ignored(tmp_path):
    numeric = [r + ",21.5,7" for r in rows_text(5)]
    textual = [r + ",ok,rep start" for r in rows_text(5)]
    for name, rows in (("num", numeric), ("text", textual)):
        path = write_text(tmp_path / f"{name}.csv", HEADER + ",temp_c,note\n" + "\n".join(rows) + "\n")
        _, got, stats = read_trace(path)
        assert np.array_equal(got.t, [0.0, 0.01, 0.02, 0.03, 0.04])
        assert np.array_equal(got.acc[:, 0], [0.5, 1.5, 2.5, 3.5, 4.5])
        assert np.array_equal(got.gyr[:, 2], [2.0] * 5)
        assert (stats.rows_ok, stats.malformed_rows_skipped) == (5, 0)


def test_crlf_bom_blank_lines_and_comments(tmp_path):
    text = (
        "\ufeff# device=abc\r\n\r\n# just a note\r\n"
        + HEADER
        + "\r\n"
        + "\r\n".join(rows_text(3))
        + "\r\n\r\n# marker\r\n"
        + rows_text(4)[3]
        + "\r\n"
    )
    _, got, stats = read_trace(write_text(tmp_path / "crlf.csv", text))
    assert np.array_equal(got.t, [0.0, 0.01, 0.02, 0.03])
    assert np.array_equal(got.acc[:, 2], [9.81] * 4)
    assert (stats.rows_read, stats.rows_ok, stats.malformed_rows_skipped) == (4, 4, 0)
    with TraceReader(tmp_path / "crlf.csv") as r:
        assert r.meta == {"device": "abc"}
        assert r.sample_rate_hz is None and r.posture is None


# --- bad-row policy ---------------------------------------------------------------------------


def read_with(tmp_path, replace: dict[int, str], n: int = 20, tail: str = "\n"):
    """Trace of n clean rows (data line i is file line i + 3) with some rows replaced."""
    rows = rows_text(n)
    for i, text in replace.items():
        rows[i] = text
    path = write_text(tmp_path / "p.csv", "# sample_rate_hz=100\n" + HEADER + "\n" + "\n".join(rows) + tail)
    _meta, got, stats = read_trace(path)
    return path, got, stats


@pytest.mark.parametrize(
    "bad_row, counter",
    [
        ("0.05,nan,0.25,9.81,-5,1e-3,2", "nan_rows_skipped"),
        ("0.05,5.5,0.25,9.81,-5,1e-3,NaN", "nan_rows_skipped"),
        ("0.05,5.5,inf,9.81,-5,1e-3,2", "nan_rows_skipped"),
        ("0.05,5.5,0.25,9.81,-inf,1e-3,2", "nan_rows_skipped"),
        ("nan,5.5,0.25,9.81,-5,1e-3,2", "nan_rows_skipped"),
        ("0.02,5.5,0.25,9.81,-5,1e-3,2", "non_monotonic_dropped"),  # earlier than row 4
        ("0.04,5.5,0.25,9.81,-5,1e-3,2", "non_monotonic_dropped"),  # duplicate of row 4
        ("0.05,5.5,0.25,abc,-5,1e-3,2", "malformed_rows_skipped"),
        ("0.05,5.5,0.25,9.8.1,-5,1e-3,2", "malformed_rows_skipped"),
        ("0.05,5.5,0.25,,-5,1e-3,2", "malformed_rows_skipped"),
        ("0.05,5.5,0.25,9.81,-5,1e-3", "malformed_rows_skipped"),  # 6 fields
        ("0.05,5.5,0.25,9.81,-5,1e-3,2,7", "malformed_rows_skipped"),  # 8 fields
        ("0.05;5.5;0.25;9.81;-5;1e-3;2", "malformed_rows_skipped"),
    ],
)
def test_single_bad_row_is_skipped_and_counted(tmp_path, bad_row, counter):
    path, got, stats = read_with(tmp_path, {5: bad_row})
    assert getattr(stats, counter) == 1
    assert stats.rows_read == 20 and stats.rows_ok == 19
    expected_t = np.delete(np.arange(20) / 100, 5)
    assert np.array_equal(got.t, expected_t)
    assert np.array_equal(got.acc[:, 0], np.delete(np.arange(20) + 0.5, 5))
    assert len(stats.warnings) == 1 and stats.warnings[0].startswith(f"{path}:8: ")


def test_several_problems_counted_exactly(tmp_path):
    path, _got, stats = read_with(
        tmp_path,
        {
            2: "0.02,1,2,3,4,5,inf",
            3: "0.03,1,2,3,4,5,nan",
            7: "0.01,1,2,3,4,5,6",
            8: "0.075,1,2,3,4,5,6",
            11: "0.11,1,2",
            12: "zero,1,2,3,4,5,6",
        },
        n=30,
    )
    # row 7 (t=0.01) is dropped; row 8 (t=0.075) is after the last accepted t (0.06): kept.
    assert (stats.nan_rows_skipped, stats.non_monotonic_dropped, stats.malformed_rows_skipped) == (2, 1, 2)
    assert (stats.rows_read, stats.rows_ok, stats.truncated_last_line) == (30, 25, False)
    assert stats.warnings == [
        f"{path}:5: NaN/inf value: row skipped",
        f"{path}:6: NaN/inf value: row skipped",
        f"{path}:10: time not after previous row: dropped",
        f"{path}:14: malformed row: expected 7 fields, found 3",
        f"{path}:15: malformed row: not a number: 'zero'",
    ]
    assert "25 of 30 rows ok" in stats.summary() and "2 NaN/inf" in stats.summary()


def test_row_after_a_dropped_row_compares_with_last_accepted(tmp_path):
    # 0.09 jumps ahead; 0.07 and 0.08 that follow are then "not after previous accepted t".
    _, got, stats = read_with(tmp_path, {6: "0.09,1,2,3,4,5,6"}, n=12)
    assert stats.non_monotonic_dropped == 3  # original rows 7, 8 and 9 (t=0.07..0.09)
    assert np.array_equal(got.t, [0.0, 0.01, 0.02, 0.03, 0.04, 0.05, 0.09, 0.1, 0.11])


def test_truncated_last_line_is_skipped_with_warning(tmp_path):
    path, got, stats = read_with(tmp_path, {}, n=10, tail="\n0.1,3.5,0.2")
    assert stats.truncated_last_line is True
    assert (stats.rows_read, stats.rows_ok, stats.malformed_rows_skipped) == (11, 10, 0)
    assert np.array_equal(got.t, np.arange(10) / 100)
    assert stats.warnings == [f"{path}:13: truncated last line skipped (malformed row: expected 7 fields, found 3)"]
    assert "truncated last line" in stats.summary()


def test_complete_last_line_without_newline_is_kept(tmp_path):
    _, got, stats = read_with(tmp_path, {}, n=10, tail="")
    assert stats.truncated_last_line is False
    assert stats.rows_ok == 10 and np.array_equal(got.t, np.arange(10) / 100)


def test_gaps_are_kept_and_counted(tmp_path):
    t = np.concatenate([np.arange(200), np.arange(250, 400), np.arange(400.5, 500)]) / 100
    rows = [f"{float(x)!r},0,0,9.81,0,0,0" for x in t]
    path = write_text(tmp_path / "g.csv", HEADER + "\n" + "\n".join(rows) + "\n")
    _, got, stats = read_trace(path)
    assert np.array_equal(got.t, t)
    assert stats.gaps == 1  # 1.99 -> 2.50; 3.99 -> 4.005 is no gap
    assert stats.gap_seconds_total == pytest.approx(0.50, abs=1e-9)
    assert stats.non_monotonic_dropped == 0


# --- files that are refused -------------------------------------------------------------------


def refused(path) -> TraceFormatError:
    with pytest.raises(TraceFormatError) as info:
        read_trace(path)
    return info.value


def test_wrong_header_names_expected_and_found(tmp_path):
    path = write_text(tmp_path / "h.csv", "# leg=left\n\ntime,ax,ay,az,gx,gy,gz\n1,2,3,4,5,6,7\n")
    err = refused(path)
    assert (err.path, err.line) == (str(path), 3)
    assert str(err).startswith(f"{path}:3: wrong header: expected a row beginning 't_s,ax_mps2")
    assert "found 'time,ax,ay,az,gx,gy,gz'" in str(err)


def test_header_must_match_exactly_not_just_prefix(tmp_path):
    path = write_text(tmp_path / "h.csv", HEADER + "_extra\n1,2,3,4,5,6,7\n")
    assert refused(path).line == 1


@pytest.mark.parametrize("sep, kind", [(";", "semicolon"), ("\t", "tab")])
def test_wrong_delimiter(tmp_path, sep, kind):
    path = write_text(tmp_path / "d.csv", "# a=b\n" + HEADER.replace(",", sep) + "\n" + "0;1;2;3;4;5;6\n")
    err = refused(path)
    assert str(err).startswith(f"{path}:2: wrong delimiter: expected ','")
    assert f"{kind}-delimited" in str(err)


def test_empty_file(tmp_path):
    path = write_text(tmp_path / "e.csv", "")
    assert str(refused(path)) == f"{path}:1: empty file"
    assert str(refused(write_text(tmp_path / "blank.csv", "\n  \r\n"))).endswith(":1: empty file")


def test_comments_but_no_header(tmp_path):
    path = write_text(tmp_path / "c.csv", "# format=glide-trace/1\n# leg=left\n")
    err = refused(path)
    assert err.line == 2 and "no header row" in str(err) and str(path) in str(err)


def test_missing_file(tmp_path):
    path = tmp_path / "nope.csv"
    err = refused(path)
    assert (err.path, err.line) == (str(path), None)
    assert str(err) == f"{path}: cannot open: No such file or directory"


def test_header_only(tmp_path):
    path = write_text(tmp_path / "h.csv", "# leg=left\n" + HEADER + "\n")
    assert str(refused(path)) == f"{path}:2: header but no data rows"


def test_no_valid_rows_names_first_bad_line(tmp_path):
    path = write_text(tmp_path / "n.csv", HEADER + "\n0,nan,0,0,0,0,0\n0.1,0,0,0,0,inf,0\n")
    err = refused(path)
    assert err.line == 2 and "no valid data rows" in str(err)


def test_mostly_garbage_file_is_refused_at_first_bad_line(tmp_path):
    rows = rows_text(5) + ["garbage; not, csv"] * 200 + rows_text(50, t0=5)
    path = write_text(tmp_path / "g.csv", "# leg=x\n" + HEADER + "\n" + "\n".join(rows) + "\n")
    err = refused(path)
    assert err.line == 8  # meta, header, 5 good rows, then garbage
    assert str(err).startswith(f"{path}:8: too many malformed rows (200 of 255 read)")


def test_binary_garbage_is_refused(tmp_path):
    path = tmp_path / "bin.csv"
    path.write_bytes(HEADER.encode() + b"\n" + bytes(range(256)) * 400)
    assert refused(path).line == 2


def test_malformed_threshold_is_more_than_ten_percent(tmp_path):
    ten = {i: "bad" for i in range(0, 100, 10)}  # 10 of 100: tolerated
    _, _got, stats = read_with(tmp_path, ten, n=100)
    assert (stats.malformed_rows_skipped, stats.rows_ok) == (10, 90)
    eleven = {**ten, 5: "bad"}  # 11 of 100: refused
    with pytest.raises(TraceFormatError, match=r":3: too many malformed rows \(11 of 100"):
        read_with(tmp_path, eleven, n=100)
    few = {i: "bad" for i in range(30)}  # under 100 rows: tolerated
    _, _got, stats = read_with(tmp_path, few, n=60)
    assert (stats.malformed_rows_skipped, stats.rows_ok) == (30, 30)


# --- writer -----------------------------------------------------------------------------------


def test_unwritable_output_directory(tmp_path):
    with pytest.raises(TraceWriteError) as info:
        TraceWriter(tmp_path / "no_such_dir" / "t.csv", {})
    assert str(info.value) == (f"{tmp_path / 'no_such_dir' / 't.csv'}: cannot write trace: directory does not exist")
    (tmp_path / "afile").write_text("x")
    with pytest.raises(TraceWriteError, match="not a directory"):
        TraceWriter(tmp_path / "afile" / "t.csv", {})


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_disk_full_device():
    with pytest.raises(TraceWriteError, match="disk full"), TraceWriter("/dev/full", {"leg": "left"}) as w:
        w.write(make_chunk(10))


class FailingFile:
    """Wraps a real file; every write after the first `ok_writes` fails as on a full disk."""

    def __init__(self, f, ok_writes: int) -> None:
        self.f, self.ok_writes = f, ok_writes

    def write(self, data):
        if self.ok_writes == 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        self.ok_writes -= 1
        return self.f.write(data)

    def __getattr__(self, name):
        return getattr(self.f, name)


def test_disk_full_mid_recording_keeps_earlier_rows_readable(tmp_path):
    path = tmp_path / "full.csv"
    chunk = make_chunk(300)
    w = TraceWriter(path, {"leg": "left"})
    w._f = FailingFile(w._f, ok_writes=1)
    w.write(chunk.slice(0, 200))  # 2 s of sensor time -> flushed
    with pytest.raises(TraceWriteError, match="disk full"):
        w.write(chunk.slice(200))
    with pytest.raises(TraceWriteError, match="failed earlier"):
        w.write(chunk.slice(200))
    w.close()
    assert w._f.closed
    meta, got, _stats = read_trace(path)
    assert meta["leg"] == "left"
    assert_same(got, chunk.slice(0, 200))


def test_flushes_on_one_second_of_sensor_time(tmp_path):
    path = tmp_path / "f.csv"
    chunk = make_chunk(300)  # 100 Hz
    with TraceWriter(path, {}) as w:
        w.write(chunk.slice(0, 50))  # 0.49 s of sensor time: may stay buffered
        w.write(chunk.slice(50, 101))  # 1.00 s since the first sample: flushed
        _, seen, _ = read_trace(path)  # read while the writer is still open
        assert_same(seen, chunk.slice(0, 101))
        w.write(chunk.slice(101, 102))
        w.flush()
        assert len(read_trace(path)[1]) == 102


def test_flushes_after_one_second_of_wall_time(tmp_path, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(trace_writer, "_clock", lambda: now[0])  # the writer flushes by wall time
    path = tmp_path / "w.csv"
    chunk = make_chunk(10)
    with TraceWriter(path, {}) as w:
        w.write(chunk.slice(0, 1))
        assert len(path.read_text().splitlines()) == 2  # format line + header only
        now[0] += 1.0
        w.write(chunk.slice(1, 2))
        assert len(read_trace(path)[1]) == 2


def test_append_mode_continues_a_trace(tmp_path):
    path = tmp_path / "a.csv"
    chunk = make_chunk(30)
    with TraceWriter(path, {"leg": "left"}) as w:
        w.write(chunk.slice(0, 10))
    with open(path, "a") as f:
        f.write("0.2,1,2")  # a crash left half a line
    with TraceWriter(path, {"leg": "ignored"}, mode="a") as w:
        w.write(chunk.slice(10))
    meta, got, stats = read_trace(path)
    assert meta == {"format": "glide-trace/1", "leg": "left"}
    assert_same(got, chunk)
    assert stats.malformed_rows_skipped == 1 and stats.rows_ok == 30
    assert path.read_text().count(HEADER) == 1


def test_new_file_in_append_mode_gets_a_header(tmp_path):
    path = tmp_path / "new.csv"
    with TraceWriter(path, {"posture": "seated"}, mode="a") as w:
        w.write(make_chunk(3))
    assert read_trace(path)[0]["posture"] == "seated"


def test_bad_meta_and_mode_rejected(tmp_path):
    with pytest.raises(ValueError):
        TraceWriter(tmp_path / "x.csv", {"bad key": "v"})
    with pytest.raises(ValueError):
        TraceWriter(tmp_path / "x.csv", {"note": "two\nlines"})
    with pytest.raises(ValueError):
        TraceWriter(tmp_path / "x.csv", {}, mode="r")
    assert not (tmp_path / "x.csv").exists()


def test_writer_ignores_caller_format_key_and_writes_own(tmp_path):
    path = tmp_path / "f.csv"
    with TraceWriter(path, {"format": "something-else"}) as w:
        w.write(make_chunk(2))
    assert path.read_text().splitlines()[:2] == ["# format=glide-trace/1", HEADER]


def test_unknown_format_version_is_read_with_warning(tmp_path):
    path = write_text(tmp_path / "v2.csv", "# format=glide-trace/2\n" + HEADER + "\n" + "\n".join(rows_text(3)) + "\n")
    _, got, stats = read_trace(path)
    assert len(got) == 3
    assert stats.warnings == [f"{path}: format 'glide-trace/2' is not 'glide-trace/1'; reading anyway"]


def test_chunks_can_be_read_twice(tmp_path):
    path = tmp_path / "twice.csv"
    with TraceWriter(path, {}) as w:
        w.write(make_chunk(20))
    with TraceReader(path, chunk_rows=8) as r:
        first = concat_chunks(list(r.chunks()))
        second = concat_chunks(list(r.chunks()))
        assert r.stats.rows_ok == 20
    assert_same(first, second)


# --- block parsers and foot columns ------------------------------------------------------------


def _awkward_values(n: int, seed: int) -> np.ndarray:
    """Full-precision values of every magnitude a sensor or a hand edit produces."""
    rng = np.random.default_rng(seed)
    v = rng.normal(0.0, 1.0, (n, 7)) * 10.0 ** rng.integers(-6, 6, (n, 7))
    v[:, 0] = np.cumsum(rng.uniform(0.001, 0.01, n))
    v[::97, 3] = -0.0
    v[::89, 4] = 5e-324
    v[::83, 5] = 1.7976931348623157e308
    v[::79, 6] = 0.1 + 0.2
    v[::73, 1] = 2.0**-1074 * 3
    v[::71, 2] = 9007199254740993.0  # 2**53 + 1 rounds to even
    return v


@pytest.mark.parametrize("seed", [0, 1])
def test_block_parser_is_bit_identical_to_float(tmp_path, seed):
    v = _awkward_values(20000, seed)
    text = "".join(",".join(repr(float(x)) for x in row) + "\n" for row in v)
    path = write_text(tmp_path / "a.csv", HEADER + "\n" + text)
    _, chunk, stats = read_trace(path)
    assert stats.rows_ok == 20000
    got = np.column_stack([chunk.t, chunk.acc, chunk.gyr])
    want = np.array([[float(x) for x in line.split(",")] for line in text.splitlines()])
    assert np.array_equal(got.view(np.uint64), want.view(np.uint64))


def test_fast_parser_refuses_what_float_would_not_parse():
    assert fastcsv.parse_block(b"1,2\n", 1, 3) is None  # a field short
    for bad in (b"1,,2\n", b"1.2.3,4\n", b"1e,2\n", b"--1,2\n", b"nan,2\n", b"1 ,2\n", b"1,2,3\n"):
        assert fastcsv.parse_block(bad, 1, 2) is None, bad
    ok = fastcsv.parse_block(b"1,-2.5e-3\n+4,.5\n", 2, 2)
    assert ok is None or ok.tolist() == [[1.0, -0.0025], [4.0, 0.5]]


def make_foot_chunk(n: int = 300, seed: int = 3) -> ImuChunk:
    base = make_chunk(n, seed=seed)
    rng = np.random.default_rng(seed + 1)
    return ImuChunk(base.t, base.acc, base.gyr, rng.normal(0, 3, (n, 3)), rng.normal(0, 50, (n, 3)))


def test_foot_columns_round_trip(tmp_path):
    chunk = make_foot_chunk()
    path = tmp_path / "foot.csv"
    with TraceWriter(path, {"sample_rate_hz": 100.0}, foot=True) as w:
        for part in chunk.split([100, 7, 193]):
            w.write(part)
    assert path.read_text().splitlines()[2] == f"{HEADER},{FOOT_COLUMNS}"
    with TraceReader(path, chunk_rows=64) as r:
        assert r.has_foot
        back = concat_chunks(list(r.chunks()))
    assert_same(chunk, back)
    assert np.array_equal(back.foot_acc, chunk.foot_acc) and np.array_equal(back.foot_gyr, chunk.foot_gyr)


def test_seven_column_trace_has_no_foot_and_foot_nan_keeps_the_row(tmp_path):
    chunk = make_chunk(50)
    path = tmp_path / "plain.csv"
    with TraceWriter(path) as w:
        w.write(chunk)
    with TraceReader(path) as r:
        back = concat_chunks(list(r.chunks()))
        assert not r.has_foot and back.foot_acc is None and back.foot_gyr is None
    rows = [f"{i / 100},0,0,9.8,1,2,3," + ("nan,0,0,0,0,0" if i == 2 else "0.5,0,9.8,0,0,1") for i in range(5)]
    path = write_text(tmp_path / "foot_nan.csv", "\n".join([f"{HEADER},{FOOT_COLUMNS}", *rows, ""]))
    _, back, stats = read_trace(path)
    assert (stats.rows_ok, stats.nan_rows_skipped) == (5, 0)
    assert np.isnan(back.foot_acc[2, 0]) and back.foot_acc[3, 2] == 9.8


def test_foot_writer_needs_foot_data_and_chunk_ops_carry_it(tmp_path):
    chunk = make_foot_chunk(40)
    with TraceWriter(tmp_path / "f.csv", foot=True) as w, pytest.raises(ValueError, match="foot"):
        w.write(make_chunk(5))
    parts = chunk.split([10, 10])
    assert [len(p) for p in parts] == [10, 10, 20] and all(p.has_foot for p in parts)
    assert np.array_equal(concat_chunks(parts).foot_gyr, chunk.foot_gyr)
    assert concat_chunks([parts[0], make_chunk(3)]).foot_acc is None  # mixed: no foot data
    with pytest.raises(ValueError, match="both"):
        ImuChunk(chunk.t, chunk.acc, chunk.gyr, chunk.foot_acc, None)


def test_read_ahead_yields_the_same_chunks_and_raises_in_order(tmp_path):
    chunk = make_chunk(3000)
    path = tmp_path / "a.csv"
    with TraceWriter(path) as w:
        w.write(chunk)
    with TraceReader(path, chunk_rows=256) as r:
        direct = list(r.chunks())
        ahead = list(trace.read_ahead(r.chunks()))
        assert r.stats.rows_ok == 3000
    assert len(ahead) == len(direct) == 12
    for a, b in zip(ahead, direct):
        assert_same(a, b)
    path.write_text(HEADER + "\n")  # header but no data rows: the reader raises at the end
    with TraceReader(path) as r, pytest.raises(TraceFormatError, match="no data rows"):
        list(trace.read_ahead(r.chunks()))

    def gen():
        yield from range(100)

    it = trace.read_ahead(gen(), depth=1)
    assert next(it) == 0
    it.close()  # the consumer stops early: the reading thread ends too
