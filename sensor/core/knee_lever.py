"""Supine: a lone movement's fitted lever must be long enough to be a knee's.

A first supine mounting may rest on one movement's fixed-pivot fit alone
(:func:`sensor.core.teach_count.lone_lever_sweep`): the fitted lever ``c`` (pivot to sensor, in
the swing plane) then *is* the shin direction. That holds only while the pivot is the knee, and
the knee's flexion axis lies at least ~8 cm from any place a shin sensor can sit (below the
tibial plateau and the tuberosity, 3-6 cm off the bone; the simulators strap the box 10-35 cm
below the knee; :mod:`sensor.core.knee_above`). In the swing plane the lever is at least the
distance along the shin, so a knee pivot's fitted lever reads >= ~8 cm less the fit's error.

The fit's error: an unmodelled acceleration ``e`` (the accelerometer's ~1 % scale error of
gravity, 0.1 m/s^2; the thigh's own small movement) errs the lever by about ``e`` divided by the
rotational acceleration per metre of lever, the turn signal ``sqrt(mean(|alpha|^2 + |w|^4))``
(the same quantity as :attr:`sensor.core.pivot.PivotFit.turn_signal`, 1/s^2). A slow glide
phase (turn ~1) leaves the lever uncertain by ~10 cm and is never refused here; a fast sweep
(turn >= 8) pins it to ~1 cm.

Refused: a lone lever sweep whose lever plus ``unmodelled_mps2 / turn`` is still under
``min_knee_m``: confidently shorter than any knee's. The issue-11 failure: negatives seed 10614
(104 Hz, stand 3.4 s then step-ups, analysed supine): the first step-up's 85-deg sweep, 4.2 s into
the recording (its quiet "unseen", and over the 75-deg extend-up exemption), taught the mounting
at 5.0 s by a 4.8-cm lever at a turn signal of 17 s^-2 (at most 0.6 cm of error: 5.3 cm < 8 cm);
the wrong shin line read standing as not hanging, the context stayed "exercise" through 100 s of
step-ups and walking lunges, and a step-up was counted. Measured on the positives' first supine
teachings (short 0-299, classic 0-499, mixed 0-999: 1428 movement windows of 776 teachings, by
any reference): lever + 0.1/turn is >= 0.097 m in all but two windows (0.078 and 0.084, fits
that explain a tenth of their signal or less, in teachings pinned by standing gravity, which this
rule does not judge); over the 49 lone lever teachings it reads 0.127 m at the least (short 174:
a 7.97-cm lever at turn 2.1; their turn signals 0.6-11.7 s^-2). Negatives 0-10999 analysed supine
(5500 in their own posture, 5500 in the other): 154 sessions had a lone lever movement judged (210
windows: lever 5.3 cm at p5, 14 cm median; turn 2.1 median, 14 at p95), six were refused, and the
teaching changed in five, all to none or to a later standing reference (633, 8807, 8843, 10272,
10614; four of them stand then step up, the first sweep 2-5 s into the recording); one count
changed (10614: 1 -> 0). The positives (mixed 1000, short 300, classic 500, UCI 36) saw no
refusal: their figures are bit-identical.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["KneeLeverConfig", "shorter_than_a_knee", "turn_signal"]


@dataclass
class KneeLeverConfig:
    """When a lone supine movement's fitted lever is confidently shorter than a knee's."""

    enabled: bool = True
    min_knee_m: float = 0.08  # the knee's flexion axis lies >= ~8 cm from any shin sensor
    unmodelled_mps2: float = 0.1  # an unmodelled acceleration (1 % of gravity) errs the lever by this / turn
    smooth_s: float = 0.05  # the rate averaged this long before it is differentiated (as sensor.core.pivot)


def turn_signal(t: np.ndarray, gyr_dps: np.ndarray, smooth_s: float) -> float:
    """``sqrt(mean(|alpha|^2 + |w|^4))`` over a movement (1/s^2), the rate (deg/s, three axes)
    averaged over ``smooth_s`` first: differentiated per sample, the gyroscope's white noise would
    swamp the angular acceleration at 100-200 Hz."""
    n = len(t)
    if n < 3:
        return 0.0
    w = np.radians(gyr_dps)
    dt_nom = float(np.median(np.diff(t)))
    k = max(int(round(smooth_s / max(dt_nom, 1e-6))), 1)
    if k > 1:
        pad = np.concatenate([np.repeat(w[:1], k // 2, 0), w, np.repeat(w[-1:], k - 1 - k // 2, 0)])
        c = np.cumsum(np.concatenate([np.zeros((1, 3)), pad]), axis=0)
        w = (c[k:] - c[:-k]) / k
    alpha = np.gradient(w, t, axis=0)
    w2 = np.sum(w * w, axis=1)
    return float(np.sqrt(np.mean(np.sum(alpha * alpha, axis=1) + w2 * w2)))


def shorter_than_a_knee(lever_m: float, t: np.ndarray, gyr_dps: np.ndarray, cfg: KneeLeverConfig) -> bool:
    """True when the movement's fitted lever (m), however the fit errs at its turn signal, is
    shorter than ``min_knee_m``: its pivot is not the knee. False when switched off or too short
    a movement to say."""
    if not cfg.enabled or len(t) < 10:
        return False
    turn = turn_signal(t, gyr_dps, cfg.smooth_s)
    if turn <= 0.0:
        return False
    return lever_m + cfg.unmodelled_mps2 / turn < cfg.min_knee_m
