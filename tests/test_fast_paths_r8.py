"""The round-8 speed paths (issue 14) give exactly what the code they replace gives, bit for bit.

``CurveLandings.marked`` given the context tracker's jumps judges in full only the samples next to
a jump near the bound (a residual is never larger than the larger jump either side of it); the
general path judges every sample of the piece joined to the carried ones. Both are fed the same
pieces of real and simulated recordings, chunked from 1 sample to thousands, with holes. The
context tracker finds a piece without shocks or soft landings by its largest jump; whole sessions
with footsteps and set-break landings give the same events with that shortcut disabled. The
pivot fits' quaternion scan (``sensor.core.quat_scan``) gives the row-wise scan's bits on real
and random rotations. Whole sessions are also compared by ``sensor/sim/bench_digest.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sensor.core import context
from sensor.core.context import ContextConfig
from sensor.core.dsp import diff_from, norm3
from sensor.core.landing import CurveLandings
from sensor.core.pipeline import Pipeline
from sensor.core.pivot import orientations
from sensor.core.quat_scan import scan_products
from sensor.io.uci import read_uci
from sensor.sim.corpus import make_session

A = np.ndarray  # (signatures)


class _Counting(CurveLandings):
    """Counts the pieces of two or more samples the general path judged (the fast path must
    take all of them once two samples are carried; a 1-sample piece has no right neighbour)."""

    general = 0
    judged = 0  # triples judged in full (both paths)

    def _judge_all(self, t: np.ndarray, acc: np.ndarray, gap: np.ndarray) -> np.ndarray:
        self.general += len(t) > 1
        return super()._judge_all(t, acc, gap)

    def _over(self, *rows: np.ndarray) -> np.ndarray:
        self.judged += len(rows[0])
        return super()._over(*rows)


def _marks(t: A, acc: A, gap: A, sizes: list[int], fast: bool) -> tuple[A, _Counting]:
    """(every marked time, the landings object), the jumps made as the context tracker makes
    them (from the last sample of the piece before; zero at a hole)."""
    cfg = ContextConfig()
    c = _Counting(cfg.landing_curve_mps2, cfg.max_jerk, cfg.merge_s)
    out, prev, k = [], acc[0], 0
    for s in sizes:
        tt, aa, gg = t[k : k + s], acc[k : k + s], gap[k : k + s]
        k += s
        jump = norm3(diff_from(aa, prev))
        jump[gg] = 0.0
        prev = aa[-1]
        out.append(c.marked(tt, aa, gg, jump if fast else None))
    return np.concatenate(out), c


def _chunkings(n: int, rng: np.random.Generator) -> list[list[int]]:
    """Live-like (1-12 samples), mid (1-300) and big (500-5000) pieces covering ``n`` samples."""
    out = []
    for lo, hi in ((1, 12), (1, 300), (500, 5000)):
        sizes = rng.integers(lo, hi, n).tolist()
        cum = np.cumsum(sizes)
        out.append(sizes[: int(np.searchsorted(cum, n)) + 1])
    return out


def _check(t: np.ndarray, acc: np.ndarray, seed: int) -> tuple[int, float]:
    """Both paths over three chunkings, with and without holes: (marks found, the share of the
    judged samples the fast path judged in full)."""
    rng = np.random.default_rng(seed)
    found, full, judged = 0, 0, 0
    for holes in (np.zeros(len(t), bool), rng.random(len(t)) < 0.02):
        for sizes in _chunkings(len(t), rng):
            want, slow = _marks(t, acc, holes, sizes, fast=False)
            got, fast = _marks(t, acc, holes, sizes, fast=True)
            assert np.array_equal(got, want)
            assert fast.general <= 2  # the first pieces only, before two samples are carried
            found, full, judged = found + len(want), full + fast.judged, judged + slow.judged
    return found, full / judged


def test_real_25_hz_knee_extensions(uci_dir: Path) -> None:
    """UCI shin recording, 25 Hz: fast knee extensions jump by up to 4 m/s^2 between samples
    (the bound is 3 there), so the fast path judges many samples in full, and marks the one
    contact-like sample of the 30 reps in every chunking as the general path does."""
    chunk = read_uci(uci_dir / "s1" / "e1" / "u2" / "test.txt")
    found, full = _check(chunk.t, chunk.acc, 0)
    assert found == 6
    assert 0.01 < full < 0.5


@pytest.mark.parametrize(("kind", "seed"), [("negative", 4204), ("negative", 526)])
def test_simulated_set_break_landings(kind: str, seed: int) -> None:
    """A 50-Hz supine session whose set breaks land off the curve, and a 52-Hz one."""
    cs = make_session(kind, seed, posture="supine")
    found, full = _check(cs.chunk.t, cs.chunk.acc, seed)
    assert found > 10 and full < 0.5


def test_a_residual_at_the_floor_is_judged() -> None:
    """A kink whose residual lies just over the floor, its jumps a hair above it: judged in full
    (the margin keeps rounding from hiding it), and a kink just under the floor is not marked."""
    dt = 0.005
    t = np.arange(40) * dt
    for over in (True, False):
        acc = np.zeros((40, 3))
        r = 1.0 + (1e-9 if over else -1e-9)
        acc[20, 0] = r  # residual of sample 20: r (both neighbours at 0); both its jumps r too
        got, c = _marks(t, acc, np.zeros(40, bool), [7] * 6, fast=True)
        assert c.judged >= 2  # samples 19-21 have a jump within JUMP_MARGIN of the floor
        assert list(got) == ([t[20]] if over else [])


@pytest.mark.parametrize(
    ("kind", "seed", "posture", "sizes"),
    [("negative", 4204, "supine", (10,)), ("negative", 3817, "seated", (1000,))],
)
def test_calm_pieces_give_the_general_paths_events(
    kind: str, seed: int, posture: str, sizes: tuple[int, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Set-break landings (supine, 50 Hz) and walking lunges' footsteps (seated, 100 Hz), in
    pieces of 10 and 1000 samples: the same events, reps and shock times when the tracker must
    compare every jump with its threshold (its largest jump reported as infinite)."""
    cs = make_session(kind, seed, posture=posture)
    tops: list[float] = []

    def run(size: int) -> str:
        p, out, shocks = Pipeline(cs.posture, cs.rate_hz), [], []
        for part in cs.chunk.split([size] * (len(cs.chunk) // size + 1)):
            out += p.feed(part)
            if p._context is not None:
                shocks.append(p._context.shock_times)
        out += p.finish()
        return repr((out, p.reps, p.stats, np.concatenate(shocks).tolist()))

    def recorded(x: np.ndarray) -> float:
        tops.append(float(np.max(x)))
        return tops[-1]

    for size in sizes:
        monkeypatch.setattr(context, "amax", recorded)
        want = run(size)
        monkeypatch.setattr(context, "amax", lambda x: np.inf)
        assert run(size) == want
        monkeypatch.undo()
    soft = ContextConfig().landing_mps2
    assert sum(x <= soft for x in tops) >= 3  # pieces that take the shortcut ...
    assert sum(x > soft for x in tops) >= 3  # ... and pieces with a landing or a footstep


def _rowwise_scan(q: A) -> A:
    """The scan as pivot.orientations ran it before round 8: quaternions as rows of four, each
    round's products stacked and joined to the rows it keeps (the reference)."""

    def qmul(p: A, r: A) -> A:
        pw, px, py, pz = p[..., 0], p[..., 1], p[..., 2], p[..., 3]
        qw, qx, qy, qz = r[..., 0], r[..., 1], r[..., 2], r[..., 3]
        return np.stack(
            [
                pw * qw - px * qx - py * qy - pz * qz,
                pw * qx + px * qw + py * qz - pz * qy,
                pw * qy - px * qz + py * qw + pz * qx,
                pw * qz + px * qy - py * qx + pz * qw,
            ],
            axis=-1,
        )

    d = 1
    while d < len(q):
        q = np.concatenate([q[:d], qmul(q[:-d], q[d:])])
        d *= 2
    return q


def _steps(w_rad: A, dt: A) -> A:
    """orientations()'s rotation steps (its first lines), the scan's input."""
    rv = w_rad * dt[:, None]
    ang = np.linalg.norm(rv, axis=1)
    half = 0.5 * ang
    k = np.where(ang > 1e-12, np.sin(half) / np.maximum(ang, 1e-12), 0.5)
    q = np.concatenate([np.cos(half)[:, None], rv * k[:, None]], axis=1)
    q[0] = (1.0, 0.0, 0.0, 0.0)
    return q


def test_quaternion_scan_has_the_row_wise_bits(uci_dir: Path) -> None:
    """Every length from 1 to 70 and windows of up to 3000 samples of the UCI 25-Hz recording's
    rates (real gyro noise and fast extensions), random unit quaternions with exact zeros and
    signed zeros among them: the same bits, and orientations() still turns a constant rate into
    the exact rotation."""
    chunk = read_uci(uci_dir / "s1" / "e1" / "u2" / "test.txt")
    w, dt = np.radians(chunk.gyr), np.diff(chunk.t, prepend=chunk.t[0])
    rng = np.random.default_rng(3)
    cases = [_steps(w[a : a + n], dt[a : a + n]) for n in [*range(1, 71), 129, 600, 3000] for a in (0, 1234)]
    for n in (5, 64, 1000):
        q = rng.normal(size=(n, 4))
        q[rng.random(n) < 0.1, 1:] = 0.0
        q[rng.random(n) < 0.1, 2] = -0.0
        cases.append(q / np.linalg.norm(q, axis=1, keepdims=True))
    for q in cases:
        got = scan_products(q)
        assert got.flags.c_contiguous and got.tobytes() == _rowwise_scan(q).tobytes()
    turn = orientations(np.tile([0.0, 0.0, 0.5], (101, 1)), np.full(101, 0.02))[-1]  # 1 rad about z
    want = np.array([[np.cos(1.0), -np.sin(1.0)], [np.sin(1.0), np.cos(1.0)]])
    assert turn[:2, :2] == pytest.approx(want, abs=1e-12)
