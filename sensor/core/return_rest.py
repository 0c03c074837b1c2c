"""A seated return that came to rest at hanging has ended: a later movement does not extend it.

Seated, a glide's return (the flexion back) ends with the shin hanging from the seat. The rep
detector counts a rep where the return stops; when the candidate fails a check there (too quick
a kick and back, ``RepConfig.seated_min_rep_s``; a longer phase over five times the shorter,
``max_phase_ratio``), the far turn stays open, and the next movement the same way (the shin
drawn further back) used to continue the *same* return, however long the shin had rested at
hanging before it. The rep's flexion then spans the rest, and the timing checks that refused the
kick read a slow glide.

Negative 8651 (standing step-ups, analysed seated, 52 Hz): standing, the shin is vertical, which
the seated reading takes for hanging; the box's anterior side was taken from the side vote,
mirrored. The trailing leg's swing back before it lands on the step (-136 deg true) reads as an
extension to -41, and its landing back to vertical as the return to hanging: 0.94 s up, 0.62 s
back, 1.56 s in all, refused (< 1.75 s). The shin then stood still at hanging for 3.2 s, and the
next step's stance tilted it 14 deg "back" (-92 -> -106): that movement continued the refused
return, which now read 4.15 s (flexion 0.94 + 4.15 = 5.1 s, ratio 4.4) and counted.

A rest at a place a rep can *start* from already starts a new rep (``RepConfig.rest_restart_s``:
1 s of stillness with the shin near hanging). This is the same bound read at the other end: a
return that stopped near hanging (where a seated rep ends: within ``seated_rest_max_deg`` of
vertical, not past the knee's range) and stayed still for ``rest_restart_s`` is over. The
candidate was judged where the shin arrived; a movement after the rest belongs to what comes
next, never to that return. No new threshold: the pose and the stillness are the detector's own.

Measured (rule off: every counted seated rep's longest rest at a hanging pose between the
segments of its return; the bound is 1.0 s): UCI real seated reps none of 117; classic 1-499
8 of 2500, at most 0.35 s; short 1-299 3 of 300, 0.35 s; mixed 0-999 12 of 5518, 0.49 s. (Every
count there is exact, so the counted reps are the true ones.) With the rule on, no count of those
corpora changes; it acts (closes a refused candidate's return) in 3 classic, 13 short and 132
mixed sessions. Supine analyses are not touched (the rule is seated only). Negatives 0-8999 analysed seated (own
posture the odd seeds, the other the even, 9000 recordings): reps 2 -> 1 (8651 refused; 8100
analysed seated keeps its one rep, another mechanism); the rule acts in 239 + 199 recordings and
changes only 8651's count. It also refuses negatives 491 (step-ups, 25 Hz) when the knee-gap rule
that refuses it first is off (tests/test_knee_carried.py): the same mechanism.
"""

from __future__ import annotations

import math
from typing import Any

from sensor.core.rep_config import RepConfig

__all__ = ["rested_at_hanging", "return_over"]


def rested_at_hanging(e_deg: float, cfg: RepConfig) -> bool:
    """The shin at ``e_deg`` is where a seated rep ends: within ``seated_rest_max_deg`` of hanging
    on either side (by the sine, so a mirrored anterior side reads the same), not past the knee's
    range (``seated_bottom_min_deg``)."""
    rest_max = math.sin(math.radians(cfg.seated_rest_max_deg))
    return math.sin(math.radians(e_deg)) <= rest_max and e_deg >= cfg.seated_bottom_min_deg


def return_over(
    seg: dict[str, Any] | None,
    prev_end: float | None,
    returning: bool,
    counted: bool,
    cfg: RepConfig,
) -> bool:
    """True when the segment now closing must not continue an uncounted return: the return had
    begun (``returning``), no rep was counted for it, and the segment starts after at least
    ``rest_restart_s`` of stillness at a hanging pose (its start elevation, back-dated to the last
    quiet sample, is the rest's). ``prev_end``: where the previous movement stopped."""
    if seg is None or not returning or counted or prev_end is None:
        return False
    return float(seg["t0"]) - prev_end >= cfg.rest_restart_s and rested_at_hanging(float(seg["e0"]), cfg)
