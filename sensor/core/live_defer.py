"""Live feeds that cannot change any decision: held, and analysed later in one piece.

A BLE sensor hands the pipeline ~10 samples at a time (50 ms at 200 Hz). Most of those feeds
change nothing the user could see: the shin rests (or is mid-movement) and nothing starts,
stops, lands or turns. Yet the decision layers after the running filters (the activity context,
the rep detector, the re-strap watch) each cost a fixed number of Python and numpy calls per
feed, whatever its length: on 10 samples that per-call cost was most of the 148 us a feed took.

So a feed in the steady state runs what must run at once (intake, rest and gyro bias, the
sagittal filter: the live angle stays current), then asks :meth:`LiveDefer.quiet` whether
analysing it now could emit anything. The test is conservative and exact: every trigger those
layers fire on is checked against its own threshold, with the states they carry (which a quiet
piece leaves unchanged in every part the triggers read):

* re-strap watch: its moving latch cannot change (no rate past ``move_on_dps`` while still, none
  under ``move_off_dps`` while moving), so no movement starts or closes and nothing is judged;
* rep detector: its latched direction cannot change (``sensor.core.phases_steady``'s test) and
  no hold falls due;
* context: exercise, past both holds, no jump past the shock floor, no knee-axis rate past a
  swing, no off-axis rate able to lift its smoothed value past ``off_axis_dps``, and (supine) no
  sample with the shin hanging;
* the pipeline: no gap, no skipped samples to announce.

A quiet feed is held; the first feed that is not (or the cap) releases the held ones with it as
one piece. Every stage is chunk-invariant, so the analysis gives the same bits as feed by feed,
and since no held feed could have emitted anything, every event still leaves in the very feed it
did before (tests/test_live_defer.py compares feed by feed).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sensor.core.dsp import amax, amin, any_true, diff_from, norm3
from sensor.core.orientation import SagittalFilter
from sensor.core.preprocess import Preprocessor
from sensor.core.samples import ImuChunk
from sensor.core.types import Context

if TYPE_CHECKING:
    from sensor.core.pipeline import Pipeline

LIVE_MAX = 64  # feeds up to this many samples may be held (a live feed; big chunks gain nothing)
HELD_MAX = 2048  # samples held at most (~10 s at 200 Hz): the release stays a modest piece
SLACK = 1.0 + 1e-9  # rounding room for bounds that hold exactly in real arithmetic

A = np.ndarray  # (signatures)
Arrays = tuple[A, A, A, A, A, A, A, A]  # t, acc, gyr_c, gap, rest, mag, elev, vel


def _clear_of_hanging(flt: SagittalFilter | None, h: float) -> bool:
    """Whether every elevation of the filter's last piece has a sine of at least sin(h), the
    context's hanging test, from the piece's least and largest elevation alone: they lie on one
    arc where the sine is at least sin(h) ([h, 180 - h] or that less 360 deg), 1e-6 deg inside
    (|h| <= 85 deg: the sine's slope there leaves that margin far above rounding)."""
    span = None if flt is None else flt.span
    if span is None or not -85.0 <= h <= 85.0:
        return False
    lo, hi = span
    return (h + 1e-6 <= lo and hi <= 180.0 - h - 1e-6) or (h - 360.0 + 1e-6 <= lo and hi <= -180.0 - h - 1e-6)


class LiveDefer:
    """The held feeds, in order, and the last accelerometer row among them."""

    def __init__(self) -> None:
        self.parts: list[tuple[A, ...]] = []  # t, acc, gyr_c, gap, mag, elevation, rate
        self._rests: list[A] = []  # the rest masks of the held samples the preprocessor has seen
        self._raw: list[tuple[A, A, A]] = []  # (t, acc, gyr) of the held samples it has not
        self.n = 0
        self.held = 0  # feeds held so far (diagnostics and tests)
        self._acc_last: np.ndarray | None = None

    def quiet(self, p: Pipeline, t: A, acc: A, gap: A, mag: A, elev: A, vel: A) -> bool:
        """Whether analysing this piece (after the held ones) could emit nothing: see the module."""
        ctx, det = p._context, p.detector
        if self.n + len(t) > HELD_MAX or ctx is None or any_true(gap):
            return False
        if p._notices.skip_due():
            return False
        c, zi = ctx.cfg, ctx._ema.zi
        if ctx.context is not Context.EXERCISE or zi is None:
            return False
        if not (t[0] - ctx._t_impact >= c.impact_hold_s and t[0] - ctx._t_off >= c.off_axis_hold_s):
            return False
        mc, rc = p.cfg.mount, det.cfg
        most = float(amax(mag))
        if p._move_state == 0:
            if not most <= mc.move_on_dps:  # (NaN: not quiet)
                return False
        elif not amin(mag) >= mc.move_off_dps:
            return False
        # |knee-axis rate| and the off-axis rate are each at most the rate's magnitude; the
        # smoothed off-axis rate is a convex mix of its last value and those rates
        top = max(most, float(zi[0, 0]) / ctx._ema.a) * SLACK
        if not (top <= c.swing_dps and top <= c.off_axis_dps):
            return False
        # no shock: each jump (the norm of a row of steps) is at most sqrt(3) times the largest
        # step component, which takes two calls fewer than the norms themselves
        prev = self._acc_last if self.n else ctx._prev_acc
        if prev is None:
            return False
        d = diff_from(acc, prev)
        d *= d
        if not 3.0 * float(amax(d, axis=None)) * SLACK <= max(c.impact_mps2, c.max_jerk * ctx.dt) ** 2:
            return False
        if ctx.posture == "supine" and not _clear_of_hanging(p._filter, c.hanging_deg):
            if any_true(np.sin(np.radians(elev)) < ctx._sin_hanging()):  # the context's own test
                return False
        if det._dir == 0:
            if det._seg is not None or np.fmax.reduce(np.abs(vel)) > rc.move_dps:
                return False
            if not det._hold_done and det._still_since is not None and t[-1] >= det._still_since + rc.hold_s:
                return False
        elif det._seg is None or rc.move_dps < 0 or not amin(vel * det._dir) > rc.move_dps:
            return False
        return True

    def take(self, p: Pipeline, flt: SagittalFilter, pre: Preprocessor, chunk: ImuChunk) -> Arrays | None:
        """A live feed in the steady state through the running filters: held (None), or released
        with every feed held before it, (t, acc, gyr_c, gap, rest, mag, elevation, rate), for the
        pipeline to analyse now. The live angle is the filter's whether held or not."""
        t, acc, gyr = chunk.t, chunk.acc, chunk.gyr
        if t[-1] - pre._last_moving_t < pre.cfg.min_rest_s:
            # No sample can be at rest (a rest needs min_rest_s since the last moving sample, and
            # the preprocessor's last moving time, even if behind the held raw samples, is never
            # later than the true one): its bias stands, so the corrected rate and the holes are
            # what it would give. Its rest filters run later, on the raw samples (``_catch_up``).
            prev = float(self._raw[-1][0][-1]) if self._raw else pre._last_t
            dt = diff_from(t, t[0] if prev is None else prev)
            gap = dt > pre.gap_s
            gyr_c = gyr - pre.bias
            self._raw.append((t, acc, gyr))
            steps = dt if flt._last_t == prev else None  # the filter's steps too (it may zero some)
        else:
            self._catch_up(pre)
            gyr_c, rest, gap = pre.process(t, acc, gyr)
            self._rests.append(rest)
            steps = None
        mag = norm3(gyr_c)
        elev, vel = flt.process(t, acc, gyr_c, gap, steps)
        self.parts.append((t, acc, gyr_c, gap, mag, elev, vel))
        if not self.quiet(p, t, acc, gap, mag, elev, vel):
            out = self.release(pre)
            assert out is not None
            return out
        self.n += len(t)
        self.held += 1
        self._acc_last = acc[-1]
        p.last_angle, p.last_t = float(elev[-1]), float(t[-1])
        return None

    def _catch_up(self, pre: Preprocessor) -> None:
        """The preprocessor over the held raw samples (its rest filters and state), in one piece."""
        if self._raw:
            t, acc, gyr = (np.concatenate(x) for x in zip(*self._raw)) if len(self._raw) > 1 else self._raw[0]
            self._rests.append(pre.process(t, acc, gyr)[1])  # (its rates and holes: the ones given)
            self._raw = []

    def release(self, pre: Preprocessor | None) -> Arrays | None:
        """The held feeds as one piece; None if there are none."""
        if not self.parts or pre is None:
            return None
        self._catch_up(pre)
        rest = self._rests[0] if len(self._rests) == 1 else np.concatenate(self._rests)
        t, acc, g, gap, mag, elev, vel = self.parts[0]
        if len(self.parts) > 1:
            t, acc, g, gap, mag, elev, vel = (np.concatenate(x) for x in zip(*self.parts))
        self.parts, self._rests, self.n, self._acc_last = [], [], 0, None
        return (t, acc, g, gap, rest, mag, elev, vel)
