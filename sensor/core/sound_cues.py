"""Eyes-free coaching: which sound belongs to which moment of the exercise.

The person doing the supine glide lies on their back and cannot read a screen, so the count,
the turning points and the coach's advice must be heard. This module decides *what* is heard
and *when* (in sensor time); it never touches an audio device or a clock. The shells in
``tui.audio`` turn these cues into samples (tones with numpy, speech with a TTS engine) and
either play them live or write them to a WAV on the trace's own time base, so the live session
and ``glide analyze --audio-out`` hear exactly the same plan.

Input is small on purpose: :meth:`CuePlanner.feed` takes the pipeline's events and the coach's
:class:`~sensor.core.coach.Cue` objects in the order they happened, and
:meth:`CuePlanner.advance` tells it that sensor time went on (for the end of a rest). Whatever
owns the coaching (the workout state machine, :func:`coaching_for`) feeds the same method.

Rules (one state machine, ``Mode``):

* Nothing sounds before the mounting is learned, nor while the person is not exercising: a turn
  tone or a tempo sweep needs a rep completed in the last ``idle_s`` seconds (``ACTIVE``), so
  standing up, walking about or lowering the leg after the last set stays silent. A counted rep
  always sounds: the pipeline has said the person is doing the exercise.
* The activity context gates the rest (``context_ok``): on their feet (at once: the pipeline
  refuses reps then) or changing position (once it has lasted its dwell, so a strap re-seated
  mid-set costs no tone), no turn tone, tempo sweep or advice. When counting pauses and when it
  resumes a short line says so (``kind='context'``), once, after the context has lasted its
  dwell (:class:`~sensor.core.context_status.ContextDwell`, measured), so a flicker never
  chatters; "counting" only after a "paused" was said, and not if a count said it first.
  Nothing is said after the session is done. When the mounting is refused because the
  movement looks like the other posture, the voice says which posture to choose.
* Each rep: a high tone at its top and a low tone at its bottom. The turning point that closes
  the rep (the top supine, the bottom seated) sounds with the count; the far turning point
  sounds when the movement reaches it, if it went at least half the last rep's range from
  where it started (a wiggle or a partial movement is not a turning point).
* The count is spoken as the rep number. Reps found while calibrating reach the planner late,
  all at once: only the last number of such a batch is spoken, and no stale turn tone is played.
* Coaching cues are spoken briefly (the screen keeps the long text); "good rep" is not spoken,
  the count says it. A finished set or session adds the safety reminder.
* Optional tempo guide: a falling sweep lasting the target flex-down time starts when the
  flex-down starts, a rising one lasting the target extend-up time when the extend-up starts.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from sensor.core.ankle_live import AnkleFigures, AnkleLive
from sensor.core.coach import Cue, Targets
from sensor.core.context_status import PAUSED, ContextNews, ContextStatus
from sensor.core.context_status import SPOKEN as CONTEXT_SPOKEN
from sensor.core.events import ContextChanged, Event, PhaseStarted, Rep, RepCompleted, SensorStatus, TurnReached
from sensor.core.pipeline import Pipeline
from sensor.core.samples import ImuChunk
from sensor.core.types import Context, ContextShown
from sensor.core.workout import RepCounted, Workout

SAFETY_SPOKEN = "Stop if pain or tingling increases."

# Short spoken versions of the coach's cues (the screen shows the full sentence).
SPOKEN = {
    "slow_down": "Too fast. Slow down.",
    "extend_further": "Go higher.",
    "lower_further": "Bend further.",
    "hold_end_range": "Pause at the {far}.",
    "steady_rhythm": "Keep a steady rhythm.",
    "partial_rep": "Go through the full range.",
    "set_done": "Set done. Rest.",
    "session_done": "Session done. Well done.",
    "flex_foot": "Flex your foot as you lower.",  # the foot sensor's cues (issue 16)
    "point_toes": "Point your toes as you straighten.",
}
REST_OVER = "Rest over. Start when you are ready."

TONE_S = 0.12  # the renderer's tone length; speech after a tone starts this much later (plus a gap)
SPEECH_AFTER_TONE_S = 0.16


@dataclass(frozen=True, slots=True)
class Tone:
    """A short tone: ``bottom`` (low) or ``top`` (high)."""

    t_s: float
    name: Literal["bottom", "top"]


@dataclass(frozen=True, slots=True)
class Speech:
    """A phrase to say. ``kind`` lets a shell treat counts, advice and safety differently."""

    t_s: float
    text: str
    kind: Literal["count", "coach", "safety", "info", "context"]


@dataclass(frozen=True, slots=True)
class Sweep:
    """Tempo guide: a soft gliding tone, falling (``down``) or rising (``up``), ``duration_s`` long."""

    t_s: float
    direction: Literal["down", "up"]
    duration_s: float


SoundCue = Tone | Speech | Sweep


class Mode(enum.Enum):
    UNCALIBRATED = "uncalibrated"  # the pipeline does not know the mounting yet: no reps possible
    IDLE = "idle"  # calibrated, but no rep lately: setting up, walking, pausing
    ACTIVE = "active"  # reps are coming: turn tones and tempo sweeps sound
    RESTING = "resting"  # a set is done; the rest timer runs
    DONE = "done"  # the session is done: only a new rep wakes the planner


@dataclass(frozen=True)
class SoundConfig:
    tempo_guide: bool = False
    idle_s: float = 15.0  # no rep for this long: the person stopped exercising
    stale_s: float = 0.5  # a turn older than this (caught up after calibration) gets no tone
    far_share: float = 0.5  # the far turn must be this share of the last rep's range away
    # A glide phase takes 1-4 s; a gait swing about 0.4 s (swing is ~40 % of a ~1.1 s stride,
    # Perry & Burnfield, Gait Analysis, 2010). Faster movements are not turning points of a rep.
    min_phase_s: float = 0.7
    seated_top_min_deg: float = -60.0  # a seated extension rises well above hanging (as RepConfig)


class CuePlanner:
    """Feed it pipeline events and coach cues in order; it returns the sound cues to play."""

    def __init__(
        self, posture: str = "supine", targets: Targets | None = None, config: SoundConfig | None = None
    ) -> None:
        self.posture = posture
        self.targets = targets or Targets()
        self.cfg = config or SoundConfig()
        self.mode = Mode.UNCALIBRATED
        self.context = ContextStatus()  # what the screen shows, decided on the same events
        self.context_ok = True  # False while the person is not in position (see _gate)
        self._on_feet = False
        self._said: Literal["counting", "paused"] | None = None  # the last context the voice gave
        self.now = -math.inf  # sensor time of the latest input
        self.far: Literal["bottom", "top"] = "bottom" if posture == "supine" else "top"
        self.near: Literal["bottom", "top"] = "top" if posture == "supine" else "bottom"
        self._lead = -1.0 if posture == "supine" else 1.0  # y = lead * elevation grows toward the far end
        self._last_rep_t = -math.inf
        self._rest_until: float | None = None
        self._near_deg: float | None = None  # angle where the current cycle started (the last near turn)
        self._rom: float | None = None  # range of the last rep
        self._far_sounded = False
        self._cycle_start: float | None = None  # angle where the current away movement began
        self._cycle_t = -math.inf  # ... and when
        self._phase_t = -math.inf  # when the latest movement began
        self._return_ok = False  # the latest return movement looked like a glide (for partial-rep advice)

    # ------------------------------------------------------------------ input
    def feed(self, items: Iterable[Event | Cue]) -> list[SoundCue]:
        """Events and cues of one batch (e.g. one chunk of samples), in order."""
        out: list[SoundCue] = []
        for item in items:
            out.extend(self._one(item))
        return _last_count_only(out)

    def advance(self, t_s: float) -> list[SoundCue]:
        """Sensor time went on to ``t_s`` without events: end a rest, notice idleness, say a
        context that has now lasted its dwell (every event up to ``t_s`` must have been fed)."""
        return self._rest(t_s) + self._news(self.context.advance(t_s))

    def _rest(self, t_s: float) -> list[SoundCue]:
        self._tick(t_s)
        out: list[SoundCue] = []
        if self.mode is Mode.RESTING and self._rest_until is not None and self.now >= self._rest_until:
            self.mode, self._rest_until = Mode.IDLE, None
            if self.context_ok:
                out.append(Speech(self.now, REST_OVER, "info"))
        return out

    # ------------------------------------------------------------------ rules
    def _tick(self, t_s: float) -> None:
        self.now = max(self.now, t_s)
        if self.mode is Mode.ACTIVE and self.now - self._last_rep_t > self.cfg.idle_s:
            self.mode = Mode.IDLE

    def _one(self, item: Event | Cue) -> list[SoundCue]:
        if isinstance(item, Cue):
            self._tick(item.t_s)
            return self._coach(item)
        t_ev = item.t_s
        stale = t_ev < self.now - self.cfg.stale_s  # replayed after calibration, or out of order
        # a context due before this event is said before it (event time: the same for any chunking;
        # the pipeline delivers events in time order once calibrated, and all by their chunk's end)
        out = self.advance(t_ev)
        if isinstance(item, ContextChanged):
            self._on_feet = item.context == Context.ON_FEET
            return out + self._news(self.context.feed(item))
        if isinstance(item, SensorStatus):
            out += self._news(self.context.feed(item))
            if item.kind == "calibrated":
                self.mode = Mode.IDLE if self.mode is Mode.UNCALIBRATED else self.mode
            elif item.kind in ("mounting_changed", "uncalibrated"):
                self.mode = Mode.UNCALIBRATED
                self._near_deg, self._far_sounded, self._cycle_start = None, False, None
            return out
        if isinstance(item, RepCompleted):  # a counted rep always sounds
            return out + self._rep(item, stale)
        if not self.context_ok:
            return out
        if isinstance(item, TurnReached):
            return out + self._turn(item, stale)
        if isinstance(item, PhaseStarted):
            return out + self._phase(item, stale)
        return out

    def _gate(self) -> None:
        raw = self.context.raw
        self.context_ok = not (self._on_feet or (raw in PAUSED and self.context.shown in PAUSED))

    def _news(self, news: list[ContextNews]) -> list[SoundCue]:
        """The context lines to say for these changes of the shown context."""
        out: list[SoundCue] = []
        for n in news:
            self._gate()
            line = CONTEXT_SPOKEN.get(n.shown)
            cal = self.context.calibrated_s
            if self.mode is Mode.DONE or line is None:
                continue
            if n.shown == ContextShown.LOOKS_SUPINE:
                out.append(Speech(n.t_s, line, "context"))
            elif cal is None or n.t_s < cal:
                continue  # replayed after calibration: long past
            elif n.shown in PAUSED and self._said != "paused":
                self._said = "paused"
                out.append(Speech(n.t_s, line, "context"))
            elif n.shown == ContextShown.COUNTING:
                # seated, standing still reads as exercise: "counting" said from the context
                # was wrong 24 times in 24 (ContextDwell); the first count says it there
                if self._said == "paused" and self.posture == "supine":
                    out.append(Speech(n.t_s, line, "context"))
                self._said = "counting"
        self._gate()
        return out

    def _rep(self, ev: RepCompleted, stale: bool) -> list[SoundCue]:
        rep = ev.rep
        t = self.now  # a rep reported late is voiced now, never in the past
        self._said = "counting"  # the count says it
        self.mode = Mode.ACTIVE
        self._rest_until = None
        self._last_rep_t = t
        self._rom = rep.rom_deg
        self._near_deg = rep.top_deg if self.near == "top" else rep.bottom_deg
        self._far_sounded = False
        self._cycle_start = None
        speech = Speech(t + SPEECH_AFTER_TONE_S, str(rep.index), "count")
        if stale or rep.end_s < self.now - self.cfg.stale_s:
            return [speech]  # the turn itself was long ago (found while calibrating): no tone now
        return [Tone(t, self.near), speech]

    def _near_enough(self, angle: float) -> bool:
        """Is ``angle`` where a rep starts (close to where the last rep ended)?"""
        return self._near_deg is not None and abs(angle - self._near_deg) <= max(15.0, 0.35 * (self._rom or 60.0))

    def _turn(self, ev: TurnReached, stale: bool) -> list[SoundCue]:
        if ev.where == self.near:
            # a return movement ended: was it glide-like (for the partial-rep advice)?
            self._return_ok = (
                self._cycle_start is not None
                and self._near_enough(self._cycle_start)
                and ev.t_s - self._phase_t >= self.cfg.min_phase_s
            )
            self._cycle_start = None  # the next away movement starts a new cycle
            return []
        if stale or self.mode is not Mode.ACTIVE or self._far_sounded or self._cycle_start is None:
            return []
        if not self._near_enough(self._cycle_start):
            return []  # e.g. standing up or walking: the movement did not start where reps start
        if ev.t_s - self._cycle_t < self.cfg.min_phase_s:
            return []  # too quick for a glide: a step, a kick
        if self.posture == "seated" and ev.angle_deg < self.cfg.seated_top_min_deg:
            return []
        travel = self._lead * (ev.angle_deg - self._cycle_start)
        need = max(self.targets.min_rom_deg / 2, self.cfg.far_share * (self._rom or self.targets.min_rom_deg))
        if travel < need:
            return []  # a wiggle or a partial movement
        self._far_sounded = True
        return [Tone(self.now, self.far)]

    def _phase(self, ev: PhaseStarted, stale: bool) -> list[SoundCue]:
        if ev.phase not in ("flex_down", "extend_up"):
            return []
        down = ev.phase == "flex_down"
        away = (self._lead < 0) == down  # the first phase of a rep moves toward the far end
        self._phase_t = ev.t_s
        if away and self._cycle_start is None:
            self._cycle_start, self._cycle_t = ev.angle_deg, ev.t_s
        if not self.cfg.tempo_guide or stale or self.mode is not Mode.ACTIVE:
            return []
        if away:
            # a new rep starts from near the last rep's end, once per cycle
            if self._far_sounded or ev.angle_deg != self._cycle_start or not self._near_enough(ev.angle_deg):
                return []
        elif not self._far_sounded:
            return []
        dur = self.targets.down_s if down else self.targets.up_s
        return [Sweep(self.now, "down" if down else "up", dur)]

    def _coach(self, cue: Cue) -> list[SoundCue]:
        t = self.now + SPEECH_AFTER_TONE_S
        if cue.kind == "set_done":
            self.mode = Mode.RESTING
            self._rest_until = self.now + self.targets.rest_s
            return [Speech(t, SPOKEN["set_done"], "coach"), Speech(t, SAFETY_SPOKEN, "safety")]
        if cue.kind == "session_done":
            self.mode = Mode.DONE
            self._rest_until = None
            return [Speech(t, SPOKEN["session_done"], "coach"), Speech(t, SAFETY_SPOKEN, "safety")]
        text = SPOKEN.get(cue.kind)
        if text is None or self.mode is not Mode.ACTIVE or not self.context_ok:
            return []  # "good" (the count says it), rest countdowns (our own timer), or not exercising
        if cue.kind == "partial_rep" and not self._return_ok:
            return []  # a quick movement away from the exercise (standing up, a step), not a short rep
        return [Speech(t, text.format(far=self.far), "coach")]


def _last_count_only(cues: list[SoundCue]) -> list[SoundCue]:
    """Several counts at one moment (reps caught up at calibration): say only the last number."""
    counts = [i for i, c in enumerate(cues) if isinstance(c, Speech) and c.kind == "count"]
    drop = {i for i, j in zip(counts, counts[1:]) if cues[j].t_s - cues[i].t_s < 0.05}
    return [c for i, c in enumerate(cues) if i not in drop] if drop else cues


def coaching_for(targets: Targets, posture: str) -> Callable[[Event], list[Cue]]:
    """A function from one pipeline event to the coach cues it causes.

    The cues come from the workout state machine (it owns sets, rests and cues), so the planner
    hears what the dashboard shows.
    """
    workout = Workout(targets, posture)
    return lambda ev: [w for w in workout.handle(ev) if isinstance(w, Cue)]


def plan_stream(
    chunks: Iterable[ImuChunk],
    posture: str = "supine",
    rate_hz: float | None = None,
    targets: Targets | None = None,
    sound: SoundConfig | None = None,
    ankle_learn_s: float = 30.0,
) -> tuple[list[SoundCue], list[Rep]]:
    """What a live session would hear on a recorded stream: the pipeline, the workout's coaching
    rules (and, when the chunks carry a foot sensor, its ankle cues, as :mod:`sensor.core.ankle_live`
    gives them live) and the planner fed chunk by chunk, exactly as the dashboard feeds them.
    Returns (sound cues, reps)."""
    targets = targets or Targets()
    pipe = Pipeline(posture, rate_hz)
    workout = Workout(targets, posture)
    ankle = AnkleLive(rate_hz, learn_s=ankle_learn_s)
    planner = CuePlanner(posture, targets, sound)
    out: list[SoundCue] = []

    def run(events: list[Event], figures: list[Any], t_end: float | None) -> None:
        items: list[Event | Cue] = []
        for ev in events:
            items.append(ev)
            for w in workout.handle(ev):
                if isinstance(w, Cue):
                    items.append(w)
                elif isinstance(w, RepCounted):
                    figures.extend(ankle.add_rep(w.rep))
        for f in figures:
            if isinstance(f, AnkleFigures):  # (the link's changes are the screen's business)
                items.extend(w for w in workout.ankle_figures(f.rep_index, f.ankle, f.t_s) if isinstance(w, Cue))
        out.extend(planner.feed(items))
        if t_end is not None:
            out.extend(planner.advance(t_end))

    for chunk in chunks:
        if len(chunk):
            figures: list[Any] = list(ankle.feed(chunk))
            run(pipe.feed(chunk), figures, float(chunk.t[-1]))
    run(pipe.finish(), [], None)
    run([], list(ankle.finish()), None)
    reps: list[Rep] = pipe.reps  # Pipeline.reps is the detector's list of reps
    return out, reps
