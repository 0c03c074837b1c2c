"""The seated rep's own pivot check: a counted seated rep swings the shin about a still knee.

Seated, the thigh rests on the seat, so the knee does not move: the shin swings about a fixed
point above the sensor. :mod:`sensor.core.pivot` fits that still point from the raw samples
without knowing the mounting; until now it only vetted the movements that teach the first seated
mounting, so anything that came after (a squat, a lunge, a step-up analysed as seated) was judged
in the learned frame alone. Now each seated rep candidate that passes every other criterion is
fitted again over its own samples, from just before its extension starts to the end of its
flexion, and refused when the fit is confident that it did not turn about a still knee above
the sensor (:func:`sensor.core.pivot.not_a_knee_swing`): the pivot below the sensor (the shank
turning over a planted foot), or no still point explaining the movement at all (a residual that
dwarfs the rotational signal: steps, the body travelling). A weak signal decides nothing.

The extension alone (from just before the rep's start to its top) is fitted too: it is the
movement away from the rest, like the movements that teach the mounting, and is refused on the
same grounds as they are when its pivot is confidently below the sensor
(:func:`sensor.core.pivot.turned_over_a_planted_foot`, the movement thresholds of
:class:`~sensor.core.pivot.PivotConfig`). Over a whole rep those need a stronger signal
(``rep_min_rot_below_mps2``: the holds and the rest weigh in); over the extension they do not.
Lying down on placed feet and pulling the thigh up to tabletop, analysed as seated, turn the shin
about the ankle or the hip, below the sensor. Measured over true seated reps (UCI 117 real reps,
mixed 0-199 seated 1060, classic seated 1-199 1000): none reads a confident pivot below over its
extension above the signal floor (the largest such reading, 0.115 m/s^2, is under it). The
flexion window holds the top's hold and is not used: 12 true flexions read the pivot below there.

The same extension fit must also put the knee well above the sensor at the rest before it
(:func:`sensor.core.knee_above.knee_not_above`): a walking lunge's rear shank, with the sensor
strapped low, turns about a point a few centimetres from the sensor, a lever fitted to millimetres
whose rotational term stays under the planted-foot check's floor (negative 3817).

The detector is :class:`sensor.core.rep_far_rest.FarRestCheckedDetector` with this one check added at its last
step; the raw samples it needs are kept for ``keep_s`` of data time (pieces, joined only when a
candidate asks), so the verdict depends on the samples alone, never on the chunking; samples
replayed after a re-strap or a re-settle replace the newer ones kept.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field, replace

import numpy as np

from sensor.core.events import Event, Rep, RepCompleted
from sensor.core.knee_above import KneeAboveConfig, knee_not_above
from sensor.core.knee_range import KneeRangeConfig, knee_swing_confirmed
from sensor.core.never_hung import NeverHungConfig, never_hung
from sensor.core.pivot import PivotConfig, PivotFit, fit_pivot, not_a_knee_swing, turned_over_a_planted_foot
from sensor.core.rep_config import RepConfig
from sensor.core.rep_far_rest import FarRestCheckedDetector
from sensor.core.slow_seated import SlowSeatedConfig, SlowSeatedSet
from sensor.core.slow_turn import SlowTurnConfig, whole_verdict_weak
from sensor.core.tight_set import TightSetChain, TightSetConfig
from sensor.core.types import Posture

__all__ = ["PivotCheckedDetector", "RepPivotConfig"]

# (read once: an enum member is a class attribute lookup, ~0.2 us, and the closes ask per movement)
_SEATED = Posture.SEATED


@dataclass
class RepPivotConfig:
    """Which seated rep candidates the pivot fit refuses."""

    enabled: bool = True
    pad_s: float = 0.25  # samples kept before the rep's start (the fit needs the rest before it)
    max_window_s: float = 30.0  # a longer candidate is fitted over its last this-many seconds
    extension: bool = True  # also refuse a rep whose extension turned over a planted foot
    # raw samples kept behind the newest piece: the window, plus how far a rep's end may lag the
    # piece that completes it (a creep closes up to RepConfig.creep_keep_s = 20 s late)
    keep_s: float = 60.0
    pivot: PivotConfig = field(default_factory=PivotConfig)
    # the extension must start with the knee well above the sensor (sensor.core.knee_above)
    knee: KneeAboveConfig = field(default_factory=KneeAboveConfig)
    # the extension's lever never near straight down (sensor.core.never_hung): the shin never hung
    hang: NeverHungConfig = field(default_factory=NeverHungConfig)
    # a range between RepConfig.seated_knee_rom_deg and seated_min_rom_deg needs a confirmed knee swing
    knee_range: KneeRangeConfig = field(default_factory=KneeRangeConfig)
    # the whole-rep verdict is set aside for a slow rep whose extension confirms a knee swing
    slow: SlowTurnConfig = field(default_factory=SlowTurnConfig)
    # a narrow range that repeats the set's previous candidate counts (sensor.core.tight_set)
    tight: TightSetConfig = field(default_factory=TightSetConfig)
    # a pivot verdict from a weak turn gives way when the rep repeats the last counted one (slow_seated)
    slow_set: SlowSeatedConfig = field(default_factory=SlowSeatedConfig)


class PivotCheckedDetector(FarRestCheckedDetector):
    """:class:`~sensor.core.rep_far_rest.FarRestCheckedDetector`; seated, a rep must also pass the
    fixed-pivot fit over its samples."""

    def __init__(self, posture: str = "supine", cfg: RepConfig | None = None, check: RepPivotConfig | None = None):
        super().__init__(posture, cfg)
        self.check = check or RepPivotConfig()
        self._raw: deque[tuple[np.ndarray, np.ndarray, np.ndarray]] = deque()
        self.last_fit: PivotFit | None = None  # the newest candidate's fit (diagnostics)
        self._tight = TightSetChain(self.check.tight)
        self.slow_set = SlowSeatedSet(self.check.slow_set)  # the last counted seated rep (slow_seated)
        self._late: list[RepCompleted] = []  # earlier movements counted with the one closing

    def reset_motion(self) -> None:
        super().reset_motion()
        self._tight.forget()  # its angles were read with the old mounting
        self.slow_set.forget()

    def shift(self, delta_e: float) -> None:
        super().shift(delta_e)
        self._tight.shift(delta_e)
        self.slow_set.shift(delta_e)

    def _close(self, t1: float, e1: float, events: list[Event]) -> None:
        n = len(self.reps)
        super()._close(t1, e1, events)
        if len(self.reps) > n and self._on:
            self.slow_set.counted(self.reps[-1])  # past every check, the reach's included
        if self._late:  # before the rep whose repetition revealed them (the last RepCompleted)
            late, self._late = self._late, []
            k = max(i for i, ev in enumerate(events) if isinstance(ev, RepCompleted))
            events[k:k] = late

    def _count_late(self, reps: list[Rep], t_end: float) -> None:
        """Count earlier movements now (``detected_s`` = ``t_end``), before the rep closing."""
        for r in reps:
            r = replace(r, index=len(self.reps) + 1, detected_s=t_end)
            self.reps.append(r)
            self._late.append(RepCompleted(t_end, r))

    @property
    def _on(self) -> bool:
        return self.posture == _SEATED and self.check.enabled

    def process(
        self,
        t: np.ndarray,
        e: np.ndarray,
        v: np.ndarray,
        gap: np.ndarray,
        long_gap: np.ndarray | None = None,
        last_nonex: np.ndarray | None = None,
        shocks: np.ndarray | None = None,
        rate_abs: np.ndarray | None = None,
        raw: tuple[np.ndarray, np.ndarray] | None = None,
        *,
        steps: tuple[float | None, np.ndarray] | None = None,
    ) -> list[Event]:
        """``raw``: the piece's specific force (m/s^2) and bias-corrected angular rate (deg/s)."""
        if self._on and raw is not None and len(t):
            self._remember(t, raw[0], raw[1])
        return super().process(t, e, v, gap, long_gap, last_nonex, shocks, rate_abs, steps=steps)

    def _remember(self, t: np.ndarray, acc: np.ndarray, gyr: np.ndarray) -> None:
        raw = self._raw
        t0 = float(t[0])
        # a re-analysis after a re-strap or a re-settle replays older samples: they replace ours
        while raw and float(raw[-1][0][0]) >= t0:
            raw.pop()
        if raw and float(raw[-1][0][-1]) >= t0:
            last = raw.pop()
            k = int(np.searchsorted(last[0], t0))
            raw.append((last[0][:k], last[1][:k], last[2][:k]))
        raw.append((t, acc, gyr))
        while len(raw) > 1 and float(raw[0][0][-1]) < t0 - self.check.keep_s:
            raw.popleft()

    def fit(self, start_s: float, end_s: float) -> PivotFit | None:
        """The fixed-pivot fit over the kept samples from ``start_s`` (less the pad) to ``end_s``."""
        a = max(start_s - self.check.pad_s, end_s - self.check.max_window_s)
        parts = [p for p in self._raw if len(p[0]) and p[0][-1] >= a and p[0][0] <= end_s]
        if not parts:
            return None
        t, acc, gyr = (np.concatenate(x) for x in zip(*parts)) if len(parts) > 1 else parts[0]
        i, j = int(np.searchsorted(t, a)), int(np.searchsorted(t, end_s, side="right"))
        return fit_pivot(t[i:j], acc[i:j], gyr[i:j], split=False)  # the rep checks do not read the lever gap

    def _make_rep(self, t_end: float, e_end: float, min_rom: float | None = None) -> Rep | None:
        rep = super()._make_rep(t_end, e_end, min_rom)
        if rep is None or self.posture != _SEATED:
            return rep
        # a range under the plain seated bound counts only on a confirmed knee swing (knee_range)
        narrow = max(rep.rom_deg, (self._far or {}).get("ret_turn", 0.0)) < self.cfg.seated_min_rom_deg
        if narrow and not (self.check.knee_range.enabled or self.check.tight.enabled):
            return None  # nothing may let a small range count: refused before the fits, as before knee_range
        if not self.check.enabled:
            return None if narrow else rep
        self.last_fit = self.fit(rep.start_s, rep.end_s)
        # the extension up to its first arrival at the top: a hold with ankle pumps is not part of it (far_arrival)
        top = float((self._far or {}).get("arrive_t", rep.top_s)) if self.cfg.seated_arrival else rep.top_s
        ext = self.fit(rep.start_s, top)
        if not_a_knee_swing(self.last_fit, self.check.pivot) and not self._weak_whole(ext):
            if not self.slow_set.vouches(self.last_fit, rep, self._nonex_t):
                return None  # (a weak turn's verdict gives way to the set: slow_seated)
        if self.check.extension and turned_over_a_planted_foot(ext, self.check.pivot):
            return None
        if never_hung(ext, self.check.pivot, self.check.hang):
            return None  # the whole leg turned about the hip on the mat: a supine set-up, analysed seated
        if knee_not_above(ext, self.check.knee):
            return None  # the shank turned about a point near the sensor: a planted foot, not the knee
        if not narrow:
            self._tight.counted(rep)
            return rep
        confirmed = self._confirmed(ext) or self._confirmed(self.last_fit)
        if self.check.tight.enabled:  # a small range counts when it repeats the set (tight_set)
            count, late = self._tight.judge(rep, confirmed)
            if not count:
                return None
            if late is not None:
                self._count_late([late], t_end)
            return replace(rep, index=len(self.reps) + 1)
        if not confirmed:
            return None  # a small range, and nothing shows the still knee the range bound stands in for
        return rep

    def _weak_whole(self, ext: PivotFit | None) -> bool:
        c = self.check  # a slow rep's whole window turns too weakly to place a pivot (slow_turn)
        return whole_verdict_weak(self.last_fit, ext, c.pivot, c.knee_range, c.slow)

    def _confirmed(self, fit: PivotFit | None) -> bool:
        return knee_swing_confirmed(fit, self.check.pivot, self.check.knee_range)
