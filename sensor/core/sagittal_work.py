"""The sagittal filter's in-plane force for long pieces (``SagittalFilter.process``, issue 14).

The force along the shin's plane, lever-corrected: ``ax = a1 - (w2 * -cx - alpha * cy)`` and
``ay = a2 - (alpha * cx - w2 * cy)``, with ``(a1, a2)`` the acceleration's components along e1
and e2 (``dot3_pair``), ``w2`` the squared knee-axis rate and ``alpha`` its change a second.

``plane`` takes it in fresh arrays, for any length. ``Work`` takes it, and the steps around it,
in buffers kept from one piece to the next, for a stream fed in like chunks (1,000 samples): a
piece paid ~45 numpy calls whatever its length, most allocating a temporary, a third of the
filter's cost on 1,000 samples. Kept rows, and the two in-plane rows stacked so that one call
does both:

* the time steps written into a kept row; the rate in radians next to the carried last one, so
  its steps are one call;
* ``(w2, alpha, w2)`` end to end: ``(w2, alpha)`` and ``(alpha, w2)`` are both contiguous (2, n)
  views, so the lever's four products and two differences are three calls, with (-cx, cx) as
  whole rows (a broadcast column costs a call ~2.5x a plain one);
* the accelerometer's two dot products as rows of one (3, 2, n) array: its axes copied to rows
  once, each multiplied by the components of e1 and e2 as whole rows, and the products summed
  ``(x0 * v0 + x1 * v1) + x2 * v2``, as ``dot3_pair`` sums them: four calls instead of eleven;
* ``(w * dt, theta_acc)`` scaled by ``(-a, 1 - a)`` as one (2, n) product.

Each element sees the same operations on the same operands (the same products and sums of the
same floats, in the same order), so the bits are ``plane``'s; tests/test_fast_paths_flt.py
compares them. The rows cost ~31 floats a sample: kept only for pieces up to ``WORK_MAX``.
"""

from __future__ import annotations

import numpy as np

from sensor.core.dsp import dot3_pair

DEG, RAD = 180.0 / np.pi, np.pi / 180.0  # np.degrees and np.radians multiply by these (the same bits)
# the constants as arrays: a ufunc takes a 0-d array as it takes another array (~1.5k instructions
# less a call than a Python float, which it converts each time), the same products
RAD0, DEG0 = np.array(RAD), np.array(DEG)
WORK_MAX = 4096  # longer pieces: fresh arrays (the kept rows would outgrow the CPU cache)


def plane(
    acc: np.ndarray,
    w_r: np.ndarray,
    dw: np.ndarray,
    dt: np.ndarray,
    steady: bool,
    e12: np.ndarray,
    cxy: tuple[float, float],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ax, ay, ax^2 + ay^2) in fresh arrays from the rate ``w_r`` (rad/s), its steps ``dw`` (this
    call's own: overwritten), the time steps ``dt``, the axes ``e12`` = (e1, e2) and the lever's
    ``cxy`` = (cx, cy). ``steady``: no reset in the piece (every step positive: the plain quotient)."""
    cx, cy = cxy
    if steady:  # every interval positive (the times rise strictly): the plain quotient
        alpha = np.divide(dw, dt, out=dw)
    else:  # (zero where a step is not positive: the filters restart there)
        alpha = np.divide(dw, dt, out=np.zeros(len(dw)), where=dt > 0)
    w2 = w_r * w_r
    a1, a2 = dot3_pair(acc, e12[0], e12[1])
    # ax = a1 - (w2 * -cx - alpha * cy), ay = a2 - (alpha * cx - w2 * cy): (-w2) * cx, one
    # pass less (IEEE products are sign-symmetric); the same operations in place, each
    # temporary reused (a1, a2 are dot3_pair's own arrays)
    t1 = w2 * -cx
    t2 = alpha * cy
    t1 -= t2
    ax = np.subtract(a1, t1, out=a1)
    np.multiply(alpha, cx, out=t2)
    np.multiply(w2, cy, out=t1)
    t2 -= t1
    ay = np.subtract(a2, t2, out=a2)
    sq = np.multiply(ax, ax, out=t1)
    sq += np.multiply(ay, ay, out=t2)
    return ax, ay, sq


class Work:
    """Kept rows and whole-row constants for pieces of ``n`` samples, for one mounting (axes
    ``e12``, lever ``cxy``) and filter pole ``a``. Every row is written before it is read; none
    is returned to the caller (the filters' outputs are their own arrays)."""

    def __init__(self, n: int, e12: np.ndarray, cxy: tuple[float, float], a: float) -> None:
        self.n = n
        self.dt = np.empty(n)  # the time steps
        self.dt_tail = self.dt[1:]
        wr = np.empty(n + 1)  # the carried rate (rad/s), then this piece's
        self.wr_ext, self.wr, self.wr_prev = wr, wr[1:], wr[:-1]
        self.dw = np.empty(n)  # the rate's steps, then the force's squared size
        wa3 = np.empty((3, n))  # w2, alpha, w2
        self.w2, self.alpha, self.w2_again = wa3
        self.wa, self.aw = wa3[0:2], wa3[1:3]
        self.lev = np.empty((2, n))  # the lever's terms
        self.tmp = np.empty((2, n))  # their second products, then the force's squares
        self.sq0, self.sq1 = self.tmp
        self.x3 = np.empty((3, n))  # the acceleration's axes as rows
        self.x31 = self.x3[:, None, :]
        self.xe = np.empty((3, 2, n))  # each axis times e1's and e2's component
        self.p0, self.p1, self.p2 = self.xe
        self.ax, self.ay = self.p0  # (their sums end in p0)
        self.r = np.empty((2, n))  # w * dt, theta_acc
        self.wdt, self.th = self.r
        cx, cy = cxy
        self.sign_cx = np.empty((2, n))
        self.sign_cx[0], self.sign_cx[1] = -cx, cx
        self.cy = np.array(cy)
        self.e = np.empty((3, 2, n))  # [j, i]: the j-th component of e1 (i = 0) or e2 (i = 1)
        for j in range(3):
            self.e[j, 0], self.e[j, 1] = e12[0][j], e12[1][j]
        self.coef = np.empty((2, n))
        self.coef[0], self.coef[1] = -a, 1.0 - a

    def steps(self, t: np.ndarray, prev: float | np.floating) -> np.ndarray:
        """``diff_from(t, prev)`` into the kept row."""
        dt = self.dt
        dt[0] = t[0] - prev
        np.subtract(t[1:], t[:-1], self.dt_tail)
        return dt

    def force(self, acc: np.ndarray, w: np.ndarray, w_prev: float | None, dt: np.ndarray, steady: bool) -> np.ndarray:
        """``plane`` in the kept rows, for the rate ``w`` (deg/s) after ``w_prev`` (rad/s; None:
        none yet): (ax, ay) left in rows ``self.ax`` and ``self.ay``, the squared size returned
        (row ``self.dw``), the rate in radians in ``self.wr``."""
        w_r = np.multiply(w, RAD0, self.wr)  # np.radians(w), the same product
        self.wr_ext[0] = w_prev if w_prev is not None else w_r[0]
        np.subtract(w_r, self.wr_prev, self.dw)  # diff_from(w_r, w_prev)
        if steady:
            np.divide(self.dw, dt, self.alpha)
        else:
            self.alpha[...] = 0.0
            np.divide(self.dw, dt, out=self.alpha, where=dt > 0)
        np.multiply(w_r, w_r, self.w2)
        self.w2_again[...] = self.w2
        lev = np.multiply(self.wa, self.sign_cx, self.lev)  # w2 * -cx, alpha * cx
        lev -= np.multiply(self.aw, self.cy, self.tmp)  # ... minus alpha * cy, w2 * cy
        self.x3[...] = acc.T
        np.multiply(self.x31, self.e, self.xe)
        a12 = np.add(self.p0, self.p1, self.p0)
        a12 += self.p2  # (a1, a2)
        a12 -= lev  # (ax, ay)
        np.multiply(a12, a12, self.tmp)
        return np.add(self.sq0, self.sq1, self.dw)

    def blend(self, w: np.ndarray, dt: np.ndarray) -> np.ndarray:
        """The filter's input ``(w * dt) * -a + theta_acc * (1 - a)`` (theta_acc in ``self.th``,
        scaled in place), into row ``self.wdt`` (returned)."""
        np.multiply(w, dt, self.wdt)
        np.multiply(self.r, self.coef, self.r)
        return np.add(self.wdt, self.th, self.wdt)
