"""The foot sensor's six columns (issue 16) survive every path a recording takes: replay,
``glide convert`` (glide traces and CSVs with a foot mapping), the vendor importers (which keep
working and never invent or drop a foot), and the CLI's convert command."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest

from sensor.core.samples import ImuChunk, concat_chunks
from sensor.io.importers import convert, open_trace
from sensor.io.sources import ManualClock, ReplaySource
from sensor.io.trace import FOOT_COLUMNS, HEADER, TraceFormatError, TraceReader, TraceWriter
from tui.cli import main

DATA = Path(__file__).parent / "data" / "formats"


def _foot_chunk(n: int = 400, rate: float = 100.0) -> ImuChunk:
    rng = np.random.default_rng(16)
    t = np.arange(n) / rate
    fa = rng.normal(0, 1, (n, 3)) + [0, 0, 9.8]
    fg = rng.normal(0, 20, (n, 3))
    fa[100:150] = np.nan  # the foot sensor dropped out for half a second
    fg[100:150] = np.nan
    return ImuChunk(t, rng.normal(0, 1, (n, 3)) + [9.8, 0, 0], rng.normal(0, 30, (n, 3)), fa, fg)


def _write(path: Path, chunk: ImuChunk, foot: bool = True) -> Path:
    with TraceWriter(path, {"sample_rate_hz": 100.0, "posture": "supine"}, foot=foot) as w:
        w.write(chunk)
    return path


def _same(a: ImuChunk, b: ImuChunk) -> None:
    assert np.array_equal(a.t, b.t) and np.array_equal(a.acc, b.acc) and np.array_equal(a.gyr, b.gyr)
    assert a.foot_acc is not None and b.foot_acc is not None and b.foot_gyr is not None
    assert np.array_equal(a.foot_acc, b.foot_acc, equal_nan=True)
    assert np.array_equal(a.foot_gyr, b.foot_gyr, equal_nan=True)


def test_replay_streams_the_foot_columns_nan_included(tmp_path):
    chunk = _foot_chunk()
    src = ReplaySource(_write(tmp_path / "foot.csv", chunk), speed=0, clock=ManualClock())
    got: list[ImuChunk] = []

    async def go():
        async for c in src:
            got.append(c)

    asyncio.run(go())
    assert len(got) > 5 and all(c.has_foot for c in got)  # cut into ~50 ms pieces, each with the foot
    _same(chunk, concat_chunks(got))


def test_convert_keeps_a_glide_traces_foot_columns(tmp_path):
    chunk = _foot_chunk()
    out = tmp_path / "out.csv"
    tr = convert(_write(tmp_path / "in.csv", chunk), out)
    assert tr.has_foot
    with TraceReader(out) as r:
        assert r.has_foot
        _same(chunk, concat_chunks(list(r.chunks())))
    assert f"{HEADER},{FOOT_COLUMNS}" in out.read_text().splitlines()[:6]


def test_convert_of_a_shin_only_trace_stays_shin_only(tmp_path):
    chunk = _foot_chunk()
    out = tmp_path / "out.csv"
    assert not convert(_write(tmp_path / "in.csv", ImuChunk(chunk.t, chunk.acc, chunk.gyr), foot=False), out).has_foot
    with TraceReader(out) as r:
        assert not r.has_foot


CSV_FOOT = """time,AccX,AccY,AccZ,GyrX,GyrY,GyrZ,FootAccX,FootAccY,FootAccZ,FootGyrX,FootGyrY,FootGyrZ
0.00,0.1,0.0,1.0,1,2,3,0.0,0.5,0.8,10,20,30
0.01,0.1,0.0,1.0,1,2,3,,,,,,
0.02,0.1,0.0,1.0,1,2,3,nan,nan,nan,nan,nan,nan
0.03,0.2,0.0,1.0,1,2,3,0.0,0.5,0.8,10,20,30
0.04,,0.0,1.0,1,2,3,0.0,0.5,0.8,10,20,30
0.05,0.2,0.0,1.0,1,2,3,0.0,x,0.8,10,20,30
"""
MAP = "t=time,ax=AccX,ay=AccY,az=AccZ,gx=GyrX,gy=GyrY,gz=GyrZ"
FOOT_MAP = ",fax=FootAccX,fay=FootAccY,faz=FootAccZ,fgx=FootGyrX,fgy=FootGyrY,fgz=FootGyrZ"


def test_csv_with_a_foot_mapping_keeps_the_foot_and_its_gaps(tmp_path):
    src = tmp_path / "two.csv"
    src.write_text(CSV_FOOT)
    with open_trace(src, columns=MAP + FOOT_MAP, units="acc=g") as tr:
        assert tr.has_foot
        c = concat_chunks(list(tr.chunks()))
        stats = tr.stats
    # an empty shin cell is a bad row; an empty or "nan" foot cell is a foot that had no sample
    assert np.allclose(c.t, [0.0, 0.01, 0.02, 0.03])
    assert stats.malformed_rows_skipped == 2  # the empty shin cell and the "x" in the foot
    assert c.foot_acc is not None and c.foot_gyr is not None
    assert np.allclose(c.foot_acc[0], [0.0, 0.5 * 9.80665, 0.8 * 9.80665]) and np.allclose(c.foot_gyr[3], [10, 20, 30])
    assert np.isnan(c.foot_acc[1:3]).all() and np.isnan(c.foot_gyr[1:3]).all()
    out = tmp_path / "out.csv"
    convert(src, out, columns=MAP + FOOT_MAP, units="acc=g")
    with TraceReader(out) as r:
        assert r.has_foot and np.isnan(concat_chunks(list(r.chunks())).foot_acc[1]).all()  # type: ignore[index]


def test_csv_without_a_foot_mapping_is_shin_only_and_half_a_foot_is_refused(tmp_path):
    src = tmp_path / "two.csv"
    src.write_text(CSV_FOOT)
    with open_trace(src, columns=MAP) as tr:
        assert not tr.has_foot and not any(c.has_foot for c in tr.chunks())
    with pytest.raises(TraceFormatError, match="part of the foot sensor: map fgx, fgy, fgz too"):
        open_trace(src, columns=MAP + ",fax=FootAccX,fay=FootAccY,faz=FootAccZ")


VENDOR = [
    [DATA / "Polar_Sense_B5E5C221_20231101_101010_ACC.txt"],
    [DATA / "MetaWear_2021-10-29T10.28.04.966_EB942CED9472_Accelerometer_100.000Hz_1.5.1.csv"],
    [DATA / "203130000123_ImuActivity.csv"],
    [DATA / "2019-01-15T102030Z_203130000123_acc_stream.csv"],
    [DATA / "20240305101500.txt"],
]


@pytest.mark.parametrize("paths", VENDOR, ids=lambda p: p[0].name[:24])
def test_vendor_exports_still_import_and_convert_without_a_foot(paths, tmp_path):
    with open_trace(paths[0]) as tr:
        assert not tr.has_foot
        before = concat_chunks(list(tr.chunks()))
    assert len(before) > 0 and not before.has_foot
    out = tmp_path / "out.csv"
    convert(paths[0], out)
    with TraceReader(out) as r:
        assert not r.has_foot and np.array_equal(concat_chunks(list(r.chunks())).gyr, before.gyr)


def test_glide_convert_cli_keeps_the_foot(tmp_path, capsys):
    chunk = _foot_chunk()
    src, out = _write(tmp_path / "in.csv", chunk), tmp_path / "out.csv"
    assert main(["convert", str(src), "-o", str(out)]) == 0
    with TraceReader(out) as r:
        _same(chunk, concat_chunks(list(r.chunks())))


def test_analyze_export_carries_the_same_ankle_figures_as_the_json(tmp_path, capsys):
    import csv
    import json

    trace = tmp_path / "foot.csv"
    assert main(["simulate", "-o", str(trace), "--foot", "--reps", "6", "--seed", "3"]) == 0
    capsys.readouterr()
    assert main(["analyze", str(trace), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    out = tmp_path / "reps.csv"
    assert main(["analyze", str(trace), "--export", str(out)]) == 0
    rows = list(csv.DictReader(out.read_text().splitlines()))
    assert len(rows) == doc["rep_count"] >= 5
    for row, rep in zip(rows, doc["reps"], strict=True):
        assert rep["ankle_swing_deg"] is not None and float(row["ankle_swing_deg"]) == rep["ankle_swing_deg"]
        assert row["ankle_ok"] == str(rep["ankle_ok"])


def _two_device_witmotion(path: Path) -> Path:
    """A WitMotion record of two sensors (a row per sample and device): SHIN every 10 ms, FOOT
    every 10 ms 5 ms later, the foot silent from 0.30 s to 0.60 s (its link dropped)."""
    head = "time\tDeviceName\tChipTime()\tAccX(g)\tAccY(g)\tAccZ(g)\tAsX(°/s)\tAsY(°/s)\tAsZ(°/s)\n"
    lines = [head]
    for i in range(100):
        ts = f"2024-03-05 10:00:{i / 100:06.3f}"
        lines.append(f"{ts}\tSHIN\tnull\t0\t0\t1\t{i}\t0\t0\n")
        if not 30 <= i < 60:
            tf = f"2024-03-05 10:00:{i / 100 + 0.005:06.3f}"
            lines.append(f"{tf}\tFOOT\tnull\t0.5\t0\t0.5\t0\t{2 * i}\t0\n")
    path.write_text("".join(lines), encoding="utf-8")
    return path


def test_a_two_device_witmotion_record_gives_the_foot_its_columns(tmp_path):
    src = _two_device_witmotion(tmp_path / "20240305100000.txt")
    with open_trace(src, foot_device="FOOT") as tr:
        assert tr.has_foot and tr.meta["foot_device"] == "FOOT" and tr.meta["device"] == "SHIN"
        c = concat_chunks(list(tr.chunks()))
    assert len(c) == 100 and np.allclose(c.gyr[:, 0], np.arange(100))
    assert c.foot_acc is not None and c.foot_gyr is not None
    # foot rows at i/100 + 5 ms: linear interpolation onto the shin's times (gyr y = 2 i there)
    seen = ~np.isnan(c.foot_gyr[:, 1])
    assert np.allclose(c.foot_gyr[seen, 1], 2 * (np.arange(100)[seen] - 0.5))
    assert np.allclose(c.foot_acc[seen], [0.5 * 9.80665, 0.0, 0.5 * 9.80665])
    gone = np.flatnonzero(~seen)
    assert gone[0] == 0 and set(range(31, 60)) <= set(gone)  # before its first row; the dropout (a gap)
    assert np.isfinite(c.foot_gyr[[10, 20, 70, 90]]).all()
    # without --foot-device: the shin alone, the other device skipped with a warning (as before)
    with open_trace(src) as tr:
        assert not tr.has_foot and tr.meta["other_devices_skipped"] == "FOOT"
    out = tmp_path / "out.csv"
    assert main(["convert", str(src), "--foot-device", "FOOT", "-o", str(out)]) == 0
    with TraceReader(out) as r:
        assert r.has_foot and np.array_equal(concat_chunks(list(r.chunks())).foot_gyr, c.foot_gyr, equal_nan=True)


def test_a_foot_device_that_is_not_there_or_not_witmotion_is_one_clear_error(tmp_path, capsys):
    src = _two_device_witmotion(tmp_path / "20240305100000.txt")
    with pytest.raises(TraceFormatError, match="no rows of device 'ANKLE' \\(devices in the file: FOOT, SHIN\\)"):
        open_trace(src, foot_device="ANKLE")
    csv_file = tmp_path / "two.csv"
    csv_file.write_text(CSV_FOOT)
    with pytest.raises(TraceFormatError, match="--foot-device applies to WitMotion files, not csv"):
        open_trace(csv_file, columns=MAP, foot_device="FOOT")
    assert main(["convert", str(src), "--foot-device", "ANKLE", "-o", str(tmp_path / "o.csv")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no rows of device 'ANKLE'" in err and not (tmp_path / "o.csv").exists()
