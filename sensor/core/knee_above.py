"""Seated: before a rep's extension, the knee is well above the sensor.

Seated, the shin hangs from the knee: at the rest before an extension the sensor is strapped
below the knee by its distance along the shin. The knee's flexion axis lies at least ~8 cm above
any place a shin sensor can sit (below the tibial plateau and the tuberosity, 3-6 cm off the
bone; the simulators strap the box 10-35 cm below the knee), so a fixed-pivot fit over a true
seated extension puts the sensor far below its pivot at the start.

A walking lunge's rear leg (analysed seated) is a gait cycle's stance: the forefoot stays on
the floor, the heel rises and the knee sinks toward the floor. The shank then turns about a point
near the ankle (between the ankle and the toes, as the foot turns about the toes: Farrokhi S et
al. 2008, J Orthop Sports Phys Ther 38:403), not about the knee. Its whole-movement checks
(:func:`sensor.core.pivot.turned_over_a_planted_foot`) need a rotational acceleration of
``min_rot_mps2``, and that term is the lever times the turn: a sensor strapped low on the shank
sits close to that pivot (negative 3817: 3-4 cm, the sensor 3 cm above the ankle), so its
rotational term stayed under the floor (0.12-0.15 m/s^2) although the lever was fitted to
+-4 mm. That floor guards against systematic errors (an unmodelled acceleration ``e``, e.g. the
accelerometer's 1 % scale error of gravity, 0.1 m/s^2, errs the lever by about ``e`` divided by
the rotational acceleration per metre of lever, :attr:`~sensor.core.pivot.PivotFit.turn_signal`),
so this check asks that quantity instead: at ``min_turn_signal`` (2 s^-2) the lever errs by at
most ~5 cm, and the knee, >= 8 cm above, is still read >= 3 cm above.

Refused: a seated extension whose sensor was confidently (``z`` standard errors) less than
``min_above_m`` below its pivot at the rest, with ``turn_signal >= min_turn_signal`` and a turn
in one plane (``min_planar``, as the planted-foot check). The rep's other checks are unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

from sensor.core.pivot import PivotFit

__all__ = ["KneeAboveConfig", "knee_not_above"]


@dataclass
class KneeAboveConfig:
    """When a seated extension's fitted pivot is confidently not a knee above the sensor.

    Measured over the extension windows of counted true seated reps (mixed 0-399, classic 0-199,
    the UCI real recordings; 3306 reps): with ``turn_signal >= 1``, the sensor's height above the
    pivot at the rest less 5 standard errors is at most -0.073 m (classic 141, whose other reps
    read -0.10..-0.18: a fit that strays by 8 cm, within the bound's ~5 cm allowance plus margin);
    below a turn signal of 1 true reps read up to -0.009 (mixed 93, 0.56 s^-2). Walking lunges'
    rear legs read +0.012..+0.022 (negative 3817, turn signal 2.6-5.2). Re-measured on the
    anti-aliased simulator (each sample the mean over its period; mixed 0-999, classic 0-499,
    short 0-299, UCI): at the rule's own gate (turn signal >= 2, 2513 simulated extensions) at
    most -0.086 m (classic 95), as before, UCI -0.29; below it (turn 1-2) mixed 492 reads -0.040
    at 1.1 s^-2, which the gate leaves alone."""

    enabled: bool = True
    min_above_m: float = 0.03  # the knee >= 8 cm above, less the ~5 cm a fit may err at the floor
    z: float = 5.0  # standard errors, as the other pivot checks ask
    min_turn_signal: float = 2.0  # 1/s^2: 0.1 m/s^2 unmodelled errs the lever by <= 5 cm
    min_planar: float = 0.9  # the rigid fixed-pivot model holds only for a turn in one plane


def knee_not_above(fit: PivotFit | None, cfg: KneeAboveConfig) -> bool:
    """True when the movement's fitted pivot was confidently less than ``min_above_m`` above the
    sensor at its first sample (the rest), with enough turn to trust the lever. False when unsure
    (no fit, a weak turn, a turn out of one plane) or when switched off."""
    if not cfg.enabled or fit is None or fit.turn_signal < cfg.min_turn_signal or fit.planar < cfg.min_planar:
        return False
    return fit.rest_height_m - cfg.z * fit.rest_height_se_m > -cfg.min_above_m
