"""MbientLab MetaBase CSV pairs (``..._Accelerometer_...csv`` / ``..._Gyroscope_...csv``), see the
package docstring and docs/formats.md for sources.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime

from sensor.io.importers.base import _header, _unit_kind
from sensor.io.importers.streams import _Plan
from sensor.io.rows import TraceFormatError

_MB_NAME = re.compile(r"^(?P<pre>.*)(?P<kind>Accelerometer|Gyroscope)(?P<post>[^/\\]*)\.csv$", re.I)
_MB_COL = re.compile(r"^([xyz])-axis\s*\((.+)\)$", re.I)


def _metabase_plan(path: str) -> _Plan:
    line, text, enc = _header(
        path,
        lambda s: bool(re.match(r"epoch? \(ms\),", s.lower())),
        "a MetaBase header 'epoch (ms),time (...),elapsed (s),x-axis (g),y-axis (g),z-axis (g)'",
    )
    cols = [c.strip() for c in text.split(",")]
    axes, units = {}, set()
    for i, c in enumerate(cols):
        m = _MB_COL.match(c)
        if m:
            axes[m.group(1).lower()] = i
            units.add(m.group(2).strip())
    if set(axes) != {"x", "y", "z"} or len(units) != 1:
        raise TraceFormatError(
            path, line, f"wrong columns: expected x-axis/y-axis/z-axis (unit) columns, found {text!r}"
        )
    kind, scale = _unit_kind(path, line, units.pop())
    m = re.search(r"_([0-9A-F]{12})_", os.path.basename(path))
    return _Plan(
        path,
        kind,
        line,
        enc,
        ",",
        0,
        (axes["x"], axes["y"], axes["z"]),
        scale,
        1e3,
        "ms",
        epoch=datetime(1970, 1, 1, tzinfo=UTC),
        device=f"MetaWear {m.group(1)}" if m else "MetaWear",
    )


def _metabase_sibling(path: str, kind: str) -> str:
    want = "Gyroscope" if kind == "acc" else "Accelerometer"
    folder, name = os.path.split(path)
    m = _MB_NAME.match(name)
    if not m:
        raise TraceFormatError(
            path,
            None,
            f"missing sibling file: cannot derive the {want} file "
            "name (expected ..._Accelerometer_....csv); pass both files",
        )
    pre, post = m.group("pre"), m.group("post")
    cands = sorted(
        o
        for o in os.listdir(folder or ".")
        if (mo := _MB_NAME.match(o)) and mo.group("pre") == pre and mo.group("kind").lower() == want.lower()
    )
    same = [o for o in cands if (mo := _MB_NAME.match(o)) and mo.group("post") == post]
    if len(same) == 1 or len(cands) == 1:
        return os.path.join(folder, (same or cands)[0])
    if not cands:
        raise TraceFormatError(path, None, f"missing sibling file: no {pre}{want}...csv next to it; pass both files")
    raise TraceFormatError(path, None, f"ambiguous sibling file: {', '.join(cands)}; pass both files")
