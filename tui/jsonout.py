"""Strict JSON for everything glide prints or writes: no NaN or Infinity (they are not JSON).

A value that is missing or undefined (the median of no latencies, a precision with nothing
detected) becomes ``null``; numpy scalars and arrays become plain numbers and lists.
"""

from __future__ import annotations

import json
import math
from typing import Any


def clean(value: Any) -> Any:
    """``value`` with every non-finite float replaced by None and numpy types made plain."""
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, (str, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    tolist = getattr(value, "tolist", None)  # numpy scalar or array
    if tolist is not None:
        return clean(tolist())
    if hasattr(value, "__float__"):
        return clean(float(value))
    return str(value)


def dumps(value: Any, indent: int | None = 2) -> str:
    return json.dumps(clean(value), indent=indent, allow_nan=False)
