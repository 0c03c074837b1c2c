"""A cue plan as samples: the clip for each cue, and the whole plan on the trace's time base.

The speech channel is serial (a voice never talks over itself): a phrase starts when it is due
or when the previous one has finished, whichever is later, and :func:`keep_speech` drops advice
that would come too late to mean anything. The live player applies the same two rules on the
wall clock, so ``glide analyze --audio-out`` is what a live session would have sounded like.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from sensor.core.sound_cues import SoundCue, Speech, Sweep, Tone
from tui.audio import synth
from tui.audio.speech import SpeechEngine, SpeechError

SPEECH_GAP_S = 0.08  # between two phrases
MAX_ADVICE_LAG_S = 3.0  # coaching that would start later than this after its moment is dropped


def keep_speech(cue: Speech, lag_s: float, newer_count_waiting: bool) -> bool:
    """Whether a phrase that can start ``lag_s`` after it was due is still worth saying."""
    if cue.kind == "count":
        return not newer_count_waiting  # a later number supersedes it
    if cue.kind == "context" and newer_count_waiting:
        return False  # never hold a count back: the count says the person is counting anyway
    if cue.kind == "safety":
        return True
    return lag_s <= MAX_ADVICE_LAG_S


class Renderer:
    """Clips for cues at one sample rate and volume, each made once."""

    def __init__(self, speech: SpeechEngine | None, rate: int = synth.RATE_HZ, volume: float = 1.0) -> None:
        self.speech = speech
        self.rate = rate
        self.volume = volume
        self._clips: dict[tuple, np.ndarray] = {}
        self.speech_error: str | None = None

    def clip(self, cue: SoundCue) -> np.ndarray | None:
        """Samples for one cue (volume applied), or None when it cannot sound (no speech engine).
        The same cue content always gives the same array object (players cache by it)."""
        if isinstance(cue, Tone):
            key: tuple = ("tone", cue.name)
        elif isinstance(cue, Sweep):
            key = ("sweep", cue.direction, round(cue.duration_s, 3))
        else:
            key = ("speech", cue.text)
        hit = self._clips.get(key)
        if hit is not None:
            return hit
        if isinstance(cue, Tone):
            x = synth.tone(cue.name, self.rate)
        elif isinstance(cue, Sweep):
            x = synth.sweep(cue.direction, cue.duration_s, self.rate)
        else:
            if self.speech is None:
                return None
            try:
                x = self.speech.synth(cue.text)
            except SpeechError as e:  # a bad voice or a broken engine: stop asking it
                self.speech_error, self.speech = str(e), None
                return None
        x = (x * np.float32(self.volume)).astype(np.float32)
        self._clips[key] = x
        return x


def schedule(cues: list[SoundCue], renderer: Renderer) -> list[tuple[float, np.ndarray]]:
    """(start time, samples) for every cue that sounds, speech laid out serially."""
    out: list[tuple[float, np.ndarray]] = []
    free_at = -np.inf
    speech = [c for c in cues if isinstance(c, Speech)]
    for k, cue in enumerate(speech):
        start = max(cue.t_s, free_at + SPEECH_GAP_S)
        # a count is superseded by a later count that is due by the time this one could start
        newer = cue.kind in ("count", "context") and any(c.kind == "count" and c.t_s <= start for c in speech[k + 1 :])
        if not keep_speech(cue, start - cue.t_s, newer):
            continue
        x = renderer.clip(cue)
        if x is None:
            continue
        out.append((start, x))
        free_at = start + len(x) / renderer.rate
    for other in cues:
        if not isinstance(other, Speech):
            x = renderer.clip(other)
            if x is not None:
                out.append((other.t_s, x))
    out.sort(key=lambda p: p[0])
    return out


def render_timeline(cues: list[SoundCue], renderer: Renderer, t0: float, t_end: float) -> np.ndarray:
    """The plan mixed into one mono track: sample 0 is sensor time ``t0``; the track lasts to
    ``t_end`` or to the end of the last clip."""
    placed = schedule(cues, renderer)
    rate = renderer.rate
    end = max([t_end] + [s + len(x) / rate for s, x in placed])
    track = np.zeros(int(np.ceil((end - t0) * rate)) + 1, np.float32)
    for start, x in placed:
        i = int(round((start - t0) * rate))
        if i < 0:
            x, i = x[-i:], 0
        track[i : i + len(x)] += x[: len(track) - i]
    return np.clip(track, -1.0, 1.0)


def write_wav(path: str | Path, x: np.ndarray, rate: int, overwrite: bool = False) -> None:
    """Mono 16-bit WAV. Without ``overwrite`` an existing file is never touched: the file is
    created exclusively, so a file that appears meanwhile is not clobbered either."""
    path = Path(path)
    with open(path, "wb" if overwrite else "xb") as f, wave.open(f, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(synth.to_pcm16(x))
