"""Rests that are not a hanging shin, read from where the pivot was at them.

Seated, the mounting takes the shin direction from the rest it reads as hanging
(:func:`sensor.core.shin_prior.hanging_beta`: the densest band of rests near where the fitted
lever puts hanging) when neither the board normal nor quiet standing pins it (a box on the side
of the shin, no walking). A recording whose content is supine (lying down, the foot to tabletop
and back to the mat between sets, getting up), analysed seated, has two such rests: standing
(the shank vertical, as a hanging shin is) and the feet flat on the mat (the shank 40-55 deg off
vertical, leaning toward the head), which lasts far longer (set breaks of 3-20 s and more) and
won the band. That read the feet-flat rest as hanging, tabletop as -30..-45 deg, and counted
each set-up and set break as a seated extension (issue 11, the unseen negatives of round 6:
4129 4147 4191 4929 4975 4273, each with the box on the side of the shin).

The pivot tells them apart, read in the raw sensor frame with no mounting. The fixed-pivot fit
(:func:`sensor.core.pivot.fit_pivot`) gives the lever ``r`` (pivot -> sensor, fixed in the
sensor frame), and at a still pose the specific force points straight up, so the angle between
``r`` and it says where the pivot was at that rest:

- a shin hanging from the knee (the seated glide's rest): the pivot straight above the sensor,
  ``r`` within ~30 deg of straight down (the sensor's offset from the bone, 3-6 cm at 10-35 cm
  below the knee, :class:`sensor.core.pivot.PivotConfig`);
- a standing shank turning over the planted foot (sitting or lying down, squats): the pivot
  straight below, ``r`` within ~30 deg of straight up (plus the shank's tilt at a squat's foot);
- the feet flat on the mat, the set-up turning the whole leg about the hip (the knee angle held):
  the hip lies on the mat beside and below the sensor, ``r`` 65-120 deg from straight up.

A movement of a mounting's sweep (``PriorConfig.beside_min_span_deg``) that a confident fit puts
beside the sensor at one of its ends (the lever ``PriorConfig.beside_min_deg`` from both straight
up and straight down) was made lying on the mat, and neither of its rests is a hanging shin: not
the feet-flat end, nor the raised end (tabletop: the hip straight below the sensor, as a planted
foot is below a standing shank, so the lever alone cannot tell that one). Nor is any rest within
``PriorConfig.beside_tol_deg`` of them: the same pose held again (the feet-flat rest varies over
40-55 deg between set breaks, ~+-8 deg about its mean, and a hanging shin is >= 30 deg from it).
A seated glide is never such a movement (its pivot, the knee, is above its rest); a squat, a sit
or a kneel down from standing has the pivot below the standing end, so standing stays. Confident
means :func:`sensor.core.pivot.not_a_hanging_swing` says so (the signal above the sensor's
systematic errors; the lever never near straight down, or the pivot below, or carried round) and
the movement turned in one plane (the rigid-body model holds).

When every rest that read as hanging is such a pose, the seated reading is refused
(:func:`seated_hanging`): the recording holds no hanging rest, and the pipeline's second try
takes the still time before the first movement, when it is one pose (standing, here). So it is
when the band read as hanging has held rests well beyond it on both sides, which needs no pivot
fit (:mod:`sensor.core.lying_rests`: slow set-ups at 25 Hz, whose fits stay under the floor).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from sensor.core.lying_rests import LyingConfig, MountRefusal, Refusals, middle_rest, refused, refused_middle
from sensor.core.pivot import PivotConfig, fit_pivot_memo, not_a_hanging_swing
from sensor.core.shin_prior import PriorConfig, hanging_beta
from sensor.core.side_vote import plane_deg


class HangConfig(Protocol):
    """The fields of ``sensor.core.mounting.MountConfig`` read here."""

    hanging_window_deg: float
    lying: LyingConfig
    pivot: PivotConfig
    prior: PriorConfig


def beside_poses(
    t: np.ndarray,
    acc: np.ndarray,
    gyr_c: np.ndarray,
    acc_p: np.ndarray,
    u: np.ndarray,
    windows: list[tuple[int, int]],
    pivot: PivotConfig,
    cfg: PriorConfig,
) -> np.ndarray:
    """In-plane angles (deg, like :func:`sensor.core.side_vote.plane_deg`) of the still poses at
    either end of a movement window (``(a, b)``, buffer indices) that turned, confidently and
    by at least ``cfg.beside_min_span_deg`` about the knee axis ``u``, about a pivot beside the
    sensor. ``acc_p``: the specific force in the swing plane's basis, (n, 2)."""
    if not cfg.beside_poses:
        return np.zeros(0)
    out: list[float] = []
    for a, b in windows:
        dt = np.diff(t[a:b], prepend=t[a])
        if len(dt) > 2 and float(dt.max()) > cfg.beside_max_hole * float(np.median(dt[1:])):
            continue  # packets lost mid-movement: the fit carries gravity by the gyro, blind across the hole
        if abs(float(np.radians(gyr_c[a:b] @ u) @ dt)) < np.radians(cfg.beside_min_span_deg):
            continue
        fit = fit_pivot_memo(t[a:b], acc[a:b], gyr_c[a:b])
        if fit is None or fit.planar < pivot.min_planar or not not_a_hanging_swing(fit, pivot):
            continue
        r = fit.r - float(fit.r @ u) * u  # in the swing plane: the part along the axis is undetermined
        r_norm = float(np.linalg.norm(r))
        ends = (a, b - 1)
        up = acc[list(ends)] - np.outer(acc[list(ends)] @ u, u)  # still: the specific force points up
        cos = (up @ r) / np.maximum(r_norm * np.linalg.norm(up, axis=1), 1e-9)
        off_up = np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))
        if r_norm > 0.0 and bool(np.any((off_up >= cfg.beside_min_deg) & (off_up <= 180.0 - cfg.beside_min_deg))):
            # made lying on the mat: neither end is a hanging rest (the raised end has the hip below it)
            out.extend(plane_deg(acc_p, np.array(ends)).tolist())
    return np.array(out)


def seated_hanging(
    theta: np.ndarray,
    t: np.ndarray,
    acc: np.ndarray,
    gyr_c: np.ndarray,
    acc_p: np.ndarray,
    u: np.ndarray,
    windows: list[tuple[int, int]],
    beta_lever: float,
    mount: HangConfig,
    evidence: Refusals | None = None,
    first: bool = True,
) -> tuple[float | None, MountRefusal | None]:
    """:func:`sensor.core.shin_prior.hanging_beta` over the rests that may be hanging
    (those not beside a pivot), and why the seated reading must be refused, if it must: rests
    read as hanging, and every one of them was a pose lying on the mat; or the band read as
    hanging is a middle pose, held rests beyond it on both sides (:mod:`sensor.core.lying_rests`).
    A seated glide starts every rep from a hanging shin, so a recording with none holds no seated
    exercise to learn from, and the lever alone (20-30 deg off on a side mount) would read the lying poses as one. Rests
    within ``prior.beside_tol_deg`` of a pose :func:`beside_poses` finds are not hanging. A refusal
    is recorded on ``evidence`` (the buffer's, for the dashboard and the pipeline's second try).
    The middle-rest rule asks the ``first`` estimate only: whether to learn a seated mounting at
    all; the refinement keeps the learned axis and side (a seated session that lunged before
    sitting holds lunge poses beyond hanging and top holds on the other side: mixed 948)."""
    kept = theta
    poses = beside_poses(t, acc, gyr_c, acc_p, u, windows, mount.pivot, mount.prior)
    if len(poses) and len(theta):
        d = np.abs((theta[:, None] - poses[None, :] + 180.0) % 360.0 - 180.0)
        kept = theta[(d >= mount.prior.beside_tol_deg).all(axis=1)]
    b_hang = hanging_beta(kept, beta_lever, mount.hanging_window_deg)
    lying = (
        b_hang is None
        and len(kept) < len(theta)
        and hanging_beta(theta, beta_lever, mount.hanging_window_deg) is not None
    )
    why = MountRefusal.LYING_BESIDE_PIVOT if lying else None
    if first and b_hang is not None and middle_rest(theta, b_hang, t, mount.lying):
        why = MountRefusal.LYING_MIDDLE_REST
    if why is not None:
        refused(evidence, why)
        return None, why
    return b_hang, None


__all__ = ["LyingConfig", "MountRefusal", "beside_poses", "refused_middle", "seated_hanging"]
