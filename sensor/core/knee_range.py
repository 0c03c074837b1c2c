"""Seated: a small range counts when the fit shows what the range bound stood in for.

The seated range bounds (a rep's ``RepConfig.seated_min_rom_deg``, 46 deg, and a movement that
teaches the seated mounting, ``MountConfig.seated_min_span_deg``, 50) keep out movements of the
shank on the feet: squats, step-downs and sit-to-stand tilt it 20-45 deg about the planted foot
(Escamilla 2001; Zwerver 2007; Earl 2007). They also keep out a person with a tight nerve bed. A
knee-extension deficit with the hip at 90 deg of 35 +- 14 deg (range 15.6-70; Kuilart KE et al.
2005, Int J Osteopath Med 8:89) stops the seated shin 20-50 deg below horizontal: from hanging
that is a 40-70 deg extension, and the ``tight`` sessions of the variants corpus
(``sensor.sim.variants``) lost 69 of 289 reps to the two bounds (54 in three sessions whose
mounting was never learned, every sweep under 50 deg).

What separates a seated glide from the shank turning on the feet is not the range but the pivot:
the shin swings from hanging about a still knee above the sensor (thigh on the seat), where a
squat or a step turns the shank about the foot, below it, and a supine set-up analysed seated
turns the whole leg about the hip, beside the sensor (its lever never points down:
:mod:`sensor.core.never_hung`). The fixed-pivot fit (:func:`sensor.core.pivot.fit_pivot`) reads
that from the raw samples, without the mounting. The existing checks refuse on a confident fit
that contradicts a knee swing and pass when unsure; here a confident fit that CONFIRMS one is
asked before a range between ``RepConfig.seated_knee_rom_deg`` (a rep, checked in
:mod:`sensor.core.rep_pivot`) or ``knee_min_span_deg`` (a teaching sweep) and the old bound
counts. Unsure (weak signal, a turn out of one plane, no fit) keeps the old bound. Confirmed
means, above the signal floor (``PivotConfig.min_rot_mps2``) and in one plane (``min_planar``):

- the pivot above the sensor by ``z`` standard errors and at least ``min_above_m``, and within a
  knee's reach (``PivotConfig.max_knee_above_m``, 0.5 m);
- the lever within ``max_hang_deg`` of straight down at some point (the shin hung): a box 3-6 cm
  off the bone 10-35 cm below the knee tilts it by up to ~31 deg (PivotConfig's docstring), and
  9 deg of margin for the fit;
- the fit explains the movement (residual within ``PivotConfig.max_resid_ratio`` of the
  rotational term) and the pivot was not carried round (:func:`sensor.core.pivot.knee_carried`).

The floors: ``RepConfig.seated_knee_rom_deg`` 30 is the detector's own smallest rep (``RepConfig.min_rom_deg``;
a 60-deg deficit, within Kuilart's range); ``knee_min_span_deg`` 35 is the supine teaching bound
(``MountConfig.min_span_deg``). Neither was read from a failing session.

Alone, a confirmation let three negatives through (seated analyses of 3000-8749, r13seat): a
lunge (5174) and a leg swing (6820) taught a mounting with quick narrow sweeps, and a lone 34-deg
movement (8501) counted. Two guards since: a narrow sweep teaches only at a glide phase's pace
(``min_sweep_s``: span over peak rate; the quick sweeps of 5174 and 6820 read 0.19-0.33 s, true
reps' sweeps 0.39 s and more), and a narrow rep counts only when it repeats its set
(:mod:`sensor.core.tight_set`), which a lone movement does not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sensor.core.pivot import PivotConfig, PivotFit, fit_pivot_memo, knee_carried

if TYPE_CHECKING:
    from sensor.core.mounting import MountConfig

__all__ = ["KneeRangeConfig", "knee_swing_confirmed", "sweep_ok"]


@dataclass
class KneeRangeConfig:
    """When a seated range under the plain bound counts (see the module docstring)."""

    # On since round 14 with two guards: a narrow sweep must last a glide phase (min_sweep_s below) and a
    # narrow rep must repeat its set (sensor.core.tight_set). Alone (r13seat) it added 3 false reps in the
    # seated analyses of negatives 3000-8749: 5174 a lunge and 6820 a leg swing (read as a still-knee swing
    # ~0.5 m above the sensor; both need quick narrow sweeps to learn a mounting), 8501 (a lone 34-deg rep)
    enabled: bool = True
    # A narrow sweep teaches only at a glide's pace: its span over its peak rate (s) at least this. The
    # detector's shortest phase (RepConfig.min_phase_s, 0.7 s) with a bell-shaped rate profile (peak <= 2x
    # the mean; minimum jerk 1.875x) gives 0.35. Measured: every sweep inside a true rep of variants 1-299
    # seated (2741, brisk included) >= 0.393; the quick sweeps of 5174 and 6820 that taught 0.19-0.33.
    min_sweep_s: float = 0.35
    knee_min_span_deg: float = 35.0  # a sweep teaching the seated mounting: MountConfig.min_span_deg
    z: float = 5.0  # standard errors, as every other pivot verdict asks
    min_above_m: float = 0.03  # the knee clearly above the sensor (PivotConfig.min_below_m mirrored)
    max_hang_deg: float = 40.0  # the lever at the rest: <= ~31 deg off straight down, and margin


def knee_swing_confirmed(fit: PivotFit | None, pivot: PivotConfig, cfg: KneeRangeConfig) -> bool:
    """True when the fit confidently shows a hanging shin turning about a still knee above the
    sensor; False when it does not or when unsure."""
    if fit is None or fit.rot_rms_mps2 < pivot.min_rot_mps2 or fit.planar < pivot.min_planar:
        return False
    above = -fit.height_m  # the fit's height is the sensor's above the pivot
    confident = above - cfg.min_above_m > cfg.z * fit.height_se_m and above <= pivot.max_knee_above_m
    explained = fit.rms_mps2 <= pivot.max_resid_ratio * fit.rot_rms_mps2
    return confident and explained and fit.hang_deg <= cfg.max_hang_deg and not knee_carried(fit, pivot)


def sweep_ok(span_deg: float, posture: str, cfg: MountConfig, t: np.ndarray, acc: np.ndarray, gyr: np.ndarray) -> bool:
    """A movement sweeping ``span_deg`` may teach the mounting: the plain bound of its posture,
    or, seated, ``cfg.knee.knee_min_span_deg`` with its fit (samples ``t, acc, gyr``: m/s^2,
    deg/s) confirming a knee swing. The fit runs only for a sweep between the two."""
    if posture != "seated":
        return span_deg >= cfg.min_span_deg
    if span_deg >= cfg.seated_min_span_deg:
        return True
    knee = cfg.knee
    if not knee.enabled or span_deg < knee.knee_min_span_deg:
        return False
    if len(gyr) == 0 or span_deg < knee.min_sweep_s * float(np.max(np.linalg.norm(gyr, axis=1))):
        return False  # quicker than a glide's phase: a leg swing, a lunge's shank
    return knee_swing_confirmed(fit_pivot_memo(t, acc, gyr), cfg.pivot, knee)
