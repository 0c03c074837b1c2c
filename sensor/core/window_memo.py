"""A movement window's reads in the mounting estimate, kept across its calls while the axis stands.

While the mounting is refined, :class:`sensor.core.pipeline.Pipeline` asks
:func:`sensor.core.mounting.estimate_mounting` for it again at every movement end, over the whole
buffer, about the settled knee axis and plane basis (the refinement keeps them). Each call walked
every movement window of the buffer and recomputed the same things from the same samples: the
angle it sweeps, the lever's length and direction, the board normal's shin line on the lever's
side, and the median elevation of the sensor along the chosen direction. Only the newest window
(and the one before it, whose padding the new samples completed: a new ``(a, b)``) had anything
new: on the rep content the loop over the windows cost about a quarter of the estimate.

Each of those reads depends on the window's samples, the knee axis, the plane basis, the fitted
lever and (the span) the nominal interval, at five of which its intervals are clipped: nothing else.
The refining buffer only grows (the pipeline trims it only before the first settle), so a window
``(a, b)`` holds the same samples at every call. :class:`WindowMemo` keeps the reads per window
and forgets them all when the axis or the basis differ from the last call's (or when the pipeline
clears it, with its fit cache). A read is computed by the very operations the estimate used, on
the same inputs, so every result is bit-identical (``sensor/sim/bench_digest.py``;
tests/test_window_memo.py).

Two whole-buffer reads are kept the same way: the rate about the knee axis and the force in the
plane (:meth:`WindowMemo.products`: only the new rows are multiplied), and the first rest's reads
of :class:`sensor.core.upright.Upright` (``upright``: keyed by the samples and windows that decide
them). Measured on ``glide bench``'s rep content (30,000 samples, 10 estimates, OPENBLAS on one
thread, min of 15 runs): the estimate's CPU 19.5 ms -> 14.6 ms before the products were kept.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sensor.core.dsp import median, norm3
from sensor.core.lever_fit import window_slope
from sensor.core.shin_prior import PriorConfig, board_normal_beta
from sensor.core.side_vote import plane_deg


class LeverRead(NamedTuple):
    """What a fitted lever ``c`` says on its own: length, direction (deg in the plane), its unit
    vector, and the board normal's line on its side (None: unknown or too far off)."""

    c: np.ndarray
    lever: float
    angle_deg: float
    unit: np.ndarray
    board_deg: float | None
    board_unit: np.ndarray | None


class WindowMemo:
    """Per-window reads of one axis (see the module docstring). ``bind`` before each call's loop."""

    def __init__(self, keep_angles: bool = False) -> None:
        """``keep_angles``: the plane angles of every row are kept for the calls that follow
        (:meth:`plane_deg`); a memo for one call computes only the rows asked for."""
        self.keep_angles = keep_angles
        self._span: dict[tuple[int, int], tuple[float, float, float]] = {}
        self._lever: dict[tuple[int, int], LeverRead] = {}
        self._elev: dict[tuple[int, int, bytes], float | np.floating] = {}
        self.upright: dict[tuple[object, ...], object] = {}  # sensor.core.upright's reads
        self.clear()

    def clear(self) -> None:
        self._key: tuple[bytes, bytes, bytes] | None = None
        self._span, self._lever, self._elev, self.upright = {}, {}, {}, {}
        self.undiluted: dict[tuple[int, int, int], tuple[bool, np.ndarray, float]] = {}  # lever_line
        self.plain: dict[tuple[int, int], tuple[np.ndarray, float]] = {}  # window_verdicts' fits, no interval clipped
        self.slopes: dict[tuple[int, int], np.ndarray] = {}  # the rate's slope per window (slope)
        self.verdicts: dict[tuple[int, int], tuple[object, list[tuple[int, bool]], object]] = {}  # window_verdicts
        self._prod: tuple[float, np.ndarray, np.ndarray] | None = None  # (last time, w_all, acc_p) of a prefix
        self._theta = np.empty(0)  # the plane angles of acc_p's first rows (keep_angles)
        self._axes = (np.zeros(3), np.zeros(3), np.zeros(3))

    def bind(self, u: np.ndarray, e1: np.ndarray, e2: np.ndarray) -> None:
        """Start a call about this axis and basis: the reads of another one are dropped."""
        key = (u.tobytes(), e1.tobytes(), e2.tobytes())
        if key != self._key:
            self.clear()
            self._key, self._axes = key, (u, e1, e2)

    def products(self, t: np.ndarray, acc: np.ndarray, gyr_c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``radians(gyr_c @ u)`` and ``stack([acc @ e1, acc @ e2], 1)`` over the buffer, the rows
        of the buffer's kept prefix reused (checked by its last time) and the new rows computed.

        A row of ``x @ v`` has the same bits whatever the rows around it, from two rows up (one row
        takes another BLAS path): the new rows are computed with the last kept one before them."""
        u, e1, e2 = self._axes
        kept = self._prod
        n0 = 0 if kept is None else len(kept[1])
        if kept is not None and not (1 < n0 <= len(t) and t[n0 - 1] == kept[0]):
            n0 = 0
        if n0 == len(t) and kept is not None:
            return kept[1], kept[2]
        if n0 == 0:
            self._theta = np.empty(0)
        lo = max(n0 - 1, 0)
        w_new = np.radians(gyr_c[lo:] @ u)[n0 - lo :]
        p_new = np.empty((len(acc) - lo, 2))  # (np.stack of the two columns: the same copies, without its set-up)
        p_new[:, 0], p_new[:, 1] = acc[lo:] @ e1, acc[lo:] @ e2
        p_new = p_new[n0 - lo :]
        if n0 and kept is not None:
            w_new, p_new = np.concatenate([kept[1], w_new]), np.concatenate([kept[2], p_new])
        if len(t):
            self._prod = (float(t[-1]), w_new, p_new)
        return w_new, p_new

    def plane_deg(self, acc_p: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """:func:`sensor.core.side_vote.plane_deg` of the rows ``mask`` picks of ``acc_p`` (the
        last :meth:`products`' force in the plane). With ``keep_angles`` every row's angle is
        computed once and kept: the refinement's side vote asked for the teaching movements'
        samples of the whole buffer at every movement end. Elementwise, on rows of the same
        layout, so each angle has the bits plane_deg gives it (tests/test_fast_paths_r5.py)."""
        if not self.keep_angles:
            return plane_deg(acc_p, mask)
        have = len(self._theta)
        if have < len(acc_p):
            self._theta = np.concatenate([self._theta, plane_deg(acc_p[have:], slice(None))])
        got: np.ndarray = self._theta[: len(mask)][mask]
        return got

    def span(self, a: int, b: int, w_all: np.ndarray, dt_all: np.ndarray, dt_nom: float) -> float:
        """The angle (deg, unsigned) the window sweeps about the axis: rates ``w_all`` (rad/s)
        times the intervals clipped at five nominal ones (a hole of lost packets).

        The nominal interval is the median of the buffer's intervals, which moves a little at
        every call on a jittery clock; the clip changes nothing while the window's intervals lie
        within [0, 5 nominal ones] (no hole), and then the sum kept, made on the same intervals,
        is the answer."""
        got = self._span.get((a, b))
        if got is None:
            dt = dt_all[a:b]
            # (np.minimum.reduce, np.add.reduce: what dt.min() and np.sum call, without their wrappers)
            lo, hi = (float(np.minimum.reduce(dt)), float(np.maximum.reduce(dt))) if len(dt) else (0.0, 0.0)
            got = self._span[(a, b)] = (lo, hi, np.degrees(abs(np.add.reduce(w_all[a:b] * dt))))
        lo, hi, span = got
        if not (lo >= 0 and hi <= 5 * dt_nom):  # a hole: clipped at this call's nominal interval
            span = np.degrees(abs(np.sum(w_all[a:b] * np.clip(dt_all[a:b], 0, 5 * dt_nom))))
        return span

    def slope(self, a: int, b: int, t: np.ndarray, w_all: np.ndarray) -> np.ndarray:
        """:func:`sensor.core.lever_fit.window_slope` of the window's rows, computed once: the walk's
        plain fit, the lever line's noise share and its averaged fit all read it (the same rows,
        about the same axis: the same bits)."""
        got = self.slopes.get((a, b))
        if got is None:
            got = self.slopes[(a, b)] = window_slope(t[a:b], w_all[a:b])
        return got

    def no_hole(self, a: int, b: int, dt_nom: float) -> bool:
        """Whether the window's kept span holds at this nominal interval (no interval clipped)."""
        lo, hi, _span = self._span[(a, b)]
        return lo >= 0 and hi <= 5 * dt_nom

    def lever(
        self, a: int, b: int, c: np.ndarray, u: np.ndarray, e1: np.ndarray, e2: np.ndarray, prior: PriorConfig
    ) -> LeverRead:
        """The reads of the window's lever ``c`` (recomputed if the fit handed another array)."""
        got = self._lever.get((a, b))
        if got is None or got.c is not c:
            lever = float(np.hypot(*c))
            ang = float(np.degrees(np.arctan2(c[1], c[0])))
            b_board = board_normal_beta(u, e1, e2, ang, prior)
            board = None if b_board is None else np.array([np.cos(np.radians(b_board)), np.sin(np.radians(b_board))])
            with np.errstate(divide="ignore", invalid="ignore"):  # (a zero lever is refused before its unit is read)
                unit = c / lever
            got = self._lever[(a, b)] = LeverRead(c, lever, ang, unit, b_board, board)
        return got

    def elevation(self, a: int, b: int, vec: np.ndarray, acc_p: np.ndarray, acc: np.ndarray) -> float | np.floating:
        """The median sine of the elevation along the in-plane direction ``vec`` over the window."""
        key = (a, b, vec.tobytes())
        got = self._elev.get(key)
        if got is None:
            got = self._elev[key] = median((acc_p[a:b] @ vec) / np.maximum(norm3(acc[a:b]), 1e-9))
        return got
