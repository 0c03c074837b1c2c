"""The preprocessor's time steps, handed on (issue 14, the 1000-sample feed's fixed cost), give
exactly what the sagittal filter and the rep detector computed for themselves: the same
subtractions from the same last time, so every event and float is the same bits. Whole sessions
are compared by ``sensor/sim/bench_digest.py`` too.
"""

from __future__ import annotations

import numpy as np
import pytest

from sensor.core import phases_pass
from sensor.core.phases import RepDetector
from sensor.core.pipeline import Pipeline
from sensor.core.preprocess import Preprocessor
from sensor.core.samples import ImuChunk, concat_chunks
from sensor.sim.corpus import make_session


def _holed(chunk: ImuChunk, seed: int) -> ImuChunk:
    """The recording with two holes cut out (one short, one past ``gap_reset_s``)."""
    n = len(chunk)
    a, b = n // 3, n // 3 + 40 + seed % 7
    c, d = 2 * n // 3, 2 * n // 3 + 2000
    return concat_chunks([chunk.slice(0, a), chunk.slice(b, c), chunk.slice(d, n)])


def _run(kind: str, seed: int, size: int, holes: bool) -> str:
    cs = make_session(kind, seed)
    chunk = _holed(cs.chunk, seed) if holes else cs.chunk
    p = Pipeline(cs.posture, cs.rate_hz)
    out = []
    for part in chunk.split([size] * (len(chunk) // size + 1)):
        out += p.feed(part)
    out += p.finish()
    return repr((out, p.reps, p.stats))


@pytest.mark.parametrize(
    ("kind", "seed", "size", "holes"),
    [("long", 656, 1000, False), ("long", 657, 1000, True), ("long", 658, 500, True), ("long", 659, 4096, False)],
)
def test_sessions_as_with_the_stages_own_steps(
    kind: str, seed: int, size: int, holes: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every event, rep and count of a session (with holes cut into some), with the steps handed
    on and with each stage taking its own (the preprocessor offering none: the code before)."""
    taken = []
    sample_pass = phases_pass.sample_pass

    def counting(*args, **kw):
        steps = args[10] if len(args) > 10 else kw.get("steps")
        taken.append(steps is not None and not args[8])
        return sample_pass(*args, **kw)

    monkeypatch.setattr("sensor.core.phases.sample_pass", counting)
    got = _run(kind, seed, size, holes)
    assert sum(taken) > 5  # the steps were read (the test would miss a wrong fast path otherwise)
    block = Preprocessor._block

    def own_steps(self, *args, **kw):
        out = block(self, *args, **kw)
        self.steps = None
        return out

    monkeypatch.setattr(Preprocessor, "_block", own_steps)
    assert _run(kind, seed, size, holes) == got


def test_sample_pass_with_the_steps_is_the_sample_pass_without() -> None:
    """Random pieces (times rising, a step back, a NaN time): the changes, the turned angle at
    each and at the end, bit for bit; the caller's steps left as they were."""
    rng = np.random.default_rng(14)
    for k in range(300):
        n = int(rng.integers(2, 1500))
        t = 100.0 + np.cumsum(rng.uniform(0.004, 0.006, n))
        if k % 5 == 1:
            t[int(rng.integers(1, n))] -= 0.02  # a step back: clamped at 0
        if k % 7 == 2:
            t[int(rng.integers(0, n))] = np.nan
        v = rng.normal(0.0, 40.0, n) * (rng.random(n) < 0.7)
        e = 40.0 + np.cumsum(v) * 0.005
        rate = np.abs(v) + rng.uniform(0.0, 3.0, n)
        last_t = 100.0 - 0.005 * (k % 3)
        dt = np.empty(n)
        dt[0] = t[0] - last_t
        np.subtract(t[1:], t[:-1], out=dt[1:])
        other = dt.copy()
        other[0] = t[0] - (last_t - 1.0)  # (the steps from another last time: not read)
        before = dt.copy()
        got, d0 = [], int(rng.integers(-1, 2))
        for steps in (None, (last_t, dt), (last_t - 1.0, other)):
            det = RepDetector("supine")
            det._last_t, det._turned, det._dir = last_t, 3.25 * k, d0
            sp = phases_pass.sample_pass(det, t, e, v, np.zeros(n, bool), None, np.abs(v), rate, False, None, steps)
            got.append(repr((sp.change, sp.old, sp.new, sp.cum, sp.quiet, sp.last_dir, sp.last_quiet, sp.turned)))
        assert got[0] == got[1] == got[2]
        assert dt.tobytes() == before.tobytes()
