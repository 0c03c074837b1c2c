"""Supine: a phase moving longer than a glide's 5 s counts when the set's counted reps vouch for it.

Handouts also teach the supine glide slowly ("complete all movements slowly", Peak Physio's
slider; ``sensor.sim.variants`` ``slow``: 4-6 s a phase, up to 1.3 times that with fatigue). A
minimum-jerk phase of T s moves (above ``move_dps`` to below ``stop_dps``) for ~0.8 T over a
glide's range, so the late reps of a slow set move 5-7.5 s and ``RepConfig.supine_max_phase_s``
(5 s) refuses them: variants 0-299 supine ``slow`` counted 228 of 255 reps. What that bound keeps
out is lying down from standing read supine (negatives 5822 and 9580, 25 Hz: a 1.8-1.9 s
"flex-down" and a 5.6-5.9 s "extension" as the leg comes up to tabletop; lying down moves
5.2-5.9 s) and a slow set break (negatives 9768: the foot back up from the floor, moving 7.0 s),
which a plain 7.5-s bound counts.

By the shin alone one slow movement is not told from the other: the lying-down "reps" sweep 115-122
deg from -51..-57 to +58..+71 (a mounting taught by the whole leg's movements reads high), a
glide's range; and the context cannot help, because it never saw those people on their feet
(standing still with no footsteps, before the mounting was known: the last time on feet reads -inf
in both; 9768's set break began 6.9 s after it). What does tell them apart is the session's order:
one lies down *before* any glide, and a set break's slow return goes back to tabletop, not to the
set's top. Most of a slow set's reps move within 5 s (fatigue slows a set as it goes; 1865 of the
1955 reps counted in the sessions measured below) and are counted. So a candidate moving longer
than ``supine_max_phase_s``, up to ``SlowSetConfig.max_phase_s`` (the handouts' 6 s plus the same quarter of
margin as the 5 s bound: 7.5 s), counts when

- there are counted reps of this mounting to compare with (:class:`sensor.core.held_bottom.SetPoses`,
  the last 3, in the detector's current frame; no "alone" branch: a slow candidate with nothing
  counted before it is refused whatever its range);
- it looks like them: its top no more than ``HeldBottomConfig.top_drop_deg`` (17.5) below their
  median top, its bottom within ``bottom_tol_deg`` (15) of their median bottom, the held bottom's
  bounds (a return to tabletop falls >= 35 deg short of any glide top);
- the newest of them ended after the context's last time on one's feet (standing up between the
  set and the candidate voids the set: the next lying down is judged afresh);
- its return is one movement (no stillness of ``RepConfig.rest_restart_s`` inside it).

Measured (a plain 7.5-s bound, every supine candidate counted that moved longer than 5 s, the
``slow`` sessions of variants 0-999 rendered supine, 111 sessions): 90 candidates, all true reps.
89 had counted reps before them; against the median of up to 3: tops -9.7..+12.8 deg below
(median 0.7, p99 11.6; bound 17.5), bottoms within 8.0 deg (median 1.9, p99 7.6; bound 15). The
newest counted rep ended 0.4-3.1 s before (median 1.0) for 85 of them and 26-45 s before for 4,
the first rep of a later set (after its set break): so no time bound, the pose and
the on-feet time do the work. The other one (variants 80, the session's first rep, 5.02 s) has
nothing to compare with and is lost. Negatives 5822, 9580 and 9768 analysed supine: nothing
counted before their slow candidate, refused (0 reps each).

Results (round 14): variants 0-299 supine ``slow`` 228 -> 243 of 255 reps (a plain 7.5-s bound:
244, the one more being variants 80's first rep), 0 false, variants 0-299 85.3 -> 86.7 % exact;
variants 300-999 (the bounds are held_bottom's, set on mixed) supine ``slow`` 582 -> 610 of 626
(23 -> 37 of 39 sessions exact; the 16 left are lost with any phase bound: a mounting never
learned, reps refused for other reasons), 83.3 -> 85.3 % exact, 0 false; mixed 0-999, short
0-299 and classic 0-499 100 % exact, 0 false; negatives 0-14999 analysed supine the same 5 reps
as without it (2260, 2730, 8100, 13889, 14357; none slow). A slow candidate is judged only when
a rep was counted before it, so a recording that counts nothing without the rule counts nothing
with it. Sans-IO and chunk-invariant: the verdict reads the
candidate, the counted reps (the same for any chunking, their angles moved with the refined
elevation offset) and the last time on feet at the sample where the return stopped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sensor.core.events import Rep
from sensor.core.held_bottom import SetPoses

if TYPE_CHECKING:
    from sensor.core.rep_config import RepConfig

__all__ = ["SlowSetConfig", "slow_vouched"]


@dataclass
class SlowSetConfig:
    """When a supine candidate moving longer than ``RepConfig.supine_max_phase_s`` is counted."""

    enabled: bool = True
    max_phase_s: float = 7.5


def slow_vouched(poses: SetPoses, rep: Rep, pause_s: float, cfg: RepConfig, nonex_t: float) -> bool:
    """True when the slow candidate ``rep`` looks like its set's counted reps (``poses``), the newest
    of them ended after the last time on one's feet (``nonex_t``), and its return is one movement
    (no stillness of ``cfg.rest_restart_s`` inside: ``pause_s`` is the longest)."""
    if not cfg.slow_set.enabled or poses.last_end_s <= nonex_t or pause_s >= cfg.rest_restart_s:
        return False
    return poses.like_set(rep.top_deg, rep.bottom_deg)
