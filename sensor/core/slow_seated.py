"""Seated: a pivot verdict read from a weak turn gives way when the set's counted reps vouch for the rep.

Two seated checks read a lever from the rotational acceleration, ``alpha x r + omega x (omega x
r)``, and refuse on the pivot's place: the whole rep's fit (:func:`sensor.core.pivot.
not_a_knee_swing`: the pivot confidently below the sensor or beyond a knee's reach) and each
movement's own fit (:mod:`sensor.core.rep_reach`: beyond a knee's reach, above or below). An
acceleration the model does not hold (a 1 % scale error is 0.1 m/s^2 of gravity; the gravity
carried by the integrated gyro drifts) errs that lever by about itself over the turn signal,
``sqrt(|alpha|^2 + |omega|^4)`` RMS (``PivotFit.turn_signal``, 1/s^2), and the fit's standard
error, least squares on white residuals, does not see it. A glide done as handouts teach it
slowly ("complete all movements slowly": 4-6 s a phase, ``slow`` in ``sensor.sim.variants``)
turns at 0.2-0.35 1/s^2: 0.1 m/s^2 unmodelled is a 0.3-0.5-m lever error, and the fits put the
pivot 0.6-2 m above or below the sensor "confidently". :mod:`sensor.core.slow_turn` sets the
whole-rep verdict aside when the extension's own fit confirms a knee; at this pace the extension
turns under the fits' signal floor or reads its knee past 0.5 m too, so nothing confirms it.

What the pivot checks keep out turns fast: a standing leg swing (the hip carries the knee),
a step-up's trailing leg, a walking lunge. A slow seated candidate is told by its set instead,
as the supine slow phases are (:mod:`sensor.core.slow_set`): a pivot refusal whose refusing fit
turned under ``max_turn_signal`` is set aside when the rep repeats the last counted seated rep:
it starts after that one's end, its bottom and top lie within ``max_step_deg`` of that one's
(:func:`sensor.core.bent_set.same_pose`, the step bound of :mod:`sensor.core.tight_set`), and
that rep ended after the last time on one's feet. Every other check stands (the timing, the
range, the extension over a planted foot, a lever that never hung, the knee not above the
sensor). No time bound, as in :mod:`sensor.core.slow_set`: the pose, the weak turn and the
on-feet time do the work. Nothing counted before, nothing vouches: a recording that counts
nothing without this rule counts nothing with it, and the first rep of a session, if slow and
refused, is still lost.

Measured (variants 0-299, the rule with no time bound): 23 candidates vouched for, all true
reps of ``slow`` sessions; they followed their counted rep by 0.6-2.8 s, one (the first of a set,
variants 153) by 26.4 s across the set break; steps at most 9.0 deg (top) and 11.8 (bottom).
The refusing fits of the true reps turned at 0.21-0.32 1/s^2; the candidates the two verdicts
refuse in seated negatives 0-1999 (35) and mixed 0-399 (1) at 1.05-4.85, none with a counted
rep before it. Results: variants 0-299 seated ``slow`` 25 -> 2 missed (the first reps of 153 and
297), 0 false, every other session the same; variants 300-599 (no rule written on them) seated
``slow`` 50 -> 16, ``slump`` 1 -> 0, 0 false; mixed 0-399 and short 0-299 exact.

Sans-IO and chunk-invariant: the verdict reads the candidate, its fits (the samples alone) and
the last counted rep (the same for any chunking; its angles move with the refined elevation
offset, and it is forgotten with the motion state when the mounting changes).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sensor.core.bent_set import same_pose, shifted
from sensor.core.events import Rep
from sensor.core.pivot import PivotFit

__all__ = ["SlowSeatedConfig", "SlowSeatedSet"]


@dataclass
class SlowSeatedConfig:
    """When a seated pivot refusal from a weak turn gives way to the set (module docstring)."""

    enabled: bool = True
    # 1/s^2: under it 0.1 m/s^2 unmodelled errs the lever by over 0.17 m, a third of a knee's reach.
    # Measured: the refusing fits of true seated reps 0.21-0.32 (variants 0-299, seated slow, 26
    # candidates); of what the two verdicts refuse in seated negatives 0-1999 1.05-4.85 (35) and
    # mixed 0-399 1.27 (1). Margins: 1.9x above the one, 1.75x under the other.
    max_turn_signal: float = 0.6
    max_step_deg: float = 20.0  # one pose (sensor.core.tight_set, sensor.core.bent_set: true sets step <= 13.9)


class SlowSeatedSet:
    """The last counted seated rep, in the detector's current angle frame, and the verdict it gives."""

    def __init__(self, cfg: SlowSeatedConfig | None = None) -> None:
        self.cfg = cfg or SlowSeatedConfig()
        self.last: Rep | None = None

    def counted(self, rep: Rep) -> None:
        self.last = rep

    def forget(self) -> None:
        self.last = None

    def shift(self, delta_e: float) -> None:
        """The elevation offset was refined: the stored angles move with it."""
        self.last = shifted(self.last, delta_e)

    def vouches(self, fit: PivotFit | None, rep: Rep, nonex_t: float = -math.inf) -> bool:
        """True when the refusing ``fit`` turned too weakly to place its lever and ``rep`` repeats
        the last counted rep, which ended after the last time on one's feet (``nonex_t``)."""
        cfg, last = self.cfg, self.last
        if not cfg.enabled or fit is None or fit.turn_signal >= cfg.max_turn_signal or last is None:
            return False
        return last.end_s > nonex_t and rep.start_s >= last.end_s and same_pose(last, rep, math.inf, cfg.max_step_deg)
