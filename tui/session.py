"""One exercise session as the dashboard sees it: pipeline + coach + recording, no Textual.

The app's worker calls :meth:`Session.ingest` with each chunk from the source; the app's frame
timer only *reads* this object. Keeping the state here (rather than in widgets) makes every
screen a pure view and lets tests drive a session without a terminal.

Time is sensor time throughout (``t_now`` = the last sample's time), so the rest timer and the
cues run at the replay speed, exactly like the coach's own logic.
"""

from __future__ import annotations

import json
import logging
import os
from collections import deque
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path

import numpy as np

from sensor.core.coach import SAFETY_NOTE, Coach, Cue, Targets
from sensor.core.events import Hold, PartialRep, PhaseStarted, Rep, RepCompleted, SensorStatus, TurnReached
from sensor.core.pipeline import Pipeline
from sensor.core.samples import ImuChunk
from sensor.core.summary import set_summary
from sensor.io.sources import RateMeter, estimate_loss_pct

from . import storage

log = logging.getLogger("glide")

STILL_GYRO_DPS = 12.0  # a UI hint only: the pipeline does its own rest detection
HOLD_STILL_S = 1.0  # stillness the pipeline needs before it trusts the gyro bias


@dataclass
class SessionSetup:
    leg: str = "left"
    posture: str = "supine"
    reps_per_set: int = 10
    sets: int = 3
    down_s: float = 2.0
    up_s: float = 2.0
    rest_s: float = 60.0

    def targets(self) -> Targets:
        return Targets(
            reps_per_set=self.reps_per_set, sets=self.sets, down_s=self.down_s, up_s=self.up_s, rest_s=self.rest_s
        )

    def validate(self) -> list[str]:
        problems = []
        if self.leg not in ("left", "right"):
            problems.append("leg must be left or right")
        if self.posture not in ("supine", "seated"):
            problems.append("posture must be supine or seated")
        if not 1 <= self.reps_per_set <= 100:
            problems.append("reps per set: 1 to 100")
        if not 1 <= self.sets <= 20:
            problems.append("sets: 1 to 20")
        for name in ("down_s", "up_s"):
            if not 0.5 <= getattr(self, name) <= 20:
                problems.append(f"{name.replace('_s', '')} tempo: 0.5 to 20 s")
        if not 0 <= self.rest_s <= 900:
            problems.append("rest: 0 to 900 s")
        return problems


@dataclass
class Calibration:
    """Progress of the settling phase, as the setup screen shows it."""

    samples: int = 0
    still_s: float = 0.0
    held_still: bool = False
    movements: int = 0
    calibrated: bool = False
    detail: str = ""
    _moving: bool = False
    _last_t: float | None = None

    @property
    def progress(self) -> float:
        if self.calibrated:
            return 1.0
        if not self.samples:
            return 0.0
        if not self.held_still:
            return 0.1 + 0.4 * min(self.still_s / HOLD_STILL_S, 1.0)
        return 0.5 + 0.4 * min(self.movements / 2.0, 1.0)

    @property
    def step(self) -> int:
        """0: waiting for samples, 1: hold still, 2: first slow rep, 3: done."""
        if self.calibrated:
            return 3
        if not self.samples:
            return 0
        return 2 if self.held_still else 1

    def add(self, chunk: ImuChunk) -> None:
        self.samples += len(chunk)
        g = np.sqrt((chunk.gyr * chunk.gyr).sum(axis=1))
        a = np.sqrt((chunk.acc * chunk.acc).sum(axis=1))
        moving = bool((g > STILL_GYRO_DPS).any() or (np.abs(a - 9.81) > 2.0).any())
        t0 = self._last_t if self._last_t is not None else float(chunk.t[0])
        span = float(chunk.t[-1]) - t0
        self._last_t = float(chunk.t[-1])
        if moving:
            self.still_s = 0.0
        else:
            self.still_s += span
            if self.still_s >= HOLD_STILL_S:
                self.held_still = True
            if self._moving and self.held_still:
                self.movements += 1
        self._moving = moving


class ElevationHistory:
    """The last ``keep_s`` seconds of shin elevation, for the scrolling plot."""

    def __init__(self, keep_s: float = 20.0) -> None:
        self.keep_s = keep_s
        self.t = np.empty(0)
        self.e = np.empty(0)

    def add(self, t: np.ndarray, e: np.ndarray) -> None:
        if not len(t):
            return
        if len(self.t) and self.t[-1] >= t[0]:  # re-analysed history replaces what was shown
            k = int(np.searchsorted(self.t, t[0]))
            self.t, self.e = self.t[:k], self.e[:k]
        self.t = np.concatenate([self.t, t])
        self.e = np.concatenate([self.e, e])
        k = int(np.searchsorted(self.t, self.t[-1] - self.keep_s))
        if k:
            self.t, self.e = self.t[k:], self.e[k:]

    def clear(self) -> None:
        self.t, self.e = np.empty(0), np.empty(0)


@dataclass
class Notice:
    text: str
    severity: str = "info"  # info | warn | error
    t_s: float = 0.0


@dataclass
class SessionFiles:
    folder: Path | None = None
    trace: Path | None = None
    exported: list[Path] = field(default_factory=list)
    error: str | None = None


class Session:
    """Pipeline, coach, plan and recording of one session; the dashboard is a view of this."""

    def __init__(
        self,
        setup: SessionSetup,
        *,
        source_name: str,
        source_meta: dict | None = None,
        rate_hz: float | None = None,
        save: bool = True,
        root: Path | None = None,
        started_at: datetime | None = None,
    ) -> None:
        self.setup = setup
        self.source_name = source_name
        self.source_meta = dict(source_meta or {})
        self.rate_hz = rate_hz
        self.started_at = started_at or datetime.now().astimezone()
        self.ended_at: datetime | None = None
        self.coach = Coach(setup.targets(), posture=setup.posture)
        self.pipeline = self._new_pipeline()
        self.calibration = Calibration()
        self.history = ElevationHistory()
        self.state = "calibrating"  # calibrating | active | paused | resting | done
        self.phase: str | None = None  # flex_down | extend_up | hold
        self.phase_where: str = ""
        self.cue: Cue | None = None
        self.notice: Notice | None = None
        self.reps: list[Rep] = []  # counted reps, numbered across the session
        self.uncounted = 0  # reps done while paused or after the plan was complete
        self.recalibrations = 0
        self.t_first: float | None = None
        self.t_now: float | None = None
        self.n_samples = 0
        self.rate = RateMeter()
        self.events_seen = 0
        self.event_tap = None  # called with each event and coach cue as it is handled (tui.audio)
        self.source_state = "streaming"
        self.recent: deque[str] = deque(maxlen=50)
        self.rep_notes: dict[int, str] = {}  # rep index -> the cue it earned (kind)
        self.files = SessionFiles()
        self._writer = None
        self._closed = False
        self._last_piece = None
        if save:
            self._open_files(root)

    # ------------------------------------------------------------------ setup
    def _new_pipeline(self) -> Pipeline:
        return Pipeline(self.setup.posture, self.rate_hz, keep_elevation=True)

    def _open_files(self, root: Path | None) -> None:
        from sensor.io.trace import TraceWriteError, TraceWriter

        try:
            folder = storage.new_session_dir(self.started_at, root)
            self.files.folder = folder
            trace = storage.private_file(folder / "trace.csv")
            meta = {k: v for k, v in self.source_meta.items() if v is not None and k != "format"}
            meta.update(
                leg=self.setup.leg, posture=self.setup.posture, started_at=self.started_at.isoformat(timespec="seconds")
            )
            if self.rate_hz:
                meta["sample_rate_hz"] = float(self.rate_hz)
            meta = {k: v for k, v in meta.items() if "\n" not in str(v) and "\r" not in str(v)}
            self._writer = TraceWriter(trace, meta)
            self.files.trace = trace
        except (OSError, TraceWriteError, ValueError) as e:
            self.files.error = f"not saving this session: {e}"
            self.notice = Notice(self.files.error, "error")
            log.warning("cannot open the session folder: %s", e)

    # ------------------------------------------------------------------ the stream
    def ingest(self, chunk: ImuChunk) -> list[Rep]:
        """Feed one chunk from the source; returns the reps counted because of it."""
        if not len(chunk) or self._closed:
            return []
        self._record(chunk)
        if self.t_first is None:
            self.t_first = float(chunk.t[0])
        self.t_now = float(chunk.t[-1])
        if self.state == "resting" and self.coach.rest_remaining(self.t_now) == 0:
            self.start_next_set(by_timer=True)  # back to the dashboard for the next set
        self.n_samples += len(chunk)
        self.rate.add(chunk.t)
        if not self.calibration.calibrated:
            self.calibration.add(chunk)
        new = self._handle(self.pipeline.feed(chunk))
        for piece in self.pipeline.take_elevation():
            if piece is not self._last_piece:
                self._last_piece = piece
                self.history.add(*piece)
        return new

    def _record(self, chunk: ImuChunk) -> None:
        if self._writer is None:
            return
        from sensor.io.trace import TraceWriteError

        try:
            self._writer.write(chunk)
        except TraceWriteError as e:
            self.files.error = f"recording stopped: {e}"
            self.notice = Notice(self.files.error, "error", self.t_now or 0.0)
            self._writer = None

    def _handle(self, events) -> list[Rep]:
        new: list[Rep] = []
        for ev in events:
            self.events_seen += 1
            if self.event_tap is not None and not isinstance(ev, RepCompleted):  # counted reps: in _count
                self.event_tap(ev)
            if isinstance(ev, RepCompleted):
                rep = self._count(ev)
                if rep is not None:
                    new.append(rep)
            elif isinstance(ev, PhaseStarted):
                self.phase, self.phase_where = ev.phase, ""
            elif isinstance(ev, TurnReached):
                self.phase, self.phase_where = "hold", ev.where
            elif isinstance(ev, Hold):
                if self.phase != "hold":
                    self.phase, self.phase_where = "hold", ev.where
            elif isinstance(ev, PartialRep):
                if self.state in ("active", "calibrating"):
                    self._cue(self.coach.on_event(ev))
            elif isinstance(ev, SensorStatus):
                self._status(ev)
        return new

    def _count(self, ev: RepCompleted) -> Rep | None:
        if self.state in ("paused", "done"):
            self.uncounted += 1
            self.recent.append(f"{ev.t_s:.1f} s: rep not counted ({self.state})")
            return None
        rep = replace(ev.rep, index=len(self.reps) + 1)
        self.reps.append(rep)
        if self.event_tap is not None:
            self.event_tap(RepCompleted(ev.t_s, rep))
        cue = self.coach.on_event(RepCompleted(ev.t_s, rep))
        self._cue(cue)
        if cue is not None and cue.kind not in ("set_done", "session_done"):
            self.rep_notes[rep.index] = cue.kind.replace("_", " ")
        if self.state in ("resting", "calibrating"):
            self.state = "active"
        if cue is not None and cue.kind == "session_done":
            self.state = "done"
        elif self.coach.resting_until is not None:  # this rep completed the set
            self.state = "resting"
        self.recent.append(f"{ev.t_s:.1f} s: rep {rep.index}")
        self._save_rep_log()
        return rep

    def _rep_log_extra(self) -> dict:
        return {
            "session": self.files.folder.name if self.files.folder else None,
            "posture": self.setup.posture,
            "leg": self.setup.leg,
            "source": self.source_name,
            "sets": [{"set": s.index, "reps": [r.index for r in s.reps]} for s in self.sets_done()],
        }

    def _save_rep_log(self) -> None:
        """Rewrite reps.csv/reps.json after every counted rep, each atomically (temp + rename):
        a crash or SIGKILL loses no counted rep and never leaves a half-written log."""
        folder = self.files.folder
        if folder is None:
            return
        from sensor.io.replog import write_rep_log

        try:
            for name in ("reps.csv", "reps.json"):
                stem, ext = name.split(".")
                tmp = folder / f".{stem}.partial.{ext}"
                storage.private_file(tmp)
                write_rep_log(str(tmp), self.reps, self._rep_log_extra())
                os.replace(tmp, folder / name)
        except Exception as e:
            self.files.error = f"rep log not saved: {e}"
            log.warning("cannot save the rep log: %s", e)

    def _cue(self, cue: Cue | None) -> None:
        if cue is not None:
            self.cue = cue
            if self.event_tap is not None:
                self.event_tap(cue)

    def _status(self, ev: SensorStatus) -> None:
        self.recent.append(f"{ev.t_s:.1f} s: {ev.kind} {ev.detail}".rstrip())
        if ev.kind == "calibrated":
            self.calibration.calibrated = True
            self.calibration.detail = ev.detail
            if self.state == "calibrating":
                self.state = "active"
            self.notice = Notice("Calibrated: " + ev.detail, "info", ev.t_s)
        elif ev.kind == "mounting_changed":
            self.notice = Notice("The sensor moved on the shin: re-learning how it sits (keep going).", "warn", ev.t_s)
        elif ev.kind == "gap":
            self.notice = Notice(f"Samples missing: {ev.detail}", "warn", ev.t_s)
        elif ev.kind in ("buffer_trimmed", "uncalibrated", "skipped"):
            self.notice = Notice(ev.detail, "warn", ev.t_s)

    # ------------------------------------------------------------------ user actions
    def toggle_pause(self) -> str:
        if self.state == "paused":
            self.state = "active" if self.calibration.calibrated else "calibrating"
        elif self.state in ("active", "calibrating"):
            self.state = "paused"
        elif self.state == "resting":
            self.start_next_set()
        return self.state

    def end_set(self) -> Cue | None:
        """End the current set now (the rest timer starts); no-op on an empty set."""
        if self.state in ("done",) or not self.coach.current.reps:
            return None
        cue = self.coach.end_set(self.t_now or 0.0)
        self._cue(cue)
        if cue is not None:
            self.state = "done" if cue.kind == "session_done" else "resting"
        return cue

    def start_next_set(self, by_timer: bool = False) -> None:
        if self.state == "resting":
            self.coach.end_rest()
            self.state = "active" if self.calibration.calibrated else "calibrating"
            n = f"set {self.coach.current.index} of {self.setup.sets}"
            self.cue = Cue(
                self.t_now or 0.0,
                "rest",
                f"Rest over: start {n} when you are ready." if by_timer else f"{n.capitalize()}: go.",
            )

    def recalibrate(self) -> None:
        """Start learning the mounting afresh (after re-strapping the sensor)."""
        self.pipeline = self._new_pipeline()
        self.calibration = Calibration()
        self._last_piece = None
        self.phase, self.phase_where = None, ""
        self.recalibrations += 1
        if self.state in ("active", "paused"):
            self.state = "calibrating"
        self.notice = Notice("Recalibrating: hold still at tabletop, then do one slow rep.", "info", self.t_now or 0.0)

    def source_ended(self, error: str | None = None) -> None:
        """The stream is over (end of a replay, the simulated session, or a lost sensor)."""
        self.source_state = "failed" if error else "ended"
        if self._closed:
            return
        self._handle(self.pipeline.finish())
        if error:
            self.notice = Notice(error, "error", self.t_now or 0.0)
        if self.state != "done":
            if self.coach.current.reps:
                self.end_set()
            self.state = "done"

    # ------------------------------------------------------------------ derived views
    @property
    def set_index(self) -> int:
        return self.coach.current.index

    @property
    def reps_in_set(self) -> int:
        return self.coach.reps_in_set

    @property
    def last_rep(self) -> Rep | None:
        return self.reps[-1] if self.reps else None

    @property
    def angle(self) -> float | None:
        return self.pipeline.last_angle if self.pipeline.mounting is not None else None

    def set_stats(self) -> dict:
        reps = self.coach.current.reps
        if not reps and len(self.coach.sets) > 1:
            reps = self.coach.sets[-2].reps
        return set_summary(reps)

    @property
    def rest_left(self) -> float | None:
        return self.coach.rest_remaining(self.t_now or 0.0) if self.state == "resting" else None

    def guidance(self) -> tuple[str, str]:
        """(text, severity) of the one guidance line."""
        if self.state == "resting":
            cue = self.coach.rest_cue(self.t_now or 0.0)
            return (cue.text if cue else "Rest."), "info"
        if self.state == "paused":
            return "Paused: reps are not counted. Press space to resume.", "warn"
        if self.state == "done":
            return (
                self.cue.text
                if self.cue and self.cue.kind == "session_done"
                else f"Session over: {len(self.reps)} reps."
            ), "info"
        if self.state == "calibrating":
            return CALIBRATION_STEPS[self.setup.posture][min(self.calibration.step, 2)], "info"
        if self.cue is not None:
            return self.cue.text, self.cue.severity
        return (
            f"Set {self.set_index} of {self.setup.sets}: slow and controlled, {self.setup.down_s:.0f} s down, {self.setup.up_s:.0f} s up.",
            "info",
        )

    @property
    def effective_rate_hz(self) -> float | None:
        return self.rate.hz

    def packet_loss_pct(self, nominal_hz: float | None = None) -> float | None:
        return estimate_loss_pct(self.n_samples, self.t_first, self.t_now, nominal_hz or self.rate_hz)

    def sets_done(self) -> list:
        return [s for s in self.coach.sets if s.reps]

    # ------------------------------------------------------------------ export
    def summary(self) -> dict:
        sets = []
        for s in self.sets_done():
            sets.append(
                {
                    **s.summary(),
                    "first_rep": s.reps[0].index,
                    "last_rep": s.reps[-1].index,
                    "started_s": round(s.reps[0].start_s, 3),
                    "ended_s": round(s.ended_s, 3) if s.ended_s is not None else None,
                }
            )
        stats = asdict(self.pipeline.stats)
        return {
            "format": "glide-session/1",
            "started_at": self.started_at.isoformat(timespec="seconds"),
            "ended_at": (self.ended_at or datetime.now().astimezone()).isoformat(timespec="seconds"),
            "source": {"name": self.source_name, **{k: str(v) for k, v in self.source_meta.items()}},
            "setup": asdict(self.setup),
            "rep_count": len(self.reps),
            "uncounted_reps": self.uncounted,
            "complete": self.coach.done,
            "sets": sets,
            "overall": set_summary(self.reps),
            "reps": [r.to_dict() for r in self.reps],
            "calibration": self.pipeline.mounting.describe() if self.pipeline.mounting else None,
            "recalibrations": self.recalibrations,
            "sensor": {
                "samples": self.n_samples,
                "duration_s": round((self.t_now or 0.0) - (self.t_first or 0.0), 3),
                "packet_loss_pct": _round(self.packet_loss_pct()),
                "pipeline_stats": stats,
            },
            "files": {"trace": "trace.csv", "reps_csv": "reps.csv", "reps_json": "reps.json"},
            "safety_note": SAFETY_NOTE,
        }

    def export(self) -> Path | None:
        """Write reps.csv, reps.json and session.json into the session folder (again, if asked)."""
        folder = self.files.folder
        if folder is None:
            return None
        from sensor.io.replog import write_rep_log

        if self._writer is not None:
            self._writer.flush()
        extra = self._rep_log_extra()
        paths = [folder / "reps.csv", folder / "reps.json", folder / "session.json"]
        for p in paths[:2]:
            storage.private_file(p)
            write_rep_log(str(p), self.reps, extra)
        storage.write_private_text(paths[2], json.dumps(self.summary(), indent=2) + "\n")
        self.files.exported = paths
        return folder

    def close(self) -> Path | None:
        """End of the session: export and close the recording. Safe to call twice."""
        if self._closed:
            return self.files.folder
        self.ended_at = datetime.now().astimezone()
        folder = None
        try:
            folder = self.export()
        finally:
            self._closed = True
            if self._writer is not None:
                try:
                    self._writer.close()
                except Exception as e:
                    self.files.error = f"trace not closed cleanly: {e}"
                self._writer = None
        return folder


def _round(x: float | None, nd: int = 2) -> float | None:
    return None if x is None else round(x, nd)


CALIBRATION_STEPS = {
    "supine": [
        "Waiting for the sensor...",
        "Lie on your back, bring the leg to tabletop (knee over hip, shin level) and hold still.",
        "Good. Now one slow rep: lower the heel, then straighten the leg up. glide learns how the sensor sits.",
    ],
    "seated": [
        "Waiting for the sensor...",
        "Sit tall, let the shin hang and hold still.",
        "Good. Now one slow rep: straighten the knee, then lower it back. glide learns how the sensor sits.",
    ],
}
