"""WitMotion PC/app record exports (tab-separated; chip time preferred, bursts of identical host
times spread), see the package docstring and docs/formats.md.
"""

from __future__ import annotations

import math
import re

import numpy as np

from sensor.io.importers.base import (
    _GAP_FACTOR,
    _DateClock,
    _head,
    _header,
    _Info,
    _num_err,
    _number,
    _Parsed,
    _Rows,
    _unit_kind,
)
from sensor.io.importers.streams import _median_step, _Stream
from sensor.io.rows import MAX_WARNINGS, TraceFormatError, TraceStats

_WIT_ACC = re.compile(r"^(?:acc|a|加速度)\s*([xyz])\s*\((.*)\)$", re.I)
_WIT_GYR = re.compile(r"^(?:as|w|gyro|gyr|角速度)\s*([xyz])\s*\((.*)\)$", re.I)
_WIT_CHIP = ("chiptime()", "chiptime", "片上时间()", "片上时间")
_WIT_TIME = ("time", "时间", "time(s)")
_WIT_DEV = ("devicename", "设备名称")


def _wit_split(s: str) -> tuple[str, list[str]]:
    delim = "\t" if "\t" in s else ("," if s.count(",") >= s.count(";") else ";")
    return delim, [c.strip() for c in s.split(delim)]


def _witmotion_header(s: str) -> bool:
    _, cols = _wit_split(s)
    return sum(bool(_WIT_ACC.match(c)) for c in cols) == 3 and sum(bool(_WIT_GYR.match(c)) for c in cols) == 3


def _spread_bursts(t: np.ndarray) -> tuple[np.ndarray, int]:
    """Runs of equal receive timestamps (several samples in one Bluetooth packet) are spread
    evenly over the interval since the previous distinct timestamp, ending at the stamp."""
    if len(t) < 2:
        return t, 0
    change = np.flatnonzero(np.diff(t) != 0) + 1
    starts = np.concatenate(([0], change))
    n = np.diff(np.append(starts, len(t)))
    if not (n > 1).any():
        return t, 0
    vals = t[starts]
    prev = np.concatenate(([np.nan], vals[:-1]))
    step = _median_step(vals) / max(float(np.median(n)), 1.0)
    prev[0] = vals[0] - n[0] * step if math.isfinite(step) else vals[0] - n[0]
    back = prev >= vals  # time went backwards: leave as is
    prev[back] = vals[back]
    group = np.repeat(np.arange(len(starts)), n)
    j = np.arange(len(t)) - starts[group] + 1  # 1..k within the run
    out = prev[group] + (vals[group] - prev[group]) * j / n[group]
    multi = (n > 1)[group] & ~back[group]
    return np.where(multi, out, t), int(multi.sum())


def _witmotion_stream(
    path: str, stats: TraceStats, rate: float | None, foot_device: str | None = None
) -> tuple[_Stream, _Info]:
    """One device's samples; with ``foot_device``, that device's rows (the WitMotion software
    records several sensors into one file, a row per sample and device) become the foot IMU's
    six columns, interpolated onto the shin's times (NaN outside its range and in its gaps)."""
    line, text, enc = _header(
        path,
        _witmotion_header,
        "a WitMotion header with AccX(g)/AccY(g)/AccZ(g) and "
        "AsX(°/s)/AsY(°/s)/AsZ(°/s) (or ax(g)... wx(deg/s)...) columns",
    )
    delim, cols = _wit_split(text)
    low = [c.lower() for c in cols]
    acc: dict[str, tuple[int, str]] = {}
    gyr: dict[str, tuple[int, str]] = {}
    for i, c in enumerate(cols):
        if m := _WIT_ACC.match(c):
            acc[m.group(1).lower()] = (i, m.group(2))
        elif m := _WIT_GYR.match(c):
            gyr[m.group(1).lower()] = (i, m.group(2))
    _, sa = _unit_kind(path, line, acc["x"][1] or "g")
    _, sg = _unit_kind(path, line, gyr["x"][1] or "deg/s")
    vcols = [acc[a][0] for a in "xyz"] + [gyr[a][0] for a in "xyz"]
    scales = (sa,) * 3 + (sg,) * 3
    chip = next((i for i, c in enumerate(low) if c in _WIT_CHIP), None)
    host = next((i for i, c in enumerate(low) if c in _WIT_TIME), None)
    dev_col = next((i for i, c in enumerate(low) if c in _WIT_DEV), None)
    t_col, t_name = _wit_time_column(path, enc, line, delim, chip, host)
    if t_col is None and rate is None:
        raise TraceFormatError(path, line, "no usable time column (time / ChipTime): give rate=HZ")
    if foot_device is not None and (t_col is None or dev_col is None):
        raise TraceFormatError(path, line, "--foot-device needs a DeviceName and a time column to align the two")
    foot: list[tuple[float, tuple[float, ...]]] = []
    clock = _DateClock()
    rows = _Rows(path, stats, 6)
    need = max([*vcols, *(c for c in (t_col, dev_col) if c is not None)]) + 1
    device: list[str] = []
    others: set[str] = set()
    k = [0]

    def parse(f: list[str], ln: int) -> _Parsed:
        if len(f) < need:
            return f"malformed row: expected at least {need} fields, found {len(f)}"
        if dev_col is not None:
            d = f[dev_col].strip()
            if d == foot_device and t_col is not None:  # (a time column is required for a foot)
                got = _values(f)
                if isinstance(got, str):
                    return got
                try:
                    foot.append((clock(f[t_col]), got))
                except ValueError:
                    return f"malformed row: not a time: {f[t_col].strip()[:40]!r}"
                return None
            if not device:
                device.append(d)
            elif d != device[0]:
                others.add(d)
                return None
        k[0] += 1
        if t_col is None:
            tt = float(k[0] - 1)
        else:
            try:
                tt = clock(f[t_col])
            except ValueError:
                return f"malformed row: not a time: {f[t_col].strip()[:40]!r}"
        got = _values(f)
        return got if isinstance(got, str) else (tt, got)

    def _values(f: list[str]) -> tuple[float, ...] | str:
        try:
            return tuple(
                math.nan if f[c].strip().lower() == "null" else _number(f[c]) * s for c, s in zip(vcols, scales)
            )
        except ValueError:
            return _num_err(f, vcols)

    rows.read(enc, line, delim, parse, skip=lambda s: s == text)  # repeated header lines
    t, v, lines = rows.arrays(line)
    spread = 0
    if t_name == "time":
        t, spread = _spread_bursts(t)
    t, v, _ = rows.accept(t, v, lines)
    sources: dict[str | None, str] = {"chip": "ChipTime (sensor clock)", "time": "time (receive time on the host)"}
    info: _Info = {
        "device": device[0] if device else "WitMotion",
        "time_source": sources.get(t_name, f"rate={rate} Hz"),
    }
    if spread:
        info["timestamps_spread"] = str(spread)
    if others:
        info["other_devices_skipped"] = ", ".join(sorted(others))
        note = f"{path}: several devices in the file; kept {device[0]!r}, skipped {info['other_devices_skipped']}"
        stats.warnings = (stats.warnings + [note])[:MAX_WARNINGS]
    if foot_device is not None:
        if not foot:
            seen = ", ".join(sorted({*device, *others})) or "none"
            raise TraceFormatError(path, line, f"no rows of device {foot_device!r} (devices in the file: {seen})")
        v = np.concatenate([v, _foot_on(t, foot, t_name == "time")], axis=1)
        info["foot_device"] = foot_device
    if t_col is not None:
        per_s = 1.0
    else:
        assert rate is not None  # refused above: no time column needs rate=
        per_s = rate
    return _Stream(path, "imu", t, v, per_s, clock if t_col is not None else None, "s"), info


def _wit_time_column(
    path: str, enc: str, line: int, delim: str, chip: int | None, host: int | None
) -> tuple[int | None, str | None]:
    """The chip time when the first data row has one, else the host time, else none."""
    head, _ = _head(path)
    first = next((s for i, s in head if i > line and s and not s.startswith("#")), None)
    if first is None:
        return None, None
    f = first.split(delim)
    for col, name in ((chip, "chip"), (host, "time")):
        if col is not None and col < len(f):
            try:
                _DateClock()(f[col])
                return col, name
            except ValueError:
                continue
    return None, None


def _foot_on(t: np.ndarray, foot: list[tuple[float, tuple[float, ...]]], spread: bool) -> np.ndarray:
    """The foot device's (time, six values) rows on the shin's times ``t``: linear interpolation,
    NaN outside the foot's time range, inside a gap of it (> 3 x its median step) and where its
    own samples were not finite (a dropped-out foot is kept as missing, never invented)."""
    ft = np.array([r[0] for r in foot], float)
    fv = np.array([r[1] for r in foot], float).reshape(-1, 6)
    if spread:
        ft, _ = _spread_bursts(ft)
    ok = np.isfinite(ft) & np.isfinite(fv).all(axis=1)
    ft, fv = ft[ok], fv[ok]
    keep = np.concatenate([[True], np.diff(ft) > 0]) if len(ft) else np.zeros(0, bool)
    ft, fv = ft[keep], fv[keep]  # time must go forward, as for the shin's rows
    out = np.full((len(t), 6), np.nan)
    if len(ft) < 2:
        return out
    idx = np.clip(np.searchsorted(ft, t, side="right"), 1, len(ft) - 1)
    gap = (ft[idx] - ft[idx - 1]) > _GAP_FACTOR * _median_step(ft)
    inside = (t >= ft[0]) & (t <= ft[-1]) & ~gap
    for k in range(6):
        out[inside, k] = np.interp(t[inside], ft, fv[:, k])
    return out
