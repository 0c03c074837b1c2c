"""Per-set statistics a physiotherapist asks about: count, cadence, range, tempo and its spread."""

from __future__ import annotations

from typing import Any

import numpy as np

from sensor.core.events import Rep

REP_FIELDS = [
    "index",
    "posture",
    "start_s",
    "bottom_s",
    "top_s",
    "end_s",
    "detected_s",
    "flex_down_s",
    "extend_up_s",
    "hold_bottom_s",
    "hold_top_s",
    "duration_s",
    "rom_deg",
    "bottom_deg",
    "top_deg",
    "peak_velocity_dps",
]


def set_summary(reps: list[Rep]) -> dict[str, Any]:
    """Count, duration, cadence, and the mean and SD of each phase, hold and angle of a set."""
    n = len(reps)
    out: dict[str, Any] = {"rep_count": n}
    if n == 0:
        return out
    span = reps[-1].end_s - reps[0].start_s
    out["duration_s"] = round(span, 2)
    out["cadence_per_min"] = round(60.0 * n / span, 2) if span > 0 else None
    # a rep counted from its extension alone (Rep.has_flex_down) has no flex-down and half a
    # rep's duration: the tempo figures are the whole reps' (all reps' if there are none)
    whole = [r for r in reps if r.has_flex_down] or reps
    for key in (
        "rom_deg",
        "flex_down_s",
        "extend_up_s",
        "hold_bottom_s",
        "hold_top_s",
        "duration_s",
        "top_deg",
        "bottom_deg",
    ):
        src = whole if key in ("flex_down_s", "duration_s") else reps
        vals = np.array([getattr(r, key) for r in src])
        name = key if key != "duration_s" else "rep_duration_s"
        out[f"mean_{name}"] = round(float(vals.mean()), 2)
        out[f"sd_{name}"] = round(float(vals.std(ddof=1)), 2) if len(src) > 1 else 0.0
    d = np.array([r.duration_s for r in whole])
    out["tempo_cv"] = round(float(d.std(ddof=1) / d.mean()), 3) if len(d) > 1 and d.mean() > 0 else 0.0
    return out
