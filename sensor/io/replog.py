"""Rep logs: the one export schema for reps (CSV columns = JSON keys of each rep), used by
``glide analyze --export``, live sessions and reports. Thin I/O shell around ``Rep.to_dict``.

Every log carries the foot sensor's per-rep figures (issue 16), ``ankle_swing_deg`` and
``ankle_ok``, after the shin's columns, and the set's ``ankle_ok_count``: empty cells / null
without a foot sensor, so one schema serves both (a reader never has to guess the columns)."""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sensor.core.ankle_reps import AnkleRep, ok_count
from sensor.core.events import Rep
from sensor.core.summary import REP_FIELDS, set_summary


class ExportError(Exception):
    """A rep log could not be written (bad suffix, unwritable path): one line for the user."""


def csv_safe(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula (=, +, -, @, tab, CR) gets a leading quote;
    numbers stay numbers."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


ANKLE_FIELDS = ["ankle_swing_deg", "ankle_ok"]
LOG_FIELDS = [*REP_FIELDS, *ANKLE_FIELDS]


def rep_rows(reps: Sequence[Rep], ankle: Mapping[int, AnkleRep] | None = None) -> list[dict[str, Any]]:
    """Each rep as a dict: its own fields, then its ankle figures (None without them)."""
    rows = []
    for r in reps:
        a = (ankle or {}).get(r.index)
        row = r.to_dict()
        row["ankle_swing_deg"] = a.to_dict()["ankle_swing_deg"] if a is not None else None
        row["ankle_ok"] = a.ankle_ok if a is not None else None
        rows.append(row)
    return rows


def log_set_summary(reps: Sequence[Rep], ankle: Mapping[int, AnkleRep] | None = None) -> dict[str, Any]:
    """The set statistics of ``reps`` plus ``ankle_ok_count`` (None without ankle figures)."""
    return {**set_summary(list(reps)), "ankle_ok_count": ok_count((ankle or {}).get(r.index) for r in reps)}


def write_rep_log(
    path: str, reps: Sequence[Rep], extra: dict[str, Any] | None = None, ankle: Mapping[int, AnkleRep] | None = None
) -> None:
    """Write ``reps`` to ``path`` as .csv or .json (one schema for every rep export); ``ankle``
    maps a rep's index to its ankle figures (the foot sensor's, when there is one)."""
    rows = rep_rows(reps, ankle)
    p = Path(path)
    suffix = p.suffix.lower()
    try:
        if suffix == ".json":
            doc = {"format": "glide-reps/1", "rep_count": len(rows), "reps": rows, "set": log_set_summary(reps, ankle)}
            doc.update(extra or {})
            p.write_text(json.dumps(doc, indent=2) + "\n")
        elif suffix == ".csv":
            with open(p, "w", newline="") as f:
                w = csv.DictWriter(f, fieldnames=LOG_FIELDS)
                w.writeheader()
                w.writerows({k: csv_safe(v) for k, v in row.items()} for row in rows)  # None: an empty cell
        else:
            raise ExportError(f"{path}: export format must be .csv or .json")
    except OSError as e:
        raise ExportError(f"cannot write {path}: {e.strerror or e}") from None
