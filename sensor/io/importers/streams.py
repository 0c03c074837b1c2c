"""Streams of one sensor, merging an accelerometer/gyroscope pair onto one clock, and assembling
the ImportedTrace; plus the column plan that the two-file formats read with.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from sensor.io.importers.base import (
    _GAP_FACTOR,
    ImportedTrace,
    _DateClock,
    _Info,
    _IntClock,
    _num_err,
    _number,
    _Parsed,
    _rate,
    _Rows,
)
from sensor.io.rows import TraceFormatError, TraceStats


@dataclass
class _Stream:
    path: str
    kind: str  # "acc", "gyr" or "imu" (acc in v[:, :3], gyr in v[:, 3:6]; a foot IMU's six in v[:, 6:12])
    t: np.ndarray  # time in source units, relative to the clock's origin
    v: np.ndarray  # values in m/s^2 / deg/s
    per_s: float  # source time units per second
    clock: _IntClock | _DateClock | None = None
    unit: str = "s"


def _median_step(t: np.ndarray) -> float:
    d = np.diff(t)
    d = d[d > 0]
    return float(np.median(d)) if len(d) else math.inf


def _merge(a: _Stream, g: _Stream, info: _Info) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Accelerometer and gyroscope on one time base: the faster one's own timestamps."""
    da, dg = _median_step(a.t), _median_step(g.t)
    base, other = (g, a) if dg < da * 0.99 else (a, g)
    bt, ot = base.t, other.t
    if len(ot) < 2:
        raise TraceFormatError(
            other.path,
            None,
            f"only {len(ot)} usable sample(s) in the {_KIND_NAME[other.kind]} file: too few to align the two sensors",
        )
    if bt[-1] < ot[0] or bt[0] > ot[-1]:

        def span(s: _Stream) -> str:
            return f"{s.t[0] / s.per_s:.3f}-{s.t[-1] / s.per_s:.3f} s"

        raise TraceFormatError(
            other.path,
            None,
            "the accelerometer and gyroscope recordings do "
            f"not overlap in time (acc {span(a)}, gyro {span(g)} on the "
            "sensor clock)",
        )
    inside = (bt >= ot[0]) & (bt <= ot[-1])
    idx = np.clip(np.searchsorted(ot, bt, side="right"), 1, len(ot) - 1)
    bracket = ot[idx] - ot[idx - 1]
    step = _median_step(ot)
    in_gap = inside & (bracket > _GAP_FACTOR * step) & ~np.isin(bt, ot)
    keep = inside & ~in_gap
    t = bt[keep]
    interp = np.column_stack([np.interp(t, ot, other.v[:, k]) for k in range(3)])
    vb = base.v[keep]
    acc, gyr = (vb, interp) if base is a else (interp, vb)
    info["time_base"] = ("accelerometer" if base is a else "gyroscope") + " timestamps"
    info["dropped_outside_overlap"] = str(int((~inside).sum()))
    info["dropped_in_gaps"] = str(int(in_gap.sum()))
    return t, acc, gyr


def _assemble(fmt: str, streams: list[_Stream], stats: TraceStats, info: _Info) -> ImportedTrace:
    foot: tuple[np.ndarray, np.ndarray] | tuple[()] = ()
    if len(streams) == 2:
        a, g = sorted(streams, key=lambda s: s.kind)  # "acc" < "gyr"
        t_raw, acc, gyr = _merge(a, g, info)
        ref = a
    else:
        ref = streams[0]
        t_raw, acc, gyr = ref.t, ref.v[:, :3], ref.v[:, 3:6]
        if ref.v.shape[1] == 12:  # a second sensor on the foot, on the same rows (issue 16)
            foot = (ref.v[:, 6:9], ref.v[:, 9:12])
    if len(t_raw) == 0:
        raise TraceFormatError(ref.path, None, "no samples left after aligning the two sensors")
    t = (t_raw - t_raw[0]) / ref.per_s
    meta = {
        "source_format": fmt,
        "source_files": ", ".join(os.path.basename(s.path) for s in sorted(streams, key=lambda s: s.kind)),
    }
    rate = _rate(t)
    if rate is not None:
        meta["sample_rate_hz"] = repr(rate)
    clock = ref.clock
    if isinstance(clock, _IntClock) and clock.origin is not None:
        r0 = float(t_raw[0])
        first = clock.origin + (int(r0) if r0.is_integer() else r0)
        meta["source_t0"] = f"{first} {ref.unit}"
        epoch = info.pop("epoch", None)
        if isinstance(epoch, datetime):  # the only kind of "epoch" a plan stores
            meta["started_at"] = _iso(epoch + timedelta(seconds=float(first) / ref.per_s))
    elif isinstance(clock, _DateClock) and clock.day0 is not None:
        meta["started_at"] = _iso(clock.day0 + timedelta(seconds=float(t_raw[0])))
    meta.update({k: v for k, v in info.items() if isinstance(v, str)})
    meta["samples"] = str(len(t))
    if len(t) > 1:  # gaps on the output time base, as TraceReader
        dt = np.diff(t)
        med = float(np.median(dt))
        big = dt[dt > _GAP_FACTOR * med]
        stats.gaps += len(big)
        stats.gap_seconds_total += float((big - med).sum())
    paths = tuple(s.path for s in streams)
    return ImportedTrace(paths, fmt, meta, stats, arrays=(t, acc, gyr, *foot))  # chunks copy slices


def _iso(d: datetime) -> str:
    if d.tzinfo is not None and d.utcoffset() == timedelta(0):
        return d.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"
    return d.isoformat(timespec="milliseconds")


def _open_pair(
    paths: tuple[str, ...],
    stats: TraceStats,
    plan_fn: Callable[[str], _Plan],
    sibling_fn: Callable[[str, str], str],
    rate: float | None,
) -> tuple[list[_Stream], _Info]:
    """Two-file formats: plan both headers first (fails fast), then read both on one clock."""
    first = plan_fn(paths[0])
    if len(paths) == 1:
        second = plan_fn(sibling_fn(paths[0], first.kind))
    else:
        second = plan_fn(paths[1])
    if {first.kind, second.kind} != {"acc", "gyr"}:
        raise TraceFormatError(
            second.path,
            second.header_line,
            f"both files hold {_KIND_NAME[first.kind]} data: expected one accelerometer and one gyroscope file",
        )
    clock = _IntClock()
    info: _Info = {}
    streams = [p.read(stats, clock, rate, info) for p in (first, second)]
    return streams, info


_KIND_NAME = {"acc": "accelerometer", "gyr": "gyroscope", "imu": "IMU"}


@dataclass
class _Plan:
    """One file of a pair: where its columns are and how to read them."""

    path: str
    kind: str
    header_line: int
    enc: str
    delim: str
    t_col: int
    v_cols: tuple[int, int, int]
    scale: float
    per_s: float
    unit: str
    epoch: datetime | None = None
    device: str | None = None
    ios_groups: bool = False  # Movesense iOS: timestamp only on group rows

    def read(self, stats: TraceStats, clock: _IntClock, rate: float | None, info: _Info) -> _Stream:
        rows = _Rows(self.path, stats, 3)
        need = max(self.t_col, *self.v_cols) + 1
        tc, (xc, yc, zc), sc, ios = self.t_col, self.v_cols, self.scale, self.ios_groups

        def parse(f: list[str], line: int) -> _Parsed:
            if len(f) < need:
                return f"malformed row: expected at least {need} fields, found {len(f)}"
            try:
                tt = math.nan if (ios and not f[tc].strip()) else clock(f[tc])
                return tt, (_number(f[xc]) * sc, _number(f[yc]) * sc, _number(f[zc]) * sc)
            except ValueError:
                return _num_err(f, (tc, xc, yc, zc) if f[tc].strip() or not ios else (xc, yc, zc))

        rows.read(self.enc, self.header_line, self.delim, parse)
        t, v, lines = rows.arrays(self.header_line)
        if ios:
            t = _ios_times(self, t, lines, rate, info)
        t, v, _ = rows.accept(t, v, lines)
        if self.epoch is not None:
            info["epoch"] = self.epoch
        if self.device:
            info.setdefault("device", self.device)
        return _Stream(self.path, self.kind, t, v, self.per_s, clock, self.unit)


def _ios_times(plan: _Plan, t: np.ndarray, lines: np.ndarray, rate: float | None, info: _Info) -> np.ndarray:
    """Rows without a timestamp continue the notification above: t = T + i * 1000 / rate."""
    starts = np.flatnonzero(~np.isnan(t))
    if not len(starts) or starts[0] != 0:
        raise TraceFormatError(plan.path, int(lines[0]), "data starts with a row without timestamp")
    n = np.diff(np.append(starts, len(t)))  # samples per notification
    if rate is None:
        span = t[starts[-1]] - t[starts[0]]
        if len(starts) < 2 or span <= 0:
            raise TraceFormatError(
                plan.path,
                int(lines[0]),
                "cannot estimate the sample rate from fewer than two notifications: give rate=HZ",
            )
        rate = 1000.0 * float(n[:-1].sum()) / float(span)
    info[f"{plan.kind}_rate_hz"] = repr(round(rate, 3))
    group = np.repeat(np.arange(len(starts)), n)
    i = np.arange(len(t)) - starts[group]
    out: np.ndarray = t[starts][group] + i * (1000.0 / rate)
    return out
