"""Shin elevation from accelerometer + gyroscope: a complementary filter in the sagittal plane.

Why this method (measured on this project's 2-core machine, see README "Benchmarks"):
VQF (Laidig & Seel 2023) is the most accurate open 6-D filter, but its batch mode alone runs at
~2.9 M samples/s (BasicVQF ~5 M/s), which leaves nothing of the 2 M samples/s budget for the
rest of the pipeline, and its full 3-D estimate buys little here: the shin turns about one
axis, so the only angle that matters is gravity's direction within the plane perpendicular to
that axis. In that plane the complementary filter is *linear* (angle = a*(angle + rate*dt) +
(1-a)*accel_angle), so it runs through scipy's lfilter at tens of millions of samples/s with
its state carried across chunks, bit-identical for any chunking. Gyro bias is removed upstream
(rest-based estimate), and the accelerometer's 1 s time constant rejects the centripetal and
tangential accelerations of a 1-4 s movement. Accuracy against simulator truth is a test
(tests/test_simulated_accuracy.py::test_range_of_motion_and_angles_match_truth). The angle runs
on the full circle, (-225, 135] deg: see ``ELEVATION_LOW_DEG``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from sensor.core.constants import STANDARD_GRAVITY
from sensor.core.dsp import (
    all_true,
    alpha_for,
    amin,
    any_true,
    diff_from,
    dot3,
    ffill,
    lfilter_state,
)
from sensor.core.mounting import Mounting
from sensor.core.sagittal_work import DEG, RAD, WORK_MAX, Work, plane

# The elevation is an angle on the FULL circle, counted from horizontal toward the anterior side
# (``Mounting.sigma``): -90 hangs, 0 is horizontal with the anterior face up (tabletop, seated
# extension), +90 points up; below -90 the anterior face turns down and the ankle is behind the
# knee (squat tilt -100..-135, kneeling -180, a lunge's rear shank -190..-220). That is what tells
# a squat's or lunge's shank from a seated extension, which a sine of the elevation would fold
# together. The circle is cut at 135 deg (shin up and tipped toward the head, anterior face down),
# which no glide reaches and no posture on the feet holds.
ELEVATION_LOW_DEG = -225.0
# the lever used to remove the sensor's own acceleration: a shank is ~0.4 m long (knee to ankle)
LEVER_MIN_M, LEVER_MAX_M = 0.05, 0.45
# The accelerometer points along gravity only while the rest of the specific force is small. A
# glide's own accelerations, once the lever's are removed, stay small (samples of true reps, issue-11
# corpus mixed and short seeds 0-59, 352,308 samples: 0.89-1.10 g at the 0.1/99.9th percentiles,
# 0.775 g the least, none under 0.7); a force under this fraction of g
# carries at least 0.3 g of something else (a foot strike, a swing through the air in gait) and
# its direction can point anywhere: such samples hold the last gravity-like angle. Counted as they
# came, a walk's near-zero vectors spun the angle by whole turns, which the unwrapper kept (mixed
# 244: nine turns in 100 s of walking, each read as a 2-s "rep" swinging 100 deg).
MIN_GRAVITY_G = 0.7
WEAK_SQ = (MIN_GRAVITY_G * STANDARD_GRAVITY) ** 2
SMALL = 64  # pieces up to this long (live feeds) take the stacked-rows arithmetic
NINETY = np.array(90.0)  # (a 0-d array: no Python float for the ufunc to convert per call)


def _extremes(x: np.ndarray) -> tuple[float, float]:
    """``(np.fmin.reduce(x), np.fmax.reduce(x))`` of a short piece (NaN left out), from a list:
    ~0.8 us against ~2.6 us for the reductions on 10 samples. ``min`` and ``max`` skip a NaN
    (no comparison with it is true) unless it comes first; then the reductions answer."""
    v = x.tolist()
    lo = min(v)
    if lo != lo:
        return np.fmin.reduce(x), np.fmax.reduce(x)
    return lo, max(v)


def _least_largest(x: np.ndarray) -> tuple[float, float]:
    """``_extremes`` for a piece of up to ``WORK_MAX`` samples: the values at ``argmin`` and
    ``argmax``, ~3k instructions less each than a reduction (whose overhead is twice an
    elementwise call's), which gain on longer pieces (argmin's ~2.5 instructions a sample against
    ~1). argmin and argmax give the first NaN's place if there is one: then the reductions answer.
    Else the same values, but for which of a -0.0 and a 0.0 comes out (only compared, here and by
    the callers)."""
    lo = x.item(x.argmin())
    if lo != lo:
        return np.fmin.reduce(x), np.fmax.reduce(x)
    return lo, x.item(x.argmax())


def _reduced(x: np.ndarray) -> tuple[float, float]:
    """``_extremes`` of a long piece: the reductions themselves (NaN left out)."""
    return np.fmin.reduce(x), np.fmax.reduce(x)


@dataclass(frozen=True, slots=True)
class Rows:
    """A short piece's constants as whole rows of its length n (see ``SagittalFilter._rows_of``)."""

    u: np.ndarray  # (n, 3) the knee axis
    e12: np.ndarray  # (2, n, 3) e1, e2
    sign_cx: np.ndarray  # (2n,) -cx, then cx
    cy: np.ndarray  # (2n,) cy
    neg_a: np.ndarray  # (n,) -a
    one_less_a: np.ndarray  # (n,) 1 - a
    ninety: np.ndarray  # (n,) 90.0


class SagittalFilter:
    def __init__(self, mounting: Mounting, dt_s: float, tau_s: float = 1.0, vel_tau_s: float = 0.04) -> None:
        self.m = mounting
        self.a = alpha_for(tau_s, dt_s)
        self.av = alpha_for(vel_tau_s, dt_s)
        # filter coefficients as arrays once (were lists converted on every call: same values)
        self._b_y, self._a_y = np.array([1.0]), np.array([1.0, -self.a])
        self._b_v, self._a_v = np.array([1.0 - self.av]), np.array([1.0, -self.av])
        self._y: float | None = None  # filter output at the last sample
        self._v: float | None = None
        self._raw_prev: float | None = None
        self._k = 0  # whole turns added by the unwrapper
        self._last_t: float | None = None
        self._beta_ref: float | None = None
        self._w_prev: float | None = None  # knee-axis rate (rad/s) at the last sample
        self._lever: tuple[float, float, float, float] | None = None  # (lever_m, beta_deg) -> (cx, cy)
        self.span: tuple[float, float] | None = None  # least and largest elevation of the last piece
        self._small: tuple[np.ndarray, np.ndarray] | None = None  # ([e1, e2], [[-cx], [cx]]) for short pieces
        self._rows: dict[int, Rows] = {}  # per length of short pieces: the constants as whole rows
        self._zi = (np.zeros(1), np.zeros(1))  # the two filters' states as lfilter takes them
        self._work: Work | None = None  # kept rows for pieces of the last long length seen twice
        self._work_n = 0  # the last long length (up to WORK_MAX) seen
        self._ref: tuple[float | None, np.ndarray] = (None, NINETY)  # (_beta_ref, it as a 0-d array)

    def set_beta(self, beta_deg: float) -> float:
        """Move the shin direction; returns the change in elevation (deg) it causes."""
        old = self.m.beta_deg
        delta_beta = (beta_deg - old + 180.0) % 360.0 - 180.0
        self.m = replace(self.m, beta_deg=old + delta_beta)
        if self._beta_ref is not None:
            self._beta_ref += delta_beta
        return self.m.sigma * delta_beta

    def process(
        self,
        t: np.ndarray,
        acc: np.ndarray,
        gyr_c: np.ndarray,
        gap: np.ndarray | None,
        steps: tuple[float | None, np.ndarray] | None = None,
        w: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Returns (elevation deg, elevation rate deg/s) for each sample. ``gap``: None when the
        caller knows that no sample follows a hole (a held live feed: no pass to find out).
        ``steps``: (t_prev, dt), the caller's time steps of ``t`` from ``t_prev``, taken when
        ``t_prev`` is this filter's last time (both None: none yet), so they are the steps it
        would compute itself (a new array: reset to 0 here where the filters restart). ``w``: the
        knee-axis rate ``dot3(gyr_c, self.m.u)`` when the caller has it (read only)."""
        m = self.m
        n = len(t)
        if n == 0:
            return np.empty(0), np.empty(0)
        if self._lever is None or self._lever[:2] != (m.lever_m, m.beta_deg):  # once per mounting
            lever = min(max(m.lever_m, LEVER_MIN_M), LEVER_MAX_M)
            cx, cy = lever * np.cos(np.radians(m.beta_deg)), lever * np.sin(np.radians(m.beta_deg))
            self._lever = (m.lever_m, m.beta_deg, cx, cy)
            self._small = (np.array([m.e1, m.e2]), np.array([[-cx], [cx]]))
            self._rows, self._work = {}, None
        rows = self._rows_of(n) if n <= SMALL else None
        ws = self._work_of(n) if rows is None and n <= WORK_MAX else None
        if w is not None:  # (the caller's: the same products and sums)
            pass
        elif rows is None:
            w = dot3(gyr_c, m.u)  # deg/s about the knee axis
        else:  # dot3's products and sums, the axis as whole rows (no broadcast: ~0.8 us less)
            p = gyr_c * rows.u
            w = p[:, 0] + p[:, 1]
            w += p[:, 2]
        if steps is not None and steps[0] == self._last_t:
            dt = steps[1]
        elif ws is None:
            dt = diff_from(t, self._last_t if self._last_t is not None else t[0])
        else:
            dt = ws.steps(t, self._last_t if self._last_t is not None else t[0])
        self._last_t = t.item(-1)  # (item: a Python float, no numpy scalar on the way)
        first = self._y is None
        reset: np.ndarray | None = None
        if first or (gap is not None and any_true(gap)):
            reset = np.zeros(n, bool) if gap is None else gap.copy()
            reset[0] |= first
            dt[reset] = 0.0  # else no gap, no start: no reset (the usual piece; no masked passes)
        # The sensor turns about the knee on a lever of ~lever_m along the shin: its centripetal
        # (-w^2 c) and tangential (alpha x c) accelerations are largest where the shin turns
        # round, at the top and the bottom of every rep, and would tilt the accelerometer's
        # angle there. Remove them (the same model the mounting fit uses) before filtering.
        valid: np.ndarray | None
        if ws is not None:  # pieces of a length seen before: the same arithmetic in kept rows
            sq = ws.force(acc, w, self._w_prev, dt, reset is None)
            self._w_prev = ws.wr.item(-1)
            # every force gravity-like (NaN fails): no mask (argmin: a NaN's place if any)
            valid = None if sq.item(sq.argmin()) >= WEAK_SQ else sq >= WEAK_SQ
            raw = np.arctan2(ws.ay, ws.ax, ws.th)
            np.multiply(raw, DEG, raw)  # np.degrees, the same product in place
        else:
            w_r = w * RAD  # np.radians(w), the same product (numpy's is w * (pi / 180), ~3x slower)
            dw = diff_from(w_r, self._w_prev if self._w_prev is not None else float(w_r[0]))
            self._w_prev = float(w_r[-1])
            if rows is not None:  # a live feed: the same products and sums, rows stacked (fewer calls)
                ax, ay, sq = self._plane_small(acc, w_r, dw, dt, reset is None, rows)
            else:
                assert self._small is not None
                ax, ay, sq = plane(acc, w_r, dw, dt, reset is None, self._small[0], self._lever[2:])
            # every force gravity-like (NaN fails): no mask (one reduction, not a pass and one)
            valid = None if amin(sq) >= WEAK_SQ else sq >= WEAK_SQ
            raw = np.arctan2(ay, ax)
            raw *= DEG  # np.degrees, the same product in place
        prev = self._raw_prev if self._raw_prev is not None else raw[0]
        if valid is not None and not all_true(valid):  # rare outside gait and impacts (no extra pass)
            if ws is None:
                raw = ffill(raw, valid, prev)
            else:  # (back into its kept row, where the filter's input is formed)
                raw[...] = ffill(raw, valid, prev)
        # no step between two samples can pass 180 deg when all of them lie within 180 of each
        # other (the usual piece: its least and largest, from a list); otherwise (a NaN among
        # them too) the steps themselves are checked
        extremes = _extremes if rows is not None else _reduced if ws is None else _least_largest
        b = extremes(raw)
        if max(b[1], prev) - min(b[0], prev) <= 180.0:
            wraps = False
        else:
            d = diff_from(raw, prev)
            np.abs(d, out=d)
            wraps = bool(np.fmax.reduce(d) > 180.0)  # (fmax: a NaN does not hide a wrap elsewhere)
        if wraps:
            d = diff_from(raw, prev)
            turns = np.where(d > 180.0, -1, np.where(d < -180.0, 1, 0)).astype(np.int64)
            k = self._k + np.cumsum(turns)
            self._k = int(k[-1])
            self._raw_prev = float(raw[-1])
            th_acc = raw + 360.0 * k if ws is None else np.add(raw, 360.0 * k, out=raw)
        else:  # no wrap in this piece (nearly always): the carried number of turns throughout
            self._raw_prev = float(raw[-1])
            # (raw is this call's own: in place). No turn (the usual piece): raw itself, not raw +
            # 0.0, which differs only where raw is -0.0 (then 0.0). That sign reaches nothing
            # returned: a signed zero added to a number is that number, so it can only make a
            # sum of zeros (the filter's input, output or state) -0.0 instead of 0.0, and every
            # elevation is then 90 -+ (theta - ref): 90 whichever zero theta - ref is.
            th_acc = np.add(raw, 360.0 * self._k, out=raw) if self._k else raw

        a = self.a
        # a * (-w * dt) + (1 - a) * th_acc, the same bits in one pass less and no temporaries: a
        # product is commutative and sign-symmetric, so a * ((-w) * dt) == (w * dt) * (-a)
        if ws is not None:  # (w * dt, th_acc) * (-a, 1 - a), one product of kept rows
            # (th_acc is read again where the filters restart: else scaled in its row)
            th_acc = th_acc.copy() if reset is not None else th_acc
            x = ws.blend(w, dt)
        elif rows is None:
            x = w * dt
            x *= -a
            # (th_acc is read again only where the filters restart: else scaled in place)
            x += (1.0 - a) * th_acc if reset is not None else np.multiply(th_acc, 1.0 - a, out=th_acc)
        else:  # (the same products with the constants as rows: no scalar to convert per call)
            x = w * dt
            x *= rows.neg_a
            x += rows.one_less_a * th_acc
        if reset is None:  # one segment continuing the last one (the usual piece)
            assert self._y is not None and self._v is not None
            zy, zv = self._zi  # (the kernel reads the states and returns new ones: set in place)
            zy[0], zv[0] = a * self._y, self.av * self._v
            theta, _ = lfilter_state(self._b_y, self._a_y, x, zy)
            vel, _ = lfilter_state(self._b_v, self._a_v, w, zv)
            self._y, self._v = theta.item(-1), vel.item(-1)
        else:
            theta, vel = self._segments(x, w, th_acc, reset)
        if self._beta_ref is None:
            # pick the turn of beta that puts the first sample within (LOW, LOW + 360] of elevation
            sig = m.sigma
            d0 = theta[0] - m.beta_deg
            turns = np.floor((sig * d0 + ELEVATION_LOW_DEG + 270.0) / 360.0)
            self._beta_ref = m.beta_deg + sig * 360.0 * turns
        # 90 - sigma * (theta - ref), sigma +-1: 1 * d is d and 90 - (-d) is 90 + d (in place: same bits)
        if self._ref[0] != self._beta_ref:  # (as a 0-d array once: no Python float to convert per call)
            self._ref = (self._beta_ref, np.array(self._beta_ref))
        d_ref = np.subtract(theta, self._ref[1], out=theta)  # (theta is this call's own, read no more)
        ninety = NINETY if rows is None else rows.ninety
        if m.sigma == 1:
            elev = np.subtract(ninety, d_ref, out=d_ref)
        elif m.sigma == -1:
            elev = np.add(d_ref, ninety, out=d_ref)
        else:
            elev = 90.0 - m.sigma * d_ref
        # Corrupt input can push the unwrapped angle round a full turn, which must not read as a
        # 360 deg movement: the angle stays on one full circle, cut where a shin never points.
        hi = ELEVATION_LOW_DEG + 360.0
        # (NaN left out; a short piece's from a list: the reductions' values when no NaN is there)
        self.span = extremes(elev)
        if self.span[0] <= ELEVATION_LOW_DEG or self.span[1] > hi:  # (rare: corrupt input)
            self.span = None
            off_circle = (elev <= ELEVATION_LOW_DEG) | (elev > hi)
            elev = np.where(off_circle, hi - (hi - elev) % 360.0, elev)
        return elev, (vel if m.sigma == 1 else m.sigma * vel)  # (1 * vel is vel: no pass)

    def _work_of(self, n: int) -> Work | None:
        """The kept rows for a long piece of ``n`` samples, from the second piece of that length in a
        row on (a length seen once, as where a stream is cut, would pay for rows it never reuses);
        dropped when the mounting moves."""
        ws = self._work
        if ws is not None and ws.n == n:
            return ws
        if self._work_n != n:
            self._work_n = n
            return None
        assert self._small is not None and self._lever is not None
        ws = self._work = Work(n, self._small[0], self._lever[2:], self.a)
        return ws

    def _rows_of(self, n: int) -> Rows:
        """The knee axis, [e1, e2], the lever and the filter's constants repeated to whole rows of
        a piece of ``n`` samples (kept per length till the mounting moves): a ufunc over two
        arrays of one shape takes its plain loop, ~0.8 us less on a live feed than broadcasting a
        row (~0.25 us less than a Python scalar), the same products."""
        rows = self._rows.get(n)
        if rows is None:
            assert self._small is not None and self._lever is not None
            e12, sign_cx = self._small
            u = np.asarray(self.m.u, dtype=float)
            rows = Rows(
                np.tile(u, (n, 1)),
                np.repeat(e12[:, None, :], n, axis=1),
                np.repeat(sign_cx, n),
                np.full(2 * n, self._lever[3]),
                np.full(n, -self.a),
                np.full(n, 1.0 - self.a),
                np.full(n, 90.0),
            )
            self._rows[n] = rows
        return rows

    def _plane_small(
        self, acc: np.ndarray, w_r: np.ndarray, dw: np.ndarray, dt: np.ndarray, steady: bool, rows: Rows
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The lever-corrected in-plane force (ax, ay) and its squared size for a short piece: per
        element the long path's arithmetic, ``a1 - (w2 * -cx - alpha * cy)`` and ``a2 - (alpha *
        cx - w2 * cy)``, with (w2, alpha) and (a1, a2) as rows of one array each, so a 10-sample
        live feed pays ~8 calls fewer."""
        e12, sign_cx = rows.e12, rows.sign_cx
        n = len(dw)
        # w2, alpha, w2 end to end: (w2, alpha) and (alpha, w2) are both plain slices of it, and
        # every array below is one run of memory (a strided or reversed 2-d operand costs a
        # 10-sample feed ~1 us a call more)
        wa = np.empty(3 * n)
        w2, alpha = wa[:n], wa[n : 2 * n]
        np.multiply(w_r, w_r, out=w2)
        if steady or amin(dt) > 0:  # (no reset: every step is positive, the times rising strictly)
            np.divide(dw, dt, out=alpha)
        else:
            alpha[...] = 0.0
            np.divide(dw, dt, out=alpha, where=dt > 0)
        wa[2 * n :] = w2
        p = (e12 * acc).reshape(2 * n, 3)  # e1 then e2 times each row (acc repeated)
        a12 = p[:, 0] + p[:, 1]
        a12 += p[:, 2]  # a1 then a2 (dot3_pair's sums)
        t1 = wa[: 2 * n] * sign_cx  # w2 * -cx, alpha * cx
        t1 -= wa[n:] * rows.cy  # ... minus alpha * cy, w2 * cy
        axy = np.subtract(a12, t1, out=a12)
        sq = axy * axy
        return axy[:n], axy[n:], sq[:n] + sq[n:]

    def _segments(
        self, x: np.ndarray, w: np.ndarray, th_acc: np.ndarray, reset: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Both filters over a piece with resets (its start, gaps): each reset restarts them."""
        a, n = self.a, len(x)
        theta = np.empty(n)
        vel = np.empty(n)
        bounds = [*np.nonzero(reset)[0].tolist(), n]
        if bounds[0] != 0:
            bounds.insert(0, 0)
        for s0, s1 in zip(bounds[:-1], bounds[1:]):
            if s1 <= s0:
                continue
            if reset[s0]:
                zi_y = a * th_acc[s0]
                zi_v = self.av * w[s0]
            else:
                # a segment not starting at a reset continues the last one: its state is set
                assert self._y is not None and self._v is not None
                zi_y = a * self._y
                zi_v = self.av * self._v
            theta[s0:s1], _ = lfilter_state(self._b_y, self._a_y, x[s0:s1], np.array([zi_y]))
            vel[s0:s1], _ = lfilter_state(self._b_v, self._a_v, w[s0:s1], np.array([zi_v]))
            self._y = float(theta[s1 - 1])
            self._v = float(vel[s1 - 1])
        return theta, vel
