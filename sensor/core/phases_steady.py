"""The rep detector's steady pieces: no movement starts or stops anywhere in them.

Most pieces a live feed hands the detector (10 samples, 50 ms) lie inside one state: the shin at
rest with no sample turning faster than ``move_dps`` (a movement cannot start), or inside one
movement with every sample above ``move_dps`` its way and no hole (it cannot stop: the on-
threshold has priority over every stop rule, the elevation-flatness one included). In both the
latched direction stays what it was throughout, so the general path's per-sample machinery (the
hysteresis, the elevation-flatness mask, the forward fills, the change list and its loop) would
only confirm that nothing changed. :func:`steady_piece` does the rest of the work, the parts
that carry state: the running turned angle, the last quiet sample, the open movement's peak,
the holds and creeps scanned while still, and the samples the flatness rule keeps; the same
arithmetic on the same values, so every event and every later decision is bit-identical (tests/
test_fast_paths_r5.py runs both paths on the same pieces).

:func:`inert_piece` is the same test asked before a live feed is analysed, with the holds:
whether the feed could change the detector's state at all (:mod:`sensor.core.live_defer` holds
such feeds); the detector has it as its method ``inert``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sensor.core.dsp import amax, amin, any_true, bounds, diff_from
from sensor.core.events import Event

if TYPE_CHECKING:
    from sensor.core.phases import RepDetector

__all__ = ["inert_piece", "steady_piece"]


def inert_piece(det: RepDetector, t: np.ndarray, v: np.ndarray) -> bool:
    """Whether a piece without holes, at times ``t``, with elevation rates ``v``, leaves the
    detector's latched direction as it is (:func:`steady_piece`'s test) and no hold falls due in it."""
    cfg, d0 = det.cfg, det._dir
    if d0 == 0:
        if det._seg is not None:
            return False
    elif det._seg is None or cfg.move_dps < 0 or d0 not in (1, -1):
        return False
    # the rates' least and largest from a list (a live feed's 10: ~1 us, against ~2 us for
    # ``abs`` or ``v * d0`` and a reduction); a NaN among them (None): not known to be inert
    b = bounds(v)
    if b is None:
        return False
    if d0 == 0:  # none faster than a start either way: max |v| is the larger of max v and -min v
        if max(b[1], -b[0]) > cfg.move_dps:
            return False
        if not det._hold_done and det._still_since is not None and t[-1] >= det._still_since + cfg.hold_s:
            return False
    elif not (b[0] if d0 == 1 else -b[1]) > cfg.move_dps:  # (the least of v * d0, d0 = +-1)
        return False
    return True


def steady_piece(
    det: RepDetector,
    t: np.ndarray,
    e: np.ndarray,
    v: np.ndarray,
    gap: np.ndarray,
    long_gap: np.ndarray | None,
    last_nonex: np.ndarray | None,
    rate_abs: np.ndarray | None,
    absv: np.ndarray | None = None,
    holes: bool | None = None,
    starts: tuple[np.ndarray, np.ndarray] | None = None,
) -> list[Event] | None:
    """The detector's ``process`` for a piece whose latched direction cannot change, or None
    (nothing done) when it might: the caller then takes the general path. ``absv``: ``|v|``,
    ``holes``: whether a sample follows a gap, and ``starts``: the masks ``v > move_dps`` and
    ``v < -move_dps``, if the caller has them already (it takes them for the general path too: a
    mask's first True (``argmax``) or first False (``argmin``) answers what a reduction of the
    rates would, and a reduction costs about two elementwise calls)."""
    cfg, d0 = det.cfg, det._dir
    if long_gap is not None and any_true(long_gap):
        return None
    if absv is None:
        absv = np.abs(v)
    if d0 == 0:
        # still: no sample turns faster than a start (fmax: a NaN sample starts nothing either;
        # |v| > move is v > move or v < -move, NaN neither)
        if det._seg is not None:
            return None
        if starts is None:
            if np.fmax.reduce(absv) > cfg.move_dps:
                return None
        elif (up := starts[0]).item(up.argmax()) or (dn := starts[1]).item(dn.argmax()):  # (any True)
            return None
    else:
        # moving: every sample on, its way (NaN fails), and no hole that ends it; the least of
        # ``v * d0`` (d0 = +-1) is the least of v or minus the largest, exactly, without the product
        # (with the masks: every sample of ``v > move`` for d0 = 1, of ``v < -move`` for d0 = -1)
        if det._seg is None or cfg.move_dps < 0 or (any_true(gap) if holes is None else holes):
            return None
        if starts is None:
            if not (amin(v) if d0 == 1 else -amax(v)) > cfg.move_dps:
                return None
        elif not (on := starts[0] if d0 == 1 else starts[1]).item(on.argmin()):  # (every one True)
            return None
    n = len(t)
    events: list[Event] = []
    det._flat.remember(t, e)
    quiet = (absv < cfg.start_dps).nonzero()[0]  # (the array methods: no Python wrappers)
    step = diff_from(t, det._last_t if math.isfinite(det._last_t) else t[0])
    if holes is None or holes:  # (no hole: no mask to apply)
        step[gap] = 0.0
    cum = ((absv if rate_abs is None else rate_abs) * np.maximum(step, 0.0)).cumsum()
    det._scan_holds(t, e, 0, n, events)
    if det._seg is None:
        det._creep.scan(t, e)
    else:
        det._seg["peak"] = max(det._seg["peak"], float(amax(absv)))
    if last_nonex is not None:
        det._nonex_t = max(det._nonex_t, float(last_nonex[-1]))
    if len(quiet):
        j = int(quiet[-1])
        det._quiet_t, det._quiet_e = float(t[j]), float(e[j])
    det._last_t, det._last_e = float(t[-1]), float(e[-1])
    det._turned = float(det._turned + cum[-1])
    return events
