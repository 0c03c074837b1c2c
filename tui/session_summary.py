"""``session.json``: the summary of one dashboard session, built from the workout's sets and reps."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sensor.core.coach import SAFETY_NOTE
from sensor.core.summary import set_summary

if TYPE_CHECKING:
    from .session import Session


def _round(x: float | None, nd: int = 2) -> float | None:
    return None if x is None else round(x, nd)


def session_summary(session: Session) -> dict[str, Any]:
    """The document ``session.json`` holds (format ``glide-session/1``)."""
    sets = []
    for s in session.sets_done():
        sets.append(
            {
                **s.summary(),
                "first_rep": s.reps[0].index,
                "last_rep": s.reps[-1].index,
                "started_s": round(s.reps[0].start_s, 3),
                "ended_s": round(s.ended_s, 3) if s.ended_s is not None else None,
            }
        )
    stats = asdict(session.pipeline.stats)
    return {
        "format": "glide-session/1",
        "started_at": session.started_at.isoformat(timespec="seconds"),
        "ended_at": (session.ended_at or datetime.now().astimezone()).isoformat(timespec="seconds"),
        "source": {"name": session.source_name, **{k: str(v) for k, v in session.source_meta.items()}},
        "setup": asdict(session.setup),
        "rep_count": len(session.reps),
        "uncounted_reps": session.uncounted,
        "complete": session.workout.complete,
        "sets": sets,
        "overall": set_summary(session.reps),
        "reps": [r.to_dict() for r in session.reps],
        "calibration": session.pipeline.mounting.describe() if session.pipeline.mounting else None,
        "recalibrations": session.recalibrations,
        "sensor": {
            "samples": session.n_samples,
            "duration_s": round((session.t_now or 0.0) - (session.t_first or 0.0), 3),
            "packet_loss_pct": _round(session.packet_loss_pct()),
            "pipeline_stats": stats,
        },
        "files": {"trace": "trace.csv", "reps_csv": "reps.csv", "reps_json": "reps.json"},
        "safety_note": SAFETY_NOTE,
    }
