"""Live feeds that cannot change any decision: held, and analysed later in one piece.

A BLE sensor hands the pipeline ~10 samples at a time (50 ms at 200 Hz). Most of those feeds
change nothing the user could see: the shin rests (or is mid-movement) and nothing starts,
stops, lands or turns. Yet the decision layers after the running filters (the activity context,
the rep detector, the re-strap watch) each cost a fixed number of Python and numpy calls per
feed, whatever its length: on 10 samples that per-call cost was most of the 148 us a feed took.

So a feed in the steady state runs what must run at once (intake, rest and gyro bias, the
sagittal filter: the live angle stays current), and :meth:`LiveDefer.take` asks whether
analysing it now could emit anything. The test is conservative and exact: each layer answers for
itself, checking every trigger it fires on against its own threshold, with the states it carries
(which a quiet piece leaves unchanged in every part the triggers read):

* re-strap watch (:meth:`RestrapWatch.latch_stays`): its moving latch cannot change (no rate
  past ``move_on_dps`` while still, none under ``move_off_dps`` while moving), so no movement
  starts or closes and nothing is judged;
* context (:meth:`ContextTracker.unmoved_by`): exercise, past both holds, no jump past the shock
  floor, no knee-axis rate past a swing, no off-axis rate able to lift its smoothed value past
  ``off_axis_dps``, and (supine) no sample with the shin hanging;
* rep detector (its ``inert``, :func:`sensor.core.phases_steady.inert_piece`): its latched
  direction cannot change and no hold falls due;
* the pipeline: no gap, no skipped samples to announce (:meth:`StreamNotices.skip_due`).

The running filters answer what the holding needs of them: whether a sample could be at rest
(:meth:`Preprocessor.restless`, then :meth:`Preprocessor.corrected` gives the rates), and the
filter takes the feed's time steps when they are from its own last time (``steps``) and is told
when the feed has no hole (a hole: the holding asks no further).

A held feed costs a fixed number of calls, so each is the cheapest exact one: the feed's own
span in one subtraction rules out holes; the least and largest of a short array come from a
list (:func:`sensor.core.dsp.bounds`, ~1 us against ~2.6 us for two numpy reductions); constant
rows are kept whole (a ufunc broadcasting a row costs ~0.8 us more on 10 samples).

A quiet feed is held; the first feed that is not (or the cap) releases the held ones with it as
one piece. Every stage is chunk-invariant, so the analysis gives the same bits as feed by feed,
and since no held feed could have emitted anything, every event still leaves in the very feed it
did before (tests/test_live_defer.py compares feed by feed).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sensor.core.dsp import any_true, bounds, diff_from, norm3
from sensor.core.orientation import SagittalFilter
from sensor.core.preprocess import Preprocessor
from sensor.core.samples import ImuChunk

if TYPE_CHECKING:
    from sensor.core.context import ContextTracker
    from sensor.core.gap_events import StreamNotices
    from sensor.core.phases import RepDetector
    from sensor.core.restrap import RestrapWatch

LIVE_MAX = 64  # feeds up to this many samples may be held (a live feed; big chunks gain nothing)
HELD_MAX = 2048  # samples held at most (~10 s at 200 Hz): the release stays a modest piece

A = np.ndarray  # (signatures)
Arrays = tuple[A, A, A, A, A, A, A, A]  # t, acc, gyr_c, gap, rest, mag, elev, vel


class LiveDefer:
    """The held feeds of one pipeline, in order, and the last accelerometer row among them; the
    layers that never change for the pipeline's life (its detector, re-strap watch and notices)
    are given once, the others (context, moving latch) with each feed."""

    def __init__(self, detector: RepDetector, watch: RestrapWatch, notices: StreamNotices) -> None:
        self.parts: list[tuple[A, ...]] = []  # t, acc, gyr_c, gap, mag, elevation, rate
        self._rests: list[A] = []  # the rest masks of the held samples the preprocessor has seen
        self._raw: list[tuple[A, A, A]] = []  # (t, acc, gyr) of the held samples it has not
        self._raw_end = 0.0  # the last time among them (while there are any)
        self.n = 0
        self.held = 0  # feeds held so far (diagnostics and tests)
        self._acc_last: np.ndarray | None = None
        self._detector, self._watch, self._notices = detector, watch, notices
        self.live: tuple[float, float] = (np.nan, -np.inf)  # (elevation, t) after the last held feed

    def take(
        self, flt: SagittalFilter, pre: Preprocessor, chunk: ImuChunk, ctx: ContextTracker | None, move_state: int
    ) -> Arrays | None:
        """A live feed in the steady state through the running filters: held (None: the live
        angle and its time are then ``live``), or released with every feed held before it, (t,
        acc, gyr_c, gap, rest, mag, elevation, rate), for the pipeline to analyse now.
        ``ctx``: the pipeline's context tracker; ``move_state``: its re-strap watch's latch."""
        t, acc, gyr = chunk.t, chunk.acc, chunk.gyr
        n, t_end = len(t), float(t[-1])
        if pre.restless(t_end):
            # No sample can be at rest: the bias stands, so the corrected rate and the holes are
            # what the preprocessor would give. Its rest filters run later, on the raw samples
            # (``_catch_up``).
            prev = self._raw_end if self._raw else pre.last_t
            dt = diff_from(t, t[0] if prev is None else prev)
            # No hole when the whole feed spans no more than one (one subtraction, not a pass
            # and a reduction): the times rise strictly from ``prev`` on (the intake keeps no
            # other), so every step is at most the span, and rounding keeps that order.
            whole = prev is not None and t_end - prev <= pre.gap_s
            gap = np.zeros(n, bool) if whole else dt > pre.gap_s
            gyr_c = pre.corrected(gyr)
            self._raw.append((t, acc, gyr))
            self._raw_end = t_end
            steps: tuple[float | None, A] | None = (prev, dt)  # the filter's steps too (it may zero some)
        else:
            self._catch_up(pre)
            gyr_c, rest, gap = pre.process(t, acc, gyr)
            self._rests.append(rest)
            whole, steps = False, None
        holes = not whole and bool(any_true(gap))  # (asked once: the filter is told)
        mag = norm3(gyr_c)
        elev, vel = flt.process(t, acc, gyr_c, gap if holes else None, steps)
        self.parts.append((t, acc, gyr_c, gap, mag, elev, vel))
        # Held only if analysing it now, after the held ones, could emit nothing (see the
        # module), each layer asked in turn; the rates' least and largest from a list
        # (``bounds``: a NaN among them holds nothing); ``before``: the last row held (None: the
        # context's own last row)
        before = self._acc_last if self.n else None
        if (
            holes
            or ctx is None
            or self.n + n > HELD_MAX
            or self._notices.skip_due()
            or (rates := bounds(mag)) is None
            or not self._watch.latch_stays(move_state, *rates)
            or not ctx.unmoved_by(t[0], rates[1], acc, before, elev, flt.span)
            or not self._detector.inert(t, vel)
        ):
            out = self.release(pre)
            assert out is not None
            return out
        self.n += n
        self.held += 1
        self._acc_last = acc[-1]
        self.live = (float(elev[-1]), t_end)
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
