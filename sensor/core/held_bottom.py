"""Supine: a bottom held for seconds is a glide when the rep around it looks like its set's.

Handouts teach the glide with holds: "hold the stretch for a few seconds" (the Poole NHS handout;
``sensor.sim.variants``, ``hold_top`` / ``hold_bottom``, 2-10 s). Held at the bent end, the heel
drawn toward the glute with the thigh vertical, the shin rests still for longer than
``RepConfig.max_far_hold_s`` (6 s), the bound that tells a glide's breath at the bottom from the
foot resting on the floor between sets (:mod:`sensor.core.rep_far_rest`). By the shin's elevation
alone the two rests overlap: glide bottoms lie at -28..-50 deg, a foot flat on the mat with the
knee bent at -40..-55 (the thigh at ~45 deg, which a shin sensor does not see at rest).

What does separate them is where the movement *out of* the rest goes. From the floor the leg comes
back up to tabletop, shin level, and stops there (the set break, issue 11 (b)); a held glide bottom
is left by an extension to the set's top, one movement, like every other rep of the set. So a
supine rep whose far-end rest is longer than ``max_far_hold_s`` is still counted when

- its top reaches the set's: no more than ``top_drop_deg`` below the median top of the last
  ``refs`` counted reps. Tabletop and a set-up never pass +10 deg and glide tops never fall below
  +45 (``RepConfig.supine_top_min_deg``'s measurement), a gap of >= 35 deg; the bound is half of it,
  so a return that ends at tabletop is refused whatever offset every angle of the session carries
  (a mounting read high shifts the set's tops and the break's tabletop alike). Measured in the
  detector's own frame (the 4,934 counted supine reps of mixed 0-999 that had a counted rep before
  them, against the median of the up to 3 before): at most 15.6 deg below (p99.9 13.6);
- its bottom lies within ``bottom_tol_deg`` of the same reps' median bottom (measured: 14.4 deg at
  the most, p99.9 10.5), so a rest far from the set's bottoms is not vouched for by them;
- its return is one movement: no still stretch inside it of ``RepConfig.rest_restart_s`` (1 s,
  the detector's own rest that restarts a rep). True supine returns stop for at most 0.56 s
  (same reps); from the floor, a set resumed with a straightening (``extension_first``) holds
  tabletop 1-4 s on the way up;
- the reference reps were counted under the current mounting (a re-learn or a mirrored re-settle
  voids them: their angles are in another frame).

With no counted rep to compare with (the first reps of a session, or after a re-learn), the rep
must sweep a whole glide's range on its own: ``alone_min_rom_deg``, 73 deg, from a bottom at or
below -28 deg to a top at or above +45 (``RepConfig.supine_min_rom_deg``'s measurement: true reps
70-137 deg, set-ups and set breaks 40-55). The range is a difference of angles, so an offset on
every angle (a mounting taught by whole-leg movements, reading 14-80 deg high at 25 Hz) does not
move it. Measured with the rest bound off (negatives 0-2999 analysed supine): the six recordings
it alone refused (263, 727, 2260, 2380, 2618, 2655: set-ups and set breaks read high, no glide
counted before) swept 60.4-68.2 deg and stay refused. The references are counted reps, which are the same
for any chunking, and their angles move with the refined elevation offset, so live equals
offline.
"""

from __future__ import annotations

import math
import statistics
from collections import deque
from dataclasses import dataclass

__all__ = ["HeldBottomConfig", "SetPoses"]


@dataclass
class HeldBottomConfig:
    """When a supine rep with a long far-end rest is vouched for by its set (module docstring)."""

    enabled: bool = True
    refs: int = 3  # counted reps the set's pose is the median of
    top_drop_deg: float = 17.5  # half the >= 35-deg gap between tabletop and the lowest glide tops
    bottom_tol_deg: float = 15.0  # measured <= 14.4 (true reps against their set's median)
    alone_min_rom_deg: float = 73.0  # no counted rep to compare with: a whole glide's range


class SetPoses:
    """The (top, bottom) of the last counted supine reps, in the detector's current angle frame."""

    def __init__(self, cfg: HeldBottomConfig | None = None) -> None:
        self.cfg = cfg or HeldBottomConfig()
        self._poses: deque[tuple[float, float]] = deque(maxlen=max(self.cfg.refs, 1))
        self.last_end_s = -math.inf  # when the newest of them ended

    def __len__(self) -> int:
        return len(self._poses)

    def add(self, top: float, bottom: float, end_s: float = -math.inf) -> None:
        self._poses.append((top, bottom))
        self.last_end_s = end_s

    def shift(self, delta_e: float) -> None:
        """The elevation offset was refined: the stored angles move with it."""
        self._poses = deque(((a + delta_e, b + delta_e) for a, b in self._poses), maxlen=self._poses.maxlen)

    def clear(self) -> None:
        self._poses.clear()
        self.last_end_s = -math.inf

    def vouch(self, top: float, bottom: float, return_pause_s: float, max_pause_s: float) -> bool:
        """True when a rep from ``bottom`` to ``top``, whose return stood still for at most
        ``return_pause_s`` at a time, looks like the set's counted reps (see the module docstring)."""
        cfg = self.cfg
        if not cfg.enabled or return_pause_s >= max_pause_s:
            return False
        if not self._poses:
            return top - bottom >= cfg.alone_min_rom_deg
        return self.like_set(top, bottom)

    def like_set(self, top: float, bottom: float) -> bool:
        """True when there are counted reps and a rep from ``bottom`` to ``top`` reaches their
        median top (within ``top_drop_deg``) from near their median bottom (``bottom_tol_deg``)."""
        if not self._poses:
            return False
        cfg = self.cfg
        ref_top = statistics.median(p[0] for p in self._poses)
        ref_bottom = statistics.median(p[1] for p in self._poses)
        return top >= ref_top - cfg.top_drop_deg and abs(bottom - ref_bottom) <= cfg.bottom_tol_deg
