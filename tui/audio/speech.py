"""Spoken phrases from the platform's speech engine, as samples, cached per phrase.

One subprocess per new phrase (espeak-ng on Linux, ``say`` on macOS, SAPI through PowerShell
on Windows); the phrases are few (counts and a handful of cues), so after the first rep of each
number nothing is synthesised again. Why subprocesses and not pyttsx3: the engines' own command
lines can write a WAV to us, so the same samples serve live playback and offline rendering, and
no Python package is needed. Only the espeak-ng path is tested (Debian's ``espeak-ng``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import numpy as np

from tui.audio.synth import RATE_HZ, fade, parse_wav, resample

SPEECH_PEAK = 0.7
TIMEOUT_S = 10.0


class SpeechError(Exception):
    """The speech engine failed on a phrase (one line for the user)."""


class SpeechEngine:
    """Base: ``command(text, out_path)`` gives the argv; subclasses that stream WAV to stdout
    return ``out_path`` unused."""

    name = "speech"
    to_stdout = False

    def __init__(self, exe: str, voice: str | None = None, rate: int = RATE_HZ) -> None:
        self.exe = exe
        self.voice = voice
        self.rate = rate
        self._cache: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def command(self, text: str, out_path: str) -> list[str]:  # pragma: no cover - abstract
        raise NotImplementedError

    def env(self, text: str, out_path: str) -> dict | None:
        return None

    def cached(self, text: str) -> bool:
        with self._lock:
            return text in self._cache

    def synth(self, text: str) -> np.ndarray:
        """The phrase as float32 samples at ``self.rate``, peak-normalised and faded."""
        with self._lock:
            hit = self._cache.get(text)
        if hit is not None:
            return hit
        x = self._run(text)
        with self._lock:
            self._cache[text] = x
        return x

    def _run(self, text: str) -> np.ndarray:
        tmp = None
        try:
            if self.to_stdout:
                out_path = ""
            else:
                fd, tmp = tempfile.mkstemp(suffix=".wav", prefix="glide-say-")
                os.close(fd)
                out_path = tmp
            try:
                proc = subprocess.run(
                    self.command(text, out_path),
                    capture_output=True,
                    timeout=TIMEOUT_S,
                    env=self.env(text, out_path),
                    check=False,
                )
            except (OSError, subprocess.SubprocessError) as e:
                raise SpeechError(f"{self.name} failed: {e}") from None
            if proc.returncode != 0:
                msg = proc.stderr.decode(errors="replace").strip().splitlines()
                raise SpeechError(f"{self.name} failed: {msg[-1] if msg else f'exit {proc.returncode}'}")
            data = proc.stdout if self.to_stdout else Path(out_path).read_bytes()
            try:
                x, rate = parse_wav(data)
            except ValueError as e:
                raise SpeechError(f"{self.name} gave no usable sound: {e}") from None
        finally:
            if tmp is not None:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
        x = resample(x, rate, self.rate)
        x = _trim_silence(x, self.rate)
        peak = float(np.abs(x).max()) if len(x) else 0.0
        if peak <= 0:
            raise SpeechError(f"{self.name} gave silence for {text!r}")
        return fade(x * (SPEECH_PEAK / peak), self.rate, 0.005)


def _trim_silence(x: np.ndarray, rate: int, floor: float = 0.01) -> np.ndarray:
    """Drop the engine's leading and trailing silence, so a count starts when it is due."""
    loud = np.nonzero(np.abs(x) > floor * max(float(np.abs(x).max()), 1e-9))[0]
    if not len(loud):
        return x
    pad = int(0.01 * rate)
    return x[max(loud[0] - pad, 0) : loud[-1] + pad + 1]


class EspeakNg(SpeechEngine):
    name = "espeak-ng"
    to_stdout = True

    def command(self, text: str, out_path: str) -> list[str]:
        return [self.exe, "--stdout", "-v", self.voice or "en", "-s", "165", text]


class MacSay(SpeechEngine):
    """macOS ``say`` (untested here: no macOS machine)."""

    name = "say"

    def command(self, text: str, out_path: str) -> list[str]:
        cmd = [self.exe, "-o", out_path, "--file-format=WAVE", f"--data-format=LEI16@{self.rate}"]
        if self.voice:
            cmd += ["-v", self.voice]
        return cmd + [text]


class WindowsSapi(SpeechEngine):
    """Windows SAPI through PowerShell's System.Speech (untested here: no Windows machine).
    The phrase and the path travel in environment variables, so nothing needs quoting."""

    name = "Windows speech (SAPI)"

    def command(self, text: str, out_path: str) -> list[str]:
        script = (
            "Add-Type -AssemblyName System.Speech; "
            "$s = New-Object System.Speech.Synthesis.SpeechSynthesizer; "
            "if ($env:GLIDE_VOICE) { $s.SelectVoice($env:GLIDE_VOICE) }; "
            "$s.SetOutputToWaveFile($env:GLIDE_OUT); $s.Speak($env:GLIDE_TEXT); $s.Dispose()"
        )
        return [self.exe, "-NoProfile", "-NonInteractive", "-Command", script]

    def env(self, text: str, out_path: str) -> dict | None:
        return {**os.environ, "GLIDE_TEXT": text, "GLIDE_OUT": out_path, "GLIDE_VOICE": self.voice or ""}


def find_speech_engine(voice: str | None = None, rate: int = RATE_HZ) -> SpeechEngine | None:
    """The platform's speech engine, or None when there is none."""
    if sys.platform == "darwin":
        exe = shutil.which("say")
        return MacSay(exe, voice, rate) if exe else None
    if sys.platform == "win32":
        exe = shutil.which("powershell") or shutil.which("pwsh")
        return WindowsSapi(exe, voice, rate) if exe else None
    for name in ("espeak-ng", "espeak"):
        exe = shutil.which(name)
        if exe:
            return EspeakNg(exe, voice, rate)
    return None
