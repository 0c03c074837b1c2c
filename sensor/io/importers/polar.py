"""Polar Sensor Logger exports (``<device>_<date>_<time>_ACC.txt`` / ``_GYRO.txt``), see the
package docstring and docs/formats.md for sources.
"""

from __future__ import annotations

import os
import re
from datetime import datetime

from sensor.io.importers.base import _header, _unit_kind
from sensor.io.importers.streams import _Plan
from sensor.io.rows import TraceFormatError

_POLAR_NAME = re.compile(
    r"^(?P<dev>.*)_(?P<date>\d{8})_(?P<time>\d{6})_(?P<kind>ACC|GYRO)"
    r"(?P<ext>\.\w+)$",
    re.I,
)
_POLAR_COL = re.compile(r"^([XYZ])\s*\[(.+)\]$")
_POLAR_EPOCH = datetime(2000, 1, 1)  # "nanoseconds, epoch 1.1.2000" (app FAQ)


def _polar_plan(path: str) -> _Plan:
    line, text, enc = _header(
        path,
        lambda s: s.lower().startswith("phone timestamp;sensor timestamp [ns]"),
        "a Polar Sensor Logger header 'Phone timestamp;sensor timestamp [ns];X [mg];Y [mg];Z [mg]'"
        " (or X [dps] ... for the gyro)",
    )
    cols = [c.strip() for c in text.split(";")]
    t_col = next(i for i, c in enumerate(cols) if c.lower() == "sensor timestamp [ns]")
    axes, units = {}, set()
    for i, c in enumerate(cols):
        m = _POLAR_COL.match(c)
        if m:
            axes[m.group(1)] = i
            units.add(m.group(2).strip())
    if set(axes) != {"X", "Y", "Z"} or len(units) != 1:
        raise TraceFormatError(path, line, f"wrong columns: expected X/Y/Z [unit] columns, found {text!r}")
    kind, scale = _unit_kind(path, line, units.pop())
    m = _POLAR_NAME.match(os.path.basename(path))
    return _Plan(
        path,
        kind,
        line,
        enc,
        ";",
        t_col,
        (axes["X"], axes["Y"], axes["Z"]),
        scale,
        1e9,
        "ns",
        epoch=_POLAR_EPOCH,
        device=m.group("dev").replace("_", " ") if m else None,
    )


def _polar_sibling(path: str, kind: str) -> str:
    want = "GYRO" if kind == "acc" else "ACC"
    folder, name = os.path.split(path)
    m = _POLAR_NAME.match(name)
    if not m:
        raise TraceFormatError(
            path,
            None,
            f"missing sibling file: cannot derive the {want} "
            "file name from this one (expected <device>_<YYYYMMDD>_<HHMMSS>"
            "_ACC.txt); pass both files",
        )
    exact = name[: m.start("kind")] + want + name[m.end("kind") :]
    if os.path.isfile(os.path.join(folder, exact)):
        return os.path.join(folder, exact)
    # The two streams may have started a second or two apart: same device, nearest stamp.
    stamp = datetime.strptime(m.group("date") + m.group("time"), "%Y%m%d%H%M%S")
    best = None
    for other in os.listdir(folder or "."):
        mo = _POLAR_NAME.match(other)
        if not mo or mo.group("kind").upper() != want or mo.group("dev") != m.group("dev"):
            continue
        try:
            d = abs((datetime.strptime(mo.group("date") + mo.group("time"), "%Y%m%d%H%M%S") - stamp).total_seconds())
        except ValueError:
            continue
        if d <= 120 and (best is None or d < best[0]):
            best = (d, other)
    if best is None:
        raise TraceFormatError(
            path,
            None,
            f"missing sibling file: no {want} file from the same "
            f"recording next to it (expected {exact}); pass both files",
        )
    return os.path.join(folder, best[1])
