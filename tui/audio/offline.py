"""``glide analyze TRACE --audio-out cues.wav``: the sound a live session would have played.

The trace is fed to the pipeline in pieces of about 50 ms, as the dashboard feeds a live
sensor, with the same coach and cue planner; the plan is then mixed on the trace's own time
base (second 0 of the WAV is the trace's first sample). This is how the sound is tested and
how a user previews it without speakers.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sensor.core.coach import Targets
from sensor.core.sound_cues import SoundConfig, plan_stream
from tui.audio.options import audio_out_args, sound_style_args  # noqa: F401 (re-exported)
from tui.audio.render import Renderer, render_timeline, write_wav
from tui.audio.speech import find_speech_engine
from tui.audio.synth import RATE_HZ
from tui.errors import CliError

LIVE_CHUNK_S = 0.05  # the dashboard ingests about this much at a time


def check_audio_out(args) -> None:
    """Refuse before any work: an existing file without --force, or a folder that is not there."""
    out = Path(args.audio_out)
    if out.exists() and not args.force:
        raise CliError(f"{out}: exists (use --force to overwrite)")
    if out.is_dir():
        raise CliError(f"{out}: is a folder")
    if not out.parent.is_dir():
        raise CliError(f"{out.parent}: no such folder")
    if not 1 <= args.reps <= 100 or not 1 <= args.sets <= 20 or not 0 <= args.rest <= 3600:
        raise CliError("--reps 1 to 100, --sets 1 to 20, --rest 0 to 3600 s")


def write_audio(args, posture: str, import_opts: dict) -> str:
    """Render and write the WAV; returns the line to print."""
    from sensor.io.importers import open_trace

    targets = Targets(reps_per_set=args.reps, sets=args.sets, rest_s=args.rest)
    first: list[float] = []
    last = [0.0]

    def live_pieces(reader):
        for big in reader.chunks(65536):
            if not len(big):
                continue
            if not first:
                first.append(float(big.t[0]))
            last[0] = float(big.t[-1])
            n = max(int(round(LIVE_CHUNK_S * (reader.sample_rate_hz or 100.0))), 1)
            yield from big.split([n] * (len(big) // n + 1))

    with open_trace(args.trace, **{k: v for k, v in import_opts.items() if v is not None}) as reader:
        cues, _reps = plan_stream(
            live_pieces(reader), posture, reader.sample_rate_hz, targets, SoundConfig(tempo_guide=args.tempo_guide)
        )
    engine = find_speech_engine(args.voice)
    if engine is None:
        print("glide: no speech engine found (Linux: install espeak-ng): writing tones only", file=sys.stderr)
    renderer = Renderer(engine, RATE_HZ, args.volume / 100.0)
    t0 = first[0] if first else 0.0
    track = render_timeline(cues, renderer, t0, last[0])
    if renderer.speech_error:
        print(f"glide: {renderer.speech_error} (writing tones only)", file=sys.stderr)
    try:
        write_wav(args.audio_out, track, RATE_HZ, overwrite=args.force)
    except FileExistsError:
        raise CliError(f"{args.audio_out}: exists (use --force to overwrite)") from None
    except OSError as e:
        raise CliError(f"{args.audio_out}: {e.strerror or e}") from None
    n_speech = sum(1 for c in cues if c.__class__.__name__ == "Speech")
    spoken = f"{n_speech} phrases" if renderer.speech is not None else "no speech"
    return (
        f"wrote {args.audio_out}: {len(track) / RATE_HZ:.1f} s, {len(cues)} sound cues "
        f"({spoken}), second 0 = the trace's first sample"
    )
