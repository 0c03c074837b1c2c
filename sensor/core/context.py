"""Activity context: is the wearer in the exercise posture, on their feet, or repositioning?

Reps count only in the exercise context (issue 11). The decision is physical and per sample,
causal, vectorised and chunk-invariant (carried state, ``ffill`` over trigger times):

- **Impacts** (on feet). Foot contacts send a shock up the tibia: 1.5-4 g within ~10-20 ms when
  walking, more on stairs (Lafortune et al. 1995, J Biomech 28:1059). The glide is a slow
  swing with no contact: its acceleration changes smoothly (a 1-s phase of 130 deg with the
  sensor 35 cm below the knee changes by < 1.5 m/s^2 in 40 ms). A jump of the acceleration
  vector between consecutive samples larger than ``impact_mps2`` (or than ``max_jerk`` * dt at
  low rates) is an impact; the context stays *on feet* for ``impact_hold_s`` after the last.
  Supine, the foot contacts the rep detector checks go down to ``landing_mps2``: a foot set
  gently back on the floor between sets lands with a fraction of a step's shock; and, at any
  rate, a sample off the smooth curve through its neighbours (``landing_curve_mps2``,
  :mod:`sensor.core.landing`), which below ~75 Hz finds landings the jump bound hides.
- **Shin hanging in the supine posture** (on feet). Lying on the back with the thigh at or near
  tabletop, the shin cannot point below ~-60 deg: that needs ~150 deg of knee flexion, past the
  passive range of most adults. The sine of the elevation is the shin axis dotted with up, so
  it does not depend on which side of the shin the filter took as anterior.
- **Rotation off the knee axis** (repositioning). A glide turns the shin about the knee's
  flexion axis only. Turning round while walking, rolling onto a side to get up, sideways leg
  swings and hands re-seating the strap rotate the sensor about other axes; an off-axis rate
  above ``off_axis_dps`` keeps the context *repositioning* for ``off_axis_hold_s``.

Everything else, while the mounting is known, is *exercise*. The pipeline passes the per-sample
"last time on feet" to the rep detector, which refuses a rep that started before it.

:meth:`ContextTracker.unmoved_by` tells, before a live feed is analysed, whether it could change
anything here (:mod:`sensor.core.live_defer` holds such feeds and analyses them later).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sensor.core.dsp import Ema, amax, any_true, diff_from, dot3, ffill, norm3
from sensor.core.events import Context, ContextChanged
from sensor.core.landing import JUMP_MARGIN, CurveLandings, merged_onsets

CODES = (Context.EXERCISE, Context.ON_FEET, Context.REPOSITIONING)
_NO_INDEX, _NO_TIME = np.empty(0, np.int64), np.empty(0)  # (read only: no onset, no contact)
SLACK = 1.0 + 1e-9  # rounding room for bounds that hold exactly in real arithmetic (``unmoved_by``)
# ``amax`` under a name of its own for ``unmoved_by``: tests replace this module's ``amax`` to steer
# ``process``'s paths alone
_largest = _largest_rows = np.maximum.reduce


def _largest_step_sq(
    acc: np.ndarray, p: list[float], largest: Callable[[np.ndarray], float]
) -> tuple[float, np.ndarray | None]:
    """The largest squared step component of ``acc``'s rows after row ``p`` (a list; a jump is at
    most sqrt(3) times it: two calls fewer than the norms), and the squared steps between the rows,
    flat (None: one row). The first row's in Python, the others one flat difference (a 2-d one from
    a carried row cost a live feed ~2 us more); a NaN, first in ``max``, fails the callers' tests."""
    r = acc[0].tolist()
    d0, d1, d2 = r[0] - p[0], r[1] - p[1], r[2] - p[2]
    most = max(d0 * d0, d1 * d1, d2 * d2)
    if len(acc) < 2:
        return most, None
    flat = acc.reshape(-1)
    sq = flat[3:] - flat[:-3]
    sq *= sq
    return max(largest(sq), most), sq


@dataclass
class ContextConfig:
    impact_mps2: float = 5.0  # acceleration jump between consecutive samples that is a foot contact
    # Supine, a softer jump is a foot contact too, for the rep detector only (``shock_times``; the
    # on-feet decision keeps ``impact_mps2``). A supine glide's foot touches nothing, so its
    # acceleration changes only as smoothly as the movement (<= ``max_jerk`` * dt); a foot set back
    # on the floor between sets lands with a fraction of a step's 1.5-4 g. Measured, as the excess
    # of a sample-to-sample jump over max_jerk * step: true supine reps (mixed 0-399, 2093 reps,
    # 25-200 Hz) <= 0.84 m/s^2 in their contact window; set-break candidates (mixed 0-399 and
    # negatives 0-1199, 632) up to 20 at the far turn, and at >= 75 Hz (where max_jerk * dt is
    # below this) 264 of 313 above 2. About 0.2 g, more than twice the glides' largest reading.
    # Below ~75 Hz the max_jerk * dt floor hides such landings (the UCI real recordings, 25 Hz,
    # jump up to 4 m/s^2 between samples in fast knee extensions).
    landing_mps2: float = 2.0
    # Supine, and at any rate: a sample farther than this, or than a jerk step of ``max_jerk``
    # (``max_jerk`` * span / 4), from the straight line through its neighbours is a foot contact
    # too (sensor.core.landing: the measured margins; the jump above misses gentle landings < 75 Hz).
    landing_curve_mps2: float = 1.0
    # ... and the jerk step's share of that bound a sensor's output samples carry. A MEMS IMU gives
    # each output sample the mean of its internal samples over the output period (its digital
    # low-pass; Bosch BMI160 normal mode), and an averaged jerk step of J lies at most 3/16 J span
    # off the line through its neighbours (the worst phase of the step within the period), 3/4 of
    # the point sample's J span / 4: the curve bound is max_jerk * landing_curve_share * span / 4.
    # Measured on the anti-aliased simulator (r8base), the largest residual inside the contact
    # window of the counted true supine reps of mixed 0-999 and short 0-299 (5652 reps), over this
    # bound: 25 Hz 0.71, 50 Hz 0.63, 52 Hz 0.55 (>= 56 Hz the 1.0 floor rules: <= 0.75), leaving
    # out one sample of mixed 656 (6.0 m/s^2, 0.09 s into a rep: a contact that began before the
    # movement, merged, no onset); point-sampled they read <= 0.66 of the old bound, 0.88 of this.
    # Segments of negatives 0-1499 rendered supine whose largest residual is over the bound, old
    # (share 1) -> this: set-break landings 25 Hz 3 -> 11 % (p50 1.28 m/s^2: at 25 Hz the
    # averaging leaves most under the glides' own 1.3-1.6), 50-52 Hz 78 -> 88 %; lying down 25 Hz
    # 61 -> 76 %; standing still 25 Hz 0 -> 0 %.
    landing_curve_share: float = 0.75
    max_jerk: float = 150.0  # m/s^3: at low rates a smooth movement may change by this * dt
    impact_hold_s: float = 2.5  # on feet until this long after the last footstep
    merge_s: float = 0.2  # samples of one shock
    steps: int = 3  # this many distinct shocks ...
    steps_within_s: float = 3.0  # ... within this time are footsteps
    hanging_deg: float = -65.0  # supine: the shin below this elevation means the person is not lying
    off_axis_dps: float = 80.0  # rotation rate off the knee axis that means repositioning
    off_axis_hold_s: float = 0.3
    off_axis_tau_s: float = 0.25  # smoothing of the off-axis and knee-axis rates
    off_axis_ratio: float = 0.7  # ... and larger than this share of the knee-axis rate (~35 deg off axis)
    swing_dps: float = 330.0  # knee-axis rate of a gait swing (a glide phase of >= 1 s stays below ~280)


def shock_threshold(step_s: np.ndarray, dt: float, cfg: ContextConfig, floor_mps2: float | None = None) -> np.ndarray:
    """Per sample, the acceleration jump that is a shock (``floor_mps2``: ``cfg.impact_mps2``
    unless given, e.g. the supine landings' ``landing_mps2``). A smooth movement may change by
    ``max_jerk`` times the time elapsed, so a few lost packets (a hole shorter than a gap) do not
    turn a movement's ordinary change of acceleration into a foot contact."""
    floor = cfg.impact_mps2 if floor_mps2 is None else floor_mps2
    out: np.ndarray = np.maximum(max(floor, cfg.max_jerk * dt), cfg.max_jerk * step_s)
    return out


def clear_of_hanging(span: tuple[float, float] | None, h: float) -> bool:
    """Whether every elevation of a piece whose least and largest are ``span`` has a sine of at
    least sin(h), the hanging test, from those two alone: they lie on one arc where the sine is at
    least sin(h) ([h, 180 - h] or that less 360 deg), 1e-6 deg inside (|h| <= 85 deg: the sine's
    slope there leaves that margin far above rounding). ``span`` None (unknown): not clear."""
    if span is None or not -85.0 <= h <= 85.0:
        return False
    lo, hi = span
    return (h + 1e-6 <= lo and hi <= 180.0 - h - 1e-6) or (h - 360.0 + 1e-6 <= lo and hi <= -180.0 - h - 1e-6)


class ContextTracker:
    def __init__(self, posture: str, dt_s: float, cfg: ContextConfig | None = None) -> None:
        self.cfg = cfg or ContextConfig()
        self.posture = posture
        self.dt = dt_s
        self._prev_acc: list[float] | None = None  # the last row seen (a list: read in Python)
        self._prev_t: float | None = None
        self._t_impact = -np.inf
        self._t_shock = -np.inf
        self._onsets = np.empty(0)
        self._shaken = False
        self._ema = Ema(self.cfg.off_axis_tau_s, dt_s)
        self._t_off = -np.inf
        self._t_nonex = -np.inf
        self.last_step_t = -np.inf  # last footstep (a rhythm of shocks): evidence whatever the mounting
        self.context = Context.UNKNOWN
        self.shock_times = np.empty(0)  # foot-contact onsets (s) in the last piece processed
        self._hang: tuple[float, float] | None = None  # (hanging_deg, its sine)
        self._nonex_kept: np.ndarray | None = None  # (``_nonex_throughout``)
        cfg = self.cfg
        self._curve = (
            CurveLandings(cfg.landing_curve_mps2, cfg.max_jerk * cfg.landing_curve_share, cfg.merge_s)
            if posture == "supine"
            else None
        )

    def process(
        self,
        t: np.ndarray,
        acc: np.ndarray,
        gyr_c: np.ndarray,
        elev: np.ndarray,
        u: np.ndarray,
        gap: np.ndarray,
        rate: np.ndarray | None = None,
        w: np.ndarray | None = None,
        elev_span: tuple[float, float] | None = None,
    ) -> tuple[np.ndarray, list[ContextChanged]]:
        """Returns, per sample, the last time (s) the context was on feet (``-inf`` if never),
        and the context changes in this piece. ``rate``: ``norm3(gyr_c)`` and ``w``: the
        knee-axis rate ``dot3(gyr_c, u)``, when the caller has them (read only); ``elev_span``: the
        least and largest of ``elev`` (NaN left out), when the caller has them (the sagittal
        filter's ``span``: two reductions fewer here)."""
        cfg = self.cfg
        n = len(t)
        if n == 0:
            return np.empty(0), []
        prev = self._prev_acc  # (the steps' squares: diff_from's subtractions, no array or row copy)
        most, steps_sq = _largest_step_sq(acc, acc[0].tolist() if prev is None else prev, amax)
        self._prev_acc = acc[-1].tolist()
        least = self._least_bound()
        curves = self._curve
        shock: np.ndarray | None = None
        on_idx = _NO_INDEX
        t_before = self._prev_t if self._prev_t is not None else t[0]  # (the steps: asked for below)
        self._prev_t = t.item(-1)
        if 3.0 * most * SLACK <= least * least and (curves is None or curves.settled(n)):
            # The usual piece: no jump (a row of steps' norm: at most sqrt(3) times its largest
            # component, SLACK the rounding room) reaches the least bound any rule below compares
            # jumps with: calm, and supine the landings only keep their carry (CurveLandings.carry).
            self.shock_times = _NO_TIME
            if curves is not None:
                assert steps_sq is not None  # (settled: n >= 2)
                a, b, c = steps_sq[-3:].tolist()  # (Python's float sums and root)
                curves.carry(t[-2:], acc[-2:], gap[-2:], 0.0 if gap[-1] else math.sqrt((a + b) + c))
        else:
            sq = diff_from(acc, acc[0] if prev is None else np.array(prev)) ** 2  # (np.diff with prepend)
            jump = sq[:, 0] + sq[:, 1]  # norm3(d_acc), its squares taken above
            jump += sq[:, 2]
            np.sqrt(jump, out=jump)
            jump[gap] = 0.0  # a hole in the data is not a shock
            top = amax(jump)
            # every jump at or below shock_threshold's floor (a glide's): no shock, from one reduction
            calm = top <= max(cfg.impact_mps2, cfg.max_jerk * self.dt)
            step = None if calm else diff_from(t, t_before)  # (a calm piece reads no step: no pass)
            # (None: a calm piece, no shock; no array of falses and no reduction of it)
            shock = None if step is None else jump > shock_threshold(step, self.dt, cfg)
            # distinct shocks (within merge_s: one) and their rhythm: footsteps come every 0.5-1.5 s;
            # a knee extension that ends against the chair gives one per rep (>= 2 s)
            if shock is not None and any_true(shock):
                on_idx, self._t_shock = merged_onsets(t, shock, self._t_shock, cfg.merge_s)
            else:  # no shock in the piece (the usual one): no onset, the last shock time stands
                shock = None  # (as none: the shaken samples below read it)
            if curves is None:
                self.shock_times = t[on_idx]
            else:
                self.shock_times = self._landings(curves, t, acc, gap, jump, (t_before, step), shock, top)
        if w is None:
            w = dot3(gyr_c, u)
        rates = np.empty((2, n))  # the off-axis and knee-axis rates, filtered together below
        aw = np.abs(w, out=rates[1])
        impact: np.ndarray | None = None  # a footstep, hanging shin or gait swing (None: none)
        if len(on_idx):
            impact = np.zeros(n, bool)
            times = np.concatenate([self._onsets, t[on_idx]])
            j = np.arange(len(self._onsets), len(times))
            valid = j >= cfg.steps - 1
            span = times[j[valid]] - times[j[valid] - (cfg.steps - 1)]
            impact[on_idx[valid]] |= span <= cfg.steps_within_s
            self._onsets = times[-(cfg.steps - 1) :]
            steps = on_idx[valid][span <= cfg.steps_within_s]
            if len(steps):
                self.last_step_t = float(t[steps[-1]])
        if self.posture == "supine" and not clear_of_hanging(
            (np.fmin.reduce(elev), np.fmax.reduce(elev)) if elev_span is None else elev_span, cfg.hanging_deg
        ):
            # sin(elevation) = shin axis . up, whichever side the filter took as anterior (asked only
            # when the piece's least and largest do not clear the bound: not the sines, ~7 ns a sample)
            hanging = np.sin(elev * (np.pi / 180.0)) < self._sin_hanging()  # (np.radians' product)
            impact = hanging if impact is None else np.logical_or(impact, hanging, out=impact)
        off_rate = (norm3(gyr_c) if rate is None else rate) ** 2  # sqrt(max(rate^2 - w^2, 0)) below
        off_rate -= np.multiply(w, w, out=rates[0])
        np.maximum(off_rate, 0.0, out=off_rate)
        off_rate = np.sqrt(off_rate, out=rates[0])
        # a shock rings through the gyro on every axis for a sample or two: not a rotation
        if shock is not None:  # (None: no shock in the piece)
            shaken = shock | np.concatenate([[self._shaken], shock[:-1]])
            off_rate[shaken] = 0.0
        elif self._shaken:  # (no shock here: only the first sample rings, from the last piece's)
            off_rate[0] = 0.0
        self._shaken = shock is not None and bool(shock[-1])
        # both rows' largest in one reduction: a swing past swing_dps (NaN fails; masks ORed in any
        # order); no smoothed off-axis rate past the bound if no rate nor the last smoothed one (zi/a)
        top_off, top_w = _largest_rows(rates, axis=1).tolist()
        if not top_w <= cfg.swing_dps:
            impact = np.logical_or(impact, aw > cfg.swing_dps, out=impact) if impact is not None else aw > cfg.swing_dps
        z, lim = self._ema.zi, cfg.off_axis_dps / SLACK  # (a convex mix: SLACK the rounding room)
        clear = z is not None and top_off <= lim and z[0, 0] / self._ema.a <= lim
        lp = self._ema(rates)  # sustained, not a one-sample spike (a heel knocking the chair shakes every axis)
        off: np.ndarray | None = None  # none past the bound (NaN fails): no sample is off axis
        if not clear and not _largest(lp[0]) <= cfg.off_axis_dps:
            off = (lp[0] > cfg.off_axis_dps) & (lp[0] > cfg.off_axis_ratio * lp[1])
        quiet = self._exercise_throughout(t, impact, off)
        if quiet is not None:
            return quiet, []
        # (None: no sample; ffill over an all-false mask is the carried time throughout)
        t_imp = ffill(t, np.zeros(n, bool) if impact is None else impact, self._t_impact)
        t_off = ffill(t, np.zeros(n, bool) if off is None else off, self._t_off)
        self._t_impact, self._t_off = float(t_imp[-1]), float(t_off[-1])
        on_feet = t - t_imp < cfg.impact_hold_s
        repos = (t - t_off < cfg.off_axis_hold_s) & ~on_feet
        code = np.where(on_feet, 1, np.where(repos, 2, 0))
        # Reps are refused for being on one's feet only. Repositioning is reported (the dashboard
        # can say so) but a strap turned between reps must not cost the next rep.
        t_nonex = ffill(t, code == 1, self._t_nonex)
        self._t_nonex = float(t_nonex[-1])
        events = []
        start = CODES.index(self.context) if self.context in CODES else -1
        changes = np.nonzero(diff_from(code, start))[0]
        prev_ctx = self.context
        for i in changes.tolist():
            ctx = CODES[int(code[i])]
            events.append(ContextChanged(float(t[i]), ctx, prev_ctx))
            prev_ctx = ctx
        self.context = prev_ctx
        return t_nonex, events

    def _landings(
        self,
        curves: CurveLandings,
        t: np.ndarray,
        acc: np.ndarray,
        gap: np.ndarray,
        jump: np.ndarray,
        steps: tuple[float, np.ndarray | None],
        shock: np.ndarray | None,
        top: float,
    ) -> np.ndarray:
        """Supine: the onsets of foot contacts down to ``landing_mps2`` (a foot set down on the
        floor between sets, not only a step's impact) or off a smooth curve (``landing_curve_mps2``,
        sensor.core.landing: at any rate), samples within ``merge_s`` being one contact. ``top``:
        the largest jump (at or below the soft threshold's floor: no soft contact, no pass).
        ``steps``: the time before the piece and the piece's steps from it (None: not taken yet).
        ``shock``: None in a calm piece (no shock)."""
        cfg = self.cfg
        if top <= max(cfg.landing_mps2, cfg.max_jerk * self.dt):
            soft = shock
        else:
            step = diff_from(t, steps[0]) if steps[1] is None else steps[1]
            over = jump > shock_threshold(step, self.dt, cfg, cfg.landing_mps2)
            soft = over if shock is None else shock | over
        curve = curves.marked(t, acc, gap, jump, top)
        if not len(curve) and (soft is None or not any_true(soft)):
            return np.empty(0)
        return curves.onsets(np.union1d(t[soft] if soft is not None else _NO_TIME, curve))

    def _least_bound(self) -> float:
        """The least bound a piece's largest jump is compared with: the shock floor, and supine
        the soft floor and the curve rule's jump cut (sensor.core.landing.JUMP_MARGIN)."""
        cfg = self.cfg
        least = max(cfg.impact_mps2, cfg.max_jerk * self.dt)
        if self._curve is not None:
            least = min(least, max(cfg.landing_mps2, cfg.max_jerk * self.dt), self._curve.floor - JUMP_MARGIN)
        return least

    def _sin_hanging(self) -> float:
        """``np.sin(np.radians(cfg.hanging_deg))``, computed once per threshold (a speed path)."""
        if self._hang is None or self._hang[0] != self.cfg.hanging_deg:
            self._hang = (self.cfg.hanging_deg, float(np.sin(np.radians(self.cfg.hanging_deg))))
        return self._hang[1]

    def unmoved_by(
        self,
        t0: float,
        most: float,
        acc: np.ndarray,
        before: np.ndarray | None,
        elev: np.ndarray,
        span: tuple[float, float] | None,
    ) -> bool:
        """Whether ``process`` on a piece without holes would change no state that any later
        decision reads and emit nothing: exercise, past both holds at its first time ``t0``, no
        jump past the shock floor, no knee-axis rate past a swing, no off-axis rate able to lift
        its smoothed value past ``off_axis_dps``, and (supine) no sample with the shin hanging.
        Conservative and exact, from bounds: ``most``, the piece's largest rate magnitude, bounds
        both the knee-axis and the off-axis rate; ``before``, the acceleration row before ``acc``
        (None: the last this tracker saw); ``span``, the least and largest of ``elev``."""
        c, zi = self.cfg, self._ema.zi
        if self.context is not Context.EXERCISE or zi is None:
            return False
        if not (t0 - self._t_impact >= c.impact_hold_s and t0 - self._t_off >= c.off_axis_hold_s):
            return False
        # |knee-axis rate| and the off-axis rate are each at most the rate's magnitude; the
        # smoothed off-axis rate is a convex mix of its last value and those rates
        top = max(most, float(zi[0, 0]) / self._ema.a) * SLACK
        if not (top <= c.swing_dps and top <= c.off_axis_dps):
            return False
        # no shock: each jump at most sqrt(3) times the largest step component (_largest_step_sq)
        if before is not None:
            p = before.tolist()
        elif self._prev_acc is not None:
            p = self._prev_acc
        else:
            return False
        most_sq, _ = _largest_step_sq(acc, p, _largest)
        if not 3.0 * most_sq * SLACK <= max(c.impact_mps2, c.max_jerk * self.dt) ** 2:
            return False
        if self.posture == "supine" and not clear_of_hanging(span, c.hanging_deg):
            if any_true(np.sin(np.radians(elev)) < self._sin_hanging()):  # ``process``'s own test
                return False
        return True

    def _exercise_throughout(
        self, t: np.ndarray, impact: np.ndarray | None, off: np.ndarray | None
    ) -> np.ndarray | None:
        """The usual piece (a speed path, same results): exercise, no impact or off-axis turn in it
        (None: known to have none), the last ones further back at its first sample than their
        holds. Then every sample reads exercise, the carried times stand and the last time on feet
        is the carried one throughout, returned without the general path's passes; else None."""
        cfg = self.cfg
        if self.context is not Context.EXERCISE:
            return None
        if (impact is not None and any_true(impact)) or (off is not None and any_true(off)):
            return None
        # t never decreases (intake), so each later sample is at least as far from the carried times
        if not (t[0] - self._t_impact >= cfg.impact_hold_s and t[0] - self._t_off >= cfg.off_axis_hold_s):
            return None
        # a read-only view of an array kept while the time stands (the rep detector only reads it)
        kept = self._nonex_kept
        if kept is None or len(kept) < len(t) or kept[0] != self._t_nonex:  # (-inf == -inf; never NaN)
            kept = self._nonex_kept = np.empty(max(len(t), 1024))
            kept[...] = self._t_nonex
            kept.flags.writeable = False
        return kept[: len(t)]
