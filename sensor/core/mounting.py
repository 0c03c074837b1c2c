"""Learning how the sensor sits on the shin from the exercise itself: no calibration pose.

Two unknowns separate raw sensor axes from the shin's elevation angle:

1. The knee's flexion axis ``u`` in sensor coordinates. The shin swings about it, so it is the
   principal axis of the angular-rate vectors while moving (one dominant eigenvalue).
2. The direction ``s`` of the shin (knee -> ankle) in the plane perpendicular to ``u``. Gravity
   alone cannot tell it: any strap orientation produces the same gravity sweep, just offset.
   Physics can. A point on a body rotating about a fixed axis accelerates toward the axis
   (centripetal, ``-w^2 c``) and along its path (tangential, ``dw/dt x c``), where ``c`` is the
   vector from the knee axis to the sensor. Over one movement the gravity direction in the
   sensor frame follows the integrated gyro exactly, so the in-plane specific force is linear in
   four unknowns (initial gravity, 2; ``c``, 2) and a least-squares fit per movement recovers
   ``c``. Its direction is the shin's direction only up to the sensor's offset from the bone
   (a box 3 cm in front of a shin, 25 cm below the knee tilts ``c`` by ~7 deg, up to ~30 deg
   near the knee), and only if the knee is the pivot: on the feet the ankle is, and ``c`` turns
   round. :mod:`sensor.core.shin_prior` therefore pins the shin direction from the board normal
   or quiet standing (and keeps it across a re-strap, which turns the box about the shin),
   refuses ankle pivots, and takes the anterior side from walking or from the lever's tilt off
   the bone; ``Mounting.reference`` and ``Mounting.anterior`` say which.

Either leg, supine or seated, any box: the pipeline buffers samples until a few movements teach it, then replays them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

import numpy as np

from sensor.core.beside_pivot import LyingConfig, refused_middle, seated_hanging
from sensor.core.context import ContextConfig, shock_threshold
from sensor.core.dsp import cross3, hysteresis, median, norm3
from sensor.core.knee_lever import KneeLeverConfig
from sensor.core.knee_range import KneeRangeConfig
from sensor.core.lever_fit import fit_window
from sensor.core.lever_line import lever_line
from sensor.core.mount_evidence import MountEvidence
from sensor.core.pivot import PivotConfig
from sensor.core.shin_prior import (
    PriorConfig,
    board_line_known,
    board_normal_beta,
    carried_beta,
    first_rest_beta,
    gait_sigma,
    lever_sigma,
    standing_gravity,
    wrap_deg,
)
from sensor.core.side_vote import side_vote
from sensor.core.teach_count import enough_to_teach, lone_lever_sweep
from sensor.core.upright import Upright
from sensor.core.window_memo import WindowMemo
from sensor.core.window_verdicts import Judge, judge, verdict_key


@dataclass(frozen=True)
class Mounting:
    u: np.ndarray  # knee axis, sensor frame (unit)
    e1: np.ndarray  # plane basis, e1 x e2 = u
    e2: np.ndarray
    beta_deg: float  # angle of the shin direction in the (e1, e2) plane
    sigma: int  # +1 or -1: which side of the shin the up-vector lives on during the exercise
    axis_dominance: float
    windows_used: int
    lever_m: float  # |c|: distance of the sensor from the knee axis, a sanity check
    # what fixed the shin direction: "standing" (gravity in quiet stance), "board" (the box's
    # board normal), "hanging" (the seated rest), "carried" (the shin direction of the mounting
    # before a re-strap) or "lever" (the fitted lever alone)
    reference: str = "lever"
    # what told the anterior side (sigma): "walking", "sensor side" (the lever's tilt off the
    # bone) or "vote" (the side the teaching movements swung on, assumed to be glides)
    anterior: str = "vote"

    def describe(self) -> str:
        return (
            f"knee axis {np.round(self.u, 2).tolist()} (dominance {self.axis_dominance:.2f}), "
            f"shin direction {self.beta_deg:.0f} deg in plane ({self.reference}), "
            f"lever {self.lever_m * 100:.0f} cm, {self.windows_used} movements"
        )

    def shin(self) -> np.ndarray:
        """The shin direction (knee -> ankle) in the sensor frame, unit."""
        b = np.radians(self.beta_deg)
        v: np.ndarray = np.cos(b) * self.e1 + np.sin(b) * self.e2
        return v


@dataclass
class MountConfig:
    move_on_dps: float = 20.0
    move_off_dps: float = 6.0
    pad_s: float = 0.25
    min_span_deg: float = 35.0  # squats, steps and sit-to-stand tilt the shank less; the glide sweeps ~120 deg
    min_windows: int = 2
    # one long sweep may teach the mounting on its own only when it began well after the last foot contact (lying down
    # or sitting down and getting into position take that long), or at the end of a recording: right after walking, a
    # single movement is as often a lunge, a step or a squat as a glide (measured on the issue-11 corpus: mountings
    # learned so were mirrored or 30-80 deg off and lost whole sets)
    single_span_deg: float = 60.0
    single_quiet_s: float = 10.0
    distinct_movements: bool = True  # supine: count movements, not windows (sensor.core.teach_count), and ask
    quiet_at_end: bool = True  # ... the lone sweep's quiet at the end of a recording too
    contact_splits: bool = True  # supine, lever alone: only the movements since the last foot contact (teach_count)
    lone_lever_span_deg: float = 75.0  # ... a lone sweep taught by its lever alone, quiet unseen: a glide's extend-up
    landing_splits: bool = True  # ... the foot contacts being the supine landings too (teach_count.landing_cum)
    knee_lever: KneeLeverConfig = field(default_factory=KneeLeverConfig)  # ... a lever a knee's can be (knee_lever)
    # With the board normal's shin line known, a lever more than ``prior.max_lever_offset_deg`` (75) off it is not a
    # knee pivot's (skin offset <= ~30 deg plus fit error): lying down and getting up move the knee with the hip.
    # Issue-11 corpus (supine short/negatives 0-299, mixed 0-399, movements at the first settle, levers 4-45 cm, angle
    # to the true shin line): glides 8 deg median, 66 at p99, 3 of 325 past 75; lying down 64 median, 35 of 109 past 75
    # (they taught mountings 75-90 deg off and were counted); getting up 3 of 8, decline squats 10 of 21, step-ups 4 of
    # 17.
    refuse_off_board: bool = True
    # supine: the side vote uses the samples with the shin this far above horizontal (sensor.core.side_vote)
    raised_vote_deg: float = 30.0
    raised_vote_s: float = 0.3
    # seated: rests this close to hanging (by the lever) pin the shin direction. Wider (90) took a
    # top hold for hanging in 5 of the 25 UCI real recordings: real people hold the extension
    hanging_window_deg: float = 60.0
    # ... chosen by the levers' direction only when their fit explains more signal than it leaves
    # (weight >= 1); otherwise the glide's first rest, hanging, is asked (the pipeline's second try)
    min_lever_signal: float = 1.0
    min_dominance: float = 0.6
    # knee rotation whose direction is within this of the principal axis refines it: the thigh's
    # drift and noise tilt a glide's rate vector by < ~15 deg, a strap twist or a roll by ~90
    axis_inlier_deg: float = 30.0
    min_lever_m: float = 0.04
    # a knee pivot's lever ends on the shin: the shank is 0.39-0.47 m long (0.246 x height, Winter
    # 2009, anthropometry table; heights 1.6-1.9 m). Measured on the issue-11 corpus: glide movements
    # fit 0.16 m median, 0.36 m at the 99th percentile (5 of 1591 above 0.45); leg swings pivot at
    # the hip (thigh + sensor: 0.50 m median, 27 of 34 above 0.45) and taught mirrored mountings
    max_lever_m: float = 0.45
    inlier_deg: float = 40.0
    min_inlier_weight: float = 0.7
    min_sign_agreement: float = 0.8
    # A refinement that moves the shin direction this far says the first estimate was wrong (a
    # seated session whose first settle took a raised hold for the hanging rest): the side vote
    # made with it is void, and the new direction's vote stands. A right first estimate moves by
    # a few degrees at most; the vote's own margin (15..165 deg off the shin line) is far wider.
    revote_beta_deg: float = 45.0
    lever_line: bool = True  # a lever-taught shin line re-read from fits undiluted by gyro noise (lever_line)
    # foot contacts (the knee is not a fixed pivot) and gait swings: sensor.core.context's rule
    contact: ContextConfig = field(default_factory=ContextConfig)
    impact_before_s: float = 3.0  # movements that begin this soon after a foot contact are not used
    impact_after_s: float = 1.0  # ... nor those followed this soon by one
    supine_min_elev_deg: float = -60.0  # supine: a movement whose shin mostly hangs is not the exercise
    # seated: glides sweep 60-105 deg from hanging, the shank on the feet 20-45 (sim.activities); less: knee_range
    seated_min_span_deg: float = 50.0
    knee: KneeRangeConfig = field(default_factory=KneeRangeConfig)
    seated_max_elev_deg: float = 0.0  # seated: the sensor mostly above the pivot is not the exercise
    lying: LyingConfig = field(default_factory=LyingConfig)  # seated: a middle pose is not hanging (lying_rests)
    pivot: PivotConfig = field(default_factory=PivotConfig)  # seated: the pivot's side, mounting-free
    prior: PriorConfig = field(default_factory=PriorConfig)


def _plane_basis(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    helper = np.eye(3)[int(np.argmin(np.abs(u)))]
    e1 = cross3(u, helper)
    e1 /= np.linalg.norm(e1)
    e2 = cross3(u, e1)
    return e1, e2


def moving_mask(gyr_c: np.ndarray, cfg: MountConfig, carry: int = 0) -> np.ndarray:
    mag = norm3(gyr_c)
    return hysteresis(mag > cfg.move_on_dps, mag < cfg.move_off_dps, carry).astype(bool)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    d = np.diff(mask.astype(np.int8), prepend=0, append=0)
    starts = np.nonzero(d == 1)[0]
    ends = np.nonzero(d == -1)[0]
    return list(zip(starts.tolist(), ends.tolist()))


def estimate_mounting(
    t: np.ndarray,
    acc: np.ndarray,
    gyr_c: np.ndarray,
    cfg: MountConfig | None = None,
    axis: Mounting | None = None,
    rest: np.ndarray | None = None,
    posture: str = "supine",
    cache: dict[tuple[int, int, bool], tuple[np.ndarray, float]] | None = None,
    final: bool = False,
    evidence: MountEvidence | None = None,
    hang_first: bool = False,
    carried: np.ndarray | None = None,
    memo: WindowMemo | None = None,
) -> Mounting | None:
    """Mounting from buffered, bias-corrected samples, or None while the evidence is thin.

    With ``axis`` the knee axis, plane basis and sign are kept and only the shin direction is
    re-estimated (the refinement after the first settle). For the seated exercise the shin
    hangs vertically at rest between reps, which pins the shin direction better than the
    centripetal fit: rest samples that the fit places within 40 deg of hanging are used to
    correct the offset (``rest`` marks them).

    ``evidence``: the buffer's :class:`~sensor.core.mount_evidence.MountEvidence` (the same
    samples, ``t`` its first ``len(t)``): the movement windows without a pass over the buffer.
    ``carried``: after a re-strap, the shin direction (sensor frame, unit) of the mounting before
    it, when pinned by standing, the board normal or the hanging rest (shin_prior.carried_beta).
    ``memo``: per-window reads kept across calls about one axis (:mod:`sensor.core.window_memo`).
    """
    cfg = cfg or MountConfig()
    if evidence is not None:
        ev = evidence.at(len(t))
        if ev is None:  # too few samples or movements, or no movement away from foot contacts
            return None
        moving, dt_all, dt_nom, impact, imp_cum, windows, before_mv = ev
    else:
        if len(t) < 10:
            return None
        moving = moving_mask(gyr_c, cfg)
        if moving.sum() < 10:
            return None
        dt_all = np.diff(t, prepend=t[0])
        dt_nom = float(np.median(dt_all[1:])) if len(t) > 2 else 0.01
        pad = int(round(cfg.pad_s / dt_nom))
        # Only movements that could be the exercise teach the mounting: walking, stepping and other
        # foot contacts move the knee, which breaks the fixed-pivot model (and its sign vote).
        jump = norm3(np.diff(acc, axis=0, prepend=acc[:1]))
        impact = jump > shock_threshold(dt_all, dt_nom, cfg.contact)
        imp_cum = np.concatenate([[0], np.cumsum(impact)])
        before = int(round(cfg.impact_before_s / dt_nom))
        after = int(round(cfg.impact_after_s / dt_nom))
        rate = norm3(gyr_c)
        windows = []
        before_mv = np.zeros(len(t), bool)  # the seconds before each movement away from foot contacts
        for a, b in _runs(moving):
            a, b = max(a - pad, 0), min(b + pad, len(t))
            if b - a < 8 or rate[a:b].max() > cfg.contact.swing_dps:
                continue
            if imp_cum[min(b + after, len(t))] - imp_cum[max(a - before, 0)] == 0:
                windows.append((a, b))
                before_mv[max(a - before, 0) : a] = True
    if axis is None:
        # Directions, not energies: every moving sample gets one vote, so a brief fast twist
        # (re-strapping, a bump) cannot outvote seconds of knee rotation.
        sel = np.zeros(len(t), bool)
        for a, b in windows:
            sel[a:b] = moving[a:b]
        if sel.sum() < 10:
            return None
        g = gyr_c[sel]
        g = g / norm3(g)[:, None]
        M = g.T @ g
        evals, evecs = np.linalg.eigh(M)
        dominance = float(evals[-1] / max(evals.sum(), 1e-12))
        if dominance < cfg.min_dominance:
            return None
        u = evecs[:, -1]
        # Once more over the samples that turn about roughly that axis: a strap being pulled round
        # the shin (the first movement a re-learn sees) or a roll of the leg turns the box about
        # other axes, ~90 deg off, and tilts a plain principal axis toward them
        on = np.abs(g @ u) >= np.cos(np.radians(cfg.axis_inlier_deg))
        if on.sum() >= 10:
            u = np.linalg.eigh(g[on].T @ g[on])[1][:, -1]
        e1, e2 = _plane_basis(u)
    else:
        u, e1, e2, dominance = axis.u, axis.e1, axis.e2, axis.axis_dominance
    memo = WindowMemo() if memo is None else memo  # a window's reads, kept while the axis stands
    memo.bind(u, e1, e2)
    w_all, acc_p = memo.products(t, acc, gyr_c)  # the rate about u (rad/s), the force in the plane
    # quiet standing next to walking: gravity there is -s (direction and sign)
    beta_stand = None
    g_stand = standing_gravity(t, acc, gyr_c, impact, cfg.prior)
    known_ref = "standing"
    if g_stand is not None and float(np.hypot(g_stand @ e1, g_stand @ e2)) > 0.9:
        beta_stand = float(np.degrees(np.arctan2(-(g_stand @ e2), -(g_stand @ e1))))
    elif hang_first and posture == "seated" and axis is None and windows and not refused_middle(evidence):
        # (the pipeline's second try when the levers disagree; not when the rests were lying ones, whose
        # first rest is standing) the seated glide starts hanging: gravity before it is the shin direction
        s_rest = ~moving[: windows[0][0]]
        if s_rest.sum() * dt_nom >= 1.0:
            beta_stand = first_rest_beta(acc_p[: windows[0][0]][s_rest], cfg.prior)  # None: not one hanging pose
            known_ref = "first rest"
    # the board normal gives the shin line (box not on the side of the shin): see refuse_off_board
    board_ok = board_line_known(u, cfg.prior)
    usable_mv = np.zeros(len(t), bool)
    vecs, weights, levers, spans, used, lever_betas = [], [], [], [], [], []
    ev_up = (windows, evidence, memo.upright, carried)  # (carried: a lever against it is asked the rest before)
    ups = Upright.of(t, acc, gyr_c, impact, moving, dt_nom, e1, e2, posture, cfg.prior, *ev_up)
    key = verdict_key(axis is None, cache, beta_stand, ups)  # (sensor.core.window_verdicts)
    jd_in = (t, acc, gyr_c, acc_p, w_all, dt_all, dt_nom, posture, cfg, axis is None, cache, memo, (u, e1, e2))
    jd = Judge(*jd_in, beta_stand, ups, board_ok, fit_window, key)
    for a, b in windows:
        got = judge(a, b, jd)
        if got is None:
            continue
        vec, span, weight, lever, b_c = got
        usable_mv[a:b] = moving[a:b]
        spans.append(span)
        used.append((a, b))
        vecs.append(vec)
        lever_betas.append(b_c)
        weights.append(weight)
        levers.append(lever)
    # one long sweep (a whole first rep, or setup plus the first phase) is enough on its own
    if not enough_to_teach(used, spans, imp_cum, dt_nom, cfg, posture == "supine", final):
        return None
    V = np.array(vecs)
    W = np.array(weights)
    mean = (V * W[:, None]).sum(axis=0)
    mean /= np.sqrt(mean.dot(mean))  # (np.linalg.norm of a vector: the same dot and sqrt, without its set-up)
    inlier = V @ mean >= np.cos(np.radians(cfg.inlier_deg))
    if inlier.sum() < min(cfg.min_windows, len(vecs)) or W[inlier].sum() < cfg.min_inlier_weight * W.sum():
        return None
    mean = (V[inlier] * W[inlier, None]).sum(axis=0)
    mean /= np.sqrt(mean.dot(mean))  # (np.linalg.norm of a vector: the same dot and sqrt, without its set-up)
    beta = float(np.degrees(np.arctan2(mean[1], mean[0])))
    # The lever points at the sensor, which sits off the bone: an independent direction wins
    reference = "lever"
    if beta_stand is not None:
        beta, reference = beta + float(wrap_deg(beta_stand - beta)), known_ref
    else:
        b_board = board_normal_beta(u, e1, e2, beta, cfg.prior)
        if b_board is not None:
            beta, reference = b_board, "board"
        elif carried is not None:
            b_carried = carried_beta(carried, u, e1, e2, beta, cfg.prior)
            if b_carried is not None:
                beta, reference = b_carried, "carried"
    supine_first = posture == "supine" and axis is None
    if lone_lever_sweep(used, spans, imp_cum, dt_nom, reference, supine_first, cfg, t, acc, gyr_c, levers):
        return None  # one movement after an unseen past set the shin direction by its lever alone
    if posture == "seated" and reference == "lever":
        if axis is None and not (hang_first or final) and float(W[inlier].sum()) < cfg.min_lever_signal:
            return None  # the levers are noise: the pipeline asks again, from the first rest
        # still just before a movement away from foot contacts (the preprocessor's strict rest may never come): hanging
        still = (~moving if rest is None else (rest | ~moving)) & before_mv
        b_hang, lying = seated_hanging(
            memo.plane_deg(acc_p, still), t, acc, gyr_c, acc_p, u, windows, beta, cfg, evidence, first=axis is None
        )
        if lying:  # the rests read as hanging were poses lying on the mat (sensor.core.beside_pivot)
            return None
        if b_hang is not None:
            beta, reference = b_hang, "hanging"
    if reference == "lever" and cfg.lever_line and axis is not None:  # refined, undiluted (sensor.core.lever_line)
        fits, plain, slope = memo.undiluted, memo.plain, partial(memo.slope, t=t, w_all=w_all)  # (kept per window)
        beta = lever_line(t, acc_p, w_all, dt_all, dt_nom, used, inlier, beta, cfg, fits=fits, plain=plain, slope=slope)
    # Which side of the shin is "up" during the exercise: vote over moving samples.
    vote = side_vote(memo.plane_deg(acc_p, usable_mv), beta, posture, dt_nom, cfg)
    if vote is None:
        return None
    sigma, anterior = vote, "vote"
    if axis is not None and not (axis.anterior == "vote" and abs(wrap_deg(beta - axis.beta_deg)) > cfg.revote_beta_deg):
        sigma, anterior = axis.sigma, axis.anterior
    else:
        # The vote above assumes the movements were glides (a lunge's rear shank votes the other
        # way). Walking says which way the ankle moves forward, whatever taught the mounting;
        # failing that, the lever's tilt off the bone says which side the sensor sits on.
        walk_sigma = gait_sigma(t, gyr_c, impact, u, cfg.prior)
        side_sigma = None
        if reference in ("board", "standing"):  # the hanging rest itself varies by ~+-8 deg
            strong = inlier & (cfg.min_lever_signal <= W)  # a 5-25 deg tilt: read from fits above their noise
            side_sigma, _tilt = lever_sigma(np.array(lever_betas)[strong], W[strong], beta, cfg.prior)
        if walk_sigma is not None:
            sigma, anterior = walk_sigma, "walking"
        elif side_sigma is not None:
            sigma, anterior = side_sigma, "sensor side"
    lever_m = float(median(np.array(levers)[inlier]))
    return Mounting(u, e1, e2, beta, sigma, dominance, int(inlier.sum()), lever_m, reference, anterior)
