"""Any delimited file, through a column mapping and units given by the user."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

from sensor.io.importers.base import (
    _ACC_UNITS,
    _GYR_UNITS,
    _T_UNITS,
    _head,
    _IntClock,
    _num_err,
    _number,
    _Parsed,
    _Rows,
)
from sensor.io.importers.streams import _Stream
from sensor.io.rows import TraceFormatError, TraceStats

_CSV_KEYS = ("t", "ax", "ay", "az", "gx", "gy", "gz")
# A second IMU on the foot (issue 16), optional: all six or none; same units as the shin's.
# An empty or "nan" cell there is kept as NaN (the foot sensor dropped out), not a bad row.
_FOOT_KEYS = ("fax", "fay", "faz", "fgx", "fgy", "fgz")
MappingSpec = str | Mapping[str, object] | None
"""``--columns``/``--units``: "key=value,..." text or a mapping."""


def _parse_mapping(path: str, spec: MappingSpec, what: str, allowed: Sequence[str]) -> dict[str, str]:
    if spec is None:
        return {}
    if isinstance(spec, dict):
        items = [(str(k).strip(), str(v).strip()) for k, v in spec.items()]
    else:
        items = []
        for part in str(spec).split(","):
            if not part.strip():
                continue
            k, eq, v = part.partition("=")
            if not eq or not k.strip() or not v.strip():
                raise TraceFormatError(path, None, f"bad --{what} entry {part.strip()!r}: expected key=value")
            items.append((k.strip(), v.strip()))
    out: dict[str, str] = {}
    for k, v in items:
        if k not in allowed:
            raise TraceFormatError(path, None, f"bad --{what} key {k!r}: expected one of {', '.join(allowed)}")
        if k in out:
            raise TraceFormatError(path, None, f"bad --{what}: {k!r} given twice")
        out[k] = v
    return out


def _csv_stream(path: str, stats: TraceStats, columns: MappingSpec, units: MappingSpec, rate: float | None) -> _Stream:
    cmap = _parse_mapping(path, columns, "columns", _CSV_KEYS + _FOOT_KEYS)
    missing = [k for k in _CSV_KEYS[1:] if k not in cmap]
    foot_keys = [k for k in _FOOT_KEYS if k in cmap]
    if foot_keys and len(foot_keys) != 6:
        gone = ", ".join(k for k in _FOOT_KEYS if k not in cmap)
        raise TraceFormatError(path, None, f"--columns maps part of the foot sensor: map {gone} too (or none of them)")
    if missing:
        raise TraceFormatError(
            path,
            None,
            f"--columns must map {', '.join(missing)} (e.g. t=time,ax=AccX,ay=AccY,az=AccZ,gx=GyrX,gy=GyrY,gz=GyrZ)",
        )
    umap = _parse_mapping(path, units, "units", ("acc", "gyr", "t"))
    try:
        sa = _ACC_UNITS[umap.get("acc", "m/s2").lower()]
        sg = _GYR_UNITS[umap.get("gyr", "dps").lower()]
        per_s = _T_UNITS[umap.get("t", "s").lower()]
    except KeyError as e:
        raise TraceFormatError(
            path, None, f"bad --units value {e.args[0]!r}: acc=g|m/s2|mg, gyr=dps|rad/s, t=s|ms|us|ns"
        ) from None
    if "t" in cmap and rate is not None:
        raise TraceFormatError(path, None, "give either a time column (t=...) or rate=HZ, not both")
    if "t" not in cmap and rate is None:
        raise TraceFormatError(path, None, "no time column: map t=... in --columns or give rate=HZ")
    head, enc = _head(path)
    cand = [(i, s) for i, s in head if s and not s.startswith("#")]
    if not cand:
        raise TraceFormatError(path, 1, "empty file" if not any(s for _, s in head) else "no data")
    line, first = cand[0]
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    delim = max(counts, key=lambda d: (counts[d], d == ","))
    names = [c.strip().strip('"') for c in first.split(delim)]
    keys = [k for k in _CSV_KEYS + _FOOT_KEYS if k in cmap]
    idx: dict[str, int] = {}
    for k in keys:
        ref = cmap[k]
        if re.fullmatch(r"\d+", ref):
            idx[k] = int(ref)
        else:
            hits = [i for i, n in enumerate(names) if n == ref] or [
                i for i, n in enumerate(names) if n.lower() == ref.lower()
            ]
            if not hits:
                shown = ", ".join(repr(n) for n in names[:12])
                raise TraceFormatError(
                    path, line, f"wrong columns: no column named {ref!r} (for {k}) in the header: found {shown}"
                )
            idx[k] = hits[0]
    # A header line exists unless every mapped field of the first line is a number.
    try:
        for k in keys:
            _number(names[idx[k]])
        header_line = line - 1
    except (ValueError, IndexError):
        header_line = line
        if max(idx.values()) >= len(names):
            raise TraceFormatError(
                path, line, f"wrong columns: column {max(idx.values())} requested but the header has {len(names)}"
            ) from None
    vcols = [idx[k] for k in _CSV_KEYS[1:]]
    scales = (sa,) * 3 + (sg,) * 3
    fcols = [idx[k] for k in foot_keys]
    tc = idx.get("t")
    need = max(idx.values()) + 1
    clock = _IntClock() if tc is not None else None
    count = [0]
    rows = _Rows(path, stats, 6 + len(fcols), required=6)

    def parse(f: list[str], ln: int) -> _Parsed:
        count[0] += 1
        if len(f) < need:
            return f"malformed row: expected at least {need} fields, found {len(f)}"
        try:
            tt = clock(f[tc].strip().strip('"')) if tc is not None and clock is not None else float(count[0] - 1)
            vals = tuple(_number(f[c].strip().strip('"')) * s for c, s in zip(vcols, scales))
            return tt, vals + tuple(_foot_number(f[c]) * s for c, s in zip(fcols, scales))
        except ValueError:
            cells = [x.strip().strip('"') for x in f]
            return _num_err(cells, ([tc] if tc is not None else []) + vcols + fcols)

    rows.read(enc, header_line, delim, parse)
    t, v, _ = rows.accept(*rows.arrays(max(header_line, line)))
    unit = umap.get("t", "s") if tc is not None else "samples"
    if tc is None:
        assert rate is not None  # refused above: no time column needs rate=
        per_s = rate
    return _Stream(path, "imu", t, v, per_s, clock, unit)


def _foot_number(x: str) -> float:
    """A foot sensor's cell: empty means it had no sample there (NaN), otherwise a number."""
    x = x.strip().strip('"')
    return math.nan if not x else _number(x)
