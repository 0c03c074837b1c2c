"""The shin line of a mounting taught by its levers alone, read from fits whose angular
acceleration is not diluted by gyro noise.

When nothing else fixes the shin direction (no quiet standing, the box on the side of the shin so
its board normal runs along the knee axis, no hanging rest), the direction of the fitted lever is
the shin line: a box on the side sits off the bone along the knee axis, out of the sagittal
plane, so its lever lies along the shin there. The fits that chose those movements
(:func:`sensor.core.lever_fit.fit_window`) differentiate the gyro sample by sample, and at 100-200
Hz its white noise makes the angular acceleration as noisy as a slow glide's own: the tangential
half of the lever is read at about half its size and the lever turns toward the centripetal half
(regression dilution). Issue 11's handout forms (``variants`` 0-299) had 28 supine sessions taught
this way, their every angle off by the same 4-30 deg in the worst ones (272: 30 deg at 200 Hz,
bent-knee returns; 80: 21 deg, slow reps at 104 Hz; 290, 128, 96), which made most of the top-angle
p95 tail there.

Only the direction is re-read, over the movements that already taught (the inliers the mounting
kept): which movements teach, the lever lengths and weights every rule was measured on, and the
references that outrank the lever (standing, the board normal, the hanging rest, a carried line)
are unchanged.

Which windows are read again, and when (each measured on variants 0-299, short 0-299, mixed
0-399 and negatives analysed supine): only in the refinement, not at the first settle (with two
movements there is nothing to check a re-read against: negatives 1126, two decline squats that
had taught a supine mounting 115 deg off, moved 30 deg and counted twice; variants 90 moved 14
deg and lost its first rep); only windows whose acceleration is at least ``MIN_SHARE`` noise;
only re-read levers of a knee's length and inside the mounting's inlier cone.

Why not every window: the set-up (the thigh brought to tabletop, the knee angle about held) turns
the whole leg about the hip, a fixed pivot as clean as a glide's, and teaches with the glides:
116 of the 812 teaching windows of the lever-taught sessions there. Read undiluted it points
about the hip, worse than diluted (window direction error, median, plain / undiluted: 19 / 34
deg at noise shares 0.02-0.05, 13 / 25 above 0.2), while the glides' windows gain at every share
from 0.01 (8 / 4.5 deg at 0.02-0.05, 16 / 7 at 0.1-0.2, 19 / 12 above). Re-reading every window
read the variants' top error p95 5.7 deg but lost short 256's one rep (two set-up windows
against one glide's); from a share of 0.02 among sweeps of 60 deg or more, 6.1 deg, but mixed
0-399's top p95 went 5.10 -> 5.29; from 0.1, 6.2 deg, and mixed, short and the counts as on
main or better.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np

from sensor.core.dsp import median
from sensor.core.lever_fit import fit_window, rate_slope


class LeverBounds(Protocol):
    """What of the mounting's config the re-read uses (:class:`sensor.core.mounting.MountConfig`)."""

    min_lever_m: float
    max_lever_m: float
    inlier_deg: float


# The fit's equations are averaged over this long either side of each sample (sensor.core.lever_fit):
# 21 samples at 200 Hz, where the acceleration's noise energy falls ~200-fold; 3 at 25 Hz
HALF_S = 0.05
# ... for the windows whose acceleration is at least this much noise (noise_share); below it the
# plain fit stands (glide windows gain from a share of 0.01, set-up ones lose: module docstring)
MIN_SHARE = 0.1


def lever_line(
    t: np.ndarray,
    acc_p: np.ndarray,
    w_all: np.ndarray,
    dt_all: np.ndarray,
    dt_nom: float,
    windows: list[tuple[int, int]],
    keep: np.ndarray,
    beta_deg: float,
    cfg: LeverBounds,
    half_s: float = HALF_S,
    min_share: float = MIN_SHARE,
    fits: dict[tuple[int, int, int], tuple[bool, np.ndarray, float]] | None = None,
    plain: dict[tuple[int, int], tuple[np.ndarray, float]] | None = None,
    slope: Callable[[int, int], np.ndarray] | None = None,
) -> float:
    """The weighted mean direction (deg in the plane) of the ``keep`` windows' levers, each fitted
    as the mounting fitted it unless the gyro's noise is at least ``min_share`` of its angular
    acceleration (:func:`noise_share`); those are fitted with the equations averaged over
    ``half_s`` either side (``fit_window(..., half)``), undiluted. ``beta_deg`` itself, to the
    bit, when no window is that noisy or none is left. An averaged lever outside ``cfg``'s
    lever bounds (the mounting's knee-pivot ones, now read on an undiluted length) is no knee's
    and is left out: a set-up that turns the whole leg about the hip reads 0.45-0.53 m there,
    0.29-0.32 m by the diluted fit (short 12, 230). So is one more than ``cfg.inlier_deg`` (the
    mounting's own inlier cone) off ``beta_deg``: the re-read refines the line the movements
    agreed on, it does not choose another.

    ``fits``: a window's (diluted, lever, weight) kept by its rows and averaging span from one
    refinement to the next (``WindowMemo.undiluted``, dropped with the memo when the axis or the
    buffer changes): the same window about the same axis fits to the same bits. The nominal
    interval moves in its last digits at every call; it enters the fit only by clipping the
    intervals (at 5x), so only windows with no interval clipped are kept.

    ``plain``: the plain fits (``half`` 0) the mounting's window walk made of its windows, kept by
    their rows when no interval was clipped (``WindowMemo.plain``). A window below ``min_share``
    is fitted here exactly as there, on the same rows and, with no interval clipped now either,
    the same intervals: its kept fit is that fit's result, and is taken instead of fitting it a
    second time (on glide bench's rep content 13 of this function's 17 fits).

    ``slope``: a window's rate slope by its rows (``WindowMemo.slope``), which the walk's plain fit
    read: the noise share and the averaged fit take it instead of differentiating again."""
    kept = [w for w, k in zip(windows, keep, strict=True) if k]
    half = max(int(round(half_s / dt_nom)), 1) if dt_nom > 0 else 0
    if not kept or half_s <= 0:
        return beta_deg
    ref = np.array([np.cos(np.radians(beta_deg)), np.sin(np.radians(beta_deg))])
    cos_in = float(np.cos(np.radians(cfg.inlier_deg)))
    # the weighted sum of the unit levers in Python floats: each element's product, quotient and
    # sum are the same IEEE operations the 2-vectors' ufuncs make on the same values (the ufunc
    # calls cost ~2 us a window at every refinement)
    total0, total1, any_diluted = 0.0, 0.0, False
    for a, b in kept:
        key = (a, b, half)
        got = None if fits is None else fits.get(key)
        if got is None:
            raw = dt_all[a:b]
            hi = 5 * dt_nom
            dt = raw.clip(0, hi)  # (np.clip's own method, without its wrapper)
            alpha = None if slope is None else slope(a, b)  # (the walk's plain fit read it)
            diluted = noise_share(t[a:b], w_all[a:b], alpha) >= min_share
            # no interval clipped (dt_nom has no say): np.array_equal(dt, raw), as every interval
            # within [0, hi] is one the clip leaves, any other (or a NaN) one it changes
            unclipped = bool(np.minimum.reduce(raw) >= 0 and np.maximum.reduce(raw) <= hi)
            made = None if diluted or plain is None or not unclipped else plain.get((a, b))
            if made is None:
                c, weight = fit_window(t[a:b], acc_p[a:b], w_all[a:b], dt, half if diluted else 0, alpha)
            else:
                c, weight = made
            if fits is not None and unclipped:
                fits[key] = (diluted, c, weight)
        else:
            diluted, c, weight = got
        any_diluted |= diluted
        c0, c1 = c.tolist()
        n = float(np.hypot(c0, c1))
        if n > 0 and (not diluted or (cfg.min_lever_m <= n <= cfg.max_lever_m and c @ ref >= n * cos_in)):
            total0 += weight * c0 / n
            total1 += weight * c1 / n
    if not any_diluted or (total0 == 0 and total1 == 0):  # (np.any: a NaN is not zero)
        return beta_deg
    return float(np.degrees(np.arctan2(total1, total0)))


def noise_share(t: np.ndarray, w_rad: np.ndarray, alpha: np.ndarray | None = None) -> float:
    """The share of the angular acceleration's energy (``np.gradient`` of the rate, as the fit
    reads it) that the gyro's white noise makes. The noise is read from the rate's second
    differences (6 sigma^2 for white noise), by their median absolute deviation so that the
    movement's own jerks do not count; a central difference over ``t[i+1] - t[i-1]`` carries
    2 sigma^2 / span^2 of it, a one-sided one at the ends 2 sigma^2 / dt^2. (Jittered sample times
    make the true share up to ~20 % larger.)

    The medians by :func:`sensor.core.dsp.median` and the gradient by
    :func:`sensor.core.lever_fit.rate_slope`, each the same bits as ``np.median`` and
    ``np.gradient`` without their Python set-up (~60 of a call's ~90 us; one call per new window at
    every refinement). ``alpha``: that gradient, when the caller has it (``WindowMemo.slope``)."""
    n = len(w_rad)
    if n < 5:
        return 0.0
    d2 = w_rad[2:] - 2.0 * w_rad[1:-1] + w_rad[:-2]
    sigma2 = (1.4826 * float(median(np.abs(d2 - median(d2))))) ** 2 / 6.0
    span = np.empty(n)
    span[1:-1] = t[2:] - t[:-2]
    span[0], span[-1] = t[1] - t[0], t[-1] - t[-2]
    noise = float((2.0 * sigma2 / np.maximum(span, 1e-9) ** 2).sum())
    energy = float(((rate_slope(w_rad, t, t[1:] - t[:-1]) if alpha is None else alpha) ** 2).sum())
    return noise / energy if energy > 0 else 0.0
