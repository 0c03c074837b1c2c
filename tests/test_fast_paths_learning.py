"""The speed paths of the mounting's learning (issue 14) give what they replace, bit for bit.

Each check runs a fast path against the code or numpy call it stands for, on inputs built to
reach the cases where it could differ: the interval median placed by carried counts (hits and
misses, uniform, few-valued and jittery clocks), the evidence's windows judged one by one or
vectorised and derived lazily, np.gradient written out, one design matrix for both fit passes,
the kept plane angles, the side vote's counts, the first rest's count kept per lever, the averaged
fit's running means (both halves at once, each column once), the noise share without np.median
and np.gradient, and the lever line's plain fits taken from the window walk. Whole sessions are
compared by ``sensor/sim/bench_digest.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

from sensor.core import lever_line, mount_evidence, mounting, pipeline
from sensor.core.interval_median import IntervalMedian
from sensor.core.lever_fit import _lstsq, _pair_means, centred_mean, fit_window, rate_slope, turned
from sensor.core.mount_evidence import MountEvidence
from sensor.core.mounting import MountConfig, _plane_basis
from sensor.core.shin_prior import PriorConfig
from sensor.core.side_vote import plane_deg, side_vote
from sensor.core.upright import Upright
from sensor.core.window_memo import WindowMemo
from sensor.sim.corpus import make_session


def _times(kind: str, n: int, rng: np.random.Generator) -> np.ndarray:
    if kind == "uniform":  # the rounding of arange / rate: a few dozen distinct intervals
        return 1000.0 + np.arange(n) / 200.0
    if kind == "few":  # a clock that stalls and doubles: the middle value changes often
        return np.cumsum(rng.choice([0.005, 0.01, 0.0049, 0.02], n, p=[0.4, 0.3, 0.2, 0.1]))
    if kind == "exact":  # equal steps (np.gradient's scalar branch)
        return np.arange(n) * 0.25
    return np.cumsum(0.005 + rng.uniform(-1e-3, 1e-3, n))  # jitter: every interval distinct


@pytest.mark.parametrize("kind", ["uniform", "few", "jitter"])
def test_interval_median_is_np_median_for_every_forward_query(kind: str) -> None:
    """Forward queries (the pipeline's movement ends), in steps of 1 to 3000 intervals, a few
    going back: each answer has np.median's bits, and the placed value answers most of them on
    a uniform clock."""
    rng = np.random.default_rng({"uniform": 1, "few": 2, "jitter": 3}[kind])
    n = 20_000
    dt = np.diff(_times(kind, n, rng), prepend=0.0)
    dt[0] = 0.0
    med, end, placed = IntervalMedian(), 2, 0
    while end < n:
        end = min(end + int(rng.integers(1, 3000 if rng.random() < 0.3 else 60)), n)
        placed += med._m is not None and end >= med._placed
        assert med.at(dt, end) == float(np.median(dt[1:end]))
        if rng.random() < 0.05:
            back = int(rng.integers(3, end + 1))
            assert med.at(dt, back) == float(np.median(dt[1:back]))
    assert med.many == (kind == "jitter")
    if kind == "uniform":
        assert placed > 20


def _stream(seed: int, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Movements (some at gait-swing rates), rests and foot-contact spikes, uneven time."""
    rng = np.random.default_rng(seed)
    t = _times(["uniform", "few", "jitter"][seed % 3], n, rng)
    gyr = rng.normal(0, 1.0, (n, 3))
    acc = np.tile([0.0, 0.0, 9.81], (n, 1)) + rng.normal(0, 0.05, (n, 3))
    pos = 0
    while pos < n:
        length = int(rng.integers(20, 600))
        if rng.uniform() < 0.6:
            peak = rng.choice([40.0, 120.0, 400.0])  # 400 deg/s: a gait swing
            gyr[pos : pos + length, int(rng.integers(3))] += peak * np.sin(np.linspace(0, np.pi, min(length, n - pos)))
        if rng.uniform() < 0.3:
            acc[min(pos + int(rng.integers(length)), n - 1)] += rng.normal(0, 15.0, 3)  # a foot contact
        pos += length
    return t, acc, gyr


def _answers(t: np.ndarray, acc: np.ndarray, gyr: np.ndarray, sizes: list[int], seed: int) -> list[object]:
    """The evidence (as plain values) at the same rising query ends, over pieces of ``sizes``:
    each end is asked once the piece holding it is in."""
    rng = np.random.default_rng(seed)
    ends = np.unique(rng.integers(1, len(t) + 1, 150)).tolist()
    ev, out, pos, k = MountEvidence(MountConfig()), list[object](), 0, 0
    while pos < len(t):
        b = min(pos + sizes[k % len(sizes)], len(t))
        ev.append(t[pos:b], acc[pos:b], gyr[pos:b])
        while ends and ends[0] <= b:
            got = ev.at(ends.pop(0))
            arrays = [x.tobytes() for x in got if isinstance(x, np.ndarray)] if got is not None else []
            out.append(None if got is None else (got.dt_nom, got.windows, *arrays))
        pos, k = b, k + 1
    return out


@pytest.mark.parametrize("seed", range(6))
def test_windows_judged_one_by_one_are_the_vectorised_windows(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The evidence's windows with the few-runs path (runs refused for good settled early), with
    the vectorised path only, and derived lazily from pieces of 5 to 30,000 samples: the same
    answers at the same queries."""
    t, acc, gyr = _stream(seed, 6000)
    chunkings = [[5], [37, 400, 3], [6000]]
    want = _answers(t, acc, gyr, [1000], seed)
    for sizes in chunkings:
        assert _answers(t, acc, gyr, sizes, seed) == want
    monkeypatch.setattr(mount_evidence, "_FEW_RUNS", -1)
    for sizes in chunkings:
        assert _answers(t, acc, gyr, sizes, seed) == want
    assert any(a is not None for a in want)  # windows were found and judged


def test_a_long_piece_is_derived_as_far_as_the_queries_reach() -> None:
    t, acc, gyr = _stream(4, 30_000)
    ev = MountEvidence(MountConfig())
    ev.append(t, acc, gyr)
    ev.at(1000)
    assert ev._done == 4096  # twice the end asked, at least 4096
    ev.at(9000)
    assert ev._done == 18_000
    ev.at(30_000)
    assert ev._done == 30_000 and not ev._pending


def test_a_moving_mask_from_another_latch_state_is_not_used() -> None:
    """The caller's mask is joined only when it started from the buffer's latch state: a mask
    handed with another start state is computed again (the same mask as without one)."""
    t, acc, gyr = _stream(1, 3000)
    rate = np.sqrt(np.sum(gyr * gyr, axis=1))
    plain, handed = MountEvidence(MountConfig()), MountEvidence(MountConfig())
    for a in range(0, 3000, 500):
        s = slice(a, a + 500)
        plain.append(t[s], acc[s], gyr[s])
        handed.append(t[s], acc[s], gyr[s], rate[s], (np.ones(500, bool), 1 - plain._carry))
        plain.at(a + 500), handed.at(a + 500)
        assert plain._moving.view().tobytes() == handed._moving.view().tobytes()
    assert plain._moving.view().any() and not plain._moving.view().all()


@pytest.mark.parametrize("kind", ["uniform", "exact", "jitter"])
def test_rate_slope_is_np_gradient(kind: str) -> None:
    rng = np.random.default_rng(8)
    for n in (3, 4, 9, 250, 901):
        t = _times(kind, n, rng)
        w = rng.normal(0, 2, n)
        assert rate_slope(w, t, np.diff(t)).tobytes() == np.gradient(w, t).tobytes()


def _two_matrix_fit(t: np.ndarray, acc_p: np.ndarray, w_rad: np.ndarray, dt: np.ndarray) -> tuple[np.ndarray, float]:
    """The fit as written before: a design matrix per pass, np.gradient for the rate's slope."""
    theta = turned(t, w_rad, dt)
    alpha = np.gradient(w_rad, t)
    w2 = w_rad * w_rad
    co, si = np.cos(theta), np.sin(theta)
    n = len(t)
    b = np.concatenate([acc_p[:, 0], acc_p[:, 1]])
    A = np.zeros((2 * n, 6))
    A[:n, 0], A[:n, 1], A[:n, 2], A[:n, 4], A[:n, 5] = co, si, 1.0, -w2, -alpha
    A[n:, 0], A[n:, 1], A[n:, 3], A[n:, 4], A[n:, 5] = -si, co, 1.0, alpha, -w2
    x = _lstsq(A, b)  # (the fit's own solver: this compares the matrices and passes)
    gx, gy = co * x[0] + si * x[1], -si * x[0] + co * x[1]
    tt = t - t[0]
    A2 = np.zeros((2 * n, 8))
    A2[:, :6] = A
    A2[:n, 6], A2[n:, 6] = gy * theta, -gx * theta
    A2[:n, 7], A2[n:, 7] = gy * tt, -gx * tt
    x2 = _lstsq(A2, b)
    resid = b - A2 @ x2
    c = x2[4:6]
    return c, float(np.sum((A2[:, 4:6] @ c) ** 2)) / (float(np.sum(resid * resid)) + 1e-9)


@pytest.mark.parametrize("kind", ["uniform", "exact", "jitter"])
def test_one_design_matrix_gives_the_two_matrix_fit(kind: str) -> None:
    rng = np.random.default_rng(12)
    for n in (8, 9, 40, 333, 640):
        t = _times(kind, n, rng)
        w = 2.0 * np.sin(np.linspace(0, np.pi, n)) + rng.normal(0, 0.05, n)
        acc_p = rng.normal(0, 9.8, (n, 2))
        dt = np.diff(t, prepend=t[0])
        c, weight = fit_window(t, acc_p, w, dt)
        c0, weight0 = _two_matrix_fit(t, acc_p, w, dt)
        assert c.tobytes() == c0.tobytes() and weight == weight0


def test_kept_plane_angles_are_plane_deg_as_the_buffer_grows() -> None:
    rng = np.random.default_rng(6)
    n = 9000
    t = np.cumsum(rng.uniform(0.004, 0.006, n))
    acc, gyr = rng.normal(0, 9, (n, 3)), rng.normal(0, 80, (n, 3))
    acc[::53] = 0.0  # arctan2(0, 0)
    u = rng.normal(0, 1, 3)
    u /= np.linalg.norm(u)
    memo = WindowMemo(keep_angles=True)
    memo.bind(u, *_plane_basis(u))
    end = 0
    while end < n:
        end = min(end + int(rng.integers(1, 1500)), n)
        _w, acc_p = memo.products(t[:end], acc[:end], gyr[:end])
        mask = rng.random(end) < rng.uniform(0.01, 1.0)
        assert memo.plane_deg(acc_p, mask).tobytes() == plane_deg(acc_p, mask).tobytes()


def test_side_vote_counts_are_np_mean() -> None:
    cfg = MountConfig()
    rng = np.random.default_rng(10)
    for _ in range(300):
        theta = rng.uniform(-180, 180, int(rng.integers(0, 400)))
        beta, dt = float(rng.uniform(-180, 180)), float(rng.choice([0.005, 0.02, 0.04]))
        for posture in ("supine", "seated"):
            delta = (theta - beta + 180.0) % 360.0 - 180.0
            usable = (np.abs(delta) > 15) & (np.abs(delta) < 165)
            if posture == "supine":
                raised = usable & (np.abs(delta) < 90.0 - cfg.raised_vote_deg)
                usable = raised if raised.sum() * dt >= cfg.raised_vote_s else usable
            want = None
            if usable.sum() >= 10:
                pos = float(np.mean(delta[usable] > 0))
                want = None if max(pos, 1 - pos) < cfg.min_sign_agreement else (1 if pos >= 0.5 else -1)
            assert side_vote(theta, beta, posture, dt, cfg) == want


def test_first_rest_count_kept_per_lever_gives_the_same_verdicts() -> None:
    cfg = PriorConfig()
    rng = np.random.default_rng(4)
    first = rng.normal(0, 1, (700, 2))
    first /= np.linalg.norm(first, axis=1)[:, None]
    memo: dict[tuple[object, ...], object] = {}
    levers = [rng.normal(0, 0.2, 2) for _ in range(40)] + [np.zeros(2)]
    for dt in (0.0009, 0.002, 0.005, 0.02):
        plain = Upright(np.empty((0, 2)), first, dt, cfg)
        kept = Upright(np.empty((0, 2)), first, dt, cfg, None, (memo, ("first", 0, 0, 0)))
        verdicts = [plain.foot_pivot(c) for c in levers]
        assert [kept.foot_pivot(c) for c in levers] == verdicts
        assert [kept.foot_pivot(c) for c in levers] == verdicts  # (from the kept counts)
    assert any(verdicts) and not all(verdicts)


def _said(kind: str, seed: int, size: int) -> str:
    cs = make_session(kind, seed)
    p = pipeline.Pipeline(cs.posture, cs.rate_hz)
    events = [ev for part in cs.chunk.split([size] * (len(cs.chunk) // size + 1)) for ev in p.feed(part)]
    events += p.finish()
    return repr([*events, *p.reps, p.stats, p.mounting])


@pytest.mark.parametrize(("kind", "seed"), [("standard", 694), ("short", 72)])
def test_kept_window_verdicts_change_nothing(kind: str, seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """A session analysed with the refinement's window verdicts kept says exactly what it says
    with every window judged afresh at every call."""
    kept = _said(kind, seed, 1000)
    calls = [0]

    def never(*a: object) -> None:
        calls[0] += 1
        return None

    monkeypatch.setattr(mounting, "verdict_key", never)
    assert _said(kind, seed, 1000) == kept
    assert calls[0] > 0


def test_pair_means_are_centred_means_of_each_half() -> None:
    """Windows shorter than the averaging span, as long, and longer; 1-d, 2-d and a strided view
    (the first six of the design matrix's eight columns)."""
    rng = np.random.default_rng(14)
    for n in [*range(1, 30), 333]:
        for half in (1, 2, 5, 10):
            for x in (rng.normal(0, 9, 2 * n), rng.normal(0, 3, (2 * n, 6)), rng.normal(0, 3, (2 * n, 8))[:, :6]):
                want = np.concatenate([centred_mean(x[:n], half), centred_mean(x[n:], half)])
                assert _pair_means(x, n, half).tobytes() == want.tobytes()


def _averaged_fit_before(t: np.ndarray, acc_p: np.ndarray, w: np.ndarray, dt: np.ndarray, half: int) -> np.ndarray:
    """The averaged fit's lever as written before: each solve averaging its matrix and b apart."""

    def solve(A: np.ndarray, b: np.ndarray) -> np.ndarray:
        A = np.concatenate([centred_mean(A[:n], half), centred_mean(A[n:], half)])
        b = np.concatenate([centred_mean(b[:n], half), centred_mean(b[n:], half)])
        return _lstsq(A, b)

    n = len(t)
    theta, alpha, w2 = turned(t, w, dt), np.gradient(w, t), w * w
    co, si = np.cos(theta), np.sin(theta)
    b = np.concatenate([acc_p[:, 0], acc_p[:, 1]])
    A2 = np.zeros((2 * n, 8))
    A2[:n, 0], A2[:n, 1], A2[:n, 2], A2[:n, 4], A2[:n, 5] = co, si, 1.0, -w2, -alpha
    A2[n:, 0], A2[n:, 1], A2[n:, 3], A2[n:, 4], A2[n:, 5] = -si, co, 1.0, alpha, -w2
    x = solve(A2[:, :6].copy(), b)
    gx, gy = co * x[0] + si * x[1], -si * x[0] + co * x[1]
    A2[:n, 6], A2[n:, 6] = gy * theta, -gx * theta
    A2[:n, 7], A2[n:, 7] = gy * (t - t[0]), -gx * (t - t[0])
    return solve(A2, b)[4:6]


@pytest.mark.parametrize("kind", ["uniform", "exact", "jitter"])
def test_averaged_fit_averages_each_column_once(kind: str) -> None:
    rng = np.random.default_rng(13)
    for n in (8, 15, 40, 333, 640):
        t = _times(kind, n, rng)
        w = 2.0 * np.sin(np.linspace(0, np.pi, n)) + rng.normal(0, 0.05, n)
        acc_p = rng.normal(0, 9.8, (n, 2))
        dt = np.diff(t, prepend=t[0])
        for half in (1, 3, 10):
            assert (
                fit_window(t, acc_p, w, dt, half)[0].tobytes() == _averaged_fit_before(t, acc_p, w, dt, half).tobytes()
            )


@pytest.mark.parametrize("kind", ["uniform", "exact", "jitter"])
def test_noise_share_is_written_with_np_median_and_np_gradient(kind: str) -> None:
    rng = np.random.default_rng(15)
    for n in (5, 6, 9, 250, 901):
        t = _times(kind, n, rng)
        w = np.sin(np.linspace(0, 3, n)) + rng.normal(0, 0.02, n)
        d2 = w[2:] - 2.0 * w[1:-1] + w[:-2]
        sigma2 = (1.4826 * float(np.median(np.abs(d2 - np.median(d2))))) ** 2 / 6.0
        span = np.concatenate([[t[1] - t[0]], t[2:] - t[:-2], [t[-1] - t[-2]]])
        noise = float(np.sum(2.0 * sigma2 / np.maximum(span, 1e-9) ** 2))
        assert lever_line.noise_share(t, w) == noise / float(np.sum(np.gradient(w, t) ** 2))


def test_lever_line_takes_the_walks_plain_fits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Variants 10 (50 Hz, its shin line taught by the levers and re-read): the session says exactly
    what it says with every plain fit of the re-read made again, and the kept fits were taken."""
    taken = [0]

    class Counted(dict[tuple[int, int], tuple[np.ndarray, float]]):
        def get(self, key: tuple[int, int], default: object = None) -> object:  # type: ignore[override]
            got = super().get(key, default)
            taken[0] += got is not None
            return got

    def line(*a: object, **k: object) -> float:
        return lever_line.lever_line(*a, **{**k, "plain": Counted(k["plain"])})  # type: ignore[arg-type, call-overload]

    monkeypatch.setattr(mounting, "lever_line", line)
    kept = _said("variants", 10, 1000)
    assert taken[0] >= 10  # windows re-read without a fit (measured 17)

    def without_plain(*a: object, **k: object) -> float:
        return lever_line.lever_line(*a, **{**k, "plain": None})  # type: ignore[arg-type]

    monkeypatch.setattr(mounting, "lever_line", without_plain)
    assert _said("variants", 10, 1000) == kept


def test_a_plain_fit_is_taken_only_for_a_quiet_window_with_no_interval_clipped() -> None:
    """The walk's plain fit stands for a window below the noise share (the same bits as fitting it
    again; a planted one shows it is taken), but not for a noisy window, averaged instead, nor for
    a window with a hole, whose intervals this call clips at its own nominal interval."""
    rng = np.random.default_rng(16)
    n, rate = 400, 200.0
    t = np.arange(n) / rate
    w = 2.0 * np.abs(np.sin(np.linspace(0, 2 * np.pi, n)))
    w[:200] += rng.normal(0, 0.05, 200)  # the first window's gyro noisy: averaged (noise_share)
    ang = np.cumsum(w) / rate
    acc_p = 9.81 * np.stack([np.cos(ang), -np.sin(ang)], 1) - (w**2)[:, None] * np.array([0.03, 0.15])
    acc_p += rng.normal(0, 0.02, (n, 2))
    windows, keep, cfg = [(0, 200), (200, 400)], np.array([True, True]), MountConfig()
    assert lever_line.noise_share(t[:200], w[:200]) >= lever_line.MIN_SHARE > lever_line.noise_share(t[200:], w[200:])
    bogus = (np.array([-0.1, -0.1]), 5.0)
    for hole in (False, True):
        dt = np.full(n, 1 / rate)
        if hole:
            dt[300] = 10 / rate  # clipped at 5x nominal
        args = (t, acc_p, w, dt, 1 / rate, windows, keep, -80.0, cfg)
        made = lever_line.lever_line(*args)
        real = fit_window(t[200:], acc_p[200:], w[200:], np.clip(dt[200:], 0, 5 / rate))
        assert lever_line.lever_line(*args, plain={(200, 400): real}) == made
        assert lever_line.lever_line(*args, plain={(0, 200): bogus}) == made  # the noisy one: averaged
        planted = lever_line.lever_line(*args, plain={(200, 400): bogus})
        assert (planted == made) == hole
