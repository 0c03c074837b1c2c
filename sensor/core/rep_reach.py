"""The seated rep's movements, one by one: each turns the shin about a point within its reach.

Seated, the thigh rests on the seat and the knee stays still, so every movement a seated glide is
made of (the extension, any slow lead-in or pause part-way, the flexion back) turns the shin about
the knee, at most ~0.5 m above the sensor (the shank is <= 0.49 m: 0.246 x 2.0 m, Winter 2009;
the box sits <= 6 cm off the bone). A standing person's thigh is free: a leg swing starts with the
hip swinging the thigh forward while the shank lags (a double pendulum), so the knee, and the
sensor with it, travels 0.2-0.3 m while the shin turns a few degrees. Fitted as a turn about a
fixed point (:func:`sensor.core.pivot.fit_pivot`), that movement needs a pivot far beyond any
joint of the shank (negative 2487: 1.58 +- 0.06 m below the sensor, the shin turning 8 deg); the
same holds for getting up and for anything else that carries the knee while the shin barely turns.

:class:`sensor.core.rep_pivot.PivotCheckedDetector` fits the whole rep and its extension; over a
window of several movements the fast swing halves dominate, and a swing whose knee bends reads a
pivot 0.27-0.46 m up, inside a knee's reach (:class:`~sensor.core.pivot.PivotConfig`). So each
movement segment of a seated rep candidate (as the rep detector closed them, from the rep's
start to its end) is fitted on its own, and the rep is refused when one of them confidently
(``knee_above_z`` standard errors, above the ``min_rot_mps2`` signal floor) turned about a point
farther from the sensor than ``max_knee_above_m``, above or below it: no still knee explains it.
The distance bound and the confidence are :class:`~sensor.core.pivot.PivotConfig`'s, set from anatomy;
only the shortest movement fitted alone (``ReachConfig.min_move_s``) is new.

Measured (every movement segment of at least ``min_move_s`` of every counted seated rep, fitted
as here, in standard errors beyond the bound; the rule needs 5): the 117 UCI real seated reps at
most -2.5; the simulated seated reps of short 1-299 (300 reps) -7.2, classic 1-499 (2500) -2.1,
mixed 0-999 (5518) -2.8. Leg swings analysed seated (negatives 0-4999, the 290 recordings with
one, 492 rep candidates that overlap a swing): 209 candidates hold such a movement, among them
the two the other checks counted (2487; 4273, getting up, standing, then the first swing half).
Re-measured on the anti-aliased simulator (samples are period means, as a MEMS IMU's filter
gives): classic 0-499 -2.1 (467), mixed 0-999 -3.0 (606), short 0-299 -7.8, UCI -2.5 (11518
simulated movements; 25 Hz at most -3.9, 50 Hz -6.2).

The segments are kept for ``keep_s`` of data time and forgotten with the motion state (a new
mounting re-analyses older samples), so the verdict depends on the samples alone.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from sensor.core.events import Event, Rep
from sensor.core.pivot import PivotConfig, PivotFit, pivot_beyond_knee
from sensor.core.rep_bottom import BottomCheckedDetector, SupineBottomConfig
from sensor.core.rep_config import RepConfig
from sensor.core.rep_pivot import RepPivotConfig
from sensor.core.return_rest import return_over
from sensor.core.types import Posture

__all__ = ["ReachCheckedDetector", "ReachConfig", "beyond_reach"]

# (read once: an enum member is a class attribute lookup, ~0.2 us, and the closes ask per movement)
_SEATED = Posture.SEATED


@dataclass
class ReachConfig:
    """Which seated rep candidates are refused for a movement about a point out of the knee's reach."""

    enabled: bool = True
    keep_s: float = 60.0  # segments kept (as long as the raw samples: RepPivotConfig.keep_s)
    # Movements shorter than half the guide's shortest phase (1 s) are not fitted alone: such pieces
    # (one movement split by a hole in the data or a dip of the rate, a twitch) hold too few samples
    # at 25-50 Hz for the fit's standard error to be trusted. Measured: a 0.36-s piece of a true
    # extension at 50 Hz (short seed 17, split by a hole) read 5.8 errors beyond; over movements of
    # at least 0.5 s the true seated reps read at most -2.1 (see the module docstring).
    min_move_s: float = 0.5
    pivot: PivotConfig = field(default_factory=PivotConfig)
    # seated: a return that came to rest at hanging is over (sensor.core.return_rest)
    return_rest: bool = True


def beyond_reach(fit: PivotFit | None, cfg: PivotConfig) -> bool:
    """True when one movement confidently turned about a point farther from the sensor than a
    knee can be, above or below it: :func:`sensor.core.pivot.pivot_beyond_knee` on either side.
    False when unsure (weak signal, no fit)."""
    return pivot_beyond_knee(fit, cfg, either_side=True)


class ReachCheckedDetector(BottomCheckedDetector):
    """:class:`BottomCheckedDetector`; seated, every movement of a rep must also turn the shin
    about a point within a knee's reach of the sensor, and a return that came to rest at hanging
    is over (:mod:`sensor.core.return_rest`: a later movement never continues it)."""

    def __init__(
        self,
        posture: str = "supine",
        cfg: RepConfig | None = None,
        check: RepPivotConfig | None = None,
        bottom: SupineBottomConfig | None = None,
        reach: ReachConfig | None = None,
    ):
        super().__init__(posture, cfg, check, bottom)
        self.reach = reach or ReachConfig()
        self._moves: deque[tuple[float, float]] = deque()  # (start, end) of closed movement segments

    def reset_motion(self) -> None:
        super().reset_motion()
        self._moves.clear()  # older samples are analysed again: their segments come again

    def _close(self, t1: float, e1: float, events: list[Event]) -> None:
        seg = self._seg
        if self.posture == _SEATED:  # (supine: neither, without asking ``_on``, which is seated only)
            if self.reach.return_rest:
                returning = self._mode < 0 and self._far is not None
                if return_over(seg, self._last_end_t, returning, self._counted, self.cfg):
                    self._counted = True  # judged where it stopped: closed as if counted, nothing counts
            if seg is not None and self._on and self.reach.enabled:
                moves = self._moves
                moves.append((float(seg["t0"]), t1))
                while moves and moves[0][1] < t1 - self.reach.keep_s:
                    moves.popleft()
        super()._close(t1, e1, events)

    def _make_rep(self, t_end: float, e_end: float, min_rom: float | None = None) -> Rep | None:
        rep = super()._make_rep(t_end, e_end, min_rom)
        if rep is None or not self._on or not self.reach.enabled:
            return rep
        cfg = self.reach
        for t0, t1 in self._moves:
            if t1 > rep.start_s and t0 < rep.end_s and t1 - t0 >= cfg.min_move_s:
                fit = self.fit(t0, t1)
                if beyond_reach(fit, cfg.pivot) and not self.slow_set.vouches(fit, rep, self._nonex_t):
                    return None  # the knee was carried: the thigh swung from the hip, or the body moved
        return rep
