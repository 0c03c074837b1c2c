"""The ankle's hinge axis and joint centre in each sensor's frame, learnt from the motion itself.

Method of Seel, Raisch and Schauer, "IMU-based joint angle measurement for gait analysis",
Sensors 14(4):6891-6909, 2014 (no code taken from anywhere; written from the paper's equations):

1. **Axis** (paper Sect. 3.1). Two segments joined by a hinge have angular velocities that differ
   only by a rotation about the joint axis, so the components *perpendicular* to the axis have
   equal length: ``|g1 x j1| = |g2 x j2|`` for every sample (g: gyro, j: the axis in that
   sensor's frame). The axes are the least-squares solution over spherical coordinates, here by
   Gauss-Newton with Levenberg-Marquardt damping, started from several directions because the
   cost has local minima. The signs are fixed so that both point the same way in the world:
   during the glide the shin and the foot turn together, so their rates about the axis correlate.
2. **Joint centre** (paper Sect. 3.2). Both sensors see the same acceleration at the joint
   centre once their own rotational terms are removed: ``|a1 - G1 o1| = |a2 - G2 o2|`` with
   ``G(o) = g x (g x o) + dg/dt x o``, again by damped Gauss-Newton.

A limit worth knowing: in the glide the thigh holds still, so the shin turns about the knee axis
only. Then any j1 on the cone around the knee axis with the right opening angle fits equally
well; the fit finds the cone, not the point on it. The gyro part of the angle needs only the cone
(g1 . j1 is the same all around it); the accelerometer part is slowly pulled by the rest. The
foot's axis j2 is seen directly (the foot turns about the knee and the ankle axes).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["HingeAxes", "gamma_matrix", "identify_hinge_axes", "identify_joint_centres", "rate_derivative"]

_D2R = np.pi / 180.0


@dataclass(frozen=True)
class HingeAxes:
    j1: np.ndarray  # joint axis in the shin sensor's frame (unit)
    j2: np.ndarray  # joint axis in the foot sensor's frame (unit), same world direction as j1
    rms_dps: float  # RMS of the hinge-constraint residual: how hinge-like the data were
    samples: int  # samples the fit used
    o1: np.ndarray | None = None  # shin sensor -> joint centre offset (m), shin sensor frame
    o2: np.ndarray | None = None  # foot sensor -> joint centre offset (m), foot sensor frame


def _sph(phi: float, theta: float) -> np.ndarray:
    return np.array([np.cos(phi) * np.cos(theta), np.cos(phi) * np.sin(theta), np.sin(phi)])


def _sph_d(phi: float, theta: float) -> tuple[np.ndarray, np.ndarray]:
    dphi = np.array([-np.sin(phi) * np.cos(theta), -np.sin(phi) * np.sin(theta), np.cos(phi)])
    dtheta = np.array([-np.cos(phi) * np.sin(theta), np.cos(phi) * np.cos(theta), 0.0])
    return dphi, dtheta


def _to_sph(j: np.ndarray) -> tuple[float, float]:
    j = j / np.linalg.norm(j)
    return float(np.arcsin(np.clip(j[2], -1.0, 1.0))), float(np.arctan2(j[1], j[0]))


def _perp_norm(g: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """|g x j| per sample and its gradient with respect to j (for unit j)."""
    gj = g @ j
    gg = np.einsum("ij,ij->i", g, g)
    n = np.sqrt(np.maximum(gg - gj * gj, 1e-12))
    grad = (gg[:, None] * j[None, :] - gj[:, None] * g) / n[:, None]
    return n, grad


def _axes_residual(g1: np.ndarray, g2: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    j1, j2 = _sph(x[0], x[1]), _sph(x[2], x[3])
    n1, d1 = _perp_norm(g1, j1)
    n2, d2 = _perp_norm(g2, j2)
    a1, b1 = _sph_d(x[0], x[1])
    a2, b2 = _sph_d(x[2], x[3])
    return n1 - n2, np.stack([d1 @ a1, d1 @ b1, -(d2 @ a2), -(d2 @ b2)], axis=1)


def _gauss_newton_axes(g1: np.ndarray, g2: np.ndarray, x0: np.ndarray, iters: int) -> tuple[np.ndarray, float]:
    """Gauss-Newton with Levenberg-Marquardt damping: a step is taken only if it lowers the
    cost (plain GN can overshoot out of the basin on data this close to planar)."""
    x = x0.copy()
    e, jac = _axes_residual(g1, g2, x)
    cost = float(e @ e)
    mu = 1e-6
    for _ in range(iters):
        jtj = jac.T @ jac
        scale = np.trace(jtj) / 4 + 1e-12
        step = np.linalg.solve(jtj + mu * scale * np.eye(4), jac.T @ e)
        xn = x - step
        en, jn = _axes_residual(g1, g2, xn)
        cn = float(en @ en)
        if cn < cost:
            x, e, jac, cost = xn, en, jn, cn
            mu = max(mu / 10, 1e-9)
            if np.max(np.abs(step)) < 1e-7:
                break
        else:
            mu *= 10
            if mu > 1e6:
                break
    return x, cost


def _principal_axis(g: np.ndarray) -> np.ndarray:
    _, v = np.linalg.eigh(g.T @ g)
    return np.asarray(v[:, -1])


def identify_hinge_axes(
    gyr1_dps: np.ndarray,
    gyr2_dps: np.ndarray,
    *,
    min_rate_dps: float = 10.0,
    max_samples: int = 3000,
    iters: int = 40,
) -> HingeAxes:
    """The joint axis in each sensor's frame from bias-corrected gyro samples (Seel et al. 2014).

    Only samples where either segment moves faster than ``min_rate_dps`` carry information;
    they are thinned evenly to ``max_samples``. Gauss-Newton is started from the principal
    rotation axes of both sensors (a good guess for a knee-and-ankle movement in one plane)
    and from a few spread-out directions, and the best fit wins: the cost has local minima.
    """
    g1 = np.asarray(gyr1_dps, float).reshape(-1, 3) * _D2R
    g2 = np.asarray(gyr2_dps, float).reshape(-1, 3) * _D2R
    speed = np.maximum(np.linalg.norm(g1, axis=1), np.linalg.norm(g2, axis=1))
    use = np.nonzero(speed > min_rate_dps * _D2R)[0]
    if len(use) < 20:
        raise ValueError("too little movement to identify the ankle axis")
    if len(use) > max_samples:
        use = use[np.linspace(0, len(use) - 1, max_samples).astype(np.int64)]
    g1, g2 = g1[use], g2[use]

    p1, p2 = _principal_axis(g1), _principal_axis(g2)
    starts = [np.array([*_to_sph(p1), *_to_sph(p2)])]
    for phi1, th1, phi2, th2 in ((0.3, 0.5, -0.4, 2.0), (-0.8, 2.5, 0.7, -1.0), (1.0, -2.0, 0.2, 0.8)):
        starts.append(np.array([phi1, th1, phi2, th2]))
    best_x, best_c = starts[0], np.inf
    for x0 in starts:
        x, c = _gauss_newton_axes(g1, g2, x0, iters)
        if c < best_c:
            best_x, best_c = x, c
    j1, j2 = _sph(best_x[0], best_x[1]), _sph(best_x[2], best_x[3])
    # Same world direction: the segments turn together, so their rates about the axis correlate.
    if float((g1 @ j1) @ (g2 @ j2)) < 0:
        j2 = -j2
    rms = float(np.sqrt(best_c / len(g1))) / _D2R
    return HingeAxes(j1=j1, j2=j2, rms_dps=rms, samples=len(g1))


def gamma_matrix(g: np.ndarray, gd: np.ndarray) -> np.ndarray:
    """Per-sample matrix K with K @ o = g x (g x o) + gd x o (all in rad/s, rad/s^2)."""
    n = len(g)

    def skew(v: np.ndarray) -> np.ndarray:
        s = np.zeros((n, 3, 3))
        s[:, 0, 1], s[:, 0, 2] = -v[:, 2], v[:, 1]
        s[:, 1, 0], s[:, 1, 2] = v[:, 2], -v[:, 0]
        s[:, 2, 0], s[:, 2, 1] = -v[:, 1], v[:, 0]
        return s

    sg = skew(g)
    return np.asarray(sg @ sg + skew(gd))


def rate_derivative(t: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Backward difference of the gyro (rad/s^2): causal, so streaming gives the same numbers."""
    d = np.zeros_like(g)
    if len(t) > 1:
        dt = np.maximum(np.diff(t), 1e-4)
        d[1:] = np.diff(g, axis=0) / dt[:, None]
    return d


def identify_joint_centres(
    t: np.ndarray,
    acc1: np.ndarray,
    gyr1_dps: np.ndarray,
    acc2: np.ndarray,
    gyr2_dps: np.ndarray,
    axes: HingeAxes,
    *,
    max_samples: int = 3000,
    iters: int = 15,
    max_offset_m: float = 0.8,
) -> HingeAxes:
    """Joint-centre offsets o1, o2 (Seel et al. 2014, Sect. 3.2); returns ``axes`` with them set.

    The solution is free to slide along the axis (every point on it moves alike), so a small
    damping keeps GN well posed and the result is shifted to the point nearest both sensors,
    as the paper does. A fit that does not lower the residual, or lands somewhere no ankle can
    be, is dropped (o = 0): the filter then falls back on its gyro part.
    """
    g1, g2 = gyr1_dps * _D2R, gyr2_dps * _D2R
    gd1, gd2 = rate_derivative(t, g1), rate_derivative(t, g2)
    idx = np.arange(len(t))
    if len(idx) > max_samples:
        idx = idx[np.linspace(0, len(idx) - 1, max_samples).astype(np.int64)]
    k1, k2 = gamma_matrix(g1[idx], gd1[idx]), gamma_matrix(g2[idx], gd2[idx])
    a1, a2 = acc1[idx], acc2[idx]

    def residual(o: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        v1 = a1 - k1 @ o[:3]
        v2 = a2 - k2 @ o[3:]
        n1 = np.maximum(np.linalg.norm(v1, axis=1), 1e-9)
        n2 = np.maximum(np.linalg.norm(v2, axis=1), 1e-9)
        return n1 - n2, v1 / n1[:, None], v2 / n2[:, None]

    o = np.zeros(6)
    e0 = residual(o)[0]
    c0 = float(e0 @ e0)
    for _ in range(iters):
        e, u1, u2 = residual(o)
        jac = np.concatenate([-np.einsum("ni,nij->nj", u1, k1), np.einsum("ni,nij->nj", u2, k2)], axis=1)
        jtj = jac.T @ jac
        step = np.linalg.solve(jtj + 1e-6 * np.trace(jtj) * np.eye(6) + 1e-9 * np.eye(6), jac.T @ e)
        o = o - step
        if np.max(np.abs(step)) < 1e-6:
            break
    e = residual(o)[0]
    o1, o2 = o[:3], o[3:]
    shift = 0.5 * (o1 @ axes.j1 + o2 @ axes.j2)
    o1, o2 = o1 - shift * axes.j1, o2 - shift * axes.j2
    ok = float(e @ e) < c0 and max(np.linalg.norm(o1), np.linalg.norm(o2)) < max_offset_m
    if not ok:
        o1, o2 = np.zeros(3), np.zeros(3)
    return HingeAxes(axes.j1, axes.j2, axes.rms_dps, axes.samples, o1, o2)
