"""A physical model of a nerve-glide session as seen by a shin-worn IMU.

Why a model rather than canned curves: the rep counter has to survive what real bodies and real
sensors do (any strap orientation, either leg, tempo drift, holds, fatigue, fidgets, gyro bias,
dropped samples), and ground truth only exists when we generate the motion ourselves. The
kinematics are rigid-body: the shin rotates about the knee's flexion axis (world y, lateral),
the knee itself moves only while the thigh is lifted to or lowered from tabletop. Joint angles
follow minimum-jerk trajectories between waypoints (Flash & Hogan 1985), the usual model of
point-to-point human movement. The accelerometer sees specific force (linear acceleration of the
sensor's own location, including centripetal and tangential terms, plus gravity) rotated into
the sensor frame; the gyroscope sees the shin's angular velocity in the sensor frame.

World frame: x points from the hip along the body toward the feet (supine) or forward (seated),
y is lateral, z points up. Shin elevation ``e`` is the angle of the knee->ankle vector above
horizontal: 0 at tabletop, +90 pointing at the ceiling, negative when the heel drops toward
the glute (supine) or hangs (seated, -90).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np

from sensor.core.constants import STANDARD_GRAVITY as G
from sensor.core.samples import ImuChunk
from sensor.core.types import Posture

__all__ = ["SimConfig", "SimSession", "flat_on_skin", "random_rotation", "simulate_session"]


@dataclass
class SimConfig:
    reps: int = 10
    rate_hz: float = 100.0
    posture: Posture = Posture.SUPINE
    leg: Literal["left", "right"] | None = None  # None: drawn at random
    seed: int = 0
    mounting: Literal["random", "front", "side"] = "random"
    phase_s: tuple[float, float] = (1.0, 4.0)  # duration range of each movement phase
    hold_s: tuple[float, float] = (0.0, 2.5)  # holds at bottom and top
    confounders: bool = True  # wiggles, end-range pulses, strap adjustments, pauses, walking
    noise: bool = True  # sensor noise, bias, scale error, jitter, dropped samples
    fatigue: float | None = None  # fractional range loss by the last rep; None: random
    strap_shift: tuple[int, float] | None = None  # (after rep k, degrees about the shin): a re-strap


@dataclass
class SimSession:
    chunk: ImuChunk
    labels: dict[str, Any]
    meta: dict[str, Any] = field(default_factory=dict)
    # for accuracy checks (not serialised): true (t, elevation), and shin and knee axes in sensor axes
    truth_elevation: tuple[np.ndarray, np.ndarray] = field(default_factory=lambda: (np.empty(0), np.empty(0)))
    truth_axes: tuple[np.ndarray, np.ndarray] = field(default_factory=lambda: (np.zeros(3), np.zeros(3)))


def random_rotation(rng: np.random.Generator) -> np.ndarray:
    """Uniform random rotation matrix (via a normalised Gaussian quaternion)."""
    q = rng.normal(size=4)
    q /= np.linalg.norm(q)
    w, x, y, z = q
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )


def flat_on_skin(R: np.ndarray, normal: np.ndarray) -> np.ndarray:
    """A box strapped flat on the skin, from any drawn rotation ``R`` (sensor -> shin).

    A MEMS IMU's z axis is perpendicular to its package, hence to the board it is soldered on
    (e.g. Bosch BMI160 datasheet, "Axes orientation"; InvenSense MPU-6500 datasheet, "Orientation
    of axes"), and a flat box under an elastic strap lies on the skin: its z axis is the skin's
    outward normal (box face out) or the inward one (face in), never a free 3-D direction. The
    draw keeps its meaning otherwise: face out or in as ``R``'s z leans, the turn about the normal
    from ``R``'s x, and a tilt of the normal along the shin of up to +-3 deg (strap and skin
    irregularity; zero mean: a cylinder-like shank is assumed) from ``R[2, 0]``, so no extra random
    numbers are drawn and every other draw of a seeded session stays as it was.
    """
    normal = np.asarray(normal, float) / np.linalg.norm(normal)
    along = np.array([1.0, 0.0, 0.0])  # the shin's long axis in the shin frame
    tangent = np.cross(normal, along)
    tilt = math.radians(3.0 * float(R[2, 0]))
    normal = math.cos(tilt) * normal + math.sin(tilt) * along if np.linalg.norm(tangent) > 0.5 else normal
    z = normal if float(R[:, 2] @ normal) >= 0 else -normal
    x = R[:, 0] - float(R[:, 0] @ z) * z
    if np.linalg.norm(x) < 1e-6:
        x = R[:, 1] - float(R[:, 1] @ z) * z
    x /= np.linalg.norm(x)
    return np.stack([x, np.cross(z, x), z], axis=1)


def _axis_angle(axis: np.ndarray, deg: float) -> np.ndarray:
    axis = np.asarray(axis, float) / np.linalg.norm(axis)
    a = math.radians(deg)
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    rot: np.ndarray = np.eye(3) + math.sin(a) * k + (1 - math.cos(a)) * (k @ k)
    return rot


class _Track:
    """Waypoints of one joint angle, joined by minimum-jerk segments."""

    def __init__(self, t0: float, value: float) -> None:
        self.t = [t0]
        self.v = [value]

    @property
    def end(self) -> float:
        return self.t[-1]

    @property
    def value(self) -> float:
        return self.v[-1]

    def move(self, to: float, duration: float) -> float:
        self.t.append(self.t[-1] + duration)
        self.v.append(to)
        return self.t[-1]

    def hold(self, duration: float) -> float:
        return self.move(self.v[-1], duration)

    def sample(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Angle (deg), rate (deg/s) and acceleration (deg/s^2) at times t."""
        tk = np.asarray(self.t)
        vk = np.asarray(self.v)
        i = np.clip(np.searchsorted(tk, t, side="right") - 1, 0, len(tk) - 2)
        t0, t1 = tk[i], tk[i + 1]
        dur = np.maximum(t1 - t0, 1e-9)
        tau = np.clip((t - t0) / dur, 0.0, 1.0)
        d = vk[i + 1] - vk[i]
        pos = vk[i] + d * (10 * tau**3 - 15 * tau**4 + 6 * tau**5)
        vel = d * (30 * tau**2 - 60 * tau**3 + 30 * tau**4) / dur
        acc = d * (60 * tau - 180 * tau**2 + 120 * tau**3) / dur**2
        inside = (t >= t0) & (t <= t1)
        return pos, np.where(inside, vel, 0.0), np.where(inside, acc, 0.0)


def _script(
    cfg: SimConfig, rng: np.random.Generator
) -> tuple[_Track, _Track, list[dict[str, Any]], list[dict[str, Any]]]:
    """Write the session as joint-angle waypoints plus ground-truth labels."""
    supine = cfg.posture == "supine"
    rest_e = rng.uniform(-50, -38) if supine else rng.uniform(-95, -85)
    thigh0 = rng.uniform(35, 50) if supine else 0.0  # thigh elevation: knees bent, feet flat
    shin = _Track(0.0, rest_e)
    thigh = _Track(0.0, thigh0)
    reps: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []

    def both_hold(d: float) -> None:
        shin.hold(d)
        thigh.move(thigh.value, shin.end - thigh.end)

    def phase_dur() -> float:
        return float(rng.uniform(*cfg.phase_s))

    both_hold(rng.uniform(2.0, 4.0))
    if cfg.confounders and rng.random() < 0.3:
        # strap fiddling before starting: small fast wobble of the shin, no net motion
        for _ in range(rng.integers(2, 5)):
            shin.move(rest_e + rng.uniform(-6, 6), rng.uniform(0.15, 0.4))
        shin.move(rest_e, 0.3)
        both_hold(rng.uniform(1.0, 2.0))
        events.append({"kind": "fidget", "t_s": float(shin.end)})

    if supine:
        # foot on the floor -> thigh pulled up to tabletop, shin horizontal
        tabletop = rng.uniform(-8, 8)
        d = rng.uniform(1.5, 3.0)
        shin.move(tabletop, d)
        thigh.move(90.0, d)
        events.append({"kind": "setup", "t_s": float(shin.end)})
        both_hold(rng.uniform(1.5, 4.0))
    else:
        tabletop = rest_e
        both_hold(rng.uniform(0.5, 2.0))

    fatigue = cfg.fatigue if cfg.fatigue is not None else rng.uniform(0.0, 0.25)
    tempo_scale = rng.uniform(0.8, 1.2)
    top_base = rng.uniform(60, 88) if supine else rng.uniform(-15, 5)
    bottom_base = rng.uniform(-50, -30) if supine else rest_e
    pause_at = int(rng.integers(3, max(cfg.reps, 4))) if cfg.confounders and cfg.reps >= 6 else -1
    for k in range(cfg.reps):
        frac = k / max(cfg.reps - 1, 1)
        loss = fatigue * frac
        top = top_base - (top_base - tabletop) * loss * 0.6 + rng.normal(0, 3)
        bottom = bottom_base + (tabletop - bottom_base) * loss * 0.4 + rng.normal(0, 2.5)
        slow = tempo_scale * (1 + 0.3 * loss)
        # Supine goes down to the bottom and back up; seated goes up to the top and back down.
        far, near = (bottom, top) if supine else (top, bottom)
        start = shin.end
        shin.move(far, np.clip(phase_dur() * slow, *cfg.phase_s))
        t_far = shin.end
        shin.hold(rng.uniform(*cfg.hold_s))
        shin.move(near, np.clip(phase_dur() * slow, *cfg.phase_s))
        t_near = shin.end
        t_bottom, t_top = (t_far, t_near) if supine else (t_near, t_far)
        reps.append(
            {
                "start_s": start,
                "bottom_s": t_bottom,
                "top_s": t_top,
                "end_s": t_near,
                "bottom_deg": bottom,
                "top_deg": top,
            }
        )
        shin.hold(rng.uniform(*cfg.hold_s))
        if supine and cfg.confounders and rng.random() < 0.15:
            # end-range pulses: small nudges at the top, not reps
            for _ in range(rng.integers(2, 4)):
                shin.move(top - rng.uniform(5, 10), rng.uniform(0.4, 0.7))
                shin.move(top, rng.uniform(0.4, 0.7))
            events.append({"kind": "end_range_pulses", "t_s": float(shin.end)})
        if cfg.confounders and rng.random() < 0.15:
            # small wiggle while holding: well under the rep threshold
            here = shin.value
            shin.move(here + rng.uniform(-8, 8), rng.uniform(0.3, 0.6))
            shin.move(here, rng.uniform(0.3, 0.6))
            events.append({"kind": "wiggle", "t_s": float(shin.end)})
        if k == pause_at:
            # a breather at tabletop (supine) or hanging (seated) mid-set
            shin.move(tabletop, phase_dur())
            shin.hold(rng.uniform(3.0, 8.0))
            events.append({"kind": "pause", "t_s": float(shin.end)})
    thigh.move(thigh.value, shin.end - thigh.end)

    if supine:
        # leg back down: foot to the floor
        d = rng.uniform(1.5, 3.0)
        shin.move(rest_e, d)
        thigh.move(thigh0, d)
        events.append({"kind": "finish", "t_s": float(shin.end)})
    both_hold(rng.uniform(2.0, 4.0))
    if cfg.confounders and rng.random() < 0.3:
        # get up and walk about: the shin swings ~45 deg around vertical at gait cadence
        d = rng.uniform(2.0, 3.0)
        shin.move(-90.0, d)
        thigh.move(-90.0, d)
        for _ in range(int(rng.integers(6, 14))):
            half = rng.uniform(0.45, 0.6)
            shin.move(-90 + rng.uniform(15, 25), half)
            thigh.move(-90 - rng.uniform(10, 20), half)
            shin.move(-90 - rng.uniform(20, 30), half)
            thigh.move(-90 + rng.uniform(10, 20), half)
        shin.move(-90.0, 0.5)
        thigh.move(-90.0, shin.end - thigh.end)
        events.append({"kind": "walking", "t_s": float(shin.end)})
        both_hold(rng.uniform(1.0, 2.0))
    return shin, thigh, reps, events


def simulate_session(cfg: SimConfig | None = None, **overrides: Any) -> SimSession:
    """Generate one session: samples in the sensor frame plus ground-truth labels."""
    cfg = cfg or SimConfig()
    for k, v in overrides.items():
        setattr(cfg, k, v)
    rng = np.random.default_rng(cfg.seed)
    leg = cfg.leg or ("left" if rng.random() < 0.5 else "right")
    side = -1.0 if leg == "left" else 1.0  # lateral = -y for the left leg
    shin_tr, thigh_tr, reps, events = _script(cfg, rng)

    duration = shin_tr.end
    dt = 1.0 / cfg.rate_hz
    t = np.arange(0.0, duration, dt)
    e, ed, edd = (np.radians(x) for x in shin_tr.sample(t))
    p, pd, pdd = (np.radians(x) for x in thigh_tr.sample(t))

    # Shin frame columns (world): long axis s (knee->ankle), knee axis y, anterior surface n.
    ce, se = np.cos(e), np.sin(e)
    n_t = len(t)
    R_ws = np.zeros((n_t, 3, 3))
    R_ws[:, 0, 0], R_ws[:, 2, 0] = ce, se
    R_ws[:, 1, 1] = 1.0
    R_ws[:, 0, 2], R_ws[:, 2, 2] = -se, ce

    # Sensor location in the shin frame: along the shin, on the front or the lateral side.
    d_along = rng.uniform(0.12, 0.35)
    mounting = cfg.mounting
    if mounting == "random":
        mounting = "front" if rng.random() < 0.5 else "side"
    if mounting == "front":
        loc = np.array([d_along, 0.0, rng.uniform(0.02, 0.05)])
    else:
        loc = np.array([d_along, side * rng.uniform(0.04, 0.06), 0.0])
    # sensor -> shin: the box lies flat on the skin at loc, turned any way about the skin normal
    R_sm = flat_on_skin(random_rotation(rng), np.array([0.0, loc[1], loc[2]]))

    # Knee position from the thigh: hip at the origin, thigh length L at elevation p.
    L = rng.uniform(0.38, 0.48)
    knee_acc = np.stack(
        [L * (-np.cos(p) * pd**2 - np.sin(p) * pdd), np.zeros(n_t), L * (-np.sin(p) * pd**2 + np.cos(p) * pdd)],
        axis=1,
    )
    # Sensor acceleration: d^2/dt^2 [R(e) loc] with R rotating about y by -e.
    lx, _ly, lz = loc
    # position in world (relative to knee): x = lx*ce - lz*se, z = lx*se + lz*ce
    ax_ = -(lx * ce - lz * se) * ed**2 + (-lx * se - lz * ce) * edd
    az_ = -(lx * se + lz * ce) * ed**2 + (lx * ce - lz * se) * edd
    acc_w = knee_acc + np.stack([ax_, np.zeros(n_t), az_], axis=1)
    specific_w = acc_w + np.array([0.0, 0.0, G])
    omega_w = np.stack([np.zeros(n_t), -ed, np.zeros(n_t)], axis=1)  # rad/s about world y

    # Strap adjustments rotate the box on the shin a little, partway through the set.
    R_sm_t = np.broadcast_to(R_sm, (n_t, 3, 3)).copy()
    omega_extra = np.zeros((n_t, 3))
    strap = None
    if cfg.strap_shift is not None and reps:
        strap = (min(int(cfg.strap_shift[0]), len(reps) - 1), float(cfg.strap_shift[1]))
    elif cfg.confounders and reps and rng.random() < 0.2:
        strap = (int(rng.integers(0, len(reps))), rng.uniform(-12, 12))
    if strap is not None:
        k_rep, ang = strap
        t_adj = reps[k_rep]["end_s"] + 0.2
        dur = 0.6
        m = (t >= t_adj) & (t < t_adj + dur)
        tau = np.clip((t - t_adj) / dur, 0, 1)
        prof = 10 * tau**3 - 15 * tau**4 + 6 * tau**5
        prof_d = (30 * tau**2 - 60 * tau**3 + 30 * tau**4) / dur
        axis = np.array([1.0, 0.0, 0.0])  # about the shin's long axis
        for i in np.nonzero(m)[0]:
            R_sm_t[i] = _axis_angle(axis, ang * prof[i]) @ R_sm
        R_sm_t[t >= t_adj + dur] = _axis_angle(axis, ang) @ R_sm
        # in the shin frame, the extra rate is about the shin axis
        omega_extra[m] = (R_ws[m] @ axis) * math.radians(ang) * prof_d[m][:, None]
        events.append({"kind": "strap_adjust", "t_s": float(t_adj), "deg": float(ang)})

    R_w_sensor = R_ws @ R_sm_t  # sensor -> world
    acc_s = np.einsum("nji,nj->ni", R_w_sensor, specific_w)
    gyr_s = np.degrees(np.einsum("nji,nj->ni", R_w_sensor, omega_w + omega_extra))

    t_out = t.copy()
    keep = np.ones(n_t, dtype=bool)
    if cfg.noise:
        acc_noise = rng.uniform(0.01, 0.06)
        gyr_noise = rng.uniform(0.05, 0.4)
        acc_s = acc_s * (1 + rng.normal(0, 0.01, 3)) + rng.normal(0, 0.08, 3) + rng.normal(0, acc_noise, acc_s.shape)
        bias = rng.normal(0, 1.5, 3)
        drift = rng.normal(0, 0.3, 3) * (t / max(duration, 1.0))[:, None]  # slow thermal drift
        gyr_s = gyr_s * (1 + rng.normal(0, 0.01, 3)) + bias + drift + rng.normal(0, gyr_noise, gyr_s.shape)
        t_out = t + rng.normal(0, 0.1 * dt, n_t)  # timestamp jitter
        t_out = np.maximum.accumulate(t_out + np.arange(n_t) * 1e-9)
        keep &= rng.random(n_t) > rng.uniform(0.0, 0.02)  # isolated drops
        for _ in range(rng.integers(0, 3)):  # bursts: a missed connection event or two
            i0 = int(rng.integers(0, n_t))
            keep[i0 : i0 + int(rng.integers(3, int(0.3 * cfg.rate_hz) + 4))] = False

    chunk = ImuChunk(t_out[keep], acc_s[keep], gyr_s[keep])
    truth_e = np.degrees(e)
    labels = {
        "format": "glide-labels/1",
        "posture": cfg.posture,
        "leg": leg,
        "rate_hz": cfg.rate_hz,
        "seed": cfg.seed,
        "mounting": mounting,
        "rep_count": len(reps),
        "reps": [{k: round(float(v), 4) for k, v in r.items()} for r in reps],
        "events": events,
        "config": {k: v for k, v in asdict(cfg).items()},
    }
    meta = {
        "sample_rate_hz": cfg.rate_hz,
        "device": "glide-simulator",
        "leg": leg,
        "posture": cfg.posture,
        "seed": cfg.seed,
    }
    session = SimSession(chunk=chunk, labels=labels, meta=meta)
    # For accuracy checks (not serialised): true elevation, shin and knee axes in sensor axes.
    session.truth_elevation = (t_out[keep], truth_e[keep])
    session.truth_axes = (R_sm.T @ np.array([1.0, 0, 0]), R_sm.T @ np.array([0, 1.0, 0]))
    return session
