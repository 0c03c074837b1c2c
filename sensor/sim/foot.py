"""A foot segment hung from the simulated shin: what an IMU on the top of the foot sees.

Why separate from :mod:`sensor.sim.simulator`: the shin model is the source of truth for the rep
counter and must not change when a foot is added (the shin pipeline never sees foot data). So
this module takes a finished shin session (its samples, labels and true elevation) and adds a
foot whose motion is scripted per rep:

- **correct**: dorsiflex on the way down, plantarflex (point) on the way up;
- **neutral**: the foot stays put (a few degrees of wobble);
- **reversed**: point on the way down, flex on the way up;
- **partial**: the correct direction at 10-45 % of the amplitude;
- **late**: the correct targets, but each ankle movement starts 40-100 % of a phase late.

Ranges: normal active ankle motion is about 10-20 deg of dorsiflexion and 40-50 deg of
plantarflexion (American Academy of Orthopaedic Surgeons, *Joint Motion: Method of Measuring
and Recording*, 1965; Soucie et al., "Range of motion measurements: reference values and a
database for comparison studies", Haemophilia 17(3):500-507, 2011). A person doing the glide
uses 60-100 % of that.

The ankle is modelled as an *oblique* hinge, not an ideal one parallel to the knee: Inman
(*The Joints of the Ankle*, 1976) found the empirical talocrural axis inclined about 7 deg from
the transverse plane (82.7 +- 3.7 deg to the tibia) and rotated externally relative to the knee
axis by tibial torsion; here up to 10 deg and 25 deg respectively. A few degrees of inversion /
eversion about the foot's long axis break the hinge on purpose, as real feet do.

Limits (said plainly): the knee is taken as fixed in space (true while the thigh holds at
tabletop during the reps; while the thigh moves, at set-up and walking, the foot's accelerometer
misses the knee's own acceleration); soft-tissue motion of the foot sensor is not modelled.
Angles: ``ankle_deg`` is plantarflexion about the ankle axis, 0 = foot at right angles to the
shin, positive = toes pointed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from scipy.interpolate import CubicSpline

from sensor.core.samples import ImuChunk

__all__ = [
    "FOOT_COLUMNS",
    "PATTERNS",
    "FootSession",
    "rotation_about",
    "simulate_foot",
    "simulate_foot_for",
]

G = 9.80665
Pattern = Literal["correct", "neutral", "reversed", "partial", "late"]
PATTERNS: tuple[Pattern, ...] = ("correct", "neutral", "reversed", "partial", "late")
DORSI_DEG = (10.0, 20.0)
PLANTAR_DEG = (40.0, 50.0)


@dataclass
class FootSession:
    chunk: ImuChunk  # foot sensor samples on the shin's time stamps
    ankle_deg: np.ndarray  # true plantarflexion at each sample
    labels: list[dict[str, Any]]  # per shin rep: pattern, ankle at bottom/top, swing
    meta: dict[str, Any] = field(default_factory=dict)


def rotation_about(axis: np.ndarray, rad: np.ndarray) -> np.ndarray:
    """Rodrigues: (n, 3, 3) rotations by ``rad`` (n,) about the unit ``axis``."""
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]], float)
    s, c = np.sin(rad)[:, None, None], np.cos(rad)[:, None, None]
    return np.asarray(np.eye(3) + s * k + (1 - c) * (k @ k))


def _random_rotation(rng: np.random.Generator) -> np.ndarray:
    q = rng.normal(size=4)
    w, x, y, z = q / np.linalg.norm(q)
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )


class _Waypoints:
    """A joint angle as minimum-jerk moves between waypoints (Flash & Hogan 1985)."""

    def __init__(self, t0: float, v0: float) -> None:
        self.t, self.v = [t0], [v0]

    def move(self, t_start: float, t_end: float, to: float) -> None:
        t_start = max(t_start, self.t[-1])
        t_end = max(t_end, t_start + 0.05)
        self.t += [t_start, t_end]
        self.v += [self.v[-1], to]

    def __call__(self, t: np.ndarray) -> np.ndarray:
        tk, vk = np.asarray(self.t), np.asarray(self.v)
        i = np.clip(np.searchsorted(tk, t, side="right") - 1, 0, len(tk) - 2)
        dur = np.maximum(tk[i + 1] - tk[i], 1e-9)
        tau = np.clip((t - tk[i]) / dur, 0.0, 1.0)
        return np.asarray(vk[i] + (vk[i + 1] - vk[i]) * (10 * tau**3 - 15 * tau**4 + 6 * tau**5))


def _shin_moves(
    reps: list[dict[str, Any]], posture: str, te: np.ndarray, e: np.ndarray
) -> list[tuple[float, float, float, float]]:
    """Per rep: (down_start, down_end, up_start, up_end) from the labels and the true elevation.

    Labels give the arrival at each turning point; the departure from the far one is where the
    true elevation first leaves it again."""
    out = []
    for r in reps:
        supine = posture == "supine"
        far = r["bottom_s"] if supine else r["top_s"]
        m = (te >= far) & (te <= r["end_s"])
        if m.any():
            e_far = np.interp(far, te, e)
            still = np.abs(e[m] - e_far) < 1.0
            leave = float(te[m][np.nonzero(still)[0][-1]]) if still.any() else far
        else:
            leave = far
        first, second = (r["start_s"], far), (leave, r["end_s"])
        down, up = (first, second) if supine else (second, first)
        out.append((float(down[0]), float(down[1]), float(up[0]), float(up[1])))
    return out


def simulate_foot(
    shin_t: np.ndarray,
    shin_elevation: tuple[np.ndarray, np.ndarray],
    reps: list[dict[str, Any]],
    posture: str,
    leg: str,
    seed: int,
    patterns: tuple[str, ...] = PATTERNS,
    pattern: str | None = None,
    noise: bool = True,
    rate_hz: float = 100.0,
) -> FootSession:
    """The foot IMU for one shin session.

    ``shin_t``: the shin's sample times (the foot is sampled at the same instants);
    ``shin_elevation``: (t, deg) true shin elevation, as the shin simulator reports it;
    ``reps``: the shin's rep labels (start/bottom/top/end seconds). ``pattern`` forces one ankle
    pattern for every rep; otherwise each rep draws one from ``patterns``. Uses its own random
    stream, so the shin session is untouched.
    """
    rng = np.random.default_rng([int(seed), 0xF007])
    side = -1.0 if leg == "left" else 1.0
    te, e_deg = (np.asarray(x, float) for x in shin_elevation)
    # The shin simulator stamps jittered times on samples taken on a regular grid: snap back to
    # the grid so the spline (and its derivatives) are smooth.
    grid = np.round(te * rate_hz) / rate_hz
    grid, first = np.unique(grid, return_index=True)
    e_spline = CubicSpline(grid, np.radians(e_deg[first]))
    t_nom = np.round(np.asarray(shin_t, float) * rate_hz) / rate_hz

    # --- ankle script
    rest = rng.uniform(0.0, 15.0)  # foot flat on the floor: slightly pointed
    ankle = _Waypoints(0.0, rest)
    inv = _Waypoints(0.0, rng.normal(0, 2.0))  # inversion/eversion, off the hinge
    moves = _shin_moves(reps, posture, grid, np.degrees(e_spline(grid)))
    labels: list[dict[str, Any]] = []
    for d0, d1, u0, u1 in moves:
        pat = pattern or str(rng.choice(patterns))
        f = rng.uniform(0.6, 1.0)
        flexed, pointed = -rng.uniform(*DORSI_DEG) * f, rng.uniform(*PLANTAR_DEG) * f
        lag_d = lag_u = 0.0
        if pat == "neutral":
            c = rng.uniform(-5.0, 10.0)
            bottom_target, top_target = c + rng.normal(0, 2.0), c + rng.normal(0, 2.0)
        elif pat == "reversed":
            bottom_target, top_target = pointed, flexed
        elif pat == "partial":
            q = rng.uniform(0.1, 0.45)
            mid = rng.uniform(-5.0, 10.0)
            bottom_target, top_target = mid + q * (flexed - mid), mid + q * (pointed - mid)
        else:
            bottom_target, top_target = flexed, pointed
            if pat == "late":
                lag_d = rng.uniform(0.4, 1.0) * (d1 - d0)
                lag_u = rng.uniform(0.4, 1.0) * (u1 - u0)
        # in time order: supine lowers first, seated raises first
        for a0, a1, lag, target in sorted([(d0, d1, lag_d, bottom_target), (u0, u1, lag_u, top_target)]):
            ankle.move(a0 + lag, a1 + lag, target)
            inv.move(a0, a1, rng.normal(0, 3.0))
        labels.append({"pattern": pat})
    if moves:
        end = moves[-1][3] if posture == "supine" else moves[-1][1]
        ankle.move(end + 1.0, end + 3.0, rest)

    wob_f = rng.uniform(0.2, 0.5)
    wob_a, wob_p = rng.uniform(0.3, 1.5), rng.uniform(0, 2 * np.pi)

    def alpha(tt: np.ndarray) -> np.ndarray:
        return np.asarray(ankle(tt) + wob_a * np.sin(2 * np.pi * wob_f * tt + wob_p))

    for lab, r in zip(labels, reps):
        a_b, a_t = float(alpha(np.array([r["bottom_s"]]))[0]), float(alpha(np.array([r["top_s"]]))[0])
        lab.update(ankle_bottom_deg=round(a_b, 3), ankle_top_deg=round(a_t, 3), ankle_swing_deg=round(a_t - a_b, 3))

    # --- geometry (shin frame columns: s knee->ankle, y knee axis, n anterior; as the shin model)
    shin_len = rng.uniform(0.36, 0.46)
    torsion = math.radians(side * rng.uniform(0.0, 25.0))
    tilt = math.radians(side * rng.uniform(0.0, 10.0))
    ax = rotation_about(np.array([0.0, 0.0, 1.0]), np.array([tilt]))[0] @ np.array([0.0, 1.0, 0.0])
    ax = rotation_about(np.array([1.0, 0.0, 0.0]), np.array([torsion]))[0] @ ax
    ankle_axis = ax / np.linalg.norm(ax)
    foot_long = np.array([0.0, 0.0, 1.0])  # heel->toe at neutral: along the shin's anterior
    loc = np.array([-rng.uniform(0.03, 0.06), side * rng.uniform(-0.02, 0.02), rng.uniform(0.05, 0.11)])
    r_fs = _random_rotation(rng)  # foot sensor -> foot frame: any strap orientation

    def pose(tt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ev = e_spline(tt)
        ce, se = np.cos(ev), np.sin(ev)
        r_ws = np.zeros((len(tt), 3, 3))
        r_ws[:, 0, 0], r_ws[:, 2, 0] = ce, se
        r_ws[:, 1, 1] = 1.0
        r_ws[:, 0, 2], r_ws[:, 2, 2] = -se, ce
        r_sf = rotation_about(ankle_axis, np.radians(alpha(tt))) @ rotation_about(foot_long, np.radians(inv(tt)))
        r_wf = r_ws @ r_sf
        pos = r_ws @ np.array([shin_len, 0.0, 0.0]) + r_wf @ loc
        return r_wf @ r_fs, pos

    # Two sensors, two clocks: after resampling onto the shin's rows the foot is still up to
    # 20 ms early or late (one BLE connection interval or so).
    skew = rng.uniform(-0.02, 0.02) if noise else 0.0
    t_foot = t_nom + skew
    h = 1e-3
    r0, p0 = pose(t_foot)
    rp, pp = pose(t_foot + h)
    rm, pm = pose(t_foot - h)
    acc_w = (pp - 2 * p0 + pm) / (h * h) + np.array([0.0, 0.0, G])
    w_skew = np.einsum("nji,njk->nik", r0, (rp - rm) / (2 * h))  # R^T dR/dt: body rates
    gyr = np.degrees(np.stack([w_skew[:, 2, 1], w_skew[:, 0, 2], w_skew[:, 1, 0]], axis=1))
    acc = np.einsum("nji,nj->ni", r0, acc_w)

    if noise:
        n = len(t_nom)
        acc = (
            acc * (1 + rng.normal(0, 0.01, 3)) + rng.normal(0, 0.08, 3) + rng.normal(0, rng.uniform(0.01, 0.06), (n, 3))
        )
        span = max(float(t_nom[-1] - t_nom[0]), 1.0) if n else 1.0
        drift = rng.normal(0, 0.3, 3) * ((t_nom - t_nom[0]) / span)[:, None] if n else np.zeros((0, 3))
        gyr = gyr * (1 + rng.normal(0, 0.01, 3)) + rng.normal(0, 1.5, 3) + drift
        gyr = gyr + rng.normal(0, rng.uniform(0.05, 0.4), (n, 3))
        # the foot's own lost packets: the resampler bridges them with straight lines
        for _ in range(int(rng.integers(0, 4))):
            i0 = int(rng.integers(1, max(n - 2, 2)))
            i1 = min(i0 + int(rng.uniform(0.05, 0.5) * rate_hz), n - 1)
            if i1 - i0 < 2:
                continue
            w = ((t_nom[i0:i1] - t_nom[i0 - 1]) / (t_nom[i1] - t_nom[i0 - 1]))[:, None]
            acc[i0:i1] = (1 - w) * acc[i0 - 1] + w * acc[i1]
            gyr[i0:i1] = (1 - w) * gyr[i0 - 1] + w * gyr[i1]

    meta = {
        "ankle_axis_shin": ankle_axis.tolist(),
        "ankle_axis_sensor": (r_fs.T @ ankle_axis).tolist(),
        "torsion_deg": math.degrees(torsion),
        "tilt_deg": math.degrees(tilt),
        "clock_skew_s": skew,
    }
    return FootSession(ImuChunk(np.asarray(shin_t, float), acc, gyr), alpha(t_nom), labels, meta)


def simulate_foot_for(session: Any, **kw: Any) -> FootSession:
    """Convenience: the foot for a :class:`sensor.sim.simulator.SimSession`."""
    lab = session.labels
    return simulate_foot(
        session.chunk.t,
        session.truth_elevation,
        lab["reps"],
        lab["posture"],
        lab["leg"],
        int(lab["seed"]),
        rate_hz=float(lab["rate_hz"]),
        **kw,
    )


FOOT_COLUMNS = ("foot_ax_mps2", "foot_ay_mps2", "foot_az_mps2", "foot_gx_dps", "foot_gy_dps", "foot_gz_dps")
