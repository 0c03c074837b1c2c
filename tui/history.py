"""Saved sessions: finding them, reading them back, and the trend over days.

A session folder (written by the dashboard, see ``storage``) holds ``session.json`` (summary,
setup, sets, reps), ``reps.csv``/``reps.json`` and the raw ``trace.csv``. A report can also be
made from any trace file: it is analysed on the spot. Re-analysis drives the same workout state
machine as the live dashboard (:mod:`sensor.core.workout`) with the session's own plan, so the
sets and reps it shows are the ones the live session counted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from sensor.core.ankle_reps import AnkleRep
from sensor.core.coach import Plan
from sensor.core.events import Rep
from sensor.core.workout import Workout, infer_plan, replay_workout

from . import storage


@dataclass
class SessionData:
    name: str
    folder: Path | None
    summary: dict[str, Any]  # session.json, or a summary built from an analysed trace
    reps: list[Rep]
    t: np.ndarray  # shin elevation over time (for plots)
    elev: np.ndarray
    posture: str
    workout: Workout | None = None  # the re-analysed workout (sets, reps, cues)
    ankle: dict[int, AnkleRep] = field(default_factory=dict)  # rep index -> ankle figures (foot sensor only)


def plan_of(setup: dict[str, Any]) -> Plan | None:
    """The plan a saved session's ``setup`` describes (None when it has none)."""
    names = {f.name for f in fields(Plan)}
    known = {k: v for k, v in setup.items() if k in names}
    try:
        return Plan(**known) if "reps_per_set" in known and "sets" in known else None
    except TypeError:
        return None


class SessionNotFound(Exception):
    pass


def sessions_root() -> Path:
    return storage.data_dir() / "sessions"


def list_sessions(root: Path | None = None) -> list[tuple[Path, dict[str, Any]]]:
    """(folder, session.json) for every readable saved session, oldest first."""
    base = root or sessions_root()
    out = []
    for folder in sorted(base.glob("*")) if base.is_dir() else []:
        try:
            doc = json.loads((folder / "session.json").read_text())
        except (OSError, ValueError):
            continue  # a session still being written, or damaged: not listed
        out.append((folder, doc))
    return out


def resolve(spec: str, root: Path | None = None) -> Path:
    """A session folder from a path, a folder name, ``latest``, or a trace file."""
    p = Path(spec).expanduser()
    if p.exists():
        return p
    base = root or sessions_root()
    if spec in ("latest", "last"):
        found = list_sessions(base)
        if not found:
            raise SessionNotFound(f"no saved sessions in {base}")
        return found[-1][0]
    if (base / spec).is_dir():
        return base / spec
    matches = [f for f, _ in list_sessions(base) if f.name.startswith(spec)]
    if len(matches) == 1:
        return matches[0]
    raise SessionNotFound(f"{spec}: no such session or file (see 'glide history')")


def load(spec: str, posture: str | None = None, root: Path | None = None) -> SessionData:
    """Read a session (or a trace) and re-run the pipeline for the angle curve.

    The reps come from the same pipeline that counted them live: replaying the recorded trace
    gives exactly the live reps, so the plot and the rep log cannot disagree.
    """
    from sensor.core.pipeline import analyze_stream
    from sensor.io.replog import log_set_summary
    from sensor.io.trace import TraceReader

    from .analysis import _keep_foot, ankle_figures

    path = resolve(spec, root)
    folder = path if path.is_dir() else None
    trace = (path / "trace.csv") if folder else path
    summary: dict[str, Any] = {}
    if folder is not None:
        try:
            summary = json.loads((folder / "session.json").read_text())
        except (OSError, ValueError):
            summary = {}
    with TraceReader(trace) as reader:
        post = posture or (summary.get("setup") or {}).get("posture") or reader.meta.get("posture") or "supine"
        foot: list | None = [] if reader.has_foot else None  # the foot's chunks, for the ankle figures
        chunks = reader.chunks() if foot is None else _keep_foot(reader.chunks(), foot)
        pipe, events = analyze_stream(chunks, post, reader.sample_rate_hz, keep_elevation=True)
        pieces = pipe.take_elevation()
    # what the live session logged, when it logged the same reps; else as `glide analyze` does
    # (axis learned from the whole recording: within a degree or two of the live figures)
    logged = [r for r in summary.get("reps") or [] if isinstance(r, dict) and "ankle_ok" in r]
    if foot and len(logged) == len(pipe.reps) and any(r["ankle_ok"] is not None for r in logged):
        ankle = {r.index: AnkleRep(x["ankle_swing_deg"], x["ankle_ok"]) for r, x in zip(pipe.reps, logged)}
    else:
        ankle = {r.index: a for r, a in zip(pipe.reps, ankle_figures(pipe.reps, foot).reps)} if foot else {}
    plan = plan_of(summary.get("setup") or {}) or infer_plan(pipe.reps)
    workout = replay_workout(events, plan, post)
    t = np.concatenate([p[0] for p in pieces]) if pieces else np.empty(0)
    e = np.concatenate([p[1] for p in pieces]) if pieces else np.empty(0)
    if not summary:
        summary = {
            "rep_count": len(workout.reps),
            "overall": log_set_summary(workout.reps, ankle),
            "sets": [{"set": s.index, **log_set_summary(s.reps, ankle)} for s in workout.sets_done()],
            "setup": {"posture": post},
            "source": {"name": str(trace)},
        }
    name = folder.name if folder else trace.name
    return SessionData(name, folder, summary, pipe.reps, t, e, post, workout, ankle)


def session_kind(doc: dict[str, Any]) -> str:
    """demo, replay or live: saved as ``source.kind``; older sessions are told apart by their source."""
    src = doc.get("source") or {}
    kind = src.get("kind")
    if kind in ("demo", "replay", "live"):
        return kind
    if "replay_of" in src:
        return "replay"
    return "demo" if src.get("name") == "simulated sensor" else "live"


def history_rows(sessions: list[tuple[Path, dict[str, Any]]]) -> list[dict[str, Any]]:
    rows = []
    for folder, doc in sessions:
        overall = doc.get("overall") or {}
        setup = doc.get("setup") or {}
        try:
            started = datetime.fromisoformat(doc.get("started_at", ""))
        except ValueError:
            started = None
        rows.append(
            {
                "session": folder.name,
                "source": session_kind(doc),
                "date": started.strftime("%Y-%m-%d %H:%M") if started else folder.name[:16],
                "day": started.date().isoformat() if started else folder.name[:10],
                "leg": setup.get("leg", "?"),
                "posture": setup.get("posture", "?"),
                "sets": len(doc.get("sets") or []),
                "reps": int(doc.get("rep_count") or 0),
                "rom": overall.get("mean_rom_deg"),
                "down": overall.get("mean_flex_down_s"),
                "up": overall.get("mean_extend_up_s"),
                "ankle_ok": overall.get("ankle_ok_count"),  # None: no foot sensor (or an older session)
            }
        )
    return rows


def daily_trend(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per day: reps done and the mean range of motion (weighted by reps)."""
    days: dict[str, dict[str, Any]] = {}
    for r in rows:
        d = days.setdefault(r["day"], {"day": r["day"], "reps": 0, "_rom_sum": 0.0, "_rom_n": 0})
        d["reps"] += r["reps"]
        if r["rom"] is not None and r["reps"]:
            d["_rom_sum"] += r["rom"] * r["reps"]
            d["_rom_n"] += r["reps"]
    out = []
    for d in sorted(days.values(), key=lambda x: x["day"]):
        out.append(
            {"day": d["day"], "reps": d["reps"], "rom": round(d["_rom_sum"] / d["_rom_n"], 1) if d["_rom_n"] else None}
        )
    return out
