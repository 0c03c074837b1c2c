"""How much evidence the movements that teach a supine mounting really are.

:func:`sensor.core.mounting.estimate_mounting` learns the mounting once at least two movements
agree (``min_windows``), or from one long sweep on its own when that sweep began well after the
last foot contact (``single_quiet_s``: right after walking a lone sweep is as often a step-up, a
lunge or a squat as a glide). Two ways round that rule let a step-up teach a supine mounting
(issue 11, negatives seed 1812: stand 1.3 s, then step-ups; two false reps):

* **Movements, not windows.** A movement window is a run of the moving mask padded by
  ``pad_s`` either side. When the rate dips below the off-threshold for a few samples mid-sweep
  (the trailing leg's knee flexing, then extending to come up onto the box), one continuous
  movement is two runs whose padded windows overlap, and counted as two movements they taught
  the mounting 1.1 s after the sweep began. Windows that overlap or touch are one movement here
  (a dip shorter than ``2 * pad_s``, 0.5 s: the glide's own turn-around at the bottom is such a
  dip, so one rep is one movement; the setup and the first rep are two, with the tabletop hold
  between them).
* **The quiet rule holds at the end of the recording too.** The last attempt at the end of the
  recording let any lone sweep of ``single_span_deg`` teach, whatever came before it: the
  step-up sweep that then taught came 6-7 s after the step-ups' foot contacts. The end of a
  recording says nothing about what the movement was; the same quiet is asked.

* **A lone sweep taught by its lever alone** (:func:`lone_lever_sweep`, after the reference is
  known): on the anti-aliased simulator at 25 Hz the step-ups' landings stay under the contact
  threshold, and one 61-deg step-up sweep 2.2 s into 1812 taught a mounting 86 deg off. With no
  pinned shin line, a lone movement since the last foot contact, without the quiet seen whole,
  must sweep like a glide's extend-up.

* **The foot contacts a lone lever sweep is judged by are the supine landings too**
  (:func:`landing_cum`, ``landing_splits``). The contacts above are the accelerometer jumps over
  the step threshold (5 m/s^2, or ``max_jerk`` * dt: 6 at 25 Hz). A MEMS IMU averages each output
  sample over its period, and at 25 Hz a step's landing is spread over one 40-ms sample and stays
  under it; it still leaves the smooth curve (:mod:`sensor.core.landing`, the supine context's
  rule for the rep detector). Negatives seed 8998 (25 Hz): two step-up sweeps (40 and 57 deg, 5 s
  apart) taught a mounting by their lever alone at 8.7 s, 88 deg off the shin; it read standing as
  a shin near horizontal, so the context never saw the shin hanging, and the end of the
  step-downs, 6 s of standing and lying down were counted as one rep. Three landings off the
  curve (3.2, 3.6 and 5.3 s) lie inside the first sweep and between the two: split there, the
  second is a lone 57-deg sweep 2.5 s after a contact, which does not teach. After a landing the
  lone sweep does not teach whatever its span, as :func:`enough_to_teach` asks of any lone sweep
  after a step: the extend-up exemption (``lone_lever_span_deg``) is for a recording begun in
  place, where nothing could be seen (negatives 7742, 25 Hz: split by a landing, a 76-deg step-up
  sweep 2.7 s after it taught and a step-up was counted). A landing inside the last movement
  leaves no movement since the last contact: no teaching either. Why the true reps
  keep their teaching: a glide's foot touches nothing, and the curve bound sits above the glides'
  own residuals (<= 0.71 of it at 25 Hz, the landing module's measurement over 5652 true reps),
  the setup's lift of the foot off the floor is no landing, and a glide teaching after lying down
  has its movements (setup and first rep, or two reps) together after the last landing.
  Measured: at the supine lever settles of short 0-299 and mixed 0-999 (83), the largest curve
  residual from the first teaching movement to the settle is 0.48 of the bound, the largest soft
  jump 0.28 of its bound. Sessions whose lone-lever verdict the landings change (r10base ->
  this): short 0-299 none, classic 0-499 none, mixed 0-999 one (491, a negative: 0 -> 0 reps);
  negatives 0-8999 in their own posture (4500 supine) 69, one count changed (8998: 1 -> 0); in
  the other posture (4500 analysed supine) 55, one count changed (5995: 2 -> 0).

* **A lone lever must be long enough to be a knee's** (:func:`short_lone_lever`,
  :mod:`sensor.core.knee_lever`): the extend-up exemption trusts a long sweep seen from the start
  of a recording, but a recording begun on the feet is not begun in place. Negatives seed 10614
  (104 Hz: stand 3.4 s, then step-ups) taught at 5.0 s from the first step-up's 85-deg sweep by a
  4.8-cm lever at a turn signal of 17 s^-2; the context read standing as a shin 17 deg below
  horizontal (the truth: hanging), and the step-ups, one foot contact every 1.1-3.7 s, never made
  the three shocks within 3 s of a gait: a step-up was counted. A knee's lever is >= ~8 cm, and
  at that turn signal the fit errs by < 1 cm.

A recording that starts in place has no foot contact to see, and its lone sweep still teaches
(the quiet is counted from the first sample, as before): a one-rep session that starts lying
down keeps its rep (issue 11 short corpus, seed 202).

Both rules apply to the supine exercise; the seated first mounting has its own evidence (the
hanging rest and the pivot's side, :mod:`sensor.core.pivot`).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from sensor.core.context import ContextConfig, shock_threshold
from sensor.core.dsp import norm3
from sensor.core.knee_lever import KneeLeverConfig, shorter_than_a_knee
from sensor.core.landing import off_curve


class TeachConfig(Protocol):
    """The fields of ``sensor.core.mounting.MountConfig`` read here."""

    min_windows: int
    single_span_deg: float
    single_quiet_s: float
    distinct_movements: bool
    quiet_at_end: bool
    contact_splits: bool
    lone_lever_span_deg: float
    landing_splits: bool
    contact: ContextConfig
    knee_lever: KneeLeverConfig


def distinct_movements(windows: list[tuple[int, int]]) -> int:
    """How many separate movements the windows ``(a, b)`` (buffer indices, half-open) are:
    windows that overlap or touch (in any order) are one movement."""
    if not windows:
        return 0
    w = np.array(sorted(windows), dtype=np.int64)
    reach = np.maximum.accumulate(w[:, 1])
    return 1 + int(np.count_nonzero(w[1:, 0] > reach[:-1]))


def quiet_before(imp_cum: np.ndarray, a: int, quiet_n: int) -> bool:
    """No foot contact in the ``quiet_n`` samples before index ``a`` (from the buffer's start when
    it holds fewer); ``imp_cum[i]`` is the number of contact samples before ``i``."""
    return bool(imp_cum[a] - imp_cum[max(a - quiet_n, 0)] == 0)


def since_last_contact(
    windows: list[tuple[int, int]], spans: list[float], imp_cum: np.ndarray
) -> tuple[list[tuple[int, int]], list[float]]:
    """The windows (and their spans) that no foot contact separates from the last window: the
    movements made since the person was last on their feet. ``windows`` in buffer order."""
    if not windows:
        return windows, spans
    end = max(b for _, b in windows)
    keep = [i for i, (a, _) in enumerate(windows) if imp_cum[end] - imp_cum[a] == 0]
    return [windows[i] for i in keep], [spans[i] for i in keep]


def enough_to_teach(
    windows: list[tuple[int, int]],
    spans: list[float],
    imp_cum: np.ndarray,
    dt_nom: float,
    cfg: TeachConfig,
    supine: bool,
    final: bool,
) -> bool:
    """Whether the usable movement windows (``spans``: their sweeps, deg) may teach a mounting:
    ``min_windows`` movements, or one sweep of ``single_span_deg`` with no foot contact in the
    ``single_quiet_s`` before it. Supine the windows are counted as :func:`distinct_movements`
    (``cfg.distinct_movements``) and the quiet is asked at the end of the recording (``final``)
    too (``cfg.quiet_at_end``); each switch exists for its test. Seated, as before."""
    if not windows:
        return False
    moves = distinct_movements(windows) if supine and cfg.distinct_movements else len(windows)
    if moves >= cfg.min_windows:
        return True
    if max(spans) < cfg.single_span_deg:
        return False
    if final and not (supine and cfg.quiet_at_end):
        return True
    a0 = windows[int(np.argmax(spans))][0]
    return quiet_before(imp_cum, a0, int(round(cfg.single_quiet_s / dt_nom)))


def landing_cum(t: np.ndarray, acc: np.ndarray, imp_cum: np.ndarray, dt_nom: float, cfg: ContextConfig) -> np.ndarray:
    """``imp_cum`` (the count of contact samples before each index) with the supine foot contacts
    added, by the rules :class:`sensor.core.context.ContextTracker` finds them with for the rep
    detector: a jump over ``landing_mps2`` (or the smooth-movement bound), or a sample off the
    straight line through its neighbours by more than ``landing_curve_mps2`` (or the averaged jerk
    step's bound: :func:`sensor.core.landing.over_curve`, the same judgement). A sample next to a
    hole is not judged by the curve; the hole here is any interval over twice the nominal, stricter
    than the context's gap (over ``RestConfig.gap_s``, 0.25 s, and at least 5 intervals)."""
    n = len(t)
    step = np.diff(t, prepend=t[:1])
    jump = norm3(np.diff(acc, axis=0, prepend=acc[:1]))
    mark = jump > shock_threshold(step, dt_nom, cfg, cfg.landing_mps2)
    if n >= 3:
        hole = step > 2 * dt_nom
        mark[1:-1] |= off_curve(t, acc, hole, cfg.landing_curve_mps2, cfg.max_jerk * cfg.landing_curve_share)
    out: np.ndarray = np.concatenate([[0], np.cumsum(mark)])
    out += imp_cum  # (the jump impacts are soft jumps too: counted twice, still non-zero)
    return out


def lone_lever_sweep(
    windows: list[tuple[int, int]],
    spans: list[float],
    imp_cum: np.ndarray,
    dt_nom: float,
    reference: str,
    supine: bool,
    cfg: TeachConfig,
    t: np.ndarray | None = None,
    acc: np.ndarray | None = None,
    gyr: np.ndarray | None = None,
    levers: list[float] | None = None,
) -> bool:
    """Whether a first supine mounting would rest on one movement's fitted lever alone, without
    ``single_quiet_s`` of quiet seen before it (begun sooner into the recording, or after a foot
    contact) and sweeping less than a glide's extend-up (``cfg.lone_lever_span_deg``): it must
    not teach. With ``cfg.contact_splits`` the movements are those since the last foot contact
    among them (:func:`since_last_contact`): movements a contact separates are not one teaching.

    ``gyr`` (the buffer's bias-corrected rate, deg/s) and ``levers`` (the windows' fitted levers,
    m): a lone movement whose lever is confidently shorter than a knee's does not teach either,
    whatever its quiet and span (:func:`short_lone_lever`).

    A recording that starts in place shows no foot contact, so :func:`enough_to_teach` counts
    the lone sweep's quiet from the first sample. That is safe when the shin line is pinned
    independently (standing gravity, the board normal, a carried mounting): the sweep only gives
    the knee axis and the side. With the lever alone the shin direction itself comes from that
    one fit, which points down the shin only while the knee is a fixed pivot; and a recording
    begun on the feet need not show it (at 25 Hz the averaged landings of steps stay under the
    contact threshold). A glide's extend-up runs from the bottom (heel to glute: the shin 28-50
    deg below horizontal) to near vertical (55-88 deg above), thigh still: 80-140 deg (the
    guide: ~120). A step-up, a lunge or the thigh brought up to tabletop sweeps the shank 45-70
    deg with hip and knee moving together, and its lever is not the shin. Measured on r9base,
    supine first teachings of short 0-299 and mixed 0-999: every lone sweep taught by the lever
    swept 84-135 deg (n = 21; those of 61-77 deg were pinned by standing or the board normal);
    three began before 10 s (mixed 522, 706, 882: 99-124 deg), which the span keeps on time.
    Negatives seed 1812 (25 Hz, stand 1.3 s, then step-ups): one 61-deg step-up sweep 2.2 s
    into the recording taught a mounting 86 deg off (lever 7 cm), which read the standing pose as
    a shin at 4 deg; refused that, a step-up sweep 10 s later with the first one, foot contacts
    between them, taught at 13.6 s (two false reps). Applied to every teaching instead (not only
    to a lone lever sweep), the contact split changed 600 of the 7000 supine negatives' teachings
    and cost a new false rep (negatives 4103 analysed supine)."""
    if not supine or reference != "lever":
        return False
    if short_lone_lever(windows, spans, levers, t, gyr, cfg):
        return True
    landings = False
    if cfg.landing_splits and t is not None and acc is not None:
        imp_cum, landings = landing_cum(t, acc, imp_cum[: len(t) + 1], dt_nom, cfg.contact), True
    if cfg.contact_splits:
        windows, spans = since_last_contact(windows, spans, imp_cum)
    if not windows:  # a landing inside the last movement: no movement since the last contact
        return landings  # (the jump contacts never lie inside a window: ``impact_after_s``)
    moves = distinct_movements(windows) if cfg.distinct_movements else len(windows)
    i = int(np.argmax(spans))
    a0, quiet_n = windows[i][0], int(round(cfg.single_quiet_s / dt_nom))
    after_contact = not quiet_before(imp_cum, a0, quiet_n)
    if landings and after_contact:  # on the feet within the quiet: a lone sweep of any span (enough_to_teach's rule)
        return moves < cfg.min_windows
    unseen = a0 < quiet_n or after_contact
    return moves < cfg.min_windows and unseen and spans[i] < cfg.lone_lever_span_deg


def short_lone_lever(
    windows: list[tuple[int, int]],
    spans: list[float],
    levers: list[float] | None,
    t: np.ndarray | None,
    gyr: np.ndarray | None,
    cfg: TeachConfig,
) -> bool:
    """Whether the teaching is one movement whose widest window's fitted lever is confidently
    shorter than a knee's (:func:`sensor.core.knee_lever.shorter_than_a_knee`): its pivot is not
    the knee, so its lever is not the shin line. Negatives seed 10614 (104 Hz, stand 3.4 s, then
    step-ups): the first step-up's 85-deg sweep, 4.2 s in, taught by a 4.8-cm lever at a turn
    signal of 17 s^-2, over the extend-up exemption (``lone_lever_span_deg``); one false rep.
    Judged on all the windows, before the contact split: the lever is the movement's, wherever
    the last foot contact was."""
    if levers is None or t is None or gyr is None or not windows:
        return False
    moves = distinct_movements(windows) if cfg.distinct_movements else len(windows)
    if moves >= cfg.min_windows:
        return False
    i = int(np.argmax(spans))
    a, b = windows[i]
    return shorter_than_a_knee(levers[i], t[a:b], gyr[a:b], cfg.knee_lever)
