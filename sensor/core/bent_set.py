"""Set-level evidence for the handouts' bent-knee return: level bottoms that repeat are a set.

The supine bottom check (:mod:`sensor.core.rep_bottom`) refuses a rep candidate that bottoms out
level (read above -10 deg) and sweeps less than a knee's range: one such movement is, as far as
the shin can tell, a straight leg raised from the mat, or a set break (the foot down on the
floor, a rest, back up to tabletop and straightened; negatives 8815). The handouts' most common
form, "lower the leg back to a bent knee position" (``variants`` ``bent_return``: the flex-down
stops at tabletop, the shin level), is refused by it too: 303 of its 355 reps in variants 0-299.
Per rep nothing separates them (the round-11 study in the rep_bottom docstring: same gravity,
levers that overlap).

Over a set they differ. A bent-return set is many extensions from one bottom held in the air:
each rep returns to the same tabletop pose without resting there and rises to about the same
top, and the next one follows after the top hold, seconds later. A set break begins from a
foot-down rest of several seconds, and is mostly alone: followed by a glide's reps (bottoms
20-55 deg lower, below -10, never refused by the bottom check) or by nothing. So a refused
candidate counts when it *repeats* the previous refused candidate of the session: its flex-down
begins after that one's top (a different movement, not a second look at the same far turn), no
more than ``max_gap_s`` after it (:func:`sensor.core.workout.infer_plan`'s set: reps more than
15 s apart are different sets), its bottom and top lie within ``max_step_deg`` of that one's,
neither rested at the bottom longer than ``max_dwell_s``, and neither bottomed out more than
``max_bottom_deg`` above level. The earlier candidate of the pair is counted then, late
(``detected_s`` = the moment the pair is seen, as a rep found before the mounting settled is
reported when it settles: the live count only rises, and live and offline end with the same
reps); later ones of the chain are counted when they complete.

Measured (round 13; every candidate the bottom check refuses, and those the 60-deg range bound
alone refuses, logged; sim seeds as named):

- ``bent_return`` sessions of variants 0-999 (56; 52 with candidates; 1114 labelled reps):
  the bottom check refuses 671 candidates, the range bound 179 (ranges 40-60, median 52).
  Consecutive candidates' bottoms differ by median 2.4 deg, p99 9.9, max 13.9; tops by median
  2.8, p99 11.4, max 13.2; the gap from one's top to the next's start is median 0.84 s, p90 2.2
  (gaps of 5-12 s are a candidate missed in between; 16 s and more, a set break); the bottom
  dwell median 0.8 s, max 2.67; bottoms -13.5..+29.3 (p99 12.4). Counted 162 -> 776 (the rule
  as first committed, without the dwell and height bounds, which no bent return reaches).
- Negatives 0-2999 analysed supine (own posture the even seeds, the odd ones rendered supine):
  the bottom check refuses no candidate at all, so nothing is released (2 reps, the base's
  known 2260 and 2730). The range bound refuses 15 (set breaks 44-58 deg with dwells 2.8-5.8 s,
  two of them 9 s apart in 650 and 2798, and the decline squats of 1863: three quick turns
  repeating a bottom at 44-49 deg).
- The set break the bottom check alone refuses (negatives 8815 analysed supine, 50 Hz: bottom +2,
  top 64, the foot down 5.1 s) is the only candidate of its recording: nothing to repeat.
- ``max_step_deg`` (20) lies above the bent returns' largest step (13.9) and below the 40-55 deg
  between the floor and tabletop (``sensor.sim.exercise.set_break``). ``max_dwell_s`` (3) is
  thin: bent returns <= 2.67 s, the set breaks above 2.8 s (2506, a bottom at -25, outside the
  level band) and 4.3-5.8 s for the level ones; it is the second guard, after the repeat.

What it cannot separate: a set of straight-leg raises put down softly on the mat repeats its
level bottom and its top too. The real ones (UCI exercise 3) are refused before this check by
the leg's landing on the mat (``test_leg_raises``: 0 reps with the bottom check switched off);
with the landing's point-sample bound (``landing_curve_share`` 1), which lets subject 3's
template raise through to the bottom check, the chain still counts 0 of the 12 exercise-3
recordings (both shin sensors): the raise it refuses repeats no other.

The first extension (``first_extension``): a bent-return set begun at its own bottom (thigh to
tabletop, a hold, then straight into the extension) has no flex-down before its first rep, so the
detector forms no candidate for it (the labels count it: ``sensor.sim.variants``). When the first
pair of a chain is seen, the rise into the first one's starting top is counted too if it rose from
the set's bottom pose to its top (each within ``max_step_deg``) by ``min_rise_deg`` or more, and
began after every earlier counted rep and refused candidate (so a chain that starts mid-set counts
no rep twice: that rise was the previous rep's extension). The set-up from the floor rises from
40-55 deg lower and is not counted. Its rep has no flex-down (``flex_down_s`` 0,
``Rep.has_flex_down`` False: the coach and the set statistics leave its tempo and hold out).
Variants 0-299 ``bent_return``: 246 -> 265 of 355, 0 false; inert where
no chain forms (mixed 1000, short 300, classic 500, negatives 0-2999 counted exactly as before).

The range bound (``range_floor_deg``, 40): the same chain over the candidates the 60-deg
range bound alone refuses, bottoming out level. Over the logs above it would release 181 more
bent returns of variants 0-999 and none of negatives 0-2999 (the set breaks rest too long, the
squats bottom too high). Run with ``range_floor_deg=40``: negatives 0-2999 analysed supine 2 reps
(the known 2260, 2730; nothing released); variants 0-299 supine ``bent_return`` 346 of 355 (10 of
17 sessions exact; 265 without it), 0 false, every other supine form as without it. On since
round 14, measured with it on: variants 0-299 85.3 -> 86.7 % exact (recall 0.959 -> 0.974, bent
returns missed 90 -> 9), variants 300-999 83.3 -> 84.9 %, 0 false in both; mixed 0-999, short
0-299 and classic 0-499 100 % exact as before; negatives 0-14999 analysed supine the same 5
reps as without it (2260, 2730, 8100, 13889, 14357: whole-leg set-ups teaching the mounting).

Sans-IO and chunk-invariant: the state is the last refused candidate (a :class:`Rep`), read and
written only when the detector closes a candidate; it moves with the elevation offset and is
forgotten with the motion state (a new mounting re-analyses the samples).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, replace

from sensor.core.events import Rep
from sensor.core.types import Posture

__all__ = ["BentSetChain", "BentSetConfig", "same_pose", "shifted"]


@dataclass
class BentSetConfig:
    """When a candidate the bottom check refuses is counted as one of a bent-return set."""

    enabled: bool = True
    # Reps more than this apart belong to different sets (sensor.core.workout.infer_plan's
    # rest_gap_s): the gap from the previous refused candidate's top to this one's start.
    max_gap_s: float = 15.0
    # One set repeats one bottom pose and one top: between the bent returns' largest step from
    # one rep to the next (13.9 deg) and the 40-55 deg between the floor and tabletop.
    max_step_deg: float = 20.0
    # A bent return turns at tabletop without resting there (the handouts hold the stretch at the
    # top, not the bent knee): still at the bottom for at most this long, the candidate and the
    # one it repeats. A foot put down between sets rests "several seconds" (issue 11; the
    # simulator's set breaks 3-20 s). Measured, bent_return 0-999: 850 candidates, <= 2.67 s.
    max_dwell_s: float = 3.0
    # A bent return's bottom is the shin level at tabletop, read level give or take the mounting's
    # error: bent_return 0-999's candidates bottom at -13.5..+29.3 deg (p99 12.4). A shank 35 deg
    # or more above level at the bottom is no bent knee under a vertical thigh; the decline squats
    # of negatives 1863 analysed supine repeat a bottom at 44-49 deg with a 0.4-1 s turn.
    max_bottom_deg: float = 35.0
    # Candidates the supine range bound (RepConfig.supine_min_rom_deg, 60) refuses, down to this
    # range, bottoming out level, are judged as a set too (None: off): a tight nerve stops a bent
    # return's extension 40-60 deg above tabletop. The set breaks of a session read high sweep the
    # same 44-58 deg but rest too long at the bottom to repeat as a set (see the module docstring).
    range_floor_deg: float | None = 40.0
    # A set that starts at its own bottom (the thigh brought to tabletop, then straight into the
    # first extension) has no flex-down before its first rep: no candidate. Once the set is seen,
    # the rise into the first refused candidate's starting top counts too, when it rose from the
    # set's bottom pose to its top (each within max_step_deg) by at least min_rise_deg (the rep
    # detector's smallest return, RepConfig.min_rom_deg) after every earlier rep and candidate.
    first_extension: bool = True
    min_rise_deg: float = 30.0


def shifted(rep: Rep | None, delta_e: float) -> Rep | None:
    """``rep`` with its bottom and top moved by a refined elevation offset (None stays None)."""
    return None if rep is None else replace(rep, bottom_deg=rep.bottom_deg + delta_e, top_deg=rep.top_deg + delta_e)


def same_pose(prev: Rep, rep: Rep, max_gap_s: float, max_step_deg: float) -> bool:
    """``rep`` is of ``prev``'s set and pose: it starts no more than ``max_gap_s`` after ``prev``
    ends, and its bottom and top lie within ``max_step_deg`` of ``prev``'s (what one set repeats;
    which movement must come after which is the caller's own)."""
    return (
        rep.start_s - prev.end_s <= max_gap_s
        and abs(rep.bottom_deg - prev.bottom_deg) <= max_step_deg
        and abs(rep.top_deg - prev.top_deg) <= max_step_deg
    )


class BentSetChain:
    """The previous refused supine candidate, whether it was counted, and the last rises."""

    def __init__(self, cfg: BentSetConfig) -> None:
        self.cfg = cfg
        self._prev: Rep | None = None
        self._prev_counted = False
        self._prev_after = -math.inf  # the end of the refused candidate before the pending one
        self._rises: deque[list[float]] = deque(maxlen=8)  # [t0, e0, t1, e1, peak] of rising movements

    def forget(self) -> None:
        self._prev, self._prev_counted, self._prev_after = None, False, -math.inf
        self._rises.clear()

    def shift(self, delta_e: float) -> None:
        """The elevation offset was refined: the stored angles move with it."""
        self._prev = shifted(self._prev, delta_e)
        for r in self._rises:
            r[1] += delta_e
            r[3] += delta_e

    def rose(self, t0: float, e0: float, t1: float, e1: float, peak: float) -> None:
        """A movement that raised the shin closed (kept for :meth:`first_extension`)."""
        self._rises.append([t0, e0, t1, e1, peak])

    def first_extension(self, first: Rep, after: float) -> Rep | None:
        """The rise into ``first``'s starting top, as a rep of the set, or None (see
        ``BentSetConfig.first_extension``); ``after``: the end of the last counted rep."""
        cfg = self.cfg
        top_t = first.start_s - first.hold_top_s  # when the top the flex-down left was reached
        after = max(after, self._prev_after)
        for t0, e0, t1, e1, peak in reversed(self._rises):
            if t1 > top_t + 1e-6:
                continue
            ok = (
                t1 >= top_t - 1.0
                and t0 > after
                and abs(e0 - first.bottom_deg) <= cfg.max_step_deg
                and abs(e1 - first.top_deg) <= cfg.max_step_deg
                and e1 - e0 >= cfg.min_rise_deg
            )
            if not ok:
                return None
            d = t1 - t0
            return Rep(
                index=0, posture=Posture.SUPINE, start_s=t0, bottom_s=t0, top_s=t1, end_s=t1, detected_s=t1,
                flex_down_s=0.0, extend_up_s=d, hold_bottom_s=0.0, hold_top_s=0.0, duration_s=d,
                rom_deg=e1 - e0, bottom_deg=e0, top_deg=e1, peak_velocity_dps=peak,
            )  # fmt: skip
        return None

    def repeats(self, rep: Rep) -> bool:
        """``rep`` repeats the previous refused candidate: a new movement of the same set and pose."""
        p, cfg = self._prev, self.cfg
        return (
            p is not None
            and rep.bottom_s > p.end_s  # its flex-down came after that one's top: not the same far turn
            and same_pose(p, rep, cfg.max_gap_s, cfg.max_step_deg)
            and max(rep.hold_bottom_s, p.hold_bottom_s) <= cfg.max_dwell_s
            and max(rep.bottom_deg, p.bottom_deg) <= cfg.max_bottom_deg
        )

    def judge(self, rep: Rep) -> tuple[bool, Rep | None]:
        """A refused candidate: (count it, the earlier candidate to count late or None)."""
        if not self.cfg.enabled:
            return False, None
        if self.repeats(rep):
            late = None if self._prev_counted else self._prev
            self._prev, self._prev_counted = rep, True
            return True, late
        self._prev_after = self._prev.end_s if self._prev is not None else -math.inf
        self._prev, self._prev_counted = rep, False
        return False, None
