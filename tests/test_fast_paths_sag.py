"""The steady-state layers' speed paths (issue 14, round 16) give exactly what the code they
replace gives, bit for bit, on real sessions:

* the sagittal filter's long pieces (the plain quotient where no reset restarts the filters, the
  accelerometer's angle turned and scaled in place) against its short pieces' stacked rows;
* the activity context told the elevation's least and largest by the filter, knowing a piece
  without swing, off-axis turn or shock without arrays of falses, and a calm piece from its
  largest step (no norms), against the general path;
* the re-strap watch's moving latch left on by one reduction, against its latch changes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from sensor.core import context
from sensor.core.context import ContextTracker
from sensor.core.dsp import dot3
from sensor.core.orientation import SagittalFilter
from sensor.core.pipeline import Pipeline
from sensor.core.preprocess import Preprocessor
from sensor.core.restrap import RestrapWatch
from sensor.sim.corpus import make_session


def _run(kind: str, seed: int, size: int) -> str:
    cs = make_session(kind, seed)
    p = Pipeline(cs.posture, cs.rate_hz)
    out = []
    for part in cs.chunk.split([size] * (len(cs.chunk) // size + 1)):
        out += p.feed(part)
        if p._context is not None:
            out.append(p._context.shock_times.tolist())  # type: ignore[arg-type]
    out += p.finish()
    return repr((out, p.reps, p.stats))


@pytest.mark.parametrize("size", [64, 1000, 65536])
def test_long_pieces_of_the_filter_are_its_short_rows(size: int) -> None:
    """A supine session with a packet burst (holes reset the filters), the filter fed in pieces
    of 10 (the stacked rows of a live feed) and of ``size``: the same elevation and rate bits."""
    cs = make_session("standard", 694)
    p = Pipeline(cs.posture, cs.rate_hz)
    p.feed(cs.chunk)
    assert p.mounting is not None
    pre = Preprocessor(1.0 / cs.rate_hz, p.cfg.rest)
    t, acc = cs.chunk.t, cs.chunk.acc
    g, _rest, gap = pre.process(t, acc, cs.chunk.gyr)

    def run(step: int) -> tuple[bytes, bytes, int]:
        assert p.mounting is not None
        f = SagittalFilter(p.mounting, 1.0 / cs.rate_hz)
        outs = [
            f.process(t[i : i + step], acc[i : i + step], g[i : i + step], gap[i : i + step])
            for i in range(0, len(t), step)
        ]
        e, v = (np.concatenate(x) for x in zip(*outs))
        return e.tobytes(), v.tobytes(), f._k

    assert run(size) == run(10)


@pytest.mark.parametrize(
    ("kind", "seed", "size"), [("negative", 4204, 100), ("negative", 3817, 1000), ("long", 656, 1000)]
)
def test_context_fast_paths_are_the_general_path(
    kind: str, seed: int, size: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Set-break landings (supine), walking lunges (seated) and a long supine session: the same
    events, reps and shock times when the context finds the elevation's least and largest itself
    and builds its swing and off-axis masks whatever the piece (its largest rates reported as
    infinite), takes every jump's norm (no bound from the largest step), and when the re-strap
    watch's latch is never known to stay on."""
    want = _run(kind, seed, size)
    process = ContextTracker.process

    def without_span(self: ContextTracker, *args: Any) -> Any:
        return process(self, *args[:8])

    monkeypatch.setattr(ContextTracker, "process", without_span)
    monkeypatch.setattr(context, "_largest", lambda x: np.inf)
    monkeypatch.setattr(context, "_largest_rows", lambda x, axis: np.full(len(x), np.inf))  # (both rows' at once)
    monkeypatch.setattr(ContextTracker, "_least_bound", lambda self: -1.0)  # every piece's jumps in full
    monkeypatch.setattr(RestrapWatch, "_nothing_stops", lambda self, mag: False)
    assert _run(kind, seed, size) == want


def test_long_dot3_is_the_strided_column_loops() -> None:
    """``dot3`` on long arrays (columns copied to rows) against the strided column loops it
    replaces, on a session's corrected rates (real noise and movements) and their slices."""
    cs = make_session("long", 168)
    g = Preprocessor(1.0 / cs.rate_hz).process(cs.chunk.t, cs.chunk.acc, cs.chunk.gyr)[0]
    u = np.array([0.31, -0.87, 0.38])
    for x in (g, g[:1000], g[17:16401], g[::2]):
        want = x[:, 0] * u[0]
        tmp = x[:, 1] * u[1]
        want += tmp
        np.multiply(x[:, 2], u[2], out=tmp)
        want += tmp
        assert dot3(x, u).tobytes() == want.tobytes()
