"""Which side of the shin is anterior: the vote over the teaching movements' samples.

The shin direction ``beta`` (deg in the swing plane) fixes the elevation up to its sign: the
sine of the elevation is the shin axis dotted with up, the same for -30 and -150 deg. During the
glide the ankle stays on one side of vertical (supine: -60..+90 deg, seated: hanging to about
horizontal), so the in-plane angle between "up" (the specific force) and the shin falls on one
side for almost every moving sample, and that side is the sign. Samples within 15 deg of the
shin line say nothing and are left out.

Supine, lying down disagrees: kneeling and squatting turn the shin past vertical backwards (the
ankle behind the knee), and those samples vote the other way (issue 11: one-rep sessions that
began by kneeling down never learned the mounting). Only the glide raises the ankle well above
the knee, so when a teaching movement did (``raised_vote_deg`` above horizontal for at least
``raised_vote_s``), the vote is taken over those samples alone.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from sensor.core.dsp import count_nonzero


class VoteConfig(Protocol):
    """The fields of ``sensor.core.mounting.MountConfig`` the vote reads."""

    min_sign_agreement: float
    raised_vote_deg: float
    raised_vote_s: float


def plane_deg(acc_p: np.ndarray, mask: np.ndarray | slice) -> np.ndarray:
    """In-plane angles (deg) of the rows of ``acc_p`` (in-plane specific force, (n, 2)) that
    ``mask`` picks, computed for those rows only: the mounting asks for two subsets of a buffer
    that grows to minutes, at every movement end, and arctan2 is the dearest elementwise step.
    Elementwise, so each angle has the bits of the whole buffer's."""
    p = acc_p[mask]
    out: np.ndarray = np.degrees(np.arctan2(p[:, 1], p[:, 0]))
    return out


def wrapped(y: np.ndarray) -> np.ndarray:
    """``y % 360.0 - 180.0``, the same values, without np.remainder's fmod per element (~25 us on the
    ~3,000 angles a refinement's vote reads, at every movement end while the mounting is learned).

    np.remainder takes ``fmod(y, 360)`` and adds 360 when that is negative (a zero becomes +0.0).
    For ``y`` in [-360, 720), the vote's range (an angle off a shin direction, both within a turn),
    fmod is exact and that is: ``y + 360`` (rounded, as np.remainder adds it) below 0, ``y - 360``
    (exact) from 360, ``y`` itself between, of which only a -0.0 differs from np.remainder's +0.0,
    and both less 180 are -180.0. Any other ``y`` (a NaN, none at all) takes np.remainder
    (tests/test_fast_paths_cal2.py)."""
    if not (len(y) and np.minimum.reduce(y) >= -360.0 and np.maximum.reduce(y) < 720.0):  # (y.min(), y.max())
        out: np.ndarray = y % 360.0 - 180.0
        return out
    r = y.copy()
    np.add(y, 360.0, out=r, where=y < 0.0)
    np.subtract(y, 360.0, out=r, where=y >= 360.0)
    r -= 180.0
    return r


def side_vote(theta_mv: np.ndarray, beta: float, posture: str, dt_s: float, cfg: VoteConfig) -> int | None:
    """+1 or -1, or None when fewer than 10 samples vote or they agree less than ``min_sign_agreement``.

    ``theta_mv``: in-plane angles (deg) of the specific force over the teaching movements' moving
    samples; ``dt_s``: the nominal sample interval."""
    delta = wrapped(theta_mv - beta + 180.0)  # (theta_mv - beta + 180.0) % 360.0 - 180.0
    off = np.abs(delta)
    usable = (off > 15) & (off < 165)
    if posture == "supine":
        raised = usable & (off < 90.0 - cfg.raised_vote_deg)  # up within 60 deg of the shin
        if count_nonzero(raised) * dt_s >= cfg.raised_vote_s:
            usable = raised
    n = count_nonzero(usable)
    if n < 10:
        return None
    pos = count_nonzero(delta[usable] > 0) / n  # (np.mean's value: a whole count over a whole count)
    if max(pos, 1 - pos) < cfg.min_sign_agreement:
        return None
    return 1 if pos >= 0.5 else -1
