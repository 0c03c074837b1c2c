"""The one pipeline for live and offline use: feed ImuChunks of any size, get events back.

Sans-IO: no clocks, no files, no Bluetooth. Live code feeds each notification's samples as they
arrive; offline code feeds big chunks; both get the same events, because every stage is
chunk-invariant (see ``streaming``) and every adaptive decision (rate, mounting) happens at a
sample defined by the data, never by a chunk boundary.

Stages: validate -> rate -> rest & gyro bias -> [buffer until the mounting is learned] ->
sagittal filter (elevation, rate) -> rep detector. While the mounting is unknown, samples are
kept (up to ``max_buffer_s``); once it settles they are replayed, so early reps are counted,
with ``detected_s`` honestly set to when the pipeline could first know them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

import numpy as np

from sensor.core.buffer_cut import CalibBuffer
from sensor.core.context import ContextTracker
from sensor.core.dsp import dot3, hysteresis, norm3
from sensor.core.events import Event, Rep, RepCompleted, SensorStatus, posture_mismatch
from sensor.core.first_rest_keep import keep_first_rest
from sensor.core.fit_reuse import keep_fits
from sensor.core.gap_events import StreamNotices
from sensor.core.intake import SampleIntake
from sensor.core.live_defer import LIVE_MAX, LiveDefer
from sensor.core.mount_evidence import MountEvidence
from sensor.core.mounting import Mounting, estimate_mounting
from sensor.core.orientation import SagittalFilter
from sensor.core.pipeline_config import PipelineConfig, PipelineStats
from sensor.core.preprocess import Preprocessor
from sensor.core.rep_reach import ReachCheckedDetector
from sensor.core.restrap import RestrapWatch
from sensor.core.samples import ImuChunk, concat_chunks
from sensor.core.window_memo import WindowMemo

RATE_PROBE = 16  # samples used to estimate the rate when the source does not say
STEADY_BLOCK = 16384  # steady-state samples analysed at a time (their temporaries stay in cache)
A = np.ndarray  # (signatures)
Opt = A | None  # (signatures)
Pair = tuple[A, A] | None  # (a piece's elevation and rate)


class Pipeline:
    def __init__(
        self,
        posture: str = "supine",
        rate_hz: float | None = None,
        config: PipelineConfig | None = None,
        keep_elevation: bool = False,
    ) -> None:
        """``keep_elevation``: keep every analysed (t, elevation) piece until ``take_elevation()``
        (plots and reports want the angle curve, including the stretch replayed at calibration)."""
        cfg = config or PipelineConfig()
        if posture not in ("supine", "seated"):
            raise ValueError(f"posture must be 'supine' or 'seated', not {posture!r}")
        cfg.posture = posture
        if rate_hz:
            cfg.rate_hz = float(rate_hz)
        self.cfg = cfg
        self.stats = PipelineStats()
        self.mounting: Mounting | None = None
        self.settled_at: float | None = None
        self.detector = ReachCheckedDetector(posture, cfg.reps)
        self._dt: float | None = 1.0 / cfg.rate_hz if cfg.rate_hz else None
        self._probe: list[ImuChunk] = []
        self._pre: Preprocessor | None = None
        self._filter: SagittalFilter | None = None
        self._context: ContextTracker | None = None
        self._evidence = MountEvidence(cfg.mount)  # of the buffer, kept in step with it
        self._buf = CalibBuffer(self._evidence)  # (sensor.core.buffer_cut)
        self._done_at = 0  # buffer index up to which samples have been analysed
        self._refining = True  # buffering: before the mounting settles, and while it is refined
        self._refines, self._move_state = 0, 0
        self._fit_cache: dict[tuple[int, int, bool], tuple[np.ndarray, float]] = {}
        self._memo = WindowMemo(keep_angles=True)  # the refinement's per-window reads (sensor.core.window_memo)
        self._carried: np.ndarray | None = None  # the shin direction kept across a re-strap
        self._watch = RestrapWatch(cfg.mount, cfg.relearn_off_axis, cfg.history_s)
        self._intake = SampleIntake()
        self._notices = StreamNotices(self._intake)  # of gaps and skips (sensor.core.gap_events)
        self._held = LiveDefer(self.detector, self._watch, self._notices)  # quiet live feeds, analysed later
        self._told_refusal = False
        self._axes: tuple[A | None, A | None, bool] = (None, None, False)  # (filter's axis, mounting's, equal)
        self.last_angle: float | None = None
        self.last_t: float | None = None
        self._keep_elev, self._elev_pieces = keep_elevation, list[tuple[np.ndarray, np.ndarray]]()

    @property
    def reps(self) -> list[Rep]:
        return self.detector.reps

    def _mounted(self) -> Mounting:
        if self.mounting is None:  # only called once the mounting is learned
            raise RuntimeError("mounting not learned yet")
        return self.mounting

    def take_elevation(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Every (t, elevation) piece analysed since the last call (needs ``keep_elevation``)."""
        self._release()  # (held feeds emit nothing: their analysis only adds their curve)
        pieces, self._elev_pieces = self._elev_pieces, []
        return pieces

    # ------------------------------------------------------------------ public API
    def feed(self, chunk: ImuChunk) -> list[Event]:
        self.stats.samples_in += len(chunk.t)  # (.t: ImuChunk.__len__ is a Python call; a live feed made 3)
        events: list[Event] = []
        chunk = self._intake.accept(chunk)
        self.stats.invalid_skipped, self.stats.out_of_order_skipped = self._intake.invalid, self._intake.out_of_order
        n = len(chunk.t)
        if n == 0:
            return events
        if self._dt is None:
            self._probe.append(chunk)
            probe = concat_chunks(self._probe)
            if len(probe) < RATE_PROBE:
                return events
            self._probe = []
            self._dt = float(np.median(np.diff(probe.t[:RATE_PROBE])))
            chunk, n = probe, len(probe.t)
        if self._pre is None:
            self._pre = Preprocessor(self._dt, self.cfg.rest)
        self.stats.samples_used += n
        if not self._refining and n <= LIVE_MAX and self._filter is not None:  # (sensor.core.live_defer)
            out = self._held.take(self._filter, self._pre, chunk, self._context, self._move_state)
            if out is None:  # held: the live angle is the running filter's
                self.last_angle, self.last_t = self._held.live
            else:  # (the raw gyro is not used past the preprocessor)
                self._analyse(ImuChunk(*out[:3]), *out[2:6], events, list(out[6:]))
            return events
        events += self._release() if self._held.parts else []  # held live feeds before a big chunk
        gyr_c, rest, gap = self._pre.process(chunk.t, chunk.acc, chunk.gyr)
        mag = norm3(gyr_c)  # the angular rate, once for the moving masks and the rep detector
        if self.stats.samples_used == n:
            msg = "learning how the sensor sits on the shin: move through a few reps"
            events.append(SensorStatus(float(chunk.t[0]), "calibrating", msg))
        self._analyse(chunk, gyr_c, gap, rest, mag, events)
        return events

    def _analyse(
        self, chunk: ImuChunk, gyr_c: A, gap: A, rest: A, mag: A, events: list[Event], ev: list[A] | None = None
    ) -> None:
        """Samples through buffering or the steady state (``ev``: their elevation and rate, if known)."""
        n, pos = len(chunk.t), 0
        while pos < n:
            piece = chunk if pos == 0 else chunk.slice(pos)
            g, gp, rs, mg = (gyr_c, gap, rest, mag) if pos == 0 else (gyr_c[pos:], gap[pos:], rest[pos:], mag[pos:])
            if self._refining:
                pos += self._buffer_and_settle(piece, g, gp, rs, mg, events)
                ev = None
                continue
            k = min(n - pos, STEADY_BLOCK)  # cache-sized pieces: every stage is chunk-invariant
            tk, gk, mk = (piece.t, g, mg) if k == n - pos else (piece.t[:k], g[:k], mg[:k])  # (no views)
            w = dot3(gk, u := self._mounted().u)  # the knee-axis rate once, for the watch and the analysis
            cut, self._move_state = self._watch.watch(tk, gk, u, self._move_state, mk, w)
            end = k if cut is None else cut
            if end < n - pos:
                piece, g, gp, rs, mg = piece.slice(0, end), g[:end], gp[:end], rs[:end], mg[:end]
            self._run(piece.t, piece.acc, g, gp, events, mg, (ev[0][:end], ev[1][:end]) if ev else None, w[:end])
            ev = None if ev is None or end == len(ev[0]) else [ev[0][end:], ev[1][end:]]
            self._watch.remember(piece.t, piece.acc, g, gp, rs)
            if cut is not None:
                self._relearn(float(piece.t[cut - 1]), events)
                ev = None  # (samples after a re-strap are analysed afresh)
            pos += end

    def _release(self) -> list[Event]:
        """Analyse the held live feeds now (end of stream, the angle curve asked for)."""
        events: list[Event] = []
        if (held := self._held.release(self._pre)) is not None:
            self._analyse(ImuChunk(*held[:3]), *held[2:6], events, list(held[6:]))
        return events

    def finish(self) -> list[Event]:
        """End of stream: a last attempt to learn the mounting from everything buffered."""
        events = self._release()
        if self._filter is None and self._buf.pieces:
            cfg, ev, m = self.cfg, self._evidence, None
            if ev.at(self._buf.n) is not None:  # (else the estimate says None at once: no join)
                t, acc, gyr_c, _gap, rest = self._buf.joined()
                m = estimate_mounting(t, acc, gyr_c, cfg.mount, rest=rest, posture=cfg.posture, final=True, evidence=ev)
            if m is not None:
                self._settle(m, self._buf.n, events)
            else:
                msg = "not enough knee movement to learn how the sensor is mounted"
                events.append(SensorStatus(float(self._buf.pieces[-1][0][-1]), "uncalibrated", msg))
        return events

    # ------------------------------------------------------------------ stages
    def _buffer_and_settle(self, chunk: ImuChunk, gyr_c: A, gap: A, rest: A, mag: A, events: list[Event]) -> int:
        """Keep samples until the mounting is learned and refined; act at movement ends only.

        Returns how many samples of ``chunk`` belong to this mode: refinement ends at a sample
        fixed by the data (the movement that completes it, or the time limit), and the caller
        hands the rest of the chunk to the steady-state path.
        """
        n = len(chunk)
        mc = self.cfg.mount  # mounting.moving_mask, from the rate at hand
        mov = hysteresis(mag > mc.move_on_dps, mag < mc.move_off_dps, self._move_state).astype(bool)
        closes = (np.flatnonzero(mov[:-1] > mov[1:]) + 1).tolist()  # movement ends: 1 then 0
        if self._move_state == 1 and not mov[0]:
            closes.insert(0, 0)
        base = self._buf.n
        self._buf.add(chunk.t, chunk.acc, gyr_c, gap, rest, mag, (mov, self._move_state))
        stop = n
        done = False
        if closes:
            for i in closes:
                if self._filter is not None:
                    # the refinement time limit counts from the settle, and never cuts into
                    # samples already analysed (that would analyse them twice)
                    j = max(self._time_limit(chunk.t), self._done_at - base)
                    if j <= i:
                        stop, done = j, True
                        break
                if self._filter is None:  # the buffer is cut at each movement end, the same for any chunking
                    base -= self._buf.trim(float(chunk.t[i]), self.cfg.max_buffer_s, self.stats, events)
                end = base + i + 1
                if self._filter is None:
                    m = self._estimate(end, None)
                    if m is not None:
                        self._settle(m, end, events)
                    elif self._evidence.refusal is not None and not self._told_refusal:  # once, until a settle
                        self._told_refusal = True  # (sensor.core.lying_rests: the seated reading was refused)
                        events.append(posture_mismatch(float(chunk.t[i])))
                else:
                    self._run_upto(end, events)
                    m = self._estimate(end, self.mounting)
                    self._refines += 1
                    if m is not None and m.sigma != self._filter.m.sigma:
                        self._resettle(m, end, events)
                    elif m is not None:
                        self.mounting = m
                        self.detector.shift(self._filter.set_beta(m.beta_deg))
                    if self._refines >= self.cfg.refine_movements:
                        stop, done = i + 1, True
                        break
        if not done and self._filter is not None:
            j = max(self._time_limit(chunk.t), self._done_at - base)
            if j < n:
                stop, done = j, True
        self._move_state = int(mov[stop - 1]) if stop > 0 else self._move_state
        if self._filter is None:
            self._buf.trim(float(chunk.t[-1]), self.cfg.max_buffer_s, self.stats, events)
            return n
        self._run_upto(base + stop, events)
        if done:
            self._buf.restart()
            self._done_at = 0
            self._refining = False
            self._fit_cache.clear()
            self._memo.clear()
            self._watch.start_after(float(chunk.t[stop - 1]) if stop else -np.inf)
        return stop

    def _estimate(self, end: int, axis: Mounting | None) -> Mounting | None:
        """The mounting from buffer samples [0, end), refined about ``axis`` once learned; None at
        once (no join of the buffer) when the evidence holds no movement to learn from."""
        if self._evidence.at(end) is None:
            return None
        t, acc, g, _gp, rs = (x[:end] for x in self._buf.joined())  # estimates need everything up to each close
        cfg, posture, ev, kept = self.cfg.mount, self.cfg.posture, self._evidence, self._carried  # (kept: re-strap)
        cache = {} if axis is None else self._fit_cache  # a first try's window fits (sensor.core.fit_reuse)
        memo = WindowMemo() if axis is None else self._memo  # ... and the reads of its windows
        m = estimate_mounting(t, acc, g, cfg, axis, rs, posture, cache, evidence=ev, carried=kept, memo=memo)
        if m is None and axis is None and posture == "seated":  # from the hanging rest instead of levers
            m = estimate_mounting(
                t, acc, g, cfg, None, rs, posture, cache, evidence=ev, hang_first=True, carried=kept, memo=memo
            )
        if axis is not None or m is None:
            return keep_first_rest(axis, m) if self.cfg.first_rest_kept else m
        memo.keep_angles, self._memo = True, memo  # its reads start the refinement's, as its fits do
        return keep_fits(m, cache, self._fit_cache)

    def _time_limit(self, t: np.ndarray) -> int:
        """First index of ``t`` past the refinement time limit, counted from the settle (len(t) if none)."""
        t0 = -np.inf if self.settled_at is None else self.settled_at
        return int(np.searchsorted(t, t0 + self.cfg.refine_s, side="right"))

    def _relearn(self, t: float, events: list[Event]) -> None:
        msg = "the sensor moved on the shin: re-learning how it sits (keep going)"
        events.append(SensorStatus(t, "mounting_changed", msg))
        self._filter = None
        self._void_context()
        if self.mounting is not None and self.mounting.reference in ("standing", "board", "carried"):
            self._carried = self.mounting.shin()  # a strap turns the box about the shin
        self.mounting, self._refining, self._refines = None, True, 0
        self._fit_cache.clear()
        self._memo.clear()
        self.detector.reset_motion()
        # Re-analyse from the first off-axis movement (never before the last counted rep).
        t_from = max(self._watch.strike_t0, self.reps[-1].end_s if self.reps else -np.inf)
        self._buf.restart(self._watch.take_history(t_from))  # the new filter and reset detector start on these
        self._done_at, self._move_state = 0, 0

    def _run_upto(self, end: int, events: list[Event]) -> None:
        """Analyse buffered samples [done, end) (buffer indices)."""
        if end <= self._done_at:
            return
        t, acc, g, gp, _ = self._buf.range(self._done_at, end)
        self._done_at = end
        out: list[Event] = []
        self._run(t, acc, g, gp, out)
        settled = -np.inf if self.settled_at is None else self.settled_at
        for ev in out:
            if isinstance(ev, RepCompleted) and ev.t_s < settled:
                ev = RepCompleted(settled, replace(ev.rep, detected_s=settled))
                self.detector.reps[ev.rep.index - 1] = ev.rep
            events.append(ev)

    def _void_context(self) -> None:
        """Re-analysed samples go back in time: a fresh tracker. Footsteps stand; what the old
        mounting's angles said about being on one's feet (shin hanging) is void."""
        if self._context is not None:
            self.detector.forget_context(self._context.last_step_t + self.cfg.context.impact_hold_s)
        self._context = None

    def _resettle(self, m: Mounting, end: int, events: list[Event]) -> None:
        """The refinement moved the shin direction so far that the side vote flipped: every angle
        since the first settle was mirrored. The buffer is analysed again with the new mounting,
        from its start or after the last counted rep (which stands); footsteps still stand."""
        self._void_context()
        self.detector.reset_motion()
        t, after = self._buf.joined()[0], self.reps[-1].end_s if self.reps else -np.inf
        self._done_at = min(int(np.searchsorted(t, after, side="right")), end)
        t0 = float(t[self._done_at]) if self._done_at < end else np.inf  # the replay replaces the curve from t0
        self._elev_pieces = [(a[a < t0], e[a < t0]) for a, e in self._elev_pieces]
        self._settle(m, end, events)

    def _settle(self, m: Mounting, end: int, events: list[Event]) -> None:
        t_settle = float(self._buf.pieces[0][0][end - 1])
        self.mounting, self.settled_at, self._told_refusal = m, t_settle, False
        dt = self._dt if self._dt is not None else 0.01  # always known here: samples came through the probe
        self._filter = SagittalFilter(m, dt, self.cfg.tau_s)
        if self._context is None:
            self._context = ContextTracker(self.cfg.posture, dt, self.cfg.context)
        events.append(SensorStatus(t_settle, "calibrated", m.describe()))
        self._run_upto(end, events)

    def _run(
        self, t: A, acc: A, gyr_c: A, gap: A, events: list[Event], mag: Opt = None, ev: Pair = None, w: Opt = None
    ) -> None:
        """``ev``: the samples' (elevation, rate), ``w``: their knee-axis rate, when known already."""
        if self._filter is None or self._context is None:
            raise RuntimeError("analysis before the mounting is learned")
        u = self._mounted().u
        w = dot3(gyr_c, u) if w is None else w
        fu, ax = self._filter.m.u, self._axes  # the filter's axis: the mounting's until a refinement replaces it
        if ev is None and (ax[0] is not fu or ax[1] is not u):
            ax = self._axes = (fu, u, bool(np.array_equal(fu, u)))  # (compared once per pair of axes)
        gap_idx = gap.nonzero()[0].tolist() if np.count_nonzero(gap) else []  # (none: the filter is told so)
        st, long_gap = self._pre.steps if self._pre else None, None  # (the preprocessor's steps of these times)
        steps = st[:2] if st and st[2] is t and st[0] is not None else None  # (the filter may zero some at holes)
        elev, vel = ev or self._filter.process(t, acc, gyr_c, gap if gap_idx else None, steps, w if ax[2] else None)
        spans = [float(t[i] - (t[i - 1] if i > 0 else self._notices.last_t)) for i in gap_idx] if gap_idx else []
        if spans and any(sp > self.cfg.reps.gap_reset_s for sp in spans):  # (no gap: no Python calls)
            long_gap = np.zeros(len(t), bool)
            long_gap[[i for i, sp in zip(gap_idx, spans) if sp > self.cfg.reps.gap_reset_s]] = True
        span, rate = (None if ev else self._filter.span), (norm3(gyr_c) if mag is None else mag)  # (span: the filter's)
        last_nonex, ctx_events = self._context.process(t, acc, gyr_c, elev, u, gap, mag, w, span)
        out = self.detector.process(
            t, elev, vel, gap, long_gap, last_nonex, self._context.shock_times, rate, (acc, gyr_c), steps=steps
        )
        out = self._notices.merge(self.stats, t, gap_idx, spans, ctx_events, out)  # (sensor.core.gap_events)
        events.extend(out)
        self.last_angle, self.last_t = elev.item(-1), t.item(-1)
        if self._keep_elev:
            self._elev_pieces.append((t, elev))


def analyze_stream(
    chunks: Iterable[ImuChunk],
    posture: str = "supine",
    rate_hz: float | None = None,
    config: PipelineConfig | None = None,
    keep_elevation: bool = False,
) -> tuple[Pipeline, list[Event]]:
    """Run an iterable of chunks (a trace reader, an importer, a split recording) through one
    pipeline to the end. With ``keep_elevation`` the angle curve stays on the pipeline for
    ``take_elevation()``."""
    p = Pipeline(posture, rate_hz, config, keep_elevation=keep_elevation)
    events: list[Event] = []
    for c in chunks:
        events.extend(p.feed(c))
    events.extend(p.finish())
    return p, events


def analyze(
    chunk: ImuChunk,
    posture: str = "supine",
    rate_hz: float | None = None,
    chunk_size: int | None = None,
    config: PipelineConfig | None = None,
) -> tuple[Pipeline, list[Event]]:
    """Run a whole recording through the streaming pipeline (optionally in fixed chunks)."""
    parts = chunk.split([chunk_size] * (len(chunk) // chunk_size + 1)) if chunk_size else [chunk]
    return analyze_stream(parts, posture, rate_hz, config)
