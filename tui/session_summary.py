"""``session.json`` and the rep logs of one dashboard session, built from the workout's sets, reps
and (with a foot sensor) ankle figures; written atomically into the session folder."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sensor.core.coach import SAFETY_NOTE
from sensor.io.replog import log_set_summary, rep_rows, write_rep_log

from . import storage

if TYPE_CHECKING:
    from .session import Session

log = logging.getLogger("glide")


def _round(x: float | None, nd: int = 2) -> float | None:
    return None if x is None else round(x, nd)


def session_summary(session: Session) -> dict[str, Any]:
    """The document ``session.json`` holds (format ``glide-session/1``)."""
    sets = []
    ankle = session.workout.ankle
    for s in session.sets_done():
        sets.append(
            {
                "set": s.index,
                **log_set_summary(s.reps, ankle),
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
        "overall": log_set_summary(session.reps, ankle),
        "reps": rep_rows(session.reps, ankle),
        "calibration": session.pipeline.mounting.describe() if session.pipeline.mounting else None,
        "recalibrations": session.recalibrations,
        "foot_sensor": session.ankle.link.value,
        "sensor": {
            "samples": session.n_samples,
            "duration_s": round((session.t_now or 0.0) - (session.t_first or 0.0), 3),
            "packet_loss_pct": _round(session.packet_loss_pct()),
            "pipeline_stats": stats,
        },
        "files": {"trace": "trace.csv", "reps_csv": "reps.csv", "reps_json": "reps.json"},
        "safety_note": SAFETY_NOTE,
    }


def rep_log_extra(session: Session) -> dict[str, Any]:
    """What the rep logs say about the session besides its reps."""
    return {
        "session": session.files.folder.name if session.files.folder else None,
        "posture": session.setup.posture,
        "leg": session.setup.leg,
        "source": session.source_name,
        "sets": [{"set": s.index, "reps": [r.index for r in s.reps]} for s in session.sets_done()],
    }


def save_rep_log(session: Session) -> None:
    """Rewrite the rep logs atomically (after every counted rep and every rep's ankle figures):
    a SIGKILL loses no counted rep."""
    folder = session.files.folder
    if folder is None:
        return
    try:
        for name in ("reps.csv", "reps.json"):
            stem, ext = name.split(".")
            tmp = folder / f".{stem}.partial.{ext}"
            storage.private_file(tmp)
            write_rep_log(str(tmp), session.reps, rep_log_extra(session), session.workout.ankle)
            os.replace(tmp, folder / name)
    except Exception as e:
        session.files.error = f"rep log not saved: {e}"
        log.warning("cannot save the rep log: %s", e)


def export(session: Session) -> Path | None:
    """Write reps.csv, reps.json and session.json into the session folder (again, if asked)."""
    folder = session.files.folder
    if folder is None:
        return None
    extra = rep_log_extra(session)
    paths = [folder / "reps.csv", folder / "reps.json", folder / "session.json"]
    for p in paths[:2]:
        storage.private_file(p)
        write_rep_log(str(p), session.reps, extra, session.workout.ankle)
    storage.write_private_text(paths[2], json.dumps(session_summary(session), indent=2) + "\n")
    session.files.exported = paths
    return folder
