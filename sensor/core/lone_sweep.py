"""When one movement may teach the mounting on its own (a "lone sweep").

The mounting is normally learned from two or more movements that agree. A short session may
give only one usable movement before its first rep ends, so one long sweep (a whole first rep,
or setup plus the first phase; ``MountConfig.single_span_deg``) may teach alone, when it is
unlikely to be something else:

- it began well after the last foot contact (``single_quiet_s``; lying down or sitting down and
  getting into position take that long), or the recording ended (``final``): right after
  walking, a single movement is as often a lunge, a step or a squat as a glide;
- seated, it is not the odd one out of a run of movements as large that were refused as knee
  swings (``single_max_refused``). A glide set repeats one movement, so the first rep's sweep
  is not preceded by many large movements that fail the knee-pivot tests: sitting down is one.
  Activities on the feet repeat too (walking lunges, step-ups, squats), and the refused ones
  say what the buffer holds; one of them passing the tests by chance is not a glide. At low
  sample rates the lunges' foot contacts are missed (a 10-20 ms shock between 40-ms samples),
  so the quiet time alone does not see them.

Measured (``estimate_mounting``'s lone-sweep settles on main 11faabf; buffer movements wide
enough to be a phase that did not teach): seated glide sessions refuse at most 1 (short 0-299,
standard 0-199, long 0-79: 209 settles, 206 with none); seated negatives 0-299 refuse 0 in 11
settles, 1 in 5, then 3 and 6 (walking lunges at 25 Hz, seed 73). Supine is not bounded: lying
down and the set-up refuse up to 8 large movements before a true first rep (standard 158).
Held out, with the simulator's planted sit/stand/lie/get-up moves: negatives 300-999 and mixed
0-999 count exactly the same reps with and without this bound (no held-out session has the
pattern, so its benefit there is unproven; it costs nothing). With the older simulator, whose
getting-up swung the shin about the knee, it cost negatives 773 four reps: the lone sweep it
refused was that getting-up, and a later mounting counted the set-up moves.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np


class _LoneCfg(Protocol):
    single_span_deg: float
    single_quiet_s: float
    single_max_refused: int


def lone_sweep_teaches(
    spans: list[float],
    starts: list[int],
    refused: int,
    imp_cum: np.ndarray,
    dt_nom: float,
    final: bool,
    posture: str,
    cfg: _LoneCfg,
) -> bool:
    """Whether the widest usable movement (``spans`` degrees, starting at sample ``starts``) may
    teach the mounting alone; ``refused``: how many movements as wide as a phase did not teach;
    ``imp_cum``: the running count of foot-contact samples (0 before the first sample)."""
    if not spans or max(spans) < cfg.single_span_deg:
        return False
    if posture == "seated" and refused > cfg.single_max_refused:
        return False
    if final:
        return True
    a0 = starts[int(np.argmax(spans))]
    return bool(imp_cum[a0] - imp_cum[max(a0 - int(round(cfg.single_quiet_s / dt_nom)), 0)] == 0)
