"""Seated: a rep's extension must swing a shin that hung from the knee.

A seated glide extends from the hanging shin about the knee, which is straight above the sensor
(up to its 3-6 cm offset from the bone at 10-35 cm below the knee: the lever within ~31 deg of
straight down at the rest, :class:`sensor.core.pivot.PivotConfig`). A supine set-up analysed as
seated (feet flat on the mat, the thigh pulled up to tabletop with the knee angle held) turns the
whole leg about the hip, which lies on the mat beside the sensor: the lever from it runs along the
thigh, 0.35-0.5 m, and never points near straight down (60-125 deg off it over the movement).

The mounting's lying-pose refusals (:mod:`sensor.core.beside_pivot`) ask this of the movements
that teach it; the rep's own extension check asked only for a pivot below the sensor
(:func:`sensor.core.pivot.turned_over_a_planted_foot`), because a short lever's direction is
loose. Negative 8100 analysed seated (25 Hz) counted its first set-up: the extension's fit is
above the signal floor (0.30 m/s^2), in one plane (1.00), with a 0.39 m lever that comes no
nearer than 73 deg to straight down; its pivot is below the sensor by 3.6 standard errors only,
under the planted-foot check's 5.

Measured (``/tmp/r12seat/study.py``, the r12seat report): over the extensions of counted true
seated reps above the floor and in one plane (classic 0-499, short 0-299, variants 0-299, mixed
0-414 seated, UCI; 6069 extensions) the lever's nearest approach to straight down is at most
51 deg (p99.9 44), except one fit whose lever is 1.18 m (mixed 357, 76 deg): longer than a thigh
and a shin together, it is not a pivot on the leg at all. So the extension is refused when, above
the floor and in one plane, its lever is never within ``PivotConfig.max_hang_deg`` (60) of straight
down and is no longer than ``max_lever_m`` (a hip-to-shin lever: thigh 0.5 m plus the sensor's
distance along the shin, 0.35 m, at right angles: 0.61 m; 0.7 with margin).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sensor.core.pivot import PivotConfig, PivotFit

__all__ = ["NeverHungConfig", "never_hung"]


@dataclass
class NeverHungConfig:
    """When a seated extension's lever confidently never pointed near straight down."""

    enabled: bool = True
    max_lever_m: float = 0.7  # longer: no pivot on the leg (a failed fit), the verdict is unsure


def never_hung(fit: PivotFit | None, pivot: PivotConfig, cfg: NeverHungConfig) -> bool:
    """True when the extension's fit is above the signal floor (``pivot.min_rot_mps2``), turned
    in one plane (``pivot.min_planar``), has a lever of a leg's size (<= ``cfg.max_lever_m``) and
    that lever never came within ``pivot.max_hang_deg`` of straight down. False when unsure."""
    if not cfg.enabled or fit is None or fit.rot_rms_mps2 < pivot.min_rot_mps2 or fit.planar < pivot.min_planar:
        return False
    return fit.hang_deg > pivot.max_hang_deg and float(np.linalg.norm(fit.r)) <= cfg.max_lever_m
