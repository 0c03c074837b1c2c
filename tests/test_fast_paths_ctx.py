"""Round 17's per-piece speed paths of the context, the re-strap watch and the pipeline's glue
(issue 14) give exactly what the code they replace gives, bit for bit, on real sessions:

* the context's usual piece: its steps' largest square from one flat difference (the first row
  from the carried row, kept as a list), the landings' carry without ``marked``, no swing or
  off-axis turn from one reduction of both rates (the smoothed one bounded), and the last time on
  feet as a view of a kept array, against the general path (every jump in full, both masks built);
* the re-strap watch's long pieces going to the latch without the still / moving checks, against
  the checks on every piece.
"""

from __future__ import annotations

import numpy as np
import pytest

from sensor.core import context, restrap
from sensor.core.context import ContextTracker
from sensor.core.dsp import dot3, norm3
from sensor.core.pipeline import Pipeline
from sensor.core.preprocess import Preprocessor
from sensor.core.restrap import RestrapWatch
from sensor.sim.corpus import make_session


def _inputs(kind: str, seed: int) -> tuple[np.ndarray, ...]:
    """A session's samples through the preprocessor, and its elevation and knee axis."""
    cs = make_session(kind, seed)
    p = Pipeline(cs.posture, cs.rate_hz, keep_elevation=True)
    p.feed(cs.chunk)
    assert p.mounting is not None
    t, e = (np.concatenate(x) for x in zip(*p.take_elevation()))
    k = int(np.searchsorted(cs.chunk.t, t[0]))
    chunk = cs.chunk.slice(k, k + len(t))
    g, _rest, gap = Preprocessor(1.0 / cs.rate_hz, p.cfg.rest).process(chunk.t, chunk.acc, chunk.gyr)
    return chunk.t, chunk.acc, g, e, gap, p.mounting.u


@pytest.mark.parametrize(("kind", "seed", "posture"), [("negative", 4204, "supine"), ("long", 656, "supine")])
def test_context_usual_piece_is_the_general_path(
    kind: str, seed: int, posture: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Set-break landings and a long supine session in pieces of 10, 1000 and 16384 samples:
    the same last times on feet (bits), context changes, shock times and carried state when
    every piece's jumps are taken in full (the least bound made negative)."""
    t, acc, g, e, gap, u = _inputs(kind, seed)
    mag, w = norm3(g), dot3(g, u)

    def run(size: int) -> str:
        tr = ContextTracker(posture, float(np.median(np.diff(t))))
        outs, events, shocks, states = [], [], [], []
        for a in range(0, len(t), size):
            b = a + size
            o, ev = tr.process(t[a:b], acc[a:b], g[a:b], e[a:b], u, gap[a:b], mag[a:b], w[a:b])
            outs.append(o.tobytes())
            events += ev
            shocks.append(tr.shock_times.tolist())
            c = tr._curve
            assert c is not None
            states.append(
                (tr._prev_acc, tr._prev_t, tr._t_nonex, tr._shaken, c._t.tolist(), c._a.tolist(), c._g.tolist(), c._j)
            )
        return repr((outs, events, shocks, states))

    for size in (10, 1000, 16384):
        fast = run(size)
        with monkeypatch.context() as mp:
            mp.setattr(ContextTracker, "_least_bound", lambda self: -1.0)
            mp.setattr(context, "_largest_rows", lambda x, axis: np.full(len(x), np.inf))  # swing, off-axis masks
            general = run(size)
        assert fast == general
        assert "ContextChanged" in fast or kind == "negative"  # the long session changes context


def test_restrap_watch_long_pieces_skip_the_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    """A long session's corrected rates in pieces of 100, 1000 and 16384 samples: the same answers
    and carried totals when every piece is first checked for a latch that cannot change."""
    t, _acc, g, _e, _gap, u = _inputs("long", 656)
    mag, w = norm3(g), dot3(g, u)

    def run(size: int) -> list[tuple[object, ...]]:
        out: list[tuple[object, ...]] = []
        watch, state = RestrapWatch(Pipeline().cfg.mount, 0.5, 30.0), 0
        watch.start_after(float(t[0]))
        for a in range(0, len(t), size):
            b = a + size
            cut, state = watch.watch(t[a:b], g[a:b], u, state, mag[a:b], w[a:b])
            out.append((cut, state, watch.off_sum, watch.off_n, watch.mv_start, watch.strikes, watch.pending))
        return out

    for size in (100, 1000, 16384):
        fast = run(size)
        with monkeypatch.context() as mp:
            mp.setattr(restrap, "SHORT", 1 << 30)
            general = run(size)
        assert fast == general
        assert size > 1000 or len({s[3] for s in fast}) > 10  # moving samples were counted: the totals ran
