"""Seated: a narrow range counts when it repeats its set.

A tight nerve bed stops a seated glide 20-50 deg below horizontal (:mod:`sensor.core.knee_range`):
40-70 deg from hanging, often under the seated range bound (``RepConfig.seated_min_rom_deg``, 46),
which keeps out the shank turning on the feet. The candidate's own pivot fit confirming a still
knee above a hanging shin is not enough on its own: it confirmed a lone 34-deg movement (negatives
8501 analysed seated), and a third to a half of the true narrow reps do not clear the fit's signal
floor (slow ones: variants 13, 157; peak rates 25-45 deg/s).

Over a set they differ. A glide set is many alike swings from hanging, seconds apart; a lunge, a
step, a leg swing or a fidget analysed seated gives a lone narrow candidate among other movements.
So a narrow candidate that passed every refusal of :mod:`sensor.core.rep_pivot` (pivot below,
unexplained, never hung, knee not above) counts when it *repeats* the previous seated candidate
judged (a narrow one, or a rep counted on its own range): its extension began after that one
ended, no more than ``max_gap_s`` later (:func:`sensor.core.workout.infer_plan`'s set), its bottom
and top within ``max_step_deg`` of that one's, and a fit of the chain confirmed a knee swing (this
candidate's, an earlier narrow one's, or a rep counted on its range). The earlier narrow candidate
of the first pair is counted then, late (``detected_s`` = the moment the pair is seen, as in
:mod:`sensor.core.bent_set`: the live count only rises; live and offline end with the same reps).

Measured (round 14):

- variants seeds 1-299 seated ``tight`` (16 sessions, 289 reps; 69 missed on main, knee_range
  off): 289 seated candidates reach the pivot checks; one to the next within a set, the bottom
  steps median 2.7 deg, p99 10.2, max 13.6; the top steps median 2.9, p99 10.0, max 12.5; the gap
  from one's end to the next's start median 0.82 s, p90 1.8 (the rest are set breaks, 59-64 s).
  Counted with this rule and knee_range's paced sweeps: 288 (the three sessions whose mounting
  main never learned, 13, 31 and 157: 23, 19 and 11 of 23, 19, 12).
- negatives analysed seated: the three that the confirmation alone let through (5174, 6820, 8501)
  count nothing; 8501's is the only narrow candidate of its recording.
- ``max_step_deg`` (20) is :mod:`sensor.core.bent_set`'s: a set repeats one pose.
- The whole of variants 0-299 with it: 85.3 -> 88.0 % exact, missed 230 -> 159, 0 false reps;
  seated ``tight`` 69 -> 1 missed, ``slump`` (a top 5-20 deg short) 3 -> 0, every other form the
  same; mixed 1000, short 300, classic 500 still 100 % exact, 0 false.
- Negatives 0-14999 analysed seated: 0 reps, as without it.

Sans-IO and chunk-invariant: the state is the last candidate judged, read and written only when
the detector closes a candidate; it moves with the elevation offset and is forgotten with the
motion state (a new mounting re-analyses the samples).
"""

from __future__ import annotations

from dataclasses import dataclass

from sensor.core.bent_set import same_pose, shifted
from sensor.core.events import Rep

__all__ = ["TightSetChain", "TightSetConfig"]


@dataclass
class TightSetConfig:
    """When a narrow seated candidate counts as one of a set (see the module docstring)."""

    enabled: bool = True
    # reps more than this apart belong to different sets (sensor.core.workout.infer_plan's rest_gap_s)
    max_gap_s: float = 15.0
    # one set repeats one pose: sensor.core.bent_set's bound (bent returns step <= 13.9 deg rep to rep)
    max_step_deg: float = 20.0


class TightSetChain:
    """The previous seated candidate judged, whether it was counted and whether the chain is confirmed."""

    def __init__(self, cfg: TightSetConfig) -> None:
        self.cfg = cfg
        self._prev: Rep | None = None
        self._prev_counted = False
        self._prev_ok = False  # a fit of the chain confirmed a knee swing

    def forget(self) -> None:
        self._prev, self._prev_counted, self._prev_ok = None, False, False

    def shift(self, delta_e: float) -> None:
        """The elevation offset was refined: the stored angles move with it."""
        self._prev = shifted(self._prev, delta_e)

    def counted(self, rep: Rep) -> None:
        """A seated rep counted on its own range: it starts (or continues) a set."""
        self._prev, self._prev_counted, self._prev_ok = rep, True, True

    def repeats(self, rep: Rep) -> bool:
        """``rep`` repeats the previous candidate: a new movement of the same set and pose."""
        p, cfg = self._prev, self.cfg
        return (
            p is not None
            and rep.start_s >= p.end_s  # its extension began after that one's end: not the same far turn
            and same_pose(p, rep, cfg.max_gap_s, cfg.max_step_deg)
        )

    def judge(self, rep: Rep, confirmed: bool) -> tuple[bool, Rep | None]:
        """A narrow candidate (``confirmed``: its fit shows a knee swing): (count it, the earlier
        narrow candidate to count late or None)."""
        if not self.cfg.enabled:
            return False, None
        if self.repeats(rep) and (confirmed or self._prev_ok):
            late = None if self._prev_counted else self._prev
            self._prev, self._prev_counted, self._prev_ok = rep, True, True
            return True, late
        p = self._prev
        if p is not None and self._prev_counted and rep.start_s < p.end_s:
            return False, None  # the counted far turn judged again: the chain stands
        self._prev, self._prev_counted, self._prev_ok = rep, False, confirmed
        return False, None
