"""Command-line options for sound (argparse only: building the parser stays cheap)."""

from __future__ import annotations

import argparse


def audio_out_args(p) -> None:
    """The options of ``--audio-out`` (added to ``glide analyze``)."""
    p.add_argument("--audio-out", metavar="WAV", help="write the sound a live session would play (mono 16-bit WAV)")
    sound_style_args(p)
    from tui import options as opt

    p.add_argument("--reps", type=opt.REPS_PER_SET, default=10, help="--audio-out: reps per set, 1-100 (default 10)")
    p.add_argument("--sets", type=opt.SETS, default=3, help="--audio-out: sets, 1-20 (default 3)")
    p.add_argument("--rest", type=opt.REST_S, default=30.0, help="--audio-out: rest between sets, 0-900 s (default 30)")


def sound_style_args(p) -> None:
    """Voice, volume and tempo guide: shared by analyze --audio-out and the live commands."""
    p.add_argument("--voice", help="speech voice (espeak-ng: e.g. en, en-us, en+f3; macOS say: a voice name)")
    p.add_argument("--volume", type=_volume, default=80, help="sound volume 0-100 (default 80)")
    p.add_argument(
        "--tempo-guide", action="store_true", help="a falling/rising tone pacing each flex-down and extend-up"
    )


def _volume(text: str) -> int:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"volume must be a number from 0 to 100, not {text!r}") from None
    if not 0 <= v <= 100:
        raise argparse.ArgumentTypeError(f"volume must be from 0 to 100, not {text}")
    return int(round(v))
