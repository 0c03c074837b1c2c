"""Tones, sweeps and WAV bytes with numpy and the standard library: no audio dependency.

Every clip starts and ends with a short raised-cosine fade, so it does not click, and peaks
well below full scale, so a tone mixed over speech does not clip.
"""

from __future__ import annotations

import io
import wave

import numpy as np

RATE_HZ = 22050  # espeak-ng's native rate: speech needs no resampling; ample for tones and voice
FADE_S = 0.008
TONE_S = 0.12
TONE_HZ = {"bottom": 440.0, "top": 880.0}  # an octave apart: low at the bottom, high at the top
TONE_PEAK = 0.5
SWEEP_PEAK = 0.18  # the tempo guide is a soft background, under the count and the tones
SWEEP_HZ = (330.0, 660.0)


def fade(x: np.ndarray, rate: int = RATE_HZ, fade_s: float = FADE_S) -> np.ndarray:
    """Raised-cosine fade in and out (in place on a copy)."""
    x = np.array(x, dtype=np.float32)
    n = min(int(fade_s * rate), len(x) // 2)
    if n > 0:
        ramp = (0.5 - 0.5 * np.cos(np.linspace(0.0, np.pi, n))).astype(np.float32)
        x[:n] *= ramp
        x[-n:] *= ramp[::-1]
    return x


def tone(name: str, rate: int = RATE_HZ, volume: float = 1.0) -> np.ndarray:
    """The turn tone: a sine with its second harmonic (audible on small speakers), faded."""
    f = TONE_HZ[name]
    t = np.arange(int(TONE_S * rate)) / rate
    x = np.sin(2 * np.pi * f * t) + 0.3 * np.sin(4 * np.pi * f * t)
    x *= np.exp(-t / (TONE_S * 0.8))  # a soft decay, like a struck bell, easy to tell from speech
    return fade(TONE_PEAK * volume * x / np.abs(x).max(), rate)


def sweep(direction: str, duration_s: float, rate: int = RATE_HZ, volume: float = 1.0) -> np.ndarray:
    """The tempo guide: a glide over one octave (falling for 'down', rising for 'up'),
    exponential in frequency so the pitch moves evenly to the ear."""
    n = max(int(duration_s * rate), 2)
    lo, hi = SWEEP_HZ
    f0, f1 = (hi, lo) if direction == "down" else (lo, hi)
    t = np.arange(n) / rate
    k = np.log(f1 / f0) / max(duration_s, 1e-3)
    phase = 2 * np.pi * f0 * (np.expm1(k * t) / k if abs(k) > 1e-9 else t)
    return fade(SWEEP_PEAK * volume * np.sin(phase), rate, 0.05)


def to_pcm16(x: np.ndarray) -> bytes:
    return (np.clip(x, -1.0, 1.0) * 32767.0).round().astype("<i2").tobytes()


def wav_bytes(x: np.ndarray, rate: int = RATE_HZ) -> bytes:
    """Mono 16-bit WAV in memory."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(to_pcm16(x))
    return buf.getvalue()


def parse_wav(data: bytes) -> tuple[np.ndarray, int]:
    """Mono float samples and rate from WAV bytes, including the streamed WAVs that
    ``espeak-ng --stdout`` writes (their size fields are not filled in, so ``wave`` would
    read nothing): walk the RIFF chunks and take the data chunk to the end of the bytes."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ValueError("not a WAV")
    pos, rate, channels, width = 12, None, 1, 2
    while pos + 8 <= len(data):
        cid, size = data[pos : pos + 4], int.from_bytes(data[pos + 4 : pos + 8], "little")
        body = pos + 8
        if cid == b"fmt ":
            fmt = int.from_bytes(data[body : body + 2], "little")
            channels = int.from_bytes(data[body + 2 : body + 4], "little")
            rate = int.from_bytes(data[body + 4 : body + 8], "little")
            width = int.from_bytes(data[body + 14 : body + 16], "little") // 8
            if fmt not in (1, 0xFFFE) or width != 2:
                raise ValueError("only 16-bit PCM WAV is supported")
        elif cid == b"data":
            end = len(data) if size in (0, 0xFFFFFFFF) or body + size > len(data) else body + size
            raw = data[body:end]
            raw = raw[: len(raw) // (2 * channels) * 2 * channels]
            x = np.frombuffer(raw, "<i2").astype(np.float32) / 32768.0
            if channels > 1:
                x = x.reshape(-1, channels).mean(axis=1)
            if rate is None:
                raise ValueError("WAV without a format chunk")
            return x, rate
        pos = body + size + (size & 1)
    raise ValueError("WAV without a data chunk")


def resample(x: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    """Linear-interpolation resampling (speech engines on other OSes may not use our rate)."""
    if rate_in == rate_out or len(x) == 0:
        return x.astype(np.float32)
    n = int(round(len(x) * rate_out / rate_in))
    return np.interp(np.arange(n) * (rate_in / rate_out), np.arange(len(x)), x).astype(np.float32)
