"""Whether a movement window teaches the mounting, and with what: judged once per refinement window.

:func:`sensor.core.mounting.estimate_mounting` walks every movement window of the buffer and
decides, window by window, whether it may teach (its sweep, a lever a knee's can be, not a foot
pivot, the sensor on the right side of its pivot) and with which shin direction, span, weight and
lever. :func:`judge` is that walk's step. While the mounting is refined the pipeline asks again at
every movement end about the same axis, over a buffer that only grows: every window but the newest
one or two gets the same verdict from the same reads (:mod:`sensor.core.window_memo` keeps them),
yet the walk cost ~20 us a window in Python calls, about a quarter of a refinement call's time
beside its fits.

A verdict depends, beyond the window's own samples, the axis and its fit, on four things only:

* the shin direction known from standing (``beta_stand``) and the foot-contact "up"s and the
  first rest the :class:`~sensor.core.upright.Upright` reads: the call's key (``Judge.key``);
* the nominal interval, through the span (only when the window holds a hole longer than five
  nominal intervals, where the intervals are clipped) and through the first rest's duration
  (``count * dt_nom >= min_first_rest_s``, :meth:`~sensor.core.upright.Upright.foot_pivot`).

So a refinement's verdict is kept with its key and the first-rest counts it compared, and is
reused when the key is the same, the window still has no hole, and every comparison comes out
the same with this call's interval: then the walk would take the same branches to the same
values. A first try (``axis`` None: seated it also fits the raw pivot), a call without a fit cache
or after a re-strap (the carried direction asks the rest with its own interval test) judges
afresh. Bit-identical by construction (``sensor/sim/bench_digest.py``, tests/test_fast_paths_learning.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple, cast

import numpy as np

from sensor.core.knee_range import sweep_ok
from sensor.core.pivot import fit_pivot_memo, not_a_hanging_swing
from sensor.core.shin_prior import wrap_deg
from sensor.core.upright import Upright
from sensor.core.window_memo import WindowMemo

if TYPE_CHECKING:
    from sensor.core.mounting import MountConfig

A = np.ndarray
Verdict = tuple[A, float, float, float, float] | None  # (vec, span, weight, lever, lever angle) or refused


class Judge(NamedTuple):
    """One estimate call's inputs to the window walk."""

    t: A
    acc: A
    gyr_c: A
    acc_p: A
    w_all: A
    dt_all: A
    dt_nom: float
    posture: str
    cfg: MountConfig
    first_try: bool  # axis None
    cache: dict[tuple[int, int, bool], tuple[A, float]] | None
    memo: WindowMemo
    axes: tuple[A, A, A]  # u, e1, e2
    beta_stand: float | None
    ups: Upright
    board_ok: bool
    fit: Callable[[A, A, A, A, int, A], tuple[A, float]]  # (sensor.core.mounting's fit_window: tests count its calls)
    key: tuple[object, ...] | None  # what the verdicts depend on besides the interval (None: not kept)


def verdict_key(first_try: bool, cache: object, beta_stand: float | None, ups: Upright) -> tuple[object, ...] | None:
    """The key a refinement call's verdicts are kept under, or None when they are not kept."""
    if first_try or cache is None or ups.carried is not None or ups.counts_key is None:
        return None
    return (beta_stand, ups.contacts.tobytes(), ups.counts_key)


def judge(a: int, b: int, j: Judge) -> Verdict:
    """The window's verdict, kept across a refinement's calls while it holds (module docstring)."""
    kept = j.memo.verdicts.get((a, b)) if j.key is not None else None
    dt, lim = j.dt_nom, j.cfg.prior.min_first_rest_s
    if kept is not None and kept[0] == j.key and j.memo.no_hole(a, b, dt):
        if all(bool(n * dt >= lim) == out for n, out in kept[1]):
            return cast("Verdict", kept[2])
    log: list[tuple[int, bool]] = []
    j.ups.log = log
    try:
        got = _judge(a, b, j)
    finally:
        j.ups.log = None
    if j.key is not None and j.memo.no_hole(a, b, dt):
        j.memo.verdicts[(a, b)] = (j.key, log, got)
    return got


def _judge(a: int, b: int, j: Judge) -> Verdict:
    cfg, memo, posture, (u, e1, e2) = j.cfg, j.memo, j.posture, j.axes
    t, acc, gyr_c = j.t, j.acc, j.gyr_c
    span = memo.span(a, b, j.w_all, j.dt_all, j.dt_nom)
    if not sweep_ok(span, posture, cfg, t[a:b], acc[a:b], gyr_c[a:b]):
        return None
    key = (a, b, j.first_try)
    if j.cache is not None and key in j.cache:
        c, weight = j.cache[key]
    else:
        dt = j.dt_all[a:b].clip(0, 5 * j.dt_nom)  # (np.clip's own method, without its wrapper)
        c, weight = j.fit(t[a:b], j.acc_p[a:b], j.w_all[a:b], dt, 0, memo.slope(a, b, t, j.w_all))
        if j.cache is not None:  # axis None: one call's (sensor.core.fit_reuse)
            j.cache[key] = (c, weight)
        if memo.no_hole(a, b, j.dt_nom):  # made on the unclipped intervals: lever_line's plain fit of these rows
            memo.plain[(a, b)] = (c, weight)
    rd = memo.lever(a, b, c, u, e1, e2, cfg.prior)
    lever, b_c = rd.lever, rd.angle_deg
    if j.beta_stand is None:
        if not (cfg.min_lever_m <= lever <= cfg.max_lever_m) or j.ups.foot_pivot(c):
            return None
        vec = rd.unit
        # the board normal's line, on this lever's side, when the box lies on the front
        if rd.board_unit is not None:
            vec = rd.board_unit
            if j.ups.foot_pivot(vec):  # the shin line it teaches, not the skin-tilted lever
                return None
        elif j.board_ok and cfg.refuse_off_board:
            return None  # the lever is further off the shin line than a knee pivot's can be
    else:
        # The shin direction is known: the lever only tells the pivot. A knee pivot's lever
        # points down the shin (tilted by the sensor's offset from the bone) or is short (a
        # sensor near the knee, a weak fit); an ankle pivot (foot planted: squats, lunges,
        # steps, sit-to-stand) has a long lever pointing UP the shin: it never teaches.
        if lever >= cfg.min_lever_m and abs(wrap_deg(b_c - j.beta_stand)) > cfg.prior.max_knee_pivot_deg:
            return None
        if lever > cfg.max_lever_m:  # a pivot beyond the knee (the hip: a leg swing)
            return None
        vec = np.array([np.cos(np.radians(j.beta_stand)), np.sin(np.radians(j.beta_stand))])
    sin_e = memo.elevation(a, b, vec, j.acc_p, acc)
    if posture == "supine" and sin_e < np.sin(np.radians(cfg.supine_min_elev_deg)):
        return None
    if posture == "seated" and sin_e > np.sin(np.radians(cfg.seated_max_elev_deg)):
        # the seated glide swings the shin up from hanging: the sensor is below its pivot
        # for most of the movement. On the feet (squats, lunges, steps, sit-to-stand) the
        # pivot is the planted foot and the sensor is above it.
        return None
    seated_first = posture == "seated" and j.first_try  # the refinement keeps the knee axis and side
    if seated_first and not_a_hanging_swing(fit_pivot_memo(t[a:b], acc[a:b], gyr_c[a:b]), cfg.pivot):
        return None  # read in the raw sensor frame: a frame learned from this movement would agree with it
    return vec, span, weight, lever, b_c
