"""Sound for a live (or demo, or replayed) session: the planner plus the background player.

The session hands every pipeline event and coach cue to :meth:`LiveSound.collect` as it
handles them, and calls :meth:`LiveSound.flush` once per chunk with the sensor time it reached.
Planning is a few comparisons; playing happens on the player's thread.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from sensor.core.coach import Targets
from sensor.core.context_status import SPOKEN as CONTEXT_SPOKEN
from sensor.core.sound_cues import REST_OVER, SAFETY_SPOKEN, SPOKEN, CuePlanner, SoundConfig
from tui.audio import backends
from tui.audio import speech as speech_mod
from tui.audio.player import SoundPlayer
from tui.audio.render import Renderer
from tui.audio.synth import RATE_HZ


@dataclass
class SoundOptions:
    enabled: bool = True
    voice: str | None = None
    volume: int = 80  # percent
    tempo_guide: bool = False

    @classmethod
    def from_args(cls, args) -> SoundOptions:
        return cls(
            enabled=not getattr(args, "no_sound", False),
            voice=getattr(args, "voice", None),
            volume=getattr(args, "volume", 80),
            tempo_guide=getattr(args, "tempo_guide", False),
        )


class LiveSound:
    def __init__(
        self,
        posture: str,
        targets: Targets,
        options: SoundOptions | None = None,
        *,
        backend_factory=None,
        speech_factory=None,
        bell: Callable[[], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.options = options or SoundOptions()
        self.planner = CuePlanner(posture, targets, SoundConfig(tempo_guide=self.options.tempo_guide))
        speech = (speech_factory or speech_mod.find_speech_engine)(self.options.voice)
        self.renderer = Renderer(speech, RATE_HZ, self.options.volume / 100.0)
        n = min(targets.reps_per_set * targets.sets, 100)
        far = "bottom" if posture == "supine" else "top"
        spoken = [p.format(far=far) for p in SPOKEN.values()]
        phrases = [str(i) for i in range(1, n + 1)] + spoken + [SAFETY_SPOKEN, REST_OVER, *CONTEXT_SPOKEN.values()]
        backend_factory = backend_factory or backends.open_backend  # looked up now: tests may replace it
        self.player = SoundPlayer(self.renderer, backend_factory, bell=bell, prewarm=phrases, clock=clock)
        self._pending: list = []
        self._notice_shown = False

    @property
    def muted(self) -> bool:
        return self.player.muted

    def collect(self, item) -> None:
        """A pipeline event or a coach cue, in the order the session handled them."""
        self._pending.append(item)

    def flush(self, now_s: float | None, paused: bool = False) -> None:
        """Plan what was collected and hand it to the player (never waits)."""
        items, self._pending = self._pending, []
        cues = self.planner.feed(items)
        if now_s is not None:
            cues += self.planner.advance(now_s)
        if cues and not paused:
            self.player.submit(cues, now_s if now_s is not None else max(c.t_s for c in cues))

    def toggle_mute(self) -> bool:
        self.player.set_muted(not self.player.muted)
        return self.player.muted

    def take_notice(self) -> str | None:
        """The one-line notice about missing sound, once (None before the probe has finished)."""
        if self._notice_shown or not self.player.ready.is_set():
            return None
        self._notice_shown = True
        return self.player.notice

    def close(self) -> None:
        self.player.close()


def session_sound(options: SoundOptions | None):
    """The dashboard's sound factory for these options: (setup, session) -> LiveSound, or None
    when sound is off (``--no-sound``)."""
    if options is None or not options.enabled:
        return None

    def make(setup, _session) -> LiveSound:
        return LiveSound(setup.posture, setup.targets(), options)

    return make


class HeadlessSound:
    """Sound for ``--no-tui``: there is no session object, so the same coaching rules as the
    dashboard's judge the reps here, and the notice goes to stderr."""

    def __init__(self, live: LiveSound, posture: str, targets: Targets) -> None:
        from sensor.core.workout import Workout

        self.live = live
        self.workout = Workout(targets, posture)  # the dashboard's rules: sets, rests, cues

    def feed(self, events: list, now_s: float | None, ankle: list | None = None) -> None:
        """Pipeline events, then (with a foot sensor) the ankle figures that came with them."""
        from sensor.core.workout import Cue

        for ev in events:
            self.live.collect(ev)
            for w in self.workout.handle(ev):
                if isinstance(w, Cue):
                    self.live.collect(w)
        for f in ankle or []:
            for w in self.workout.ankle_figures(f.rep_index, f.ankle, f.t_s):
                if isinstance(w, Cue):
                    self.live.collect(w)
        self.live.flush(now_s)
        note = self.live.take_notice()
        if note:
            print(f"glide: {note}", file=sys.stderr, flush=True)

    def close(self, drain_s: float = 8.0) -> None:
        """Let the last words finish (at most ``drain_s``), then stop."""
        self.live.player.wait_idle(drain_s)
        note = self.live.take_notice()
        if note:
            print(f"glide: {note}", file=sys.stderr, flush=True)
        self.live.close()


def headless_sound(args, posture: str, targets: Targets) -> HeadlessSound | None:
    options = SoundOptions.from_args(args)
    if not options.enabled:
        return None

    def bell() -> None:
        sys.stdout.write("\a")
        sys.stdout.flush()

    return HeadlessSound(LiveSound(posture, targets, options, bell=bell), posture, targets)
