"""Typed command-line values: every numeric option is checked when the command line is parsed.

A value out of range is the user's to fix, so it becomes argparse's one-line usage error (exit
status 2) before anything runs, instead of a ZeroDivisionError deep inside a command. Each
checker knows its unit, so the message says what is allowed: ``--rate: must be a number from
10 to 1000 Hz, not '0'``.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def number(
    lo: float | None = None,
    hi: float | None = None,
    *,
    unit: str = "",
    above: bool = False,
    integer: bool = False,
) -> Callable[[str], float]:
    """An argparse ``type=`` for a finite number in ``[lo, hi]`` (``(lo, hi]`` with ``above``).

    NaN, inf and text are refused; ``integer`` also refuses fractions ("2.5" sets)."""
    kind = "a whole number" if integer else "a number"
    u = f" {unit}" if unit else ""
    if lo is not None and hi is not None:
        want = (
            f"{kind} above {_fmt(lo)} and at most {_fmt(hi)}{u}"
            if above
            else f"{kind} from {_fmt(lo)} to {_fmt(hi)}{u}"
        )
    elif lo is not None:
        want = f"{kind} {'above' if above else 'of at least'} {_fmt(lo)}{u}"
    elif hi is not None:
        want = f"{kind} of at most {_fmt(hi)}{u}"
    else:
        want = f"{kind}{u}"

    def parse(text: str):
        try:
            v = int(text, 10) if integer else float(text)
        except ValueError:
            v = None
        if v is None or not math.isfinite(v):
            raise argparse.ArgumentTypeError(f"must be {want}, not {text!r}")
        if (lo is not None and (v <= lo if above else v < lo)) or (hi is not None and v > hi):
            raise argparse.ArgumentTypeError(f"must be {want}, not {text!r}")
        return v

    parse.__name__ = "whole number" if integer else "number"  # argparse names the type in messages
    return parse


# The ranges glide accepts, in one place (the help texts quote the same numbers).
SAMPLE_RATE_HZ = number(1, 10_000, unit="Hz")  # of a file being read (csv without a time column)
SIM_RATE_HZ = number(10, 1000, unit="Hz")  # simulated sensor: what real IMUs stream at
SEED = number(0, 2**32 - 1, integer=True)  # numpy's seed range
REPS_PER_SET = number(1, 100, integer=True, unit="reps")
SETS = number(1, 20, integer=True, unit="sets")
REST_S = number(0, 900, unit="s")
SPEED = number(0, 1000, unit="times real time")
SIM_REPS = number(1, 5000, integer=True, unit="reps")
BENCH_MINUTES = number(1, 600, unit="min")
BENCH_SESSIONS = number(0, 10_000, integer=True, unit="sessions")
EVAL_SESSIONS = number(1, 10_000, integer=True, unit="sessions")
TOLERANCE_S = number(0, 60, above=True, unit="s")
ANKLE_SWING_DEG = number(1, 90, unit="deg")
