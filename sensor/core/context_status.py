"""What the person is told about counting: the activity context, calmly, on screen and by voice.

The pipeline's :class:`~sensor.core.events.ContextChanged` events follow the context tracker
sample by sample (``sensor.core.context``), and on true sessions the tracker flickers: a
re-seated strap or a foot set down between sets reads as a second or three of "repositioning" or
"on feet" while the person lies in position, and standing still for a few seconds between walks
reads as "exercise". Saying each flicker ("counting paused", "counting") would be noise and,
half the time, wrong. :class:`ContextStatus` shows a new context only once it has lasted its
dwell time, measured on the tracker's own output over the mixed corpus (seeds 0-999, both
postures, 750 true sessions; :class:`ContextDwell` records the figures), and says why there is no
context yet (mounting not learned, relearning, or the movement looks like the other posture).

Decisions are made on the events' own sensor times, never on when the caller happens to ask:
a new context is shown at ``start + dwell`` if no other context began before that moment, so
the same events give the same :class:`ContextNews` for any chunking. Sans-IO: the dashboard
(``tui``) and the cue planner (``sensor.core.sound_cues``) each feed one.
"""

from __future__ import annotations

from dataclasses import dataclass

from sensor.core.events import ContextChanged, Event, SensorStatus
from sensor.core.types import Context, ContextShown, PostureMismatch, SensorStatusKind

PAUSED = (ContextShown.ON_FEET, ContextShown.CHANGING)
NOT_YET = (ContextShown.GET_INTO_POSITION, ContextShown.RELEARNING, ContextShown.LOOKS_SUPINE)

# The screen's line (the status area) for each state.
SCREEN = {
    ContextShown.GET_INTO_POSITION: "Get into position",
    ContextShown.RELEARNING: "Sensor moved: learning how it sits (keep going)",
    ContextShown.LOOKS_SUPINE: "This looks like the lying-down version: choose supine",
    ContextShown.COUNTING: "In position: counting",
    ContextShown.ON_FEET: "On your feet: counting paused",
    ContextShown.CHANGING: "Changing position: counting paused",
}
# The voice's line: short, said once per change (sensor.core.sound_cues).
SPOKEN = {
    ContextShown.LOOKS_SUPINE: "This looks like the lying-down version. Choose supine.",
    ContextShown.COUNTING: "In position. Counting.",
    ContextShown.ON_FEET: "On your feet. Counting paused.",
    ContextShown.CHANGING: "Changing position. Counting paused.",
}
_OF_CONTEXT = {
    Context.EXERCISE: ContextShown.COUNTING,
    Context.ON_FEET: ContextShown.ON_FEET,
    Context.REPOSITIONING: ContextShown.CHANGING,
}


@dataclass(frozen=True)
class ContextDwell:
    """How long a context must last before it is shown or said.

    Measured on the context tracker's events over mixed seeds 0-999 (r8base, 750 true sessions
    and 250 negatives, both postures; truth from the simulator's segment labels), as runs of
    "paused" contexts (on feet or repositioning, merged) and of "counting" (exercise):

    * paused runs while the person lay or sat in position (set-up, sets, set breaks): 449 runs,
      median 0.6 s, 99th percentile 3.3 s (a foot set down between sets), longer than 4 s in 2
      recordings only (585, 947: 5.6-8.1 s). ``pause_s`` = 4 s: replaying the rule on these
      events gives 585 "counting paused" lines while the person was on their feet or getting up
      and 2 while in position (both in 947, a negative);
    * counting runs while on their feet: 1120 runs, median 2.1 s, 90th percentile 7.9 s, 99th
      30.6 s (standing still reads as exercise, above all seated, where a standing shank hangs
      like a seated one). After a "paused" line, "counting" said from the context alone would be
      right 12 times and wrong 26 (5 s), 20 (6 s), 8 (8 s); split by posture at 5 s: supine 12
      right, 2 wrong (negatives 611 and 947), seated 0 right, 24 wrong. So the voice says
      "counting" from the context supine only, after ``resume_s`` = 5 s (8 s is no better), and
      seated lets the first count say it (``sensor.core.sound_cues``). The screen shows it after
      5 s in both postures: it is what the pipeline believes (it would count a rep).

    The planner's rules replayed on the same events (counts included): on the 750 true sessions
    554 "counting paused" lines, every one while the person was on their feet or getting up, and
    no "counting" line (the first count said it each time); on the 250 negatives 54 lines right,
    4 wrong (611, 947); no count fell due while a context line was being said.
    """

    pause_s: float = 4.0
    resume_s: float = 5.0

    def of(self, shown: ContextShown) -> float:
        return self.pause_s if shown in PAUSED else self.resume_s


@dataclass(frozen=True, slots=True)
class ContextNews:
    """The shown state changed at ``t_s`` (sensor time); ``since_s``: when its context began."""

    t_s: float
    shown: ContextShown
    previous: ContextShown
    since_s: float


class ContextStatus:
    """Pipeline events in, the state to show (``shown``) and its changes (:class:`ContextNews`) out.

    Feed every pipeline event in order (:meth:`feed`) and tell it that sensor time went on
    (:meth:`advance`, e.g. at the end of each chunk: every event up to then has been fed).
    """

    def __init__(self, dwell: ContextDwell | None = None) -> None:
        self.dwell = dwell or ContextDwell()
        self.shown = ContextShown.GET_INTO_POSITION
        self.calibrated_s: float | None = None  # when the current mounting was learned (None: not yet)
        self._pending: ContextShown | None = None  # the raw context's state, not yet shown
        self._since = 0.0

    @property
    def raw(self) -> ContextShown | None:
        """The latest context, shown or not yet (None before the first after calibration)."""
        return self._pending if self._pending is not None else (None if self.shown in NOT_YET else self.shown)

    def feed(self, ev: Event) -> list[ContextNews]:
        if isinstance(ev, SensorStatus):
            return self._status(ev)
        if not isinstance(ev, ContextChanged) or self.calibrated_s is None:
            return []
        out = self.advance(ev.t_s)  # did the context before this one last long enough to show?
        new = _OF_CONTEXT.get(ev.context)
        if new is None:
            return out
        if self.shown in NOT_YET:  # the first context after calibration: shown at once
            out.append(self._show(ev.t_s, new, ev.t_s))
        elif new == self.shown:
            self._pending = None  # a flicker ended before it was shown
        else:
            # on feet and changing position are one run of "counting paused": a turn while
            # walking does not restart the dwell of the pause (the measured runs merge them)
            p = self._pending
            same_run = p is not None and (p in PAUSED) == (new in PAUSED) != (self.shown in PAUSED)
            self._pending, self._since = new, (self._since if same_run else ev.t_s)
        return out

    def advance(self, t_s: float) -> list[ContextNews]:
        """Sensor time reached ``t_s``: show the pending context if it has lasted its dwell."""
        p = self._pending
        if p is None or t_s < self._since + self.dwell.of(p):
            return []
        self._pending = None
        return [self._show(self._since + self.dwell.of(p), p, self._since)]

    def _show(self, t_s: float, shown: ContextShown, since: float) -> ContextNews:
        news = ContextNews(t_s, shown, self.shown, since)
        self.shown = shown
        return news

    def _status(self, ev: SensorStatus) -> list[ContextNews]:
        if ev.kind == SensorStatusKind.CALIBRATED:
            self.calibrated_s = ev.t_s
            return []
        if ev.kind == SensorStatusKind.MOUNTING_CHANGED:
            return self._reset(ev.t_s, ContextShown.RELEARNING)
        if ev.kind == SensorStatusKind.UNCALIBRATED:  # (a reason already shown stays)
            return self._reset(ev.t_s, self.shown if self.shown in NOT_YET else ContextShown.GET_INTO_POSITION)
        if ev.kind == SensorStatusKind.POSTURE_MISMATCH and ev.detail == PostureMismatch.LOOKS_SUPINE:
            return self._reset(ev.t_s, ContextShown.LOOKS_SUPINE)
        return []

    def _reset(self, t_s: float, shown: ContextShown) -> list[ContextNews]:
        self.calibrated_s, self._pending = None, None
        return [] if shown == self.shown else [self._show(t_s, shown, t_s)]
