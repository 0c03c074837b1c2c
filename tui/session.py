"""One exercise session as the dashboard sees it: the shell around the pipeline and the workout.

The app's worker calls :meth:`Session.ingest` with each chunk; the app's frame timer only *reads*
this object. Sets, rests, counted reps and cues belong to the workout state machine
(:mod:`sensor.core.workout`), a foot sensor's figures to :mod:`sensor.core.ankle_live`: this
module feeds them, records the trace, saves the rep log and keeps what only a screen needs
(calibration progress, the angle history, notices), so every screen is a pure view.

Time is sensor time throughout (``t_now`` = the last sample's time), so the rest timer and the
cues run at the replay speed, exactly like the workout machine's own logic."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sensor.core.ankle_live import AnkleFigures, AnkleLive, FootLink, FootLinkChanged
from sensor.core.ankle_reps import AnkleRep
from sensor.core.coach import Cue
from sensor.core.context_status import ContextStatus
from sensor.core.events import Event, Rep, RepCompleted, SensorStatus
from sensor.core.pipeline import Pipeline
from sensor.core.samples import ImuChunk
from sensor.core.summary import set_summary
from sensor.core.types import CueKind, LinkStatus, SensorStatusKind, Severity, WorkoutState
from sensor.core.workout import RepCounted, RepNotCounted, SetRecord, Workout, WorkoutEvent
from sensor.io.sources import RateMeter, estimate_loss_pct

from . import storage
from .session_summary import export, save_rep_log, session_summary
from .setup import CALIBRATION_STEPS, Calibration, ElevationHistory, SessionSetup, setup_following_trace
from .text import plural

if TYPE_CHECKING:
    from sensor.io.trace import TraceWriter

log = logging.getLogger("glide")
LIVE_LEARN_S = 30.0  # seconds of foot data the ankle axis is learned from live (offline: the whole trace)

__all__ = ["CALIBRATION_STEPS", "Calibration", "ElevationHistory", "Notice", "Session", "SessionFiles", "SessionSetup"]
__all__ += ["plural", "setup_following_trace"]


@dataclass
class Notice:
    text: str
    severity: Severity = Severity.INFO
    t_s: float = 0.0


@dataclass
class SessionFiles:
    folder: Path | None = None
    trace: Path | None = None
    exported: list[Path] = field(default_factory=list)
    error: str | None = None


class Session:
    """Pipeline, workout and recording of one session; the dashboard is a view of this."""

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
        self.workout = Workout(setup.targets(), setup.posture)
        self.pipeline = self._new_pipeline()
        self.calibration = Calibration()
        self.context = ContextStatus()  # what the status area says about counting (the voice decides alike)
        self.history = ElevationHistory()
        self.notice: Notice | None = None
        self.recalibrations = 0
        self.t_first: float | None = None
        self.t_now: float | None = None
        self.n_samples = 0
        self.rate = RateMeter()
        self.events_seen = 0
        self.event_tap: Any = None  # called with each event and coach cue as it is handled (tui.audio)
        self.source_state = LinkStatus.STREAMING
        self.recent: deque[str] = deque(maxlen=50)
        self.files = SessionFiles()
        self._writer: TraceWriter | None = None
        self._trace_meta: dict = {}
        self._rows_written = 0
        self.ankle = AnkleLive(rate_hz, learn_s=LIVE_LEARN_S, expect_foot=bool(self.source_meta.get("foot_device")))
        self.foot_notice: Notice | None = None  # the foot's latest lost/back, on the guidance line until a cue
        self._closed = False
        self._last_piece: tuple[np.ndarray, np.ndarray] | None = None
        if save:
            self._open_files(root)

    # ------------------------------------------------------------------ setup
    def _new_pipeline(self, config=None) -> Pipeline:
        return Pipeline(self.setup.posture, self.rate_hz, config, keep_elevation=True)

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
            # the foot's columns from the start if the source names a foot sensor, else see _record
            self._writer = TraceWriter(trace, meta, foot=bool(self.source_meta.get("foot_device")))
            self._trace_meta = meta
            self.files.trace = trace
        except (OSError, TraceWriteError, ValueError) as e:
            self.files.error = f"not saving this session: {e}"
            self.notice = Notice(self.files.error, Severity.ERROR)
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
        self._take(self.workout.advance(self.t_now))  # a rest that ran out: back to the next set
        self.n_samples += len(chunk)
        self.rate.add(chunk.t)
        if not self.calibration.calibrated:
            self.calibration.add(chunk)
        self._foot(self.ankle.feed(chunk))
        new = self._handle(self.pipeline.feed(chunk))
        self.context.advance(self.t_now)  # every event up to the chunk's end is in
        for piece in self.pipeline.take_elevation():
            if piece is not self._last_piece:
                self._last_piece = piece
                self.history.add(*piece)
        return new

    def _record(self, chunk: ImuChunk) -> None:
        if self._writer is None:
            return
        from sensor.io.trace import TraceWriteError, TraceWriter

        try:
            if chunk.has_foot and not self._writer.foot and not self._rows_written and self.files.trace:
                self._writer.close()  # only the header so far: the trace gets the foot's six columns
                self._writer = TraceWriter(self.files.trace, self._trace_meta, foot=True)
            if self._writer.foot and not chunk.has_foot:  # the foot's columns stay, NaN (as a lost foot)
                nan = np.full((len(chunk), 3), np.nan)
                chunk = ImuChunk(chunk.t, chunk.acc, chunk.gyr, nan, nan)
            self._writer.write(chunk)
            self._rows_written += len(chunk)
        except TraceWriteError as e:
            self.files.error = f"recording stopped: {e}"
            self.notice = Notice(self.files.error, Severity.ERROR, self.t_now or 0.0)
            self._writer = None

    def _handle(self, events: Iterable[Event]) -> list[Rep]:
        new: list[Rep] = []
        for ev in events:
            self.events_seen += 1
            if self.event_tap is not None and not isinstance(ev, RepCompleted):  # counted reps: in _take
                self.event_tap(ev)
            self.context.feed(ev)
            if isinstance(ev, SensorStatus):
                self._status(ev)
            new.extend(self._take(self.workout.handle(ev)))
        return new

    def _take(self, events: list[WorkoutEvent]) -> list[Rep]:
        """React to what the workout machine says: log it, save the rep log after a counted rep."""
        new: list[Rep] = []
        for wev in events:
            if self.event_tap is not None and isinstance(wev, (RepCounted, Cue)):
                self.event_tap(RepCompleted(wev.t_s, wev.rep) if isinstance(wev, RepCounted) else wev)
            if isinstance(wev, RepCounted):
                new.append(wev.rep)
                self.recent.append(f"{wev.t_s:.1f} s: rep {wev.rep.index}")
                self._foot(self.ankle.add_rep(wev.rep))
            elif isinstance(wev, RepNotCounted):
                self.recent.append(f"{wev.t_s:.1f} s: rep not counted ({wev.state})")
        if new:
            save_rep_log(self)
        return new

    def _foot(self, events: Sequence[FootLinkChanged | AnkleFigures]) -> None:
        """The foot sensor's news: its link (a notice; the shin keeps counting) and rep figures."""
        attached = False
        for ev in events:
            if isinstance(ev, AnkleFigures):
                self._take(self.workout.ankle_figures(ev.rep_index, ev.ankle, ev.t_s))
                attached = True
                continue
            self.recent.append(f"{ev.t_s:.1f} s: foot sensor {ev.state}")
            if ev.state == FootLink.LOST or "back" in ev.text:
                sev = Severity.WARN if ev.state == FootLink.LOST else Severity.INFO
                self.notice = self.foot_notice = Notice(ev.text, sev, ev.t_s)
        if attached:
            save_rep_log(self)

    def _status(self, ev: SensorStatus) -> None:
        self.recent.append(f"{ev.t_s:.1f} s: {ev.kind} {ev.detail}".rstrip())
        if ev.kind == SensorStatusKind.CALIBRATED:
            self.calibration.calibrated = True
            self.calibration.detail = ev.detail
            self.notice = Notice("Calibrated: " + ev.detail, Severity.INFO, ev.t_s)
        elif ev.kind == SensorStatusKind.MOUNTING_CHANGED:
            self._foot(self.ankle.relearn())  # the ankle axis in the shin sensor's frame moved with it
            self.notice = Notice(
                "The sensor moved on the shin: re-learning how it sits (keep going).", Severity.WARN, ev.t_s
            )
        elif ev.kind == SensorStatusKind.POSTURE_MISMATCH:  # a refused seated reading (sensor.core.lying_rests)
            msg = "This looks like the lying-down version: choose supine in the setup."
            self.notice = Notice(msg, Severity.WARN, ev.t_s)
        elif ev.kind == SensorStatusKind.GAP:
            self.notice = Notice(f"Samples missing: {ev.detail}", Severity.WARN, ev.t_s)
        elif ev.kind in (SensorStatusKind.BUFFER_TRIMMED, SensorStatusKind.UNCALIBRATED, SensorStatusKind.SKIPPED):
            self.notice = Notice(ev.detail, Severity.WARN, ev.t_s)

    # ------------------------------------------------------------------ user actions
    def toggle_pause(self) -> WorkoutState:
        self._take(self.workout.toggle_pause())
        return self.state

    def end_set(self) -> Cue | None:
        """End the current set now (the rest timer starts); None (no-op) on an empty set."""
        events = self.workout.end_set(self.t_now or 0.0)
        self._take(events)
        return next((e for e in events if isinstance(e, Cue)), None)

    def start_next_set(self) -> None:
        self._take(self.workout.start_next_set())

    def recalibrate(self) -> None:
        """Start learning the mounting afresh (after re-strapping the sensor)."""
        self.pipeline = self._new_pipeline(self.pipeline.cfg.restarted())  # mid-session (sensor.core.upright)
        self.calibration, self.context = Calibration(), ContextStatus()
        self._last_piece = None
        self.recalibrations += 1
        self._foot(self.ankle.relearn())
        self._take(self.workout.recalibrate())
        self.notice = Notice(
            "Recalibrating: hold still at tabletop, then do one slow rep.", Severity.INFO, self.t_now or 0.0
        )

    def source_ended(self, error: str | None = None) -> None:
        """The stream is over (end of a replay, the simulated session, or a lost sensor)."""
        self.source_state = LinkStatus.FAILED if error else LinkStatus.ENDED
        if self._closed:
            return
        self._handle(self.pipeline.finish())
        self._foot(self.ankle.finish())
        if error:
            self.notice = Notice(error, Severity.ERROR, self.t_now or 0.0)
        self._take(self.workout.finish(self.t_now))

    # ------------------------------------------------------------------ derived views (the workout owns them)
    @property
    def state(self) -> WorkoutState:
        return self.workout.state

    @property
    def reps(self) -> list[Rep]:
        return self.workout.reps

    @property
    def uncounted(self) -> int:
        return self.workout.uncounted

    @property
    def rep_notes(self) -> dict[int, str]:
        return self.workout.rep_notes

    @property
    def cue(self) -> Cue | None:
        return self.workout.cue

    @property
    def phase(self) -> str | None:
        return self.workout.phase

    @property
    def phase_where(self) -> str:
        return self.workout.phase_where

    @property
    def set_index(self) -> int:
        return self.workout.set_index

    @property
    def reps_in_set(self) -> int:
        return self.workout.reps_in_set

    @property
    def last_rep(self) -> Rep | None:
        return self.workout.last_rep

    def last_ankle(self) -> tuple[int, AnkleRep] | None:
        """(rep index, figures) of the latest rep whose ankle figures are in; None before any."""
        return max(self.workout.ankle.items(), default=None)

    @property
    def angle(self) -> float | None:
        return self.pipeline.last_angle if self.pipeline.mounting is not None else None

    def set_stats(self) -> dict[str, Any]:
        return set_summary(self.workout.shown_set().reps)

    @property
    def rest_left(self) -> float | None:
        return self.workout.rest_remaining(self.t_now or 0.0) if self.state == WorkoutState.RESTING else None

    def guidance(self) -> tuple[str, Severity]:
        """(text, severity) of the one guidance line."""
        w = self.workout
        if self.state == WorkoutState.RESTING:
            cue = w.rest_cue(self.t_now or 0.0)
            return (cue.text if cue else "Rest."), Severity.INFO
        if self.state == WorkoutState.PAUSED:
            return "Paused: reps are not counted. Press space to resume.", Severity.WARN
        if self.state == WorkoutState.DONE:
            if w.cue is not None and w.cue.kind == CueKind.SESSION_DONE:
                return w.cue.text, Severity.INFO
            return f"Session over: {plural(len(self.reps), 'rep')}.", Severity.INFO
        if self.state == WorkoutState.CALIBRATING:
            return CALIBRATION_STEPS[self.setup.posture][min(self.calibration.step, 2)], Severity.INFO
        f = self.foot_notice
        if f is not None and (w.cue is None or f.t_s >= w.cue.t_s):
            return f.text, f.severity
        if w.cue is not None:
            return w.cue.text, w.cue.severity
        return (
            f"Set {self.set_index} of {self.setup.sets}: slow and controlled, "
            f"{self.setup.down_s:.0f} s down, {self.setup.up_s:.0f} s up.",
            Severity.INFO,
        )

    @property
    def effective_rate_hz(self) -> float | None:
        return self.rate.hz

    def packet_loss_pct(self, nominal_hz: float | None = None) -> float | None:
        return estimate_loss_pct(self.n_samples, self.t_first, self.t_now, nominal_hz or self.rate_hz)

    def sets_done(self) -> list[SetRecord]:
        return self.workout.sets_done()

    # ------------------------------------------------------------------ export
    def summary(self) -> dict[str, Any]:
        """session.json: setup, sets, reps, calibration and sensor statistics."""
        return session_summary(self)

    def export(self) -> Path | None:
        """Write reps.csv, reps.json and session.json into the session folder (again, if asked)."""
        if self._writer is not None:
            self._writer.flush()
        return export(self)

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
