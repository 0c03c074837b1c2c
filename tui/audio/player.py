"""Live playback on a background thread: sound never delays the pipeline or the screen.

The caller hands over cues with :meth:`SoundPlayer.submit` (no waiting: a lock, a heap push, a
notify) and goes on. The worker thread opens the audio backend itself (a probe can take a
moment), then plays each cue when it is due: tones and sweeps at once, speech one phrase at a
time with the same keep-or-drop rule as the offline renderer (:func:`tui.audio.render.keep_speech`).
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable

from sensor.core.sound_cues import SoundCue, Speech
from tui.audio.backends import Backend
from tui.audio.render import SPEECH_GAP_S, Renderer, keep_speech


class SoundPlayer:
    def __init__(
        self,
        renderer: Renderer,
        open_backend: Callable[[int], tuple[Backend | None, str]],
        *,
        bell: Callable[[], None] | None = None,
        prewarm: list[str] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.renderer = renderer
        self.bell = bell
        self.clock = clock
        self.backend: Backend | None = None
        self.notice: str | None = None
        self.ready = threading.Event()  # set once the backend is known (or known to be missing)
        self.muted = False
        self._open = open_backend
        self._prewarm = list(prewarm or [])
        self._heap: list[tuple[float, int, SoundCue, float]] = []
        self._seq = itertools.count()
        self._cv = threading.Condition()
        self._stop = False
        self._speech_free = -float("inf")
        self._thread = threading.Thread(target=self._run, name="glide-sound", daemon=True)
        self._thread.start()
        self._warm: threading.Thread | None = None

    # ------------------------------------------------------------------ caller side
    def submit(self, cues: list[SoundCue], now_s: float) -> None:
        """Play ``cues``; ``now_s`` is the sensor time the caller is at (a cue due later than
        that, e.g. speech after a tone, waits the difference)."""
        if not cues or self.muted:
            return
        wall = self.clock()
        with self._cv:
            for c in cues:
                due = wall + max(c.t_s - now_s, 0.0)
                heapq.heappush(self._heap, (due, next(self._seq), c, due))
            self._cv.notify()

    def set_muted(self, muted: bool) -> None:
        self.muted = muted
        if muted:
            with self._cv:
                self._heap.clear()
            if self.backend is not None:
                self.backend.stop()

    def wait_idle(self, timeout: float) -> bool:
        """Block until every submitted cue has been played and the voice is quiet (or timeout)."""
        if not self.ready.wait(timeout):
            return False
        end = self.clock() + timeout
        with self._cv:
            while self._heap or self._speech_free > self.clock():
                left = end - self.clock()
                if left <= 0:
                    return False
                wake = min(left, max(self._heap[0][0] - self.clock(), 0.0) if self._heap else left)
                self._cv.wait(max(wake, self._speech_free - self.clock(), 0.005))
        return True

    def close(self, timeout: float = 3.0) -> None:
        with self._cv:
            self._stop = True
            self._heap.clear()
            self._cv.notify()
        self._thread.join(timeout)
        if self._warm is not None:
            self._warm.join(timeout)
        if self.backend is not None:
            self.backend.close()

    # ------------------------------------------------------------------ worker
    def _run(self) -> None:
        try:
            backend, why = self._open(self.renderer.rate)
        except Exception as e:  # a backend's own failure must not take the session down
            backend, why = None, f"{e.__class__.__name__}: {e}"
        self.backend = backend
        if backend is not None and self.renderer.speech is not None and self._prewarm:
            self.renderer.clip(Speech(0.0, self._prewarm[0], "info"))  # a bad voice shows now, not at rep 1
        problems = []
        if backend is None:
            problems.append(f"no audio output ({why}): the terminal bell rings on each rep")
        if self.renderer.speech_error:
            problems.append(f"speech failed ({self.renderer.speech_error}): counts and cues are not spoken")
        elif self.renderer.speech is None:
            problems.append("no speech engine (Linux: install espeak-ng): counts and cues are not spoken")
        if problems:
            self.notice = "Sound: " + "; ".join(problems) + "."
        self.ready.set()
        if backend is not None and self.renderer.speech is not None and self._prewarm:
            self._warm = threading.Thread(target=self._warm_up, name="glide-sound-warm", daemon=True)
            self._warm.start()
        while True:
            with self._cv:
                while not self._stop and (not self._heap or self._heap[0][0] > self.clock()):
                    self._cv.wait(None if not self._heap else max(self._heap[0][0] - self.clock(), 0.0))
                if self._stop:
                    return
                _, _, cue, first_due = heapq.heappop(self._heap)
                newer_count = isinstance(cue, Speech) and any(
                    isinstance(c, Speech) and c.kind == "count" and d <= self.clock() for d, _, c, _ in self._heap
                )
            try:
                self._play(cue, first_due, newer_count)
            except Exception:  # never let one clip end the sound for the session
                pass

    def _play(self, cue: SoundCue, first_due: float, newer_count: bool) -> None:
        if self.muted:
            return
        now = self.clock()
        if self.backend is None:
            if isinstance(cue, Speech) and cue.kind == "count" and self.bell is not None:
                self.bell()
            return
        if not isinstance(cue, Speech):
            x = self.renderer.clip(cue)
            if x is not None:
                self.backend.play(x, self.renderer.rate)
            return
        start = max(now, self._speech_free + SPEECH_GAP_S)
        if start > now + 0.002:  # the voice is busy: come back when it is free
            with self._cv:
                heapq.heappush(self._heap, (start, next(self._seq), cue, first_due))
            return
        if not keep_speech(cue, now - first_due, newer_count):
            return
        x = self.renderer.clip(cue)
        if x is None:
            return
        self.backend.play(x, self.renderer.rate)
        self._speech_free = self.clock() + len(x) / self.renderer.rate

    def _warm_up(self) -> None:
        """Synthesise the phrases a session will need before it needs them."""
        for text in self._prewarm:
            if self._stop:
                return
            self.renderer.clip(Speech(0.0, text, "info"))
