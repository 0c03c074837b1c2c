"""Where samples become sound: one small class per way of reaching the speakers.

Chosen by measurement and upkeep (see the README's Sound section):

* ``sounddevice`` (PortAudio; optional extra ``glide[sound]``): one output stream whose
  callback mixes every clip in flight, so a tone can sound over speech and nothing is spawned
  per cue. Used first when it is installed and PortAudio reports an output device.
* The OS player otherwise: ``pw-play`` / ``paplay`` / ``aplay`` on Linux, ``afplay`` on macOS,
  one short-lived process per clip from a cached WAV file. Measured here: spawning ``aplay`` on
  ALSA's null device and letting it exit took 1.8 ms (median of 20), far inside the 100 ms
  budget; the sound server mixes overlapping clips.
* ``winsound`` on Windows (standard library; one clip at a time, untested here).

Every backend is probed once with a short silent clip; a backend that cannot play says why in
one line, and the caller falls back (the terminal bell for reps). ``play`` never blocks.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading

import numpy as np

from tui.audio.synth import wav_bytes


class AudioUnavailable(Exception):
    """No way to play sound here (one line for the user)."""


class Backend:
    name = "audio"

    def play(self, x: np.ndarray, rate: int) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def stop(self) -> None:
        """Silence whatever is playing (mute)."""

    def close(self) -> None:
        self.stop()


class SoundDeviceBackend(Backend):
    """PortAudio through sounddevice: a callback mixes the clips in flight."""

    name = "sounddevice"

    def __init__(self, rate: int) -> None:
        try:
            import sounddevice as sd
        except Exception as e:  # ImportError, or OSError when the PortAudio library is missing
            raise AudioUnavailable(f"sounddevice: {e}") from None
        try:
            sd.query_devices(kind="output")
        except Exception as e:
            raise AudioUnavailable(f"sounddevice: no output device ({e})") from None
        self.rate = rate
        self._clips: list[list] = []  # [samples, position]
        self._lock = threading.Lock()
        try:
            self._stream = sd.OutputStream(
                samplerate=rate, channels=1, dtype="float32", latency="low", callback=self._callback
            )
            self._stream.start()
        except Exception as e:
            raise AudioUnavailable(f"sounddevice: {e}") from None

    def _callback(self, out, frames, _time, _status) -> None:
        out[:, 0] = mix_into(np.zeros(frames, np.float32), self._clips, self._lock)

    def play(self, x: np.ndarray, rate: int) -> None:
        with self._lock:
            self._clips.append([np.asarray(x, np.float32), 0])

    def stop(self) -> None:
        with self._lock:
            self._clips.clear()

    def close(self) -> None:
        self.stop()
        try:
            self._stream.stop()
            self._stream.close()
        except Exception:
            pass


def mix_into(buf: np.ndarray, clips: list[list], lock: threading.Lock) -> np.ndarray:
    """Add the next ``len(buf)`` samples of every clip in flight; drop finished clips."""
    n = len(buf)
    with lock:
        for clip in clips:
            x, pos = clip
            part = x[pos : pos + n]
            buf[: len(part)] += part
            clip[1] = pos + n
        clips[:] = [c for c in clips if c[1] < len(c[0])]
    np.clip(buf, -1.0, 1.0, out=buf)
    return buf


class CommandBackend(Backend):
    """An OS player command, one process per clip; clips are cached as WAV files."""

    def __init__(self, argv: list[str], rate: int) -> None:
        self.argv = argv
        self.name = os.path.basename(argv[0])
        self.rate = rate
        self._dir = tempfile.mkdtemp(prefix="glide-sound-")
        self._files: dict[int, tuple[np.ndarray, str]] = {}
        self._procs: list[subprocess.Popen] = []
        self._lock = threading.Lock()
        self._probe()

    def _probe(self) -> None:
        path = self._file(np.zeros(int(0.02 * self.rate), np.float32))
        try:
            proc = subprocess.run(self.argv + [path], capture_output=True, timeout=5.0, check=False)
        except (OSError, subprocess.SubprocessError) as e:
            raise AudioUnavailable(f"{self.name}: {e}") from None
        if proc.returncode != 0:
            lines = proc.stderr.decode(errors="replace").strip().splitlines()
            why = lines[-1] if lines else f"exit {proc.returncode}"
            if why.startswith(f"{self.name}:"):
                why = why[len(self.name) + 1 :].strip()
            raise AudioUnavailable(f"{self.name}: {why}")

    def _file(self, x: np.ndarray) -> str:
        """The clip's WAV file, written on first use. Clips are cached arrays, so the same
        object means the same sound; the cache holds the array, so its id is never reused."""
        hit = self._files.get(id(x))
        if hit is None:
            path = os.path.join(self._dir, f"{len(self._files)}.wav")
            with open(path, "wb") as f:
                f.write(wav_bytes(x, self.rate))
            hit = self._files[id(x)] = (x, path)
        return hit[1]

    def play(self, x: np.ndarray, rate: int) -> None:
        path = self._file(x)
        with self._lock:
            self._procs = [p for p in self._procs if p.poll() is None]
            try:
                self._procs.append(
                    subprocess.Popen(self.argv + [path], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                )
            except OSError:
                pass

    def stop(self) -> None:
        with self._lock:
            for p in self._procs:
                if p.poll() is None:
                    p.terminate()
            for p in self._procs:
                try:
                    p.wait(timeout=1.0)
                except subprocess.TimeoutExpired:
                    p.kill()
            self._procs = []

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self._dir, ignore_errors=True)


class WinsoundBackend(Backend):
    """Windows' built-in player (untested here). Plays one clip at a time, asynchronously."""

    name = "winsound"
    _cmd: CommandBackend

    def __init__(self, rate: int) -> None:
        # winsound exists on Windows only; the platform checks below also let the type checker
        # see its Windows-only API (its stub is empty elsewhere)
        if sys.platform != "win32":
            raise AudioUnavailable("winsound: not on Windows")
        self.rate = rate
        self._cmd = CommandBackend.__new__(CommandBackend)  # reuse its WAV-file cache only
        self._cmd._dir, self._cmd._files, self._cmd.rate = tempfile.mkdtemp(prefix="glide-sound-"), {}, rate

    def play(self, x: np.ndarray, rate: int) -> None:
        if sys.platform == "win32":
            import winsound

            winsound.PlaySound(self._cmd._file(x), winsound.SND_FILENAME | winsound.SND_ASYNC | winsound.SND_NODEFAULT)

    def stop(self) -> None:
        if sys.platform == "win32":
            import winsound

            winsound.PlaySound(None, 0)

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self._cmd._dir, ignore_errors=True)


def player_commands() -> list[list[str]]:
    """The OS players to try, best first."""
    if sys.platform == "darwin":
        return [["afplay"]]
    if sys.platform == "win32":
        return []
    return [["pw-play"], ["paplay"], ["aplay", "-q"]]


def open_backend(rate: int) -> tuple[Backend | None, str]:
    """The first backend that can play here, or (None, why not)."""
    reasons = []
    try:
        return SoundDeviceBackend(rate), ""
    except AudioUnavailable as e:
        reasons.append(str(e))
    if sys.platform == "win32":
        try:
            return WinsoundBackend(rate), ""
        except AudioUnavailable as e:
            reasons.append(str(e))
    for argv in player_commands():
        exe = shutil.which(argv[0])
        if exe is None:
            continue
        try:
            return CommandBackend([exe] + argv[1:], rate), ""
        except AudioUnavailable as e:
            reasons.append(str(e))
    if not reasons or all(r.startswith("sounddevice: No module") for r in reasons):
        wanted = {"darwin": "afplay", "win32": "winsound"}.get(sys.platform, "aplay, paplay or pw-play")
        reasons.append(f"no audio player found (needs {wanted})")
    return None, reasons[-1]
