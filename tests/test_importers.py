"""Importers for vendor exports and generic CSV (sensor/io/importers.py).

The files under tests/data/formats/ are written from the documented formats (docs/formats.md)
with synthetic values whose conversions are known exactly; edge cases are built in tmp_path.
"""

import math
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from sensor.core.samples import ImuChunk, concat_chunks
from sensor.io.importers import STANDARD_GRAVITY as G
from sensor.io.importers import convert, detect_format, open_trace
from sensor.io.trace import TraceFormatError, TraceWriter, read_trace

DATA = Path(__file__).parent / "data" / "formats"
POLAR_ACC = DATA / "Polar_Sense_B5E5C221_20231101_101010_ACC.txt"
POLAR_GYRO = DATA / "Polar_Sense_B5E5C221_20231101_101010_GYRO.txt"
MB = "MetaWear_2021-10-29T10.28.04.966_EB942CED9472_"
MB_ACC = DATA / (MB + "Accelerometer_100.000Hz_1.5.1.csv")
MB_GYRO = DATA / (MB + "Gyroscope_100.000Hz_1.5.1.csv")
MS_ANDROID = DATA / "203130000123_ImuActivity.csv"
MS_IOS_ACC = DATA / "2019-01-15T102030Z_203130000123_acc_stream.csv"
MS_IOS_GYRO = DATA / "2019-01-15T102030Z_203130000123_gyro_stream.csv"
WIT = DATA / "20240305101500.txt"
RAD = 180.0 / math.pi


def load(path, **kw) -> tuple[ImuChunk, dict, object]:
    with open_trace(path, **kw) as tr:
        chunk = concat_chunks(list(tr.chunks()))
        return chunk, tr.meta, tr


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8", newline="")
    return path


# ------------------------------------------------------------------------------- detection


@pytest.mark.parametrize(
    "path, fmt",
    [
        (POLAR_ACC, "polar"),
        (POLAR_GYRO, "polar"),
        (MB_ACC, "metabase"),
        (MB_GYRO, "metabase"),
        (MS_ANDROID, "movesense"),
        (MS_IOS_ACC, "movesense"),
        (MS_IOS_GYRO, "movesense"),
        (WIT, "witmotion"),
    ],
)
def test_auto_detection_of_each_vendor_format(path, fmt):
    assert detect_format(path) == fmt
    _, meta, tr = load(path)
    assert tr.format == fmt and meta["source_format"] == fmt


def test_auto_detection_of_glide_trace_and_delegation(tmp_path):
    c = ImuChunk(np.array([0.0, 0.01, 0.02]), np.array([[0.1, 0.2, 9.8]] * 3), np.array([[1.5, -0.25, 0.0625]] * 3))
    p = tmp_path / "session.csv"
    with TraceWriter(p, {"sample_rate_hz": 100.0, "leg": "left"}) as w:
        w.write(c)
    assert detect_format(p) == "glide"
    got, meta, tr = load(p)
    assert tr.format == "glide" and tr.sample_rate_hz == 100.0 and tr.leg == "left"
    assert meta["source_format"] == "glide"
    np.testing.assert_array_equal(got.t, c.t)
    np.testing.assert_array_equal(got.gyr, c.gyr)
    assert tr.stats.rows_ok == 3


def test_glide_trace_without_rate_key_gets_an_estimate(tmp_path):
    p = tmp_path / "norate.csv"
    with TraceWriter(p) as w:
        w.write(ImuChunk(np.arange(5) * 0.02, np.zeros((5, 3)), np.zeros((5, 3))))
    with open_trace(p) as tr:
        assert tr.sample_rate_hz == 50.0


def test_forced_format_matches_auto_and_columns_imply_csv(tmp_path):
    a, _, _ = load(POLAR_ACC)
    b, _, _ = load(POLAR_ACC, format="polar")
    np.testing.assert_array_equal(a.acc, b.acc)
    p = write(tmp_path / "x.csv", "time,AccX,AccY,AccZ,GyrX,GyrY,GyrZ\n0,0,0,1,0,0,0\n1,0,0,1,0,0,0\n")
    _, meta, tr = load(p, columns="t=time,ax=AccX,ay=AccY,az=AccZ,gx=GyrX,gy=GyrY,gz=GyrZ")
    assert tr.format == "csv" and meta["source_format"] == "csv"


def test_forced_glide_trace_on_a_vendor_file_is_a_header_error():
    with pytest.raises(TraceFormatError) as e:
        open_trace(MB_ACC, format="glide")
    assert e.value.path == str(MB_ACC) and e.value.line == 1 and "wrong header" in e.value.problem


# ------------------------------------------------------------------------------- Polar


def test_polar_pair_values_units_and_interpolated_gyro():
    c, meta, tr = load(POLAR_ACC)
    # ACC rows at 50 Hz on the sensor clock (ns since 2000-01-01), values in mg incl. gravity
    np.testing.assert_allclose(c.t, [0.0, 0.02, 0.04, 0.06, 0.08, 0.10], rtol=0, atol=1e-12)
    np.testing.assert_allclose(c.acc[0], np.array([-953, 63, 425]) * G / 1000, rtol=0, atol=1e-12)
    np.testing.assert_allclose(c.acc[-1], np.array([-957, 70, 415]) * G / 1000, rtol=0, atol=1e-12)
    # GYRO is 5 ms earlier and linear (1 + 0.1 k, -2 + 0.2 k, 0.5) at k = (t + 5 ms) / 20 ms
    k = (c.t + 0.005) / 0.02
    np.testing.assert_allclose(
        c.gyr, np.column_stack([1 + 0.1 * k, -2 + 0.2 * k, np.full_like(k, 0.5)]), rtol=0, atol=1e-9
    )
    assert meta["time_base"] == "accelerometer timestamps"
    assert meta["source_files"] == f"{POLAR_ACC.name}, {POLAR_GYRO.name}"
    assert meta["sample_rate_hz"] == "50.0" and tr.sample_rate_hz == 50.0
    assert meta["started_at"] == "2023-11-01T10:10:11.000"
    assert meta["source_t0"] == "752148611000000000 ns"
    assert meta["device"] == "Polar Sense B5E5C221"
    assert (tr.stats.rows_read, tr.stats.rows_ok) == (13, 13)


def test_polar_gyro_path_or_both_paths_give_the_same_samples():
    ref, _, _ = load(POLAR_ACC)
    for arg in (POLAR_GYRO, [POLAR_ACC, POLAR_GYRO], [POLAR_GYRO, POLAR_ACC]):
        got, _, _ = load(arg)
        np.testing.assert_array_equal(got.t, ref.t)
        np.testing.assert_array_equal(got.acc, ref.acc)
        np.testing.assert_array_equal(got.gyr, ref.gyr)


def test_polar_sibling_with_a_stamp_one_second_later_is_found(tmp_path):
    shutil.copy(POLAR_ACC, tmp_path / POLAR_ACC.name)
    shutil.copy(POLAR_GYRO, tmp_path / "Polar_Sense_B5E5C221_20231101_101011_GYRO.txt")
    shutil.copy(POLAR_GYRO, tmp_path / "Polar_Sense_OTHER000_20231101_101010_GYRO.txt")
    _, meta, _ = load(tmp_path / POLAR_ACC.name)
    assert "Polar_Sense_B5E5C221_20231101_101011_GYRO.txt" in meta["source_files"]


def test_polar_missing_sibling(tmp_path):
    p = tmp_path / POLAR_ACC.name
    shutil.copy(POLAR_ACC, p)
    with pytest.raises(TraceFormatError) as e:
        open_trace(p)
    assert e.value.path == str(p) and e.value.line is None
    assert "missing sibling file" in e.value.problem and POLAR_GYRO.name in e.value.problem


def test_polar_magnetometer_file_and_two_acc_files_are_refused(tmp_path):
    p = write(
        tmp_path / "Polar_Sense_B5E5C221_20231101_101010_MAGN.txt",
        "Phone timestamp;sensor timestamp [ns];X [G];Y [G];Z [G]\n"
        "2023-11-01T10:10:11.100;752148611000000000;0.1;0.2;0.3\n",
    )
    with pytest.raises(TraceFormatError) as e:
        open_trace(p)
    assert (e.value.line, "magnetometer") == (1, "magnetometer") and "magnetometer" in e.value.problem
    with pytest.raises(TraceFormatError) as e:
        open_trace([POLAR_ACC, POLAR_ACC])
    assert "both files hold accelerometer data" in e.value.problem and e.value.line == 1


# ------------------------------------------------------------------------------- MetaBase


def test_metabase_pair_values_and_overlap():
    c, meta, tr = load(MB_ACC)
    # gyro starts 10 ms after acc: the first acc sample lies outside the overlap and is dropped
    assert meta["dropped_outside_overlap"] == "1" and meta["time_base"] == "accelerometer timestamps"
    np.testing.assert_allclose(c.t, [0.0, 0.01, 0.02, 0.03], rtol=0, atol=1e-12)
    np.testing.assert_allclose(c.acc[0], np.array([-0.870, 0.625, -0.173]) * G, rtol=0, atol=1e-12)
    np.testing.assert_allclose(c.gyr[0], [13.902, 0.915, -38.537], rtol=0, atol=1e-12)
    np.testing.assert_allclose(c.gyr[3], [11.463, -0.488, -39.207], rtol=0, atol=1e-12)
    assert meta["started_at"] == "2021-10-29T14:28:05.060Z"  # epoch ms is Unix UTC
    assert tr.started_at.isoformat() == "2021-10-29T14:28:05.060000+00:00"
    assert meta["device"] == "MetaWear EB942CED9472" and meta["sample_rate_hz"] == "100.0"


def test_metabase_old_epoc_header_and_sibling_with_other_rate(tmp_path):
    acc = write(
        tmp_path / "S_MetaWear_2019-02-14T10.23.40.622_D1D2D3D4D5D6_Accelerometer_50.000Hz_1.4.4.csv",
        "epoc (ms),timestamp (+0100),elapsed (s),x-axis (g),y-axis (g),z-axis (g)\n"
        + "".join(
            f"{1550136220000 + 20 * i},2019-02-14T10.23.40.{20 * i:03d},{0.02 * i:.3f},0,0,1\n" for i in range(5)
        ),
    )
    write(
        tmp_path / "S_MetaWear_2019-02-14T10.23.40.622_D1D2D3D4D5D6_Gyroscope_100.000Hz_1.4.4.csv",
        "epoc (ms),timestamp (+0100),elapsed (s),x-axis (deg/s),y-axis (deg/s),z-axis (deg/s)\n"
        + "".join(
            f"{1550136220000 + 10 * i},2019-02-14T10.23.40.{10 * i:03d},{0.01 * i:.3f},{i},{-2 * i},0\n"
            for i in range(9)
        ),
    )
    assert detect_format(acc) == "metabase"
    c, meta, _ = load(acc)
    # gyro (100 Hz) is faster: it is the time base; acc is constant so interpolation is exact
    assert meta["time_base"] == "gyroscope timestamps" and meta["sample_rate_hz"] == "100.0"
    np.testing.assert_allclose(c.t, np.arange(9) * 0.01, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(c.gyr[:, 0], np.arange(9))
    np.testing.assert_allclose(c.acc, np.tile([0, 0, G], (9, 1)), rtol=0, atol=1e-12)


# ------------------------------------------------------------------------------- Movesense


def test_movesense_android_imu_file():
    c, meta, tr = load(MS_ANDROID)
    np.testing.assert_allclose(c.t, [0.0, 0.019, 0.038, 0.057], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(c.acc[0], [0.313471, -0.313471, 9.928176])  # m/s^2 already
    np.testing.assert_array_equal(c.gyr[1], [1.12, -0.42, 0.21])  # deg/s
    assert meta["source_t0"] == "599025762 ms" and tr.stats.rows_ok == 4


def test_movesense_ios_notifications_are_expanded_at_the_estimated_rate():
    c, meta, _ = load(MS_IOS_GYRO)
    # 3 notifications of 4 samples, 80 ms apart -> 50 Hz; sample i of a notification at T + i/50
    assert meta["acc_rate_hz"] == "50.0" and meta["gyr_rate_hz"] == "50.0"
    np.testing.assert_allclose(c.t, np.arange(12) * 0.02, rtol=0, atol=1e-12)
    np.testing.assert_allclose(c.gyr[:, 0], 2.0 * np.arange(12), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(c.acc[:, 0], np.tile([0.0, 0.25, 0.5, 0.75], 3))
    np.testing.assert_array_equal(c.acc[:, 1], np.repeat([-0.5, 0.5, 1.5], 4))
    assert meta["device"] == "Movesense 203130000123"


def test_movesense_ios_single_notification_needs_rate(tmp_path):
    for kind in ("acc", "gyro"):
        write(tmp_path / f"X_123456_{kind}_stream.csv", "timestamp,x,y,z\n500,1,2,3\n,1,2,3\n")
    with pytest.raises(TraceFormatError) as e:
        open_trace(tmp_path / "X_123456_acc_stream.csv")
    assert "give rate=HZ" in e.value.problem and e.value.line == 2
    c, _, _ = load(tmp_path / "X_123456_acc_stream.csv", rate=25)
    np.testing.assert_allclose(c.t, [0.0, 0.04], rtol=0, atol=1e-12)


def test_movesense_ios_missing_sibling(tmp_path):
    p = shutil.copy(MS_IOS_ACC, tmp_path / MS_IOS_ACC.name)
    with pytest.raises(TraceFormatError) as e:
        open_trace(p)
    assert "missing sibling file" in e.value.problem and MS_IOS_GYRO.name in e.value.problem


# ------------------------------------------------------------------------------- WitMotion


def test_witmotion_export_values_units_and_time():
    c, meta, tr = load(WIT)
    np.testing.assert_allclose(c.t, [0.0, 0.01, 0.02, 0.03], rtol=0, atol=1e-9)
    np.testing.assert_allclose(c.acc[0], np.array([0.004, -0.001, 1.001]) * G, rtol=0, atol=1e-12)
    np.testing.assert_allclose(c.gyr[3], [3.662, -0.122, -0.488], rtol=0, atol=1e-12)
    assert meta["started_at"] == "2024-03-05T10:15:00.100"
    assert meta["device"] == "WT901BLE68(D1:2F:3C:4D:5E:6F)"
    assert meta["time_source"].startswith("time (receive time")
    assert tr.stats.rows_ok == 4 and tr.stats.warnings == []


def test_witmotion_bursts_other_devices_and_repeated_header(tmp_path):
    head = "time\tDeviceName\tChipTime()\tAccX(g)\tAccY(g)\tAccZ(g)\tAsX(°/s)\tAsY(°/s)\tAsZ(°/s)\n"
    rows = [
        ("10:00:00.000", "A", 0),
        ("10:00:00.030", "A", 1),
        ("10:00:00.030", "B", 9),
        ("10:00:00.030", "A", 2),
        ("10:00:00.030", "A", 3),
        ("10:00:00.040", "A", 4),
    ]
    body = "".join(f"2024-03-05 {t}\t{d}\tnull\t0\t0\t1\t{v}\t0\t0\n" for t, d, v in rows[:3])
    body += head + "".join(f"2024-03-05 {t}\t{d}\tnull\t0\t0\t1\t{v}\t0\t0\n" for t, d, v in rows[3:])
    p = write(tmp_path / "rec.txt", head + body)
    c, meta, tr = load(p)
    # three device-A samples arrived stamped .030: spread over (.000, .030] -> .010 .020 .030
    np.testing.assert_allclose(c.t, [0.0, 0.01, 0.02, 0.03, 0.04], rtol=0, atol=1e-9)
    np.testing.assert_array_equal(c.gyr[:, 0], [0, 1, 2, 3, 4])
    assert meta["timestamps_spread"] == "3" and meta["other_devices_skipped"] == "B"
    assert tr.stats.rows_read == 5 and any("several devices" in w for w in tr.stats.warnings)


def test_witmotion_sdk_record_with_chip_time_and_chinese_header(tmp_path):
    p = write(
        tmp_path / "20240305101500.txt",
        "Chiptime\tax(g)\tay(g)\taz(g)\twx(deg/s)\twy(deg/s)\twz(deg/s)\tAngleX(deg)\n"
        " 2024-3-5 10:15:00.5\t0\t0\t1\t10\t0\t0\t1\n"
        " 2024-3-5 10:15:00.505\t0\t0\t1\t20\t0\t0\t1\n",
    )
    c, meta, _ = load(p)
    assert meta["time_source"] == "ChipTime (sensor clock)"
    np.testing.assert_allclose(c.t, [0.0, 0.005], rtol=0, atol=1e-9)
    np.testing.assert_array_equal(c.gyr[:, 0], [10, 20])
    q = tmp_path / "cn.txt"
    q.write_bytes(
        "时间\t设备名称\t加速度X(g)\t加速度Y(g)\t加速度Z(g)\t角速度X(°/s)\t角速度Y(°/s)\t角速度Z(°/s)\n"
        "2024-03-05 10:15:00.100\tWT\t0\t0\t1\t5\t0\t0\n"
        "2024-03-05 10:15:00.120\tWT\t0\t0\t1\t6\t0\t0\n".encode("gb18030")
    )
    assert detect_format(q) == "witmotion"
    c, _, _ = load(q)
    np.testing.assert_allclose(c.acc[:, 2], [G, G], rtol=0, atol=1e-12)
    np.testing.assert_allclose(c.t, [0.0, 0.02], rtol=0, atol=1e-9)


def test_witmotion_numeric_time_column_and_rate_without_time(tmp_path):
    p = write(
        tmp_path / "old.txt",
        "Time(s)\tax(g)\tay(g)\taz(g)\twx(deg/s)\twy(deg/s)\twz(deg/s)\n"
        "3.00\t0\t0\t1\t1\t0\t0\n3.05\t0\t0\t1\t2\t0\t0\n",
    )
    c, meta, _ = load(p)
    np.testing.assert_allclose(c.t, [0.0, 0.05], rtol=0, atol=1e-12)
    assert "started_at" not in meta
    q = write(
        tmp_path / "notime.txt",
        "ax(g)\tay(g)\taz(g)\twx(rad/s)\twy(rad/s)\twz(rad/s)\n0\t0\t1\t1\t0\t0\n0\t0\t1\t2\t0\t0\n",
    )
    with pytest.raises(TraceFormatError, match="give rate=HZ"):
        open_trace(q)
    c, _, _ = load(q, rate=10)
    np.testing.assert_allclose(c.t, [0.0, 0.1], rtol=0, atol=1e-12)
    np.testing.assert_allclose(c.gyr[:, 0], [RAD, 2 * RAD], rtol=1e-15)


# ------------------------------------------------------------------------------- generic CSV

COLS = "t=time,ax=AccX,ay=AccY,az=AccZ,gx=GyrX,gy=GyrY,gz=GyrZ"


@pytest.mark.parametrize("acc_unit, factor", [("g", G), ("m/s2", 1.0), ("mg", G / 1000)])
@pytest.mark.parametrize("gyr_unit, gfactor", [("dps", 1.0), ("rad/s", RAD)])
def test_csv_acc_and_gyr_units(tmp_path, acc_unit, factor, gyr_unit, gfactor):
    p = write(tmp_path / "u.csv", "time,AccX,AccY,AccZ,GyrX,GyrY,GyrZ\n0.0,1.5,-2,1000,0.5,-1,2\n0.5,0.25,0,-3,0,0,0\n")
    c, _, _ = load(p, columns=COLS, units=f"acc={acc_unit},gyr={gyr_unit}")
    np.testing.assert_allclose(c.acc[0], np.array([1.5, -2, 1000]) * factor, rtol=1e-15)
    np.testing.assert_allclose(c.gyr[0], np.array([0.5, -1, 2]) * gfactor, rtol=1e-15)
    np.testing.assert_array_equal(c.t, [0.0, 0.5])


@pytest.mark.parametrize(
    "t_unit, values",
    [
        ("s", ["12.5", "12.52", "12.54"]),
        ("ms", ["1000", "1020", "1040"]),
        ("us", ["5000000", "5020000", "5040000"]),
        ("ns", ["752148611000000000", "752148611020000000", "752148611040000000"]),
    ],
)
def test_csv_time_units(tmp_path, t_unit, values):
    p = write(
        tmp_path / "t.csv", "time,AccX,AccY,AccZ,GyrX,GyrY,GyrZ\n" + "".join(f"{v},0,0,1,0,0,0\n" for v in values)
    )
    c, meta, _ = load(p, columns=COLS, units=f"t={t_unit}")
    np.testing.assert_allclose(c.t, [0.0, 0.02, 0.04], rtol=0, atol=1e-12)
    assert meta["sample_rate_hz"] == "50.0" and meta["source_t0"].endswith(t_unit)


def test_csv_indices_rate_without_time_column_and_delimiters(tmp_path):
    p = write(tmp_path / "idx.tsv", "1\t2\t3\t4\t5\t6\n7\t8\t9\t10\t11\t12\n\n13\t14\t15\t16\t17\t18\n")
    c, meta, tr = load(p, columns="ax=0,ay=1,az=2,gx=3,gy=4,gz=5", rate=200)
    np.testing.assert_array_equal(c.t, [0.0, 0.005, 0.01])
    np.testing.assert_array_equal(c.acc[2], [13, 14, 15])
    np.testing.assert_array_equal(c.gyr[0], [4, 5, 6])
    assert meta["sample_rate_hz"] == "200.0" and tr.stats.rows_ok == 3
    q = write(tmp_path / "semi.csv", "# exported\ntime;gx;gy;gz;ax;ay;az\n0;1,5;0;0;0;0;1\n0,1;2,5;0;0;0;0;1\n")
    c, _, _ = load(q, columns="t=time,ax=ax,ay=ay,az=az,gx=gx,gy=gy,gz=gz", units="acc=g")
    np.testing.assert_array_equal(c.gyr[:, 0], [1.5, 2.5])  # decimal comma
    np.testing.assert_allclose(c.t, [0.0, 0.1], rtol=0, atol=1e-15)
    np.testing.assert_allclose(c.acc[:, 2], [G, G], rtol=0, atol=0)


def test_csv_mapping_errors(tmp_path):
    p = write(tmp_path / "m.csv", "time,AccX,AccY,AccZ,GyrX,GyrY,GyrZ\n0,0,0,1,0,0,0\n")
    with pytest.raises(TraceFormatError) as e:
        open_trace(p, columns=COLS.replace("GyrZ", "GyroZ"))
    assert e.value.line == 1 and "no column named 'GyroZ'" in e.value.problem
    bad = [
        dict(columns="t=time,ax=AccX"),
        dict(columns=COLS, units="acc=furlongs"),
        dict(columns=COLS, rate=50),
        dict(columns=COLS.replace("t=time,", "")),
        dict(columns=COLS + ",q=1"),
        dict(columns="t=time,ax"),
    ]
    for kw in bad:
        with pytest.raises(TraceFormatError) as e:
            open_trace(p, **kw)
        assert e.value.path == str(p)
    with pytest.raises(TraceFormatError, match="apply to --format csv"):
        open_trace(POLAR_ACC, format="polar", columns=COLS)


# ------------------------------------------------------------------------------- merging


def _pair(tmp_path, acc_hz, gyr_hz, acc_span, gyr_span, gyr_skip=()):
    """Polar pair with linear signals: acc = (t, 2t, 1000 - t) mg, gyro = (10 t, -t, 3) dps."""
    ns = lambda s: int(round(s * 1e9))  # noqa: E731
    base = 752148611_000_000_000
    acc = "Phone timestamp;sensor timestamp [ns];X [mg];Y [mg];Z [mg]\n"
    for t in np.arange(acc_span[0], acc_span[1] + 1e-9, 1 / acc_hz).tolist():
        acc += f"x;{base + ns(t)};{t!r};{2 * t!r};{1000 - t!r}\n"
    gyr = "Phone timestamp;sensor timestamp [ns];X [dps];Y [dps];Z [dps]\n"
    for i, t in enumerate(np.arange(gyr_span[0], gyr_span[1] + 1e-9, 1 / gyr_hz).tolist()):
        if i not in gyr_skip:
            gyr += f"x;{base + ns(t)};{10 * t!r};{-t!r};3\n"
    a = write(tmp_path / "Polar_H_1_20240101_000000_ACC.txt", acc)
    write(tmp_path / "Polar_H_1_20240101_000000_GYRO.txt", gyr)
    return a


def test_merge_interpolates_the_slower_sensor_onto_the_faster_timestamps(tmp_path):
    a = _pair(tmp_path, acc_hz=50, gyr_hz=200, acc_span=(0.0, 1.0), gyr_span=(0.1, 0.9))
    c, meta, _ = load(a)
    assert meta["time_base"] == "gyroscope timestamps" and meta["sample_rate_hz"] == "200.0"
    # gyro times 0.1 .. 0.9 s on the sensor clock; output starts at 0
    t_src = 0.1 + c.t
    np.testing.assert_allclose(c.t, np.arange(161) / 200, rtol=0, atol=1e-9)
    np.testing.assert_allclose(c.acc / (G / 1000), np.column_stack([t_src, 2 * t_src, 1000 - t_src]), rtol=0, atol=1e-9)
    np.testing.assert_allclose(c.gyr, np.column_stack([10 * t_src, -t_src, np.full_like(t_src, 3)]), rtol=0, atol=1e-9)


def test_merge_keeps_acc_base_drops_outside_overlap_and_inside_gaps(tmp_path):
    a = _pair(
        tmp_path, acc_hz=100, gyr_hz=50, acc_span=(0.0, 1.0), gyr_span=(0.2, 0.8), gyr_skip=range(10, 16)
    )  # gyro missing 0.40..0.50 s
    c, meta, _ = load(a)
    assert meta["time_base"] == "accelerometer timestamps"
    t_src = 0.2 + c.t
    assert meta["dropped_outside_overlap"] == str(101 - 61)
    # neighbours of the hole are 0.38 and 0.52 s: acc samples strictly between them are dropped
    gap = (t_src > 0.38 + 1e-9) & (t_src < 0.52 - 1e-9)
    assert not gap.any() and int(meta["dropped_in_gaps"]) == 13
    np.testing.assert_allclose(c.gyr[:, 0], 10 * t_src, rtol=0, atol=1e-9)
    assert len(c) == 61 - 13


def test_pair_without_time_overlap_is_refused(tmp_path):
    a = _pair(tmp_path, 50, 50, (0.0, 0.5), (1.0, 1.5))
    with pytest.raises(TraceFormatError, match="do not overlap"):
        open_trace(a)


# ------------------------------------------------------------------------------- bad input


def test_unknown_format(tmp_path):
    p = write(tmp_path / "mystery.csv", "when,foo,bar\n1,2,3\n")
    with pytest.raises(TraceFormatError) as e:
        open_trace(p)
    assert e.value.path == str(p) and e.value.line == 1
    assert "cannot tell the format" in e.value.problem
    assert "--format polar|metabase|movesense|witmotion|csv|glide" in e.value.problem
    assert str(e.value).startswith(f"{p}:1: ")
    with pytest.raises(TraceFormatError, match="unknown format 'xls'"):
        open_trace(p, format="xls")
    empty = write(tmp_path / "empty.csv", "\n\n")
    with pytest.raises(TraceFormatError, match="empty file"):
        open_trace(empty)
    with pytest.raises(TraceFormatError, match="cannot open"):
        open_trace(tmp_path / "nope.txt")


def test_forced_vendor_format_on_wrong_file_names_the_header_line():
    with pytest.raises(TraceFormatError) as e:
        open_trace(MB_ACC, format="polar")
    assert (e.value.path, e.value.line) == (str(MB_ACC), 1) and "wrong columns" in e.value.problem
    with pytest.raises(TraceFormatError) as e:
        open_trace(POLAR_ACC, format="witmotion")
    assert e.value.line == 1 and "WitMotion header" in e.value.problem


def test_bad_rows_follow_the_trace_reader_policy(tmp_path):
    rows = [
        "0,0,0,1,0,0,0",
        "10,0,0,1,0,0,0",
        "20,abc,0,1,0,0,0",
        "30,0,0,1,nan,0,0",
        "5,0,0,1,0,0,0",
        "40,0,0",
        "50,0,0,1,0,0,0",
        "60,0,0,1",
    ]  # last: no newline
    p = write(tmp_path / "b.csv", "t,ax,ay,az,gx,gy,gz\n" + "\n".join(rows))
    c, _, tr = load(p, columns="t=t,ax=ax,ay=ay,az=az,gx=gx,gy=gy,gz=gz", units="t=ms")
    np.testing.assert_allclose(c.t, [0.0, 0.01, 0.05], rtol=0, atol=1e-15)
    st = tr.stats
    assert (
        st.rows_read,
        st.rows_ok,
        st.malformed_rows_skipped,
        st.nan_rows_skipped,
        st.non_monotonic_dropped,
        st.truncated_last_line,
    ) == (8, 3, 2, 1, 1, True)
    assert st.rows_read == st.rows_ok + 2 + 1 + 1 + 1
    assert f"{p}:4: malformed row: not a number: 'abc'" in st.warnings
    assert f"{p}:9: truncated last line skipped (malformed row: expected at least 7 fields, found 4)" in st.warnings
    assert any(w.startswith(f"{p}:5: NaN") for w in st.warnings)
    assert any(w.startswith(f"{p}:6: time not after") for w in st.warnings)


def test_too_many_malformed_rows_and_no_valid_rows(tmp_path):
    body = "".join(f"{i},0,0,1,0,0,0\n" if i % 5 else f"{i},x,0,1,0,0,0\n" for i in range(1, 121))
    p = write(tmp_path / "many.csv", "t,ax,ay,az,gx,gy,gz\n" + body)
    with pytest.raises(TraceFormatError) as e:
        open_trace(p, columns="t=t,ax=ax,ay=ay,az=az,gx=gx,gy=gy,gz=gz")
    assert e.value.line == 6 and "too many malformed rows (24 of 120" in e.value.problem
    q = write(tmp_path / "none.csv", "t,ax,ay,az,gx,gy,gz\n1,nan,0,1,0,0,0\n")
    with pytest.raises(TraceFormatError) as e:
        open_trace(q, columns="t=t,ax=ax,ay=ay,az=az,gx=gx,gy=gy,gz=gz")
    assert e.value.line == 2 and "no valid data rows" in e.value.problem
    r = write(tmp_path / "hdr.csv", "t,ax,ay,az,gx,gy,gz\n")
    with pytest.raises(TraceFormatError) as e:
        open_trace(r, columns="t=t,ax=ax,ay=ay,az=az,gx=gx,gy=gy,gz=gz")
    assert e.value.line == 1 and "header but no data rows" in e.value.problem


def test_too_many_files_and_rate_where_it_does_not_apply():
    with pytest.raises(TraceFormatError, match="takes one file"):
        open_trace([WIT, WIT])
    for p in (POLAR_ACC, MB_ACC, MS_ANDROID):
        with pytest.raises(TraceFormatError, match="does not apply"):
            open_trace(p, rate=50)


# ------------------------------------------------------------------------------- convert


@pytest.mark.parametrize("src", [POLAR_ACC, MB_GYRO, MS_ANDROID, MS_IOS_ACC, WIT])
def test_convert_round_trips_through_the_trace_reader(tmp_path, src):
    out = tmp_path / "out.csv"
    tr = convert(src, out)
    ref, _, _ = load(src)
    meta, got, stats = read_trace(out)
    np.testing.assert_array_equal(got.t, ref.t)
    np.testing.assert_array_equal(got.acc, ref.acc)
    np.testing.assert_array_equal(got.gyr, ref.gyr)
    assert meta["format"] == "glide-trace/1" and meta["source_format"] == tr.format
    assert float(meta["sample_rate_hz"]) == tr.sample_rate_hz
    assert stats.rows_ok == len(ref) and not os.path.exists(str(out) + ".part")


def test_convert_csv_with_options_and_failures_leave_no_file(tmp_path):
    p = write(tmp_path / "in.csv", "a,b,c,d,e,f\n1,2,3,4,5,6\n1,2,3,4,5,6\n")
    out = tmp_path / "o.csv"
    convert(p, out, columns="ax=0,ay=1,az=2,gx=3,gy=4,gz=5", rate=100, units="acc=g")
    meta, got, _ = read_trace(out)
    np.testing.assert_array_equal(got.t, [0.0, 0.01])
    np.testing.assert_array_equal(got.acc[0], np.array([1, 2, 3]) * G)
    assert meta["source_format"] == "csv"
    with pytest.raises(TraceFormatError, match="overwrite the input"):
        convert(p, p, columns="ax=0,ay=1,az=2,gx=3,gy=4,gz=5", rate=100)
    bad = tmp_path / "never.csv"
    with pytest.raises(TraceFormatError):
        convert(write(tmp_path / "m.csv", "x\n"), bad)
    assert not bad.exists() and not Path(str(bad) + ".part").exists()
