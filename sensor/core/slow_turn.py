"""Seated: a slow rep's whole-window pivot verdict is noise when its turn is too weak to place a lever.

:func:`sensor.core.pivot.not_a_knee_swing` fits a seated rep candidate as one turn about a fixed
point, from just before its extension to the end of its flexion, and refuses it on a confident
pivot below the sensor, beyond a knee's reach, or a residual that dwarfs the fit. The lever is
read from the rotational acceleration, ``alpha x r + omega x (omega x r)``: an acceleration the
model does not hold (a 1 % scale error is 0.1 m/s^2 of gravity; the gravity direction carried by
the integrated gyro drifts by g * bias * t over the window) errs it by about that acceleration
over the turn signal, ``sqrt(|alpha|^2 + |omega|^4)`` RMS (``PivotFit.turn_signal``, 1/s^2). The
turn signal falls with the square of the pace while the drift grows with the window, so a slow
glide (the guide's "complete all movements slowly": 4-6 s a phase, ``slow`` in
``sensor.sim.variants``) turns at ~0.3 1/s^2 over a 10-12 s window: 0.1 m/s^2 unmodelled is a
0.3-m lever error, and the fit places the pivot 0.8-2 m below or above the sensor, where no joint
is, with a "confident" standard error (white-residual least squares is blind to a systematic
term). Seated ``slow`` sessions lost 29 of 331 reps (variants 0-299 on r12base), most to this
verdict (seed 153: 13 of its 17) and the rest to :mod:`sensor.core.rep_reach`'s movement fits,
while each rep's own extension, a single shorter movement, fits a still knee above the sensor
with the lever hanging.

So the whole-window verdict is set aside when its turn signal is under ``min_turn_signal`` (1/s^2:
a 0.1 m/s^2 error is then a lever error over 10 cm, a shin sensor's smallest distance from the
knee) AND the extension's own fit confirms a knee swing (:func:`sensor.core.knee_range.
knee_swing_confirmed`: above the signal floor, pivot confidently above within reach, the lever
hung). Fast confounders the whole-rep check is there for (a step-up's trailing leg kicks in
0.7-0.9 s: several 1/s^2) keep their verdict.
"""

from __future__ import annotations

from dataclasses import dataclass

from sensor.core.knee_range import KneeRangeConfig, knee_swing_confirmed
from sensor.core.pivot import PivotConfig, PivotFit

__all__ = ["SlowTurnConfig", "whole_verdict_weak"]


@dataclass
class SlowTurnConfig:
    """When a seated rep's whole-window pivot verdict is set aside (see the module docstring)."""

    enabled: bool = True
    min_turn_signal: float = 1.0  # 1/s^2: under it, 0.1 m/s^2 unmodelled errs the lever by > 10 cm


def whole_verdict_weak(
    whole: PivotFit | None, ext: PivotFit | None, pivot: PivotConfig, knee: KneeRangeConfig, cfg: SlowTurnConfig
) -> bool:
    """True when the whole rep's fit turned too weakly to place its pivot and the extension's fit
    confirms a still knee above a hanging shin: the whole-window verdict says nothing then."""
    if not cfg.enabled or whole is None or whole.turn_signal >= cfg.min_turn_signal:
        return False
    return knee_swing_confirmed(ext, pivot, knee)
