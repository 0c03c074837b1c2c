"""Movesense Showcase app CSVs: Android (one file) and iOS (an acc/gyro stream pair with
per-notification timestamps), see the package docstring and docs/formats.md.
"""

from __future__ import annotations

import os
import re

from sensor.io.importers.base import _header, _Info, _IntClock, _num_err, _number, _Parsed, _Rows
from sensor.io.importers.streams import _open_pair, _Plan, _Stream
from sensor.io.rows import TraceFormatError, TraceStats

_MS_IOS_NAME = re.compile(r"_(acc|gyro)_stream", re.I)


def _open_movesense(paths: tuple[str, ...], stats: TraceStats, rate: float | None) -> tuple[list[_Stream], _Info]:
    line, text, enc = _header(
        paths[0],
        lambda s: (
            s.lower().replace(" ", "").startswith(("timestamp,accx,accy,accz,gyrox,gyroy,gyroz", "timestamp,x,y,z"))
        ),
        "a Movesense Showcase header 'Timestamp,AccX,AccY,AccZ,GyroX,GyroY,GyroZ,...' (Android) "
        "or 'timestamp,x,y,z' (iOS *_acc_stream.csv / *_gyro_stream.csv)",
    )
    if text.lower().replace(" ", "").startswith("timestamp,accx"):
        if rate is not None:
            raise TraceFormatError(
                paths[0], None, "rate= does not apply to the Android Showcase IMU export (it has per-sample timestamps)"
            )
        if len(paths) != 1:
            raise TraceFormatError(paths[1], None, "the Android Showcase IMU export is one file")
        return [_movesense_android(paths[0], stats, line, enc)], {"device": "Movesense"}
    return _open_pair(paths, stats, _movesense_ios_plan, _movesense_ios_sibling, rate)


def _movesense_android(path: str, stats: TraceStats, line: int, enc: str) -> _Stream:
    rows, clock = _Rows(path, stats, 6), _IntClock()

    def parse(f: list[str], ln: int) -> _Parsed:
        if len(f) < 7:
            return f"malformed row: expected at least 7 fields, found {len(f)}"
        try:
            return clock(f[0]), tuple(_number(x) for x in f[1:7])
        except ValueError:
            return _num_err(f, range(7))

    rows.read(enc, line, ",", parse)
    t, v, _lines = rows.accept(*rows.arrays(line))
    return _Stream(path, "imu", t, v, 1e3, clock, "ms")


def _movesense_ios_plan(path: str) -> _Plan:
    line, _text, enc = _header(
        path,
        lambda s: s.lower().replace(" ", "") == "timestamp,x,y,z",
        "a Movesense Showcase iOS header 'timestamp,x,y,z'",
    )
    m = _MS_IOS_NAME.search(os.path.basename(path))
    if not m:
        raise TraceFormatError(
            path,
            line,
            "cannot tell whether this Movesense file holds the "
            "accelerometer or the gyroscope: its name must contain _acc_stream "
            "or _gyro_stream, as the Showcase app names it",
        )
    kind = "acc" if m.group(1).lower() == "acc" else "gyr"
    dev = re.search(r"_(\d{6,})_(?:acc|gyro)_stream", os.path.basename(path), re.I)
    return _Plan(
        path,
        kind,
        line,
        enc,
        ",",
        0,
        (1, 2, 3),
        1.0,
        1e3,
        "ms",
        device=f"Movesense {dev.group(1)}" if dev else "Movesense",
        ios_groups=True,
    )


def _movesense_ios_sibling(path: str, kind: str) -> str:
    folder, name = os.path.split(path)
    m = _MS_IOS_NAME.search(name)
    assert m is not None  # _movesense_ios_plan accepted only such names
    want = "gyro" if kind == "acc" else "acc"
    exact = name[: m.start(1)] + (want.upper() if m.group(1).isupper() else want) + name[m.end(1) :]
    if os.path.isfile(os.path.join(folder, exact)):
        return os.path.join(folder, exact)
    raise TraceFormatError(path, None, f"missing sibling file: expected {exact} next to it; pass both files")
