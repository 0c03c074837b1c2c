"""Randomised people and sensors, and the rigid-body rendering of a :class:`Motion` to IMU samples.

A person is a thigh length (with the shank and foot lever that go with it: both scale with
body height, Winter 2009 Fig. 4.1: thigh 0.245 H, shank 0.246 H), a sensor position along and
around the shin, a box lying flat on the skin there turned any way about the skin's normal (face
out or in), either leg, and a sensor with its own noise, bias, scale error, sample rate
(25-200 Hz), timestamp jitter and dropped packets. Rendering is exact kinematics on the motion's
fine grid: the sensor's position is hip + thigh + shin lever, differentiated twice for its
acceleration (so knee translation, centripetal and tangential terms all appear as they would;
over foot-planted stretches the hip is placed from the fixed forefoot, see :func:`hip_path`),
plus heel-strike shocks along the shin, plus gravity, all rotated into the sensor frame; the
gyroscope sees the shin's angular velocity (knee flexion, heading changes, leg roll, strap
turns). Output samples are taken from the fine grid at the sensor's own clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from sensor.core.samples import ImuChunk
from sensor.sim.motion import FOOT_LEVER_H, SHANK_H, Motion, mj
from sensor.sim.simulator import flat_on_skin, random_rotation

G = 9.80665
RATES = (25.0, 50.0, 52.0, 100.0, 104.0, 200.0)


@dataclass
class Person:
    leg: str
    thigh_m: float
    loc: np.ndarray  # sensor position in the shin frame (along, lateral, anterior), m
    R_sm: np.ndarray  # sensor -> shin rotation
    rate_hz: float
    noise: dict[str, Any]  # floats and per-axis arrays; "bursts" is a count

    @property
    def height_m(self) -> float:
        return self.thigh_m / 0.245  # Winter 2009, Fig. 4.1

    @property
    def shank_m(self) -> float:
        """Knee -> ankle: 0.246 x height (Winter 2009); derived so no extra random draw is needed."""
        return SHANK_H * self.height_m

    @property
    def foot_m(self) -> float:
        """Ankle -> forefoot (metatarsal heads), the lever about which a heel-up foot turns."""
        return FOOT_LEVER_H * self.height_m

    @classmethod
    def draw(cls, rng: np.random.Generator, rate_hz: float | None = None) -> Person:
        leg = "left" if rng.random() < 0.5 else "right"
        side = -1.0 if leg == "left" else 1.0
        along = rng.uniform(0.10, 0.35)
        around = np.radians(rng.uniform(-100, 100))  # 0 = front of the shin, +-90 = sides
        r = rng.uniform(0.03, 0.06)
        loc = np.array([along, side * r * np.sin(around), r * np.cos(around)])
        noise = {
            "acc_noise": rng.uniform(0.01, 0.08),
            "acc_scale": rng.normal(0, 0.01, 3),
            "acc_offset": rng.normal(0, 0.08, 3),
            "gyr_noise": rng.uniform(0.05, 0.5),
            "gyr_scale": rng.normal(0, 0.01, 3),
            "gyr_bias": rng.normal(0, 1.5, 3),
            "gyr_drift": rng.normal(0, 0.3, 3),
            "drop": rng.uniform(0.0, 0.03),
            "bursts": int(rng.integers(0, 4)),
        }
        rate = float(rate_hz) if rate_hz else float(rng.choice(RATES))
        thigh = rng.uniform(0.38, 0.50)
        # the box lies flat on the skin at loc (its z axis along the skin normal, in or out)
        R_sm = flat_on_skin(random_rotation(rng), np.array([0.0, loc[1], loc[2]]))
        return cls(leg, thigh, loc, R_sm, rate, noise)


def _rot_x(deg: np.ndarray) -> np.ndarray:
    a = np.radians(deg)
    c, s = np.cos(a), np.sin(a)
    R = np.zeros((len(a), 3, 3))
    R[:, 0, 0] = 1.0
    R[:, 1, 1], R[:, 1, 2], R[:, 2, 1], R[:, 2, 2] = c, -s, s, c
    return R


def hip_path(
    m: Motion,
    person: Person,
    ch: dict[str, np.ndarray],
    f: np.ndarray,
    up: np.ndarray,
    thigh: np.ndarray,
    shin: np.ndarray,
) -> np.ndarray:
    """World hip position on the fine grid: integrated ``v`` and ``hz`` while the foot is free;
    over each planted stretch hip = forefoot - foot - shank - thigh with the forefoot fixed where
    it was at the stretch's start (``thigh``, ``shin``: the segments' unit vectors, hip -> knee and
    knee -> ankle). After a stretch the free path continues from where the planted one ended (a
    constant offset), so position and velocity stay continuous."""
    fs = m.fs
    n = len(ch["e"])
    hip_xy = np.cumsum(ch["v"][:, None] * f[:, :2], axis=0) / fs
    hip = np.concatenate([hip_xy, ch["hz"][:, None]], axis=1)
    if not m.planted:
        return hip

    starts = [i0 for i0, _ in m.planted[1:]] + [n]
    for (i0, i1), nxt in zip(m.planted, starts, strict=True):
        sl = slice(i0, min(i1, n - 1) + 1)
        ft = np.radians(ch["ft"][sl])[:, None]  # ankle -> forefoot
        leg = (
            person.thigh_m * thigh[sl]
            + person.shank_m * shin[sl]
            + person.foot_m * (np.cos(ft) * f[sl] + np.sin(ft) * up[sl])
        )
        planted = hip[i0] + leg[0] - leg
        jump = planted[-1] - hip[sl.stop - 1]
        hip[sl.stop :, :2] += jump[:2]  # forward: carry on from where the planted stretch ended
        # height: the free channel is absolute (standing, seated, on the floor), so the difference
        # fades out (minimum-jerk, zero slope at both ends) before the next planted stretch or in 2 s
        k = min(nxt, sl.stop + int(2 * fs)) - sl.stop
        if k > 0:
            prof, _ = mj(k)
            hip[sl.stop : sl.stop + k, 2] += jump[2] * (1 - prof)
        hip[sl] = planted
    return hip


def _output_average(x: np.ndarray, w: int) -> np.ndarray:
    """The mean of the last ``w`` fine samples at each sample (the first ones: of those there are).

    A MEMS IMU does not point-sample its sensing element at the output rate: its digital filter
    averages the internal (kHz) samples over each output period, with a -3 dB corner near 0.4-0.5 x
    the output rate (Bosch BMI160 datasheet, "Accelerometer/gyroscope filter": normal mode, the
    filter's bandwidth follows the output data rate; BMI323 offers ODR/2 or ODR/4). Point-sampling
    the 200/400-Hz simulation at 25-50 Hz let a 30-ms foot landing fall between two samples and
    vanish, which no real sensor does: averaged over the output period, its impulse (the change of
    velocity it causes) is carried into the sample that covers it. Causal, so the sample lags the
    truth by half an output period, as a real sensor's does.
    """
    if w <= 1:
        return x
    c = np.cumsum(x, axis=0)
    out = np.empty_like(x)
    out[w:] = (c[w:] - c[:-w]) / w
    out[:w] = c[:w] / np.arange(1, w + 1)[:, None]
    return out


def render(m: Motion, person: Person, rng: np.random.Generator) -> tuple[ImuChunk, np.ndarray, np.ndarray]:
    """(samples, true time, true shin elevation at those samples)."""
    ch = m.arrays()
    fs = m.fs
    n = len(ch["e"])
    e, p = np.radians(ch["e"]), np.radians(ch["p"])
    psi, roll = np.radians(ch["psi"]), np.radians(ch["roll"])
    f = np.stack([np.cos(psi), np.sin(psi), np.zeros(n)], axis=1)  # forward
    lat0 = np.stack([-np.sin(psi), np.cos(psi), np.zeros(n)], axis=1)
    z = np.array([0.0, 0.0, 1.0])
    cr, sr = np.cos(roll)[:, None], np.sin(roll)[:, None]
    lat = cr * lat0 + sr * z
    up = -sr * lat0 + cr * z
    ce, se = np.cos(e)[:, None], np.sin(e)[:, None]
    s_ax = ce * f + se * up  # knee -> ankle
    n_ax = -se * f + ce * up  # anterior surface
    thigh = np.cos(p)[:, None] * f + np.sin(p)[:, None] * up
    hip = hip_path(m, person, ch, f, up, thigh, s_ax)
    lx, ly, lz = person.loc
    pos = hip + person.thigh_m * thigh + lx * s_ax + ly * lat + lz * n_ax
    acc = np.gradient(np.gradient(pos, 1 / fs, axis=0), 1 / fs, axis=0)
    # shocks: damped oscillation along the shin toward the knee, a little anterior
    tt = np.arange(n) / fs
    for t_i, peak, freq in m.impacts:
        i0 = int(t_i * fs)
        k = int(0.08 * fs)
        if i0 < 0 or i0 >= n:
            continue
        seg = slice(i0, min(i0 + k, n))
        x = tt[seg] - tt[i0]
        pulse = peak * np.exp(-x / 0.012) * np.sin(2 * np.pi * freq * x + np.pi / 2)
        acc[seg] += pulse[:, None] * (-s_ax[seg] + 0.3 * n_ax[seg])
    specific = acc + G * z
    de = np.gradient(e, 1 / fs)
    omega = (
        np.gradient(psi, 1 / fs)[:, None] * z
        + np.gradient(roll, 1 / fs)[:, None] * f
        - de[:, None] * lat
        + np.gradient(np.radians(ch["strap"]), 1 / fs)[:, None] * s_ax
    )
    R_ws = np.stack([s_ax, lat, n_ax], axis=2)  # columns: shin axes in world
    R = R_ws @ (_rot_x(ch["strap"]) @ person.R_sm)  # sensor -> world
    acc_s = np.einsum("nji,nj->ni", R, specific)
    gyr_s = np.degrees(np.einsum("nji,nj->ni", R, omega))

    # the sensor's clock: its own rate, jitter, drops and bursts of lost packets
    nz = person.noise
    dur = n / fs
    dt = 1.0 / person.rate_hz
    t_out = np.arange(0.0, dur - 2 / fs, dt)
    k_out = len(t_out)
    jit = np.maximum.accumulate(t_out + rng.normal(0, 0.1 * dt, k_out) + np.arange(k_out) * 1e-9)
    idx = np.clip(np.round(t_out * fs).astype(np.int64), 0, n - 1)
    w = max(1, int(round(fs * dt)))
    acc_s, gyr_s = _output_average(acc_s, w), _output_average(gyr_s, w)
    a = acc_s[idx] * (1 + nz["acc_scale"]) + nz["acc_offset"] + rng.normal(0, nz["acc_noise"], (k_out, 3))
    drift = nz["gyr_drift"] * (t_out / max(dur, 1.0))[:, None]
    g = gyr_s[idx] * (1 + nz["gyr_scale"]) + nz["gyr_bias"] + drift + rng.normal(0, nz["gyr_noise"], (k_out, 3))
    keep = rng.random(k_out) > nz["drop"]
    for _ in range(nz["bursts"]):
        i0 = int(rng.integers(0, k_out))
        keep[i0 : i0 + int(rng.integers(3, int(0.3 * person.rate_hz) + 4))] = False
    return ImuChunk(jit[keep], a[keep], g[keep]), t_out[keep], np.degrees(e[idx][keep])
