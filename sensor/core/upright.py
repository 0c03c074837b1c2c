"""Which end of the shin is the ankle: at a foot contact it is the lower one.

A foot strikes the ground only when the leg bears weight or steps: heel strikes and toe-offs in
walking, each landing of a lunge or a step-up, the foot put down on the mat. In every one of
them the ankle is below the knee (walking: shank elevation -70..-110 deg at contact, Winter 2009
gait appendix; a lunge's front shank near vertical and its rear shank -90..-110 when the other
foot lands, Farrokhi et al. 2008; supine, the foot set flat on the floor, -45). Only kneeling
(the knee on the mat, shank about horizontal) and a hand knocking the box reach horizontal.
Measured on the issue-11 corpus (mixed seeds 0-299 and negatives 0-299, both postures, 39,741
contact events, true elevation averaged over +-0.5 s): sin(elevation) <= -0.86 for 99 % of them,
above 0 only for 14 (hands on the box during a set), all in sessions with many more contacts.

Before its first knee movement the leg rests the same way: standing, sitting, lying with the
knees bent and the feet flat, or the leg flat on the mat. Lifting the ankle above the knee takes a
knee extension (or holding a straight leg up, which nobody does before starting a set). Same
corpus (152 supine sessions with a still second before their first sweep of >= 35 deg): sin(true
elevation) <= 0.09 over every such rest. A mounting learned from a lunge reads the standing
that came before it as the foot straight up to the ceiling (sin ~ +1).

These pin the SIGN of the shin direction (``s`` or ``-s``), which the lever fit of a movement
cannot: a shank turning about the planted foot (a lunge's rear leg about the forefoot, the front
leg about the ankle, squats, step-ups) fits a lever pointing UP the shin, and a mounting learned
from it reads the lunge as a supine glide (standing read as the foot straight up to the ceiling,
the lunge's bottom as tabletop). Through a knee pivot's lever the contacts read below horizontal;
through a foot pivot's, above: :func:`foot_pivot` refuses such a lever, mounting-free of the
rest (only the knee axis and the plane are needed, and any knee lever is within ~30-60 deg of
the shin).
"""

from __future__ import annotations

from typing import Protocol, cast

import numpy as np

from sensor.core.constants import STANDARD_GRAVITY
from sensor.core.dsp import count_nonzero, cross3, median
from sensor.core.shin_prior import contact_events


class UprightConfig(Protocol):
    """The fields of ``sensor.core.shin_prior.PriorConfig`` this module reads."""

    contact_merge_s: float
    contact_up_window_s: float
    min_side_contacts: int
    max_contact_sin: float
    max_first_rest_sin: float
    min_first_rest_s: float
    min_first_on_axis: float
    starts_the_recording: bool
    first_sweep_deg: float
    acc_tol_mps2: float
    max_carry_tilt_deg: float
    carried_rest: bool


class BufferOrigin(Protocol):
    """``sensor.core.mount_evidence.MountEvidence``'s flag: does the buffer start the recording."""

    fresh: bool


class Upright:
    """The directions of "up" (in the swing plane, unit) where the ankle must be below the knee:
    around each foot contact, and over the still samples before the first movement (``first``).
    :meth:`foot_pivot` asks whether a lever contradicts them."""

    def __init__(
        self,
        contacts: np.ndarray,
        first: np.ndarray,
        dt_nom: float,
        cfg: UprightConfig,
        carried: tuple[np.ndarray, np.ndarray] | None = None,
        counts: tuple[dict[tuple[object, ...], object], tuple[object, ...]] | None = None,
    ) -> None:
        """``carried``: after a re-strap, the old shin direction in the swing plane (unit) and the
        in-plane "up"s of the rest before the buffer's first sweep (:meth:`of`). ``counts``: a
        memo and the key ``first`` is kept under in it (:meth:`of`), where the first rest's count
        per lever is kept too (the refinement asks each window's lever again at every call)."""
        self.contacts, self.first, self.dt, self.cfg, self.carried = contacts, first, dt_nom, cfg, carried
        self._counts = counts
        self.counts_key = None if counts is None else counts[1]
        self.log: list[tuple[int, bool]] | None = None  # the first-rest tests' (count, outcome), when asked

    @classmethod
    def of(
        cls,
        t: np.ndarray,
        acc: np.ndarray,
        gyr_c: np.ndarray,
        contact: np.ndarray,
        moving: np.ndarray,
        dt_nom: float,
        e1: np.ndarray,
        e2: np.ndarray,
        posture: str,
        cfg: UprightConfig,
        windows: list[tuple[int, int]] | None = None,
        origin: BufferOrigin | None = None,
        memo: dict[tuple[object, ...], object] | None = None,
        carried: np.ndarray | None = None,
    ) -> Upright:
        """From the buffer: ``contact`` the shock mask, ``moving`` the movement mask.

        The first rest is the still time before the buffer's FIRST movement of any kind: at the
        start of a recording, the pose the person was in. (A re-learn after a re-strap starts its
        buffer at the strap's movement, so it has none: mid-set the leg may rest at the top.)
        Seated, that rest is the hanging shin, which :mod:`sensor.core.mounting` already takes as
        the shin direction when the levers are weak: supine only. And only when that first
        movement turns about the knee axis (``gyr_c`` along ``e1 x e2`` for at least
        ``min_first_on_axis`` of its rotation energy): a box put on the leg after lying on a table
        rested any way up, and the strapping turns it about every axis. And only when the buffer
        starts the recording (``starts_the_recording``): the dashboard's recalibrate starts a
        pipeline mid-session, when the leg may be held at the top of a glide.

        ``memo``: reads kept across calls on one growing buffer about one plane basis (the
        mounting's refinement: :mod:`sensor.core.window_memo`), each keyed by what decides it.

        ``carried``: after a re-strap, the shin direction (sensor frame, unit) of the mounting
        before it (:func:`sensor.core.shin_prior.carried_beta`); see :func:`carried_rest`."""
        ups = contact_ups(t, acc, contact, e1, e2, cfg)
        supine_start = posture == "supine" and cfg.starts_the_recording
        a_first = int(moving.argmax()) if supine_start and moving.any() else 0  # (np.argmax calls the method)
        memo = {} if memo is None else memo
        if a_first:
            stop = int(moving[a_first:].argmin()) if not moving[a_first:].all() else len(moving) - a_first
            off = memo.get(("off axis", a_first, stop))
            if off is None:
                off = memo["off axis", a_first, stop] = off_knee_axis(
                    gyr_c[a_first : a_first + max(stop, 1)], cross3(e1, e2), cfg
                )
            if off:
                a_first = 0
        rest = slice(0, 0)
        if supine_start and windows and (origin is None or origin.fresh):
            rest = rest_before_sweep(t, gyr_c, moving, e1, e2, windows, cfg, memo)
        first = memo.get(("first", a_first, rest.start, rest.stop))
        if first is None:
            f = np.concatenate([acc[:a_first], acc[rest]]) if rest.stop > rest.start else acc[:a_first]
            first = memo["first", a_first, rest.start, rest.stop] = gravity_ups(f, e1, e2, cfg)
        against = carried_rest(t, acc, gyr_c, moving, e1, e2, windows, carried, cfg, memo)
        return cls(
            ups, cast("np.ndarray", first), dt_nom, cfg, against, (memo, ("first", a_first, rest.start, rest.stop))
        )

    def foot_pivot(self, c: np.ndarray) -> bool:
        """True when the lever ``c`` taken as the shin direction puts the ankle above the knee at
        the foot contacts (:func:`foot_pivot`) or for at least ``min_first_rest_s`` of the rest
        before the first movement (``sin(elevation) > max_first_rest_sin``)."""
        if foot_pivot(c, self.contacts, self.cfg):
            return True
        lev = float(np.hypot(c[0], c[1]))
        if lev <= 0:
            return False
        if self.carried is not None and float(self.carried[0] @ c) < 0 and self._up_long(self.carried[1], c / lev):
            return True  # against the carried shin direction, and the rest before the sweep says so
        if len(self.first) == 0:
            return False
        if self._counts is None:
            return self._up_long(self.first, c / lev)
        memo, key = self._counts  # the count depends on the rest's samples and the lever: kept
        count = memo.get(("up count", key, c.tobytes()))
        if count is None:
            count = memo["up count", key, c.tobytes()] = count_nonzero(
                self.first @ (c / lev) > self.cfg.max_first_rest_sin
            )
        out = bool(cast("int", count) * self.dt >= self.cfg.min_first_rest_s)
        if self.log is not None:  # (sensor.core.window_verdicts: a kept verdict holds while these do)
            self.log.append((cast("int", count), out))
        return out

    def _up_long(self, ups: np.ndarray, s: np.ndarray) -> bool:
        """Whether the shin direction ``s`` (in-plane unit) puts the ankle above the knee
        (``sin(elevation) > max_first_rest_sin``) for at least ``min_first_rest_s`` of ``ups``."""
        return bool(count_nonzero(ups @ s > self.cfg.max_first_rest_sin) * self.dt >= self.cfg.min_first_rest_s)


def rest_before_sweep(
    t: np.ndarray,
    gyr_c: np.ndarray,
    moving: np.ndarray,
    e1: np.ndarray,
    e2: np.ndarray,
    windows: list[tuple[int, int]],
    cfg: UprightConfig,
    memo: dict[tuple[object, ...], object] | None = None,
) -> slice:
    """The last still run of at least ``min_first_rest_s`` before the first movement window that
    turns the shin ``first_sweep_deg`` or more about the knee axis (``e1 x e2``; ``gyr_c`` deg/s),
    when the shin turns less than that between the two: a slice of the buffer (empty: none).

    Only such a sweep can lift the ankle above the knee: before it the leg stands, sits, or lies
    with the foot on the mat or the shin flat (a strap adjustment, a fidget or sitting down turn
    the shank little, and a lunge starts with a smaller turn of the shank before its sweep). And
    only when what moved from it to the sweep's end turned about the knee axis (``min_first_on_axis`` of its
    rotation energy): a box strapped on from a table rested any way up before it.

    Measured (true elevation over these rests, every supine session where the rule found one):
    short seeds 0-299 (184 rests) and mixed seeds 0-119 (58) read sin <= -0.04, against the
    ``max_first_rest_sin`` of 0.5; a lunge or step-up learned upside down reads standing as ~+1.

    ``memo``: on a buffer that only grows, about one plane basis, the answer once that sweep is
    found depends on the windows up to it and nothing after them: kept, and reused while they
    stand (the windows before the sweep turn less, the same samples, the same sums)."""
    if memo is not None:
        kept = cast("tuple[list[tuple[int, int]], slice] | None", memo.get(("rest",)))
        if kept is not None and windows[: len(kept[0])] == kept[0]:
            return kept[1]
    a = np.array([w[0] for w in windows])
    b = np.array([w[1] for w in windows])
    knee = cross3(e1, e2)
    w = np.radians(gyr_c @ knee) * np.diff(t, prepend=t[0])
    cum = np.concatenate([[0.0], np.cumsum(w)])
    big = np.flatnonzero(np.degrees(np.abs(cum[b] - cum[a])) >= cfg.first_sweep_deg)
    if len(big) == 0:
        return slice(0, 0)
    got = _rest_before(t, gyr_c, moving, knee, cum, int(a[big[0]]), int(b[big[0]]), cfg)
    if memo is not None:
        memo["rest",] = (windows[: int(big[0]) + 1], got)
    return got


def _rest_before(
    t: np.ndarray,
    gyr_c: np.ndarray,
    moving: np.ndarray,
    knee: np.ndarray,
    cum: np.ndarray,
    start: int,
    end: int,
    cfg: UprightConfig,
) -> slice:
    """:func:`rest_before_sweep` once its sweep [start, end) is found (``cum``: the angle turned)."""
    d = np.diff(np.concatenate([[1], moving[:start].astype(np.int8), [1]]))
    r0, r1 = np.flatnonzero(d == -1), np.flatnonzero(d == 1)  # still runs [r0, r1)
    long = np.flatnonzero(t[np.maximum(r1 - 1, r0)] - t[r0] >= cfg.min_first_rest_s)
    if len(long) == 0:
        return slice(0, 0)
    lo, hi = int(r0[long[-1]]), int(r1[long[-1]])
    if np.degrees(abs(cum[start] - cum[hi])) >= cfg.first_sweep_deg:
        return slice(0, 0)
    if off_knee_axis(gyr_c[hi:end], knee, cfg):  # from it to the sweep's end (not the box strapped on)
        return slice(0, 0)
    return slice(lo, hi)


def carried_rest(
    t: np.ndarray,
    acc: np.ndarray,
    gyr_c: np.ndarray,
    moving: np.ndarray,
    e1: np.ndarray,
    e2: np.ndarray,
    windows: list[tuple[int, int]] | None,
    carried: np.ndarray | None,
    cfg: UprightConfig,
    memo: dict[tuple[object, ...], object] | None = None,
) -> tuple[np.ndarray, np.ndarray] | None:
    """After a re-strap: the carried shin direction in the swing plane (unit) and the in-plane
    "up"s of the rest before the buffer's first sweep (:func:`rest_before_sweep`), or None.

    A strap re-seated turns the box about the shin, so the old shin direction stays in the new
    swing plane (the knee axis perpendicular to it within ``max_carry_tilt_deg``) and still says
    which end is the ankle. A lever pointing the other way (more than 90 deg from it) either
    pivoted at the planted foot (a lunge, a squat, a step-up: the lever points UP the shin) or
    belongs to a box put back end over end (turned 180 deg about its board normal, or face in:
    that too leaves the old direction in the plane, exactly reversed). The direction alone cannot
    tell them apart; the rest before the first sweep can, as at the start of a recording (the leg
    stands, sits or lies with the ankle not above the knee; a lunge learned upside down reads the
    standing before it as the foot straight up). Asked only of such a lever (:meth:`Upright.foot_pivot`),
    so a lever along the carried direction is never judged by a rest that may be a held top.

    Negatives seed 15811 (52 Hz, analysed supine): the strap adjusted at 73 s, a stand-up, 3 s of
    standing, then walking lunges; the first lunge (a foot pivot, 93 deg) re-taught the mounting
    with the board line signed by its lever, 176 deg from the carried direction (the new knee axis
    0.5 deg off perpendicular to it), and every lunge counted as a glide (7 reps). No foot contact
    was read in the 8 s re-learn buffer, and the fresh-recording rest rule does not ask a re-learn."""
    if carried is None or not windows or not cfg.carried_rest:
        return None
    if abs(float(carried @ cross3(e1, e2))) > np.sin(np.radians(cfg.max_carry_tilt_deg)):
        return None  # the box turned some other way: the old direction says nothing
    s = np.array([carried @ e1, carried @ e2])
    s /= max(float(np.linalg.norm(s)), 1e-9)
    rest = rest_before_sweep(t, gyr_c, moving, e1, e2, windows, cfg, memo)
    if rest.stop <= rest.start:
        return None
    return s, gravity_ups(acc[rest], e1, e2, cfg)


def off_knee_axis(w: np.ndarray, knee: np.ndarray, cfg: UprightConfig) -> bool:
    """The rotation ``w`` (deg/s rows) turned about ``knee`` for less than ``min_first_on_axis`` of
    its energy. (A stretch that holds a sweep always has energy; the floor only guards a zero.)"""
    on = float(np.sum((w @ knee) ** 2))
    return on < cfg.min_first_on_axis * max(float(np.sum(w * w)), 1e-12)


def contact_ups(
    t: np.ndarray, acc: np.ndarray, contact: np.ndarray, e1: np.ndarray, e2: np.ndarray, cfg: UprightConfig
) -> np.ndarray:
    """Per foot-contact event, the in-plane unit "up" (the specific force averaged over
    +-``contact_up_window_s`` around it, which averages out the shock's ~10-30 ms ring), shape (k, 2).

    ``contact``: the per-sample shock mask; samples closer than ``contact_merge_s`` are one event."""
    ci, first = contact_events(t, contact, cfg.contact_merge_s)
    if len(ci) == 0:
        return np.empty((0, 2))
    te = t[ci[first]]
    lo = np.searchsorted(t, te - cfg.contact_up_window_s)
    hi = np.searchsorted(t, te + cfg.contact_up_window_s, side="right")
    cum = np.concatenate([np.zeros((1, 3)), np.cumsum(acc, axis=0)])
    return in_plane_ups((cum[hi] - cum[lo]) / np.maximum(hi - lo, 1)[:, None], e1, e2)


def gravity_ups(f: np.ndarray, e1: np.ndarray, e2: np.ndarray, cfg: UprightConfig) -> np.ndarray:
    """:func:`in_plane_ups` of the rows of ``f`` that read gravity alone (their magnitude within
    ``acc_tol_mps2`` of 1 g): the still samples of a rest, whose force is the "up"."""
    return in_plane_ups(f[np.abs(np.linalg.norm(f, axis=1) - STANDARD_GRAVITY) < cfg.acc_tol_mps2], e1, e2)


def in_plane_ups(f: np.ndarray, e1: np.ndarray, e2: np.ndarray) -> np.ndarray:
    """The forces ``f`` (k, 3) in the swing plane's basis, as units, shape (k', 2): only those
    mostly in the plane (gravity not off to a side), the in-plane part larger than half the whole."""
    p = np.empty((len(f), 2))  # (np.stack of the two columns: the same copies, without its set-up)
    p[:, 0], p[:, 1] = f @ e1, f @ e2
    n = np.linalg.norm(p, axis=1)
    keep = n > 0.5 * np.linalg.norm(f, axis=1)
    out: np.ndarray = p[keep] / np.maximum(n[keep, None], 1e-9)
    return out


def foot_pivot(c: np.ndarray, ups: np.ndarray, cfg: UprightConfig) -> bool:
    """True when taking the lever ``c`` (in-plane, pivot -> sensor) as the shin direction puts the
    ankle above the knee at the typical foot contact (the median over at least
    ``min_side_contacts`` contacts reads ``sin(elevation) > max_contact_sin``): the movement
    turned about the planted foot, not the knee. False when there are too few contacts to say."""
    if len(ups) < cfg.min_side_contacts:
        return False
    lev = float(np.hypot(c[0], c[1]))
    if lev <= 0:
        return False
    return float(median(ups @ (c / lev))) > cfg.max_contact_sin
