"""Where the shin points in the sensor frame, from evidence other than the fitted lever.

The lever ``c`` that :mod:`sensor.core.mounting` fits per movement points from the pivot to the
SENSOR, not along the bone: the box sits on the skin, a few cm in front of (or beside) the
knee-ankle line, which tilts ``c`` by up to ~15-25 deg near the knee (3-5 cm over 10-25 cm), and
when the foot is planted the pivot is the ankle, which turns ``c`` round by ~180 deg. Two pieces
of physics pin the shin direction ``s`` (knee -> ankle) independently:

1. **The board normal.** A MEMS IMU's z axis is perpendicular to its package and so to its board
   (Bosch BMI160 datasheet, "Axes orientation"; InvenSense MPU-6500 datasheet, "Orientation of
   axes"), and a flat box under a strap lies on the skin: z is the skin's normal there (face out
   or in). The skin normal of a limb is radial, perpendicular to the limb's long axis, and ``s``
   is perpendicular to the knee axis ``u`` too, so ``s`` lies along ``u x z``, whatever the lever
   offset. It fails only when z is nearly along ``u`` (box on the side of the shin), which is
   exactly where the sensor's offset from the bone lies along the knee axis, out of the swing
   plane, and the lever is unbiased. The sign is the lever's (the glide pivots about the knee).
2. **Gravity in quiet standing.** Standing still next to walking, the shank is within a few deg
   of vertical (postural sway ~1 deg, Winter 1995, Gait Posture 3:193; the shank leans forward
   ~1-5 deg), so gravity there is ``-s``: the sign and the direction at once, and the test that
   tells a knee pivot (lever along ``s``) from an ankle pivot (lever along ``-s``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sensor.core.constants import STANDARD_GRAVITY
from sensor.core.dsp import cross3, norm3
from sensor.core.tilt_noise import tilt_standard_error

BOARD_NORMAL = np.array([0.0, 0.0, 1.0])  # sensor z: perpendicular to the IMU package and board


@dataclass
class PriorConfig:
    # |u x z| below this (z within ~20 deg of the knee axis: a box on the side of the shin): a
    # +-3 deg tilt of the box would turn the line by up to ~9 deg, while the sensor's offset from
    # the bone, r |u x z| (< 2 cm), hardly tilts the lever
    min_normal_sin: float = 0.35
    # the board-normal line replaces the lever unless they disagree by more than this: the skin
    # offset tilts the lever by up to ~30 deg (6 cm at 10 cm below the knee) and a short session's
    # lever can be off by 60-70 deg; past 75 deg the sign taken from the lever is a guess
    max_lever_offset_deg: float = 75.0
    # a re-strap turns the box about the shin: the old shin direction stays perpendicular to the
    # new knee axis, up to the axis fit's error (a few deg); further off, the box turned otherwise
    max_carry_tilt_deg: float = 12.0
    # ... and the lever lies within this of it (a skin offset tilts a knee lever by <= ~30 deg): a
    # box taken off and put back any which way passes the tilt test 1 time in 5 (sin 12 deg) and
    # this one 2 in 9, so the old direction is carried to a wrong box about 1 time in 20
    max_carry_lever_deg: float = 40.0
    # ... and a re-learn's lever more than 90 deg from it (a foot pivot, or a box put back end over
    # end) teaches only if the rest before the buffer's first sweep reads the ankle not above the
    # knee through it (sensor.core.upright.carried_rest)
    carried_rest: bool = True
    # quiet standing: still, next to walking (several foot contacts), and its gravity direction
    # near the walking shank's mean one (the shank swings about -10..+20 deg around vertical)
    still_dps: float = 8.0
    # measured on the issue-11 corpus (mixed seeds 0-299, 534 still stretches next to walking):
    # quiet standing lasts 2.9 s median (10th percentile 1.2 s); the still moments of step-downs,
    # squats, lunges and sit-to-stand (shank tilted 10-35 deg: Zwerver 2007; Escamilla 2001) last
    # 0.5-1.0 s, 1.7 s at most, and one alone set the shin direction 35 deg off and lost a whole
    # session. At 1.5 s 191 of 199 sessions with walking keep a standing reference (196 at 1.0 s)
    still_min_s: float = 1.5
    gait_within_s: float = 3.0
    gait_min_contacts: int = 3
    contact_merge_s: float = 0.25  # contact samples closer than this are one foot contact
    gait_window_s: float = 6.0
    # same corpus: standing is within 24 deg of the walking mean (90th percentile 15); the supine
    # foot-on-floor rest right after walking in (shank 35-55 deg off vertical) is 41-59 deg away
    max_turn_deg: float = 30.0
    acc_tol_mps2: float = 1.0
    # a movement whose (long enough) lever is this far from the standing shin direction did not
    # pivot at the knee: the skin offset tilts a knee-pivot lever by <= ~30 deg, an ankle pivot
    # turns it by ~150-180 deg; the rest is room for a short movement's fit error
    max_knee_pivot_deg: float = 60.0
    # walking tells which way the ankle moves forward: strides (contact to contact) of at most
    # this long, this much of them, and the swing's skew at least this share of |rate|^3
    stride_max_s: float = 1.5
    gait_min_s: float = 4.0
    gait_skew: float = 0.2
    # the lever's tilt off the bone toward the sensor's side tells the anterior side when it is
    # clearly more than the fit's noise (~5 deg on a side mount, where the true tilt is 0)
    # and the movements are several (one short movement's lever is off by ~20 deg at times)
    min_tilt_deg: float = 8.0
    min_tilt_agreement: float = 0.8
    min_tilt_movements: int = 3
    # ... and the mean tilt at least this many standard errors from zero (sensor.core.tilt_noise): a
    # weak fit's lever direction is off by ~24 deg rms, so three of them can lean 20 deg the wrong way
    min_tilt_z: float = 3.0
    # at a foot contact the ankle is below the knee (sensor.core.upright): the specific force
    # averaged over this long either side of each contact, at least this many contacts, and a
    # lever that reads their median above this sin(elevation) pivoted at the foot. Corpus: 99 %
    # of contacts read <= -0.86 through the true shin; a foot pivot's lever reads them ~+0.9
    contact_up_window_s: float = 0.5
    min_side_contacts: int = 2
    max_contact_sin: float = 0.0
    # ... and before its first movement the leg rests with the ankle not above the knee: a lever
    # that reads this long of that rest above this sin(elevation) (30 deg) pivoted at the foot.
    # Corpus: <= 0.09 in every supine session; a foot pivot's lever reads standing as ~+1
    max_first_rest_sin: float = 0.5
    min_first_rest_s: float = 1.0
    # ... when the first movement turns about the knee axis (the restrap watch's 30 % off-axis share,
    # ~33 deg): not the box being picked up off a table and strapped on
    min_first_on_axis: float = 0.7
    # ... and only when the buffer starts the recording: a pipeline started afresh mid-session
    # (the dashboard's recalibrate) may begin with the leg held at the top of a glide
    starts_the_recording: bool = True
    # ... and the last still time before the buffer's first knee sweep of at least this span (the
    # mounting's min_span_deg), when the buffer holds the recording from its first sample: a walking
    # lunge or step-up learned after a stand-up and a strap adjustment (the first movement off the
    # knee axis) reads the standing just before it as the foot raised
    first_sweep_deg: float = 35.0
    # seated: the still time before the first movement teaches the shin line only when it is one
    # pose, a hanging shin (gravity spread by at most this circular std): the hanging rest varies by
    # ~+-8 deg, and all 37 true seated sessions that settled from it (short seeds 0-299, mixed
    # 0-390) spread <= 7.0 deg. Standing, then lying with the feet flat (the shank 35-55 deg apart),
    # spreads ~18-27 deg half and half: its mean is neither pose (read supine set breaks as reps)
    max_first_rest_spread_deg: float = 15.0
    # seated: a rest at which a confident fit of a movement of the mounting's sweep puts the pivot
    # beside the sensor (the lever this far from both straight up and straight down) is not a
    # hanging shin, nor are the rests within beside_tol_deg of it (sensor.core.beside_pivot). The
    # same bound as the pivot's max_hang_deg: a knee above a hanging shin leaves the lever within
    # ~30 deg of straight down, a planted foot under a standing shank within ~30 (45 at a squat's
    # tilt) of straight up; the hip on the mat beside a feet-flat shin puts it 64-118 deg from up
    beside_poses: bool = True
    beside_min_deg: float = 60.0
    beside_min_span_deg: float = 35.0  # MountConfig.min_span_deg: a fidget's short fit says little
    # the feet-flat rest varies over ~15 deg between set breaks (the shank 40-55 deg off vertical);
    # a hanging shin is >= 30 deg from it
    beside_tol_deg: float = 15.0
    # ... from movements with no hole of lost packets longer than this many sample intervals: the
    # pivot fit carries gravity through the movement by the integrated gyro, and a seated glide with
    # 0.6 s lost half-way up fitted a confident, wrong lever (tests/test_context_contacts.py); two
    # lost packets in a row are common (1-3 % drops), a burst of 3+ is not
    beside_max_hole: float = 3.5


def wrap_deg(x: float) -> float:
    """An angle difference wrapped to [-180, 180) deg."""
    return (x + 180.0) % 360.0 - 180.0


_BOARD_CROSS: dict[tuple[str, bytes], tuple[np.ndarray, float]] = {}


def _u_cross_board(u: np.ndarray) -> tuple[np.ndarray, float]:
    """``np.cross(u, BOARD_NORMAL)`` and its norm, kept per knee axis (the same values: one
    estimate asks for every movement with one axis, and np.cross costs ~50 us a call)."""
    key = (u.dtype.str + str(u.shape), u.tobytes())
    got = _BOARD_CROSS.get(key)
    if got is None:
        q = cross3(u, BOARD_NORMAL)
        got = (q, float(np.linalg.norm(q)))
        if len(_BOARD_CROSS) >= 256:
            _BOARD_CROSS.clear()
        _BOARD_CROSS[key] = got
    return got


def board_line_known(u: np.ndarray, cfg: PriorConfig) -> bool:
    """Whether the board normal is far enough from the knee axis ``u`` to give the shin line."""
    return _u_cross_board(u)[1] >= cfg.min_normal_sin


def board_normal_beta(
    u: np.ndarray, e1: np.ndarray, e2: np.ndarray, beta_lever: float, cfg: PriorConfig
) -> float | None:
    """The shin direction (deg in the (e1, e2) plane) along ``u x z``, signed like the lever.

    None when the board normal is too close to the knee axis or the line disagrees with the
    lever by more than a skin offset can explain (the box is not flat on the skin, or its board
    normal is not z)."""
    q, q_norm = _u_cross_board(u)
    if q_norm < cfg.min_normal_sin:  # board_line_known
        return None
    b = float(np.degrees(np.arctan2(q @ e2, q @ e1)))
    d = float(wrap_deg(b - beta_lever))
    if abs(d) > 90.0:
        b, d = b + 180.0, float(wrap_deg(d + 180.0))
    if abs(d) > cfg.max_lever_offset_deg:
        return None
    return beta_lever + d


def carried_beta(
    s_old: np.ndarray, u: np.ndarray, e1: np.ndarray, e2: np.ndarray, beta_lever: float, cfg: PriorConfig
) -> float | None:
    """The shin direction (deg in the (e1, e2) plane) kept across a re-strap, or None.

    A strap wraps round the shank, so re-seating it turns the box about the shin's long axis
    (and slides it along the shin): the knee axis moves in the sensor frame, the shin direction
    ``s_old`` does not. The new knee axis ``u`` must then still be perpendicular to ``s_old``;
    when it is not (within ``max_carry_tilt_deg``), the box was turned some other way and
    ``s_old`` says nothing; nor when the new lever points well away from it."""
    if abs(float(s_old @ u)) > np.sin(np.radians(cfg.max_carry_tilt_deg)):
        return None
    b = float(np.degrees(np.arctan2(s_old @ e2, s_old @ e1)))
    d = float(wrap_deg(b - beta_lever))
    if abs(d) > cfg.max_carry_lever_deg:
        return None
    return beta_lever + d


def standing_gravity(
    t: np.ndarray, acc: np.ndarray, gyr_c: np.ndarray, contact: np.ndarray, cfg: PriorConfig
) -> np.ndarray | None:
    """Mean gravity direction (sensor frame, unit) over quiet standing next to walking, or None.

    Quiet standing: the gyroscope still and the accelerometer at 1 g for ``still_min_s``, within
    ``gait_within_s`` of a run of foot contacts (``contact``: at least ``gait_min_contacts`` in
    ``gait_window_s``: steps, not one thud of a foot put down on a mat), with gravity within
    ``max_turn_deg`` of its mean direction over those steps: the shank stands as it walked, not
    lying or kneeling. (Sitting down right after the last step would read as standing: the
    seated shank hangs within ~10 deg of vertical.)
    """
    n = len(t)
    if n < 10 or not contact.any():
        return None
    rate = norm3(gyr_c)
    g = norm3(acc)
    still = (rate < cfg.still_dps) & (np.abs(g - STANDARD_GRAVITY) < cfg.acc_tol_mps2)
    gait = gait_contacts(t, contact, cfg)
    if len(gait) == 0:
        return None
    tg = t[gait]
    d = np.diff(still.astype(np.int8), prepend=0, append=0)
    picked = []
    for a, b in zip(np.nonzero(d == 1)[0].tolist(), np.nonzero(d == -1)[0].tolist()):
        if t[b - 1] - t[a] < cfg.still_min_s:
            continue
        k = int(np.searchsorted(tg, t[a]))
        k_after = int(np.searchsorted(tg, t[b - 1], side="right"))
        near = []
        if k > 0 and t[a] - tg[k - 1] <= cfg.gait_within_s:
            near.append((tg[k - 1] - cfg.gait_window_s / 2, tg[k - 1]))
        if k_after < len(tg) and tg[k_after] - t[b - 1] <= cfg.gait_within_s:
            near.append((tg[k_after], tg[k_after] + cfg.gait_window_s / 2))
        g_still = acc[a:b].mean(axis=0)
        for t0, t1 in near:
            # the walking shank's mean gravity direction (it swings about vertical): a still
            # stretch far from it is lying or kneeling, not standing
            walk = (t >= t0) & (t <= t1)
            g_walk = acc[walk].mean(axis=0)
            cos = float(g_still @ g_walk) / max(float(np.linalg.norm(g_still) * np.linalg.norm(g_walk)), 1e-9)
            if cos >= np.cos(np.radians(cfg.max_turn_deg)):
                picked.append(acc[a:b])
                break
    if not picked:
        return None
    v: np.ndarray = np.concatenate(picked).mean(axis=0)
    return v / max(float(np.linalg.norm(v)), 1e-9)


def contact_events(t: np.ndarray, contact: np.ndarray, merge_s: float) -> tuple[np.ndarray, np.ndarray]:
    """The contact samples' indices and, per sample, whether it opens a new event: samples closer
    than ``merge_s`` are one event (one heel strike rings for a few samples)."""
    ci = np.nonzero(contact)[0]
    first = np.concatenate([[True], np.diff(t[ci]) > merge_s]) if len(ci) else np.zeros(0, bool)
    return ci, first


def gait_contacts(t: np.ndarray, contact: np.ndarray, cfg: PriorConfig) -> np.ndarray:
    """Indices of the foot contacts that belong to walking: contact samples are merged into
    events (one heel strike rings for a few samples), and an event counts when at least
    ``gait_min_contacts`` events fall within ``gait_window_s`` around it."""
    ci, first = contact_events(t, contact, cfg.contact_merge_s)
    if len(ci) == 0:
        return ci
    ev = ci[first]
    te = t[ev]
    lo = np.searchsorted(te, te - cfg.gait_window_s / 2)
    hi = np.searchsorted(te, te + cfg.gait_window_s / 2, side="right")
    walking = ev[(hi - lo) >= cfg.gait_min_contacts]
    # every contact sample of a walking event
    event_of = np.cumsum(first) - 1
    return ci[np.isin(ev[event_of], walking)]


def gait_sigma(t: np.ndarray, gyr_c: np.ndarray, contact: np.ndarray, u: np.ndarray, cfg: PriorConfig) -> int | None:
    """The sign of the angular rate about ``u`` that moves the ankle FORWARD, from walking.

    In gait the shank tilts back slowly over the planted foot (stance, ~60 % of the stride) and
    swings the ankle forward fast in swing: peak shank rates of ~300-400 deg/s forward against
    ~100 deg/s back (Winter 2009, gait appendix; Perry & Burnfield 2010). The cube of the rate,
    summed over the strides, takes the sign of the swing. Forward ankle motion is knee extension
    in every posture (seated, supine, standing: the same turn of the shank about its own lateral
    axis), which is the sense in which the elevation grows: this is the elevation's sign,
    independent of which movements taught the mounting (a lunge's rear shank turns the other way).
    None when there is too little walking or the strides disagree.
    """
    gait = gait_contacts(t, contact, cfg)
    if len(gait) < cfg.gait_min_contacts:
        return None
    tg = t[gait]
    # samples between two walking contacts close enough to belong to one stride or step
    k = np.searchsorted(tg, t, side="right")
    prev_t = np.where(k > 0, tg[np.maximum(k - 1, 0)], -np.inf)
    next_t = np.where(k < len(tg), tg[np.minimum(k, len(tg) - 1)], np.inf)
    inside = (next_t - prev_t) <= cfg.stride_max_s
    if int(inside.sum()) < 10:
        return None
    dt = np.clip(np.diff(t, prepend=t[0]), 0.0, 0.1)
    if float(dt[inside].sum()) < cfg.gait_min_s:
        return None
    w = gyr_c[inside] @ u
    s3 = float(np.sum(w**3))
    a3 = float(np.sum(np.abs(w) ** 3))
    if a3 <= 0 or abs(s3) < cfg.gait_skew * a3:
        return None
    return 1 if s3 > 0 else -1


def lever_sigma(
    lever_betas: np.ndarray, weights: np.ndarray, beta_shin: float, cfg: PriorConfig
) -> tuple[int | None, float]:
    """The elevation's sign from which side of the bone the sensor sits, and the mean tilt (deg).

    The lever points from the knee axis to the sensor; the shin direction ``beta_shin`` (from the
    board normal or standing gravity) runs along the bone. A box on the front of the shin sits in
    FRONT of the bone (the tibia's anterior border is subcutaneous), so the lever is tilted
    toward the anterior side: the side the elevation counts up from (the anterior face looks up
    at elevation 0). None when the mean tilt is within ``min_tilt_deg`` (a box on the side of the
    shin, or a noisy fit), the movements disagree, or the tilt is within ``min_tilt_z`` standard
    errors of zero by the fits' measured direction noise (a re-strapped 25-Hz set: three weak fits
    leaning 1, 23 and 33 deg the wrong way voted it mirrored against a unanimous side vote).
    """
    if len(lever_betas) < max(cfg.min_tilt_movements, 1):
        return None, 0.0
    d = (np.asarray(lever_betas, float) - beta_shin + 180.0) % 360.0 - 180.0
    w = np.asarray(weights, float)
    tilt = float(np.sum(w * d) / max(float(w.sum()), 1e-12))
    agree = float(w[np.sign(d) == np.sign(tilt)].sum() / max(float(w.sum()), 1e-12))
    if abs(tilt) < cfg.min_tilt_deg or agree < cfg.min_tilt_agreement:
        return None, tilt
    if abs(tilt) < cfg.min_tilt_z * tilt_standard_error(w):
        return None, tilt
    return (1 if tilt > 0 else -1), tilt


def hanging_beta(theta_rest: np.ndarray, beta_lever: float, window_deg: float) -> float | None:
    """Seated: the shin direction (deg in the swing plane) from the hanging rest, or None.

    The seated shank hangs within a few degrees of vertical at rest, so gravity there is the shin
    direction itself (``s`` = the in-plane angle of the rest's specific force + 180 deg), whatever
    side of the shin the sensor is on: unlike the elevation this needs no sign, so it comes BEFORE
    the sign vote (a sign voted against a lever that one short movement put 70 deg off read every
    rep upside down). ``theta_rest``: in-plane angles (deg) of the specific force at rest before
    movements. The hanging rest is the pose a seated person keeps most (before and between reps,
    and standing too: also vertical); top holds are brief (0-2.5 s against several seconds of
    settling and resting): the densest 10-deg band among the rests that the lever places within
    ``window_deg`` of hanging. None when fewer than 10 samples rest there.
    """
    h = (np.asarray(theta_rest, float) - beta_lever) % 360.0 - 180.0  # offset from hanging (theta = beta + 180)
    near = h[np.abs(h) < window_deg]
    if len(near) < 10:
        return None
    counts, edges = np.histogram(near, bins=np.arange(-window_deg, window_deg + 1.0, 5.0))
    k = int(np.argmax(counts[:-1] + counts[1:]))
    band = near[(near >= edges[k]) & (near < edges[k + 2])]
    if len(band) < 10:
        return None
    return beta_lever + float(np.median(band))


def first_rest_beta(f_rest: np.ndarray, cfg: PriorConfig) -> float | None:
    """Seated: the shin direction (deg in the swing plane) from the still time before the first
    movement (``f_rest``: its specific force in the swing plane's basis, shape (k, 2)), or None.

    The seated glide starts from a hanging shin, so gravity there is the shin line, which needs
    no lever (a sensor near the knee fits none). But only if that time is one hanging pose: a
    recording that stood, then lay down with the feet flat before its first movement averages two
    poses ~45 deg apart into a shin line that is neither. The circular spread
    ``sqrt(-2 ln R)`` (R the mean resultant length) must stay within ``max_first_rest_spread_deg``.
    """
    z = np.mean(np.exp(1j * np.arctan2(f_rest[:, 1], f_rest[:, 0])))
    r = float(abs(z))
    if r <= 0 or np.sqrt(-2.0 * np.log(min(r, 1.0))) > np.radians(cfg.max_first_rest_spread_deg):
        return None
    return float(np.degrees(np.angle(z))) + 180.0
