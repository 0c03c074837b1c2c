"""From shin elevation to phases and reps: a causal state machine over movement segments.

Work is split by cost. Per sample (vectorised): a latching velocity detector marks each sample
as moving down, moving up or still. Per segment (a Python loop, a handful per rep): a zig-zag
over segment end points with a hysteresis of ``turn_deg`` decides turning points, and a rep is
counted the moment the return movement *stops* (velocity below ``stop_dps``), not when the
next movement begins, so holds at the top do not delay the count.

Posture only changes the order: supine reps go down first (flex-down to the bottom, extend-up
to the top); seated reps go up first (extend, then flex back to hanging). Internally the
signal is ``y = lead * elevation`` so that both are "away then back".
"""

from __future__ import annotations

import bisect
import math
from typing import Any, Literal

import numpy as np

from sensor.core.creep import CreepWatch, ElevationStill
from sensor.core.dsp import amax
from sensor.core.events import Event, Hold, PartialRep, PhaseStarted, Rep, RepCompleted, TurnReached
from sensor.core.far_arrival import moved_on, ratio_first_s
from sensor.core.frame_split import FrameShifts, pose_refused
from sensor.core.phases_pass import limits, sample_pass
from sensor.core.phases_steady import inert_piece, steady_piece
from sensor.core.rep_config import RepConfig
from sensor.core.types import Phase, Posture

__all__ = ["RepConfig", "RepDetector"]

_UP, _DOWN = Phase.EXTEND_UP, Phase.FLEX_DOWN  # (read once: an enum member lookup is ~0.2 us)
_F64 = np.dtype(np.float64)


class RepDetector:
    def __init__(self, posture: str = "supine", cfg: RepConfig | None = None) -> None:
        self.cfg = cfg or RepConfig()
        self.posture = Posture(posture)
        self.lead = -1.0 if posture == "supine" else 1.0
        # sample-level carried state
        self._dir = 0
        self._quiet_t, self._quiet_e = -math.inf, math.nan
        self._seg: dict[str, Any] | None = None  # open movement segment
        self._still_since: float | None = None
        self._hold_done = True
        self._last_e, self._last_t = math.nan, -math.inf
        # segment-level (zig-zag) state, in y = lead * elevation
        self._mode = 0  # +1 moving away (first phase), -1 returning, 0 unknown
        self._far: dict[str, Any] | None = None  # y, t (stop), start (t0 of the approach), start_e, approach_s
        self._near: dict[str, Any] | None = None  # y, t of the near extreme before the current approach
        self._away_start: tuple[float, float, float] | None = None  # (t0, e0, peak) of first away segment
        self._shocks: list[float] = []  # recent foot-contact onsets (s)
        self._turned = 0.0  # running integral of the angular rate magnitude (deg)
        self._counted = False
        self._last_end_t: float | None = None
        self._creep = CreepWatch(self.cfg)  # slow movements, from the elevation while still
        self._flat = ElevationStill(self.cfg)  # stops, from the elevation despite a gyro bias
        self._frames = FrameShifts()  # refinements of the elevation offset (sensor.core.frame_split)
        self._nonex_t = -math.inf  # last time the activity context was not exercise
        self.moved_s = 0.0  # the newest candidate's longer phase, moving (sensor.core.slow_set)
        self.reps: list[Rep] = []

    inert = inert_piece  # a live feed that cannot change the state (sensor.core.phases_steady)

    def reset_motion(self) -> None:
        """Forget angles and turning points (the mounting changed); keep the counted reps."""
        self._dir, self._seg = 0, None
        self._quiet_t, self._quiet_e = -math.inf, math.nan
        self._still_since, self._hold_done = None, True
        self._last_e = math.nan
        self._creep.forget()
        self._flat.forget()
        self._frames.clear()  # every later sample is read in the new frame
        self._reset_turns()

    def forget_context(self, keep_t: float) -> None:
        """The mounting was wrong (a re-strap): what the context judged from its angles (shin
        hanging, rotation off the axis) is void; footsteps up to ``keep_t`` still stand."""
        self._nonex_t = min(self._nonex_t, keep_t)

    def _reset_turns(self) -> None:
        self._mode, self._far, self._near, self._away_start, self._counted = 0, None, None, None, False

    def shift(self, delta_e: float) -> None:
        """The elevation offset was refined: move every stored angle with it."""
        dy = self.lead * delta_e
        self._frames.moved(self._last_t, delta_e)
        self._quiet_e += delta_e
        self._last_e += delta_e
        self._creep.shift(delta_e)
        self._flat.shift(delta_e)
        if self._seg is not None:
            self._seg["e0"] += delta_e
        if self._away_start is not None:
            t0, e0, pk = self._away_start
            self._away_start = (t0, e0 + delta_e, pk)
        seen: set[int] = set()
        for ext in (self._far, self._near, (self._far or {}).get("near_before")):
            if ext is not None and id(ext) not in seen:
                seen.add(id(ext))
                ext["y"] += dy
                if "start_e" in ext:
                    ext["start_e"] += delta_e

    # ------------------------------------------------------------------ sample level
    def process(
        self,
        t: np.ndarray,
        e: np.ndarray,
        v: np.ndarray,
        gap: np.ndarray,
        long_gap: np.ndarray | None = None,
        last_nonex: np.ndarray | None = None,
        shocks: np.ndarray | None = None,
        rate_abs: np.ndarray | None = None,
        *,
        steps: tuple[float | None, np.ndarray] | None = None,
    ) -> list[Event]:
        """``long_gap`` marks samples after a hole longer than ``gap_reset_s``: no rep spans it.
        ``last_nonex``: per sample, the last time the activity context was not exercise; a rep
        that began at or before it is not counted (see ``sensor.core.context``). ``shocks``: times
        of the foot contacts in this piece; a rep with one at its far turn is not counted.
        ``rate_abs``: the magnitude of the angular rate (deg/s); its integral over a return is the
        angle turned whatever the axis, a range that a mounting with a wrong knee axis cannot shrink.
        ``steps``: (last time, the time steps of ``t`` from it, read only), if the caller has them
        (the preprocessor's: sensor.core.phases_pass.sample_pass)."""
        cfg = self.cfg
        n = len(t)
        if n == 0:
            return []
        # keep the contacts any rep still to come may look at: from the start of the movement that first
        # reached the open far turn, of the movement in progress, or of this piece (chunk-invariant)
        far, seg = self._far, self._seg  # (far is never the open segment)
        first = t.item(0)  # (the least of these, as ``min`` of their list, without the list)
        first = min(first, far["land_t"]) if far else first
        keep = (min(first, seg["tm"]) if seg else first) - cfg.contact_window_s - 1.0
        if self._shocks and self._shocks[0] < keep:
            self._shocks = self._shocks[bisect.bisect_left(self._shocks, keep) :]
        if shocks is not None and len(shocks):
            self._shocks.extend(shocks.tolist())
        absv = np.abs(v)
        holes = bool(gap.item(gap.argmax()))  # (asked once, with the starts up and down, for both paths)
        lim = limits(cfg) if v.dtype is _F64 else (cfg.move_dps, -cfg.move_dps)  # (phases_pass.limits)
        starts = (v > lim[0], v < lim[1])
        if (
            steady := steady_piece(self, t, e, v, gap, long_gap, last_nonex, rate_abs, absv, holes, starts)
        ) is not None:
            return steady  # the latched direction cannot change in this piece (the usual live feed)
        sp = sample_pass(self, t, e, v, gap, long_gap, absv, rate_abs, holes, starts, steps)  # (phases_pass)
        events: list[Event] = []
        resets, pos = sp.resets, 0
        # (the values at a change read with ``item``: a Python float, no numpy scalar on the way)
        for i, old, new, cum, quiet in zip(sp.change, sp.old, sp.new, sp.cum, sp.quiet):
            if not self._hold_done and self._still_since is not None:
                self._scan_holds(t, e, pos, i, events)
            if i > pos:
                if self._seg is None:
                    self._creep.scan(t[pos:i], e[pos:i])
                else:
                    self._seg["peak"] = max(self._seg["peak"], float(amax(absv[pos:i])))
            reset = bool(resets) and i in resets
            if reset:
                self._creep.forget()  # no creep is measured across a hole in the data
                if old == new:
                    self._reset_turns()
                    pos = i
                    continue
            if last_nonex is not None:
                # never forgotten: after a re-strap the pipeline re-analyses recent samples with a
                # fresh context tracker, but the person was on their feet all the same
                self._nonex_t = max(self._nonex_t, last_nonex.item(i))
            ti, ei = t.item(i), e.item(i)
            seg = self._seg
            if old != 0 and seg is not None:
                end_t, end_e, through = ti, ei, False
                if sp.holes and gap[i]:
                    end_t, end_e = (t.item(i - 1), e.item(i - 1)) if i > 0 else (self._last_t, self._last_e)
                    # a hole is not a stop: a movement still going its way on the sample after it goes
                    # on (a return's rep is counted where it stops, with its true end angle)
                    through = old * v.item(i) > cfg.move_dps
                seg["turn"] = cum - seg["c0"]
                seg["through"] = through
                self._close(end_t, end_e, events)
            if reset:
                self._reset_turns()
            if new != 0:
                t0, e0 = quiet
                if old != 0 or not math.isfinite(e0) or t0 < (self._last_end_t or -math.inf):
                    t0, e0 = ti, ei
                if old == 0:
                    self._close_creep(t0, e0, ti, cum, events)
                self._seg = {"dir": new, "t0": t0, "e0": e0, "peak": absv.item(i), "tm": ti, "c0": cum}
                events.append(PhaseStarted(ti, _UP if new > 0 else _DOWN, ei))
                self._still_since = None
            else:
                self._still_since = ti
                self._hold_done = False
            pos = i
        if not self._hold_done and self._still_since is not None:
            self._scan_holds(t, e, pos, n, events)
        if n > pos:
            if self._seg is None:
                self._creep.scan(t[pos:n], e[pos:n])
            else:
                self._seg["peak"] = max(self._seg["peak"], float(amax(absv[pos:n])))
        if last_nonex is not None:
            self._nonex_t = max(self._nonex_t, last_nonex.item(-1))
        self._dir = sp.last_dir
        self._quiet_t, self._quiet_e = sp.last_quiet
        self._last_t, self._last_e = t.item(-1), e.item(-1)
        self._turned = sp.turned
        return events

    def _scan_holds(self, t: np.ndarray, e: np.ndarray, a: int, b: int, events: list[Event]) -> None:
        """Emit one Hold per stillness that lasts hold_s, between sample indices a and b."""
        if self._hold_done or self._still_since is None or b <= a:
            return
        due = self._still_since + self.cfg.hold_s
        if t.item(b - 1) < due:
            return
        j = max(a, int(t.searchsorted(due)))  # (the times rise: the first of t[a:b] at or after due)
        y = self.lead * e.item(j)
        where: Literal["bottom", "top", "rest"] = "rest"
        if self._far is not None and abs(y - self._far["y"]) < self.cfg.turn_deg:
            where = "bottom" if self.lead < 0 else "top"
        elif self._near is not None and abs(y - self._near["y"]) < self.cfg.turn_deg and self.reps:
            where = "top" if self.lead < 0 else "bottom"
        events.append(Hold(t.item(j), where, e.item(j)))
        self._hold_done = True

    def _close_creep(self, t1: float, e1: float, now: float, c1: float, events: list[Event]) -> None:
        """A movement starts after stillness: a creep away before it (``RepConfig.creep_deg``) is
        closed first, as a movement away of its own."""
        span = self._creep.crept(self.lead, t1, e1, now)
        if span is not None:
            t0, e0 = span[0], self._creep.anchor_e
            self._seg = {"dir": 1 if e1 > e0 else -1, "t0": t0, "e0": e0, "peak": 0.0, "tm": t0, "c0": c1}
            self._close(span[1], e1, events)

    # ------------------------------------------------------------------ segment level
    def _close(self, t1: float, e1: float, events: list[Event]) -> None:
        seg, self._seg = self._seg, None
        if seg is None:
            return
        prev_end, self._last_end_t = self._last_end_t, t1
        self._creep.stopped(t1, e1)
        # turning points found while out of position (walking, lying down...) are forgotten once
        # the context is exercise again: the first rep after them starts afresh
        if self._far is not None and self._far["start_t"] <= self._nonex_t:
            self._reset_turns()
            self._near = None
        if self._away_start is not None and self._away_start[0] <= self._nonex_t:
            self._away_start = None
        turn: Literal["bottom", "top"] = "top" if seg["dir"] > 0 else "bottom"
        events.append(TurnReached(t1, turn, e1))
        lead = self.lead
        y0, y1 = lead * seg["e0"], lead * e1
        away = (y1 - y0) > 0
        cfg = self.cfg
        if away:
            rested = prev_end is not None and seg["t0"] - prev_end >= cfg.rest_restart_s and self._can_start(seg["e0"])
            if self._away_start is None or rested:
                self._away_start = (seg["t0"], seg["e0"], seg["peak"])
            if rested and self._mode > 0 and self._far is not None and y1 > self._far["y"]:
                self._start_far(y1, t1, seg)  # a new movement from rest past the old far turn
                return
            if self._mode <= 0:
                # were returning (or unknown): a big enough rise away makes a new far extreme
                ref = self._near["y"] if self._near is not None else y0
                if self._mode == 0 or y1 - ref >= cfg.turn_deg:
                    self._start_far(y1, t1, seg)
                    return
            elif self._far is not None and y1 > self._far["y"]:
                far, tm = self._far, seg["tm"]  # moved on by < turn_deg (a fidget at the turn): same landing window
                moved_on(far, y1, t1, tm, seg["peak"], cfg.turn_deg)  # seated: first arrival kept (far_arrival)
            return
        # returning segment
        self._away_start = None
        if self._far is None:
            self._near = {"y": y1, "t": t1}
            return
        if self._mode > 0 and self._far["y"] - y1 >= cfg.turn_deg:
            self._mode = -1
            self._far["ret_start"] = seg["t0"]
            self._far["ret_move"] = seg["tm"]
            self._far["ret_turn"] = 0.0
            self._far["ret_peak"] = seg["peak"]
        if self._mode < 0:
            self._far["ret_peak"] = max(self._far.get("ret_peak", 0.0), seg["peak"])
            self._far["ret_turn"] = self._far.get("ret_turn", 0.0) + seg.get("turn", 0.0)
            if self._near is None or y1 < self._near["y"] or not self._counted:
                self._near = {"y": y1, "t": t1}
            rom = self._far["y"] - y1
            if not self._counted and rom >= cfg.min_rom_deg and not seg.get("through"):
                rep = self._make_rep(t1, e1)
                if rep is not None:
                    self._counted = True
                    self.reps.append(rep)
                    events.append(RepCompleted(t1, rep))
            elif not self._counted and rom >= cfg.partial_min_deg and rom < cfg.min_rom_deg:
                events.append(PartialRep(t1, rom, cfg.min_rom_deg))

    def _can_start(self, e: float) -> bool:
        """A rep can start from a rest at elevation ``e`` (see ``RepConfig.rest_restart_s``)."""
        cfg = self.cfg
        if self.posture == "supine":
            return e >= -cfg.min_first_deg
        hanging = math.sin(math.radians(e)) <= math.sin(math.radians(cfg.seated_rest_max_deg))
        return hanging and e >= cfg.seated_bottom_min_deg

    def _start_far(self, y1: float, t1: float, seg: dict[str, Any]) -> None:
        start_t, start_e, peak = self._away_start or (seg["t0"], seg["e0"], seg["peak"])
        near = self._near
        self._mode = 1
        self._counted = False
        self._far = {
            "y": y1,
            "t": t1,
            "stop_t": t1,
            "start_t": start_t,
            "start_e": start_e,
            "move_t": seg["tm"],  # moving start of the movement that reached the far turn
            "land_t": seg["tm"],  # ... of the one that first reached it (a fidget there moves move_t on)
            "peak": max(peak, seg["peak"]),
            "near_before": near,
        }

    def _make_rep(self, t_end: float, e_end: float, min_rom: float | None = None) -> Rep | None:
        cfg = self.cfg
        far = self._far
        if far is None:
            return None
        lead = self.lead
        far_e = lead * far["y"]
        ret_start = far.get("ret_start", far["t"])
        first_s = far["t"] - far["start_t"]
        second_s = t_end - ret_start
        short, long = sorted((ratio_first_s(far, first_s, cfg.seated_arrival and self.posture == "seated"), second_s))
        if short < cfg.min_phase_s or long > cfg.max_phase_ratio * short:
            return None  # too quick, or a quick kick and a slow creep back (a step-up's leg): not a glide
        self.moved_s = moved = max(far["t"] - far["move_t"], t_end - far.get("ret_move", ret_start))
        if moved > cfg.max_moved_s(self.posture):  # supine 5 s, or slow_set's 7.5 s for the set to judge
            return None
        rom = max(abs(far_e - e_end), far.get("ret_turn", 0.0))
        lo = cfg.supine_min_rom_deg if min_rom is None else min_rom  # min_rom: rep_bottom's range floor
        if rom < (lo if self.posture == "supine" else cfg.seated_knee_rom_deg):
            return None
        w0, w1 = far["land_t"], t_end - cfg.contact_window_s  # in the air after the first moving sample to the end
        k = bisect.bisect_right(self._shocks, w0)
        if k < len(self._shocks) and self._shocks[k] <= w1:
            return None  # a foot landed during the rep: a lunge or a step, not a glide
        full = self.posture == "supine" and e_end >= cfg.supine_full_top_deg and second_s >= cfg.supine_full_ext_s
        if abs(far_e - far["start_e"]) < (cfg.turn_deg if full else cfg.min_first_deg):
            return None
        if far["start_t"] <= self._nonex_t:
            return None  # began while walking, repositioning or otherwise out of position
        frames = self._frames.offsets(far["start_t"], t_end) if cfg.judge_every_frame else [0.0]
        if any(pose_refused(cfg, self.posture, far["start_e"] + d, far_e + d, e_end + d) for d in frames):
            return None  # its pose, in the newest frame and each older one it was read in (frame_split)
        if self.posture == "supine":
            bottom_e, top_e = far_e, e_end
            bottom_t, top_t = far["t"], t_end
            flex, ext = first_s, second_s
            hold_bottom, hold_top = ret_start - far["t"], self._pre_hold(far)
        else:
            bottom_e, top_e = e_end, far_e
            bottom_t, top_t = t_end, far["t"]
            ext, flex = first_s, second_s
            if ext + flex < cfg.seated_min_rep_s:
                return None  # a quick kick and back (a step-up's trailing leg, a leg swing): not a glide
            hold_top, hold_bottom = ret_start - far["t"], self._pre_hold(far)
        return Rep(
            index=len(self.reps) + 1,
            posture=self.posture,
            start_s=far["start_t"],
            bottom_s=bottom_t,
            top_s=top_t,
            end_s=t_end,
            detected_s=t_end,
            flex_down_s=flex,
            extend_up_s=ext,
            hold_bottom_s=max(hold_bottom, 0.0),
            hold_top_s=max(hold_top, 0.0),
            duration_s=t_end - far["start_t"],
            rom_deg=top_e - bottom_e,
            bottom_deg=bottom_e,
            top_deg=top_e,
            peak_velocity_dps=max(far["peak"], far.get("ret_peak", 0.0)),
        )

    def _pre_hold(self, far: dict[str, Any]) -> float:
        near = far.get("near_before")
        return 0.0 if near is None else max(float(far["start_t"]) - float(near["t"]), 0.0)
