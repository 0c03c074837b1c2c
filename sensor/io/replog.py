"""Rep logs: the one export schema for reps (CSV columns = JSON keys of each rep), used by
``glide analyze --export``, live sessions and reports. Thin I/O shell around ``Rep.to_dict``."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

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


def write_rep_log(path: str, reps: Sequence[Rep], extra: dict[str, Any] | None = None) -> None:
    """Write ``reps`` to ``path`` as .csv or .json (one schema for every rep export)."""
    rows = [r.to_dict() for r in reps]
    p = Path(path)
    suffix = p.suffix.lower()
    try:
        if suffix == ".json":
            doc = {"format": "glide-reps/1", "rep_count": len(rows), "reps": rows, "set": set_summary(list(reps))}
            doc.update(extra or {})
            p.write_text(json.dumps(doc, indent=2) + "\n")
        elif suffix == ".csv":
            with open(p, "w", newline="") as f:
                w = csv.DictWriter(f, fieldnames=REP_FIELDS)
                w.writeheader()
                w.writerows({k: csv_safe(v) for k, v in row.items()} for row in rows)
        else:
            raise ExportError(f"{path}: export format must be .csv or .json")
    except OSError as e:
        raise ExportError(f"cannot write {path}: {e.strerror or e}") from None
