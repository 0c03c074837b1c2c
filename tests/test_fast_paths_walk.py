"""The mounting evidence's per-query short cuts (issue 14, walking at 1,000-sample chunks) give
what they replace, bit for bit.

Walking never calibrates: the evidence is asked at each of its ~133 movement ends per 30,000
samples and every answer is None (each run refused for good, and settled). The short cuts: the
interval median's two counts by numpy's C ``count_nonzero`` (not its Python wrapper), the kept
window lists returned as they are when no new run gives a window, and the calls of ``_sync``,
``_dt_nom`` and ``_impacts`` skipped when nothing is due. Whole sessions are compared by
``sensor/sim/bench_digest.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

from sensor.core import interval_median, mount_evidence
from sensor.core.mount_evidence import MountEvidence
from sensor.core.mounting import MountConfig
from sensor.sim.bench_pipeline import _content
from tests.test_fast_paths_learning import _stream


def _answers(t: np.ndarray, acc: np.ndarray, gyr: np.ndarray, ends: list[int], sizes: list[int]) -> list[object]:
    """The evidence (as plain values) at rising query ends, each asked once its piece is in."""
    ev, out, pos, k, todo = MountEvidence(MountConfig()), list[object](), 0, 0, list(ends)
    while pos < len(t):
        b = min(pos + sizes[k % len(sizes)], len(t))
        ev.append(t[pos:b], acc[pos:b], gyr[pos:b])
        while todo and todo[0] <= b:
            got = ev.at(todo.pop(0))
            arrays = [x.tobytes() for x in got if isinstance(x, np.ndarray)] if got is not None else []
            out.append(None if got is None else (got.dt_nom, got.windows, *arrays))
        pos, k = b, k + 1
    return out


@pytest.mark.parametrize("sizes", [[1000], [37, 400, 3]])
def test_walking_queries_give_the_reference_evidence(sizes: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    """Walking asked at each movement end as the pipeline asks, and streams with usable windows
    (uniform, few-valued and jittery clocks): the same answers as with the public
    np.count_nonzero and the vectorised windows (which build their lists afresh)."""
    walk = _content(200.0)["walking"]
    cfg = MountConfig()
    rate = np.sqrt(np.sum(walk.gyr**2, axis=1))
    mov, state = np.zeros(len(rate), bool), 0
    for i, r in enumerate(rate.tolist()):  # the moving latch, written out
        state = 1 if r > cfg.move_on_dps else 0 if r < cfg.move_off_dps else state
        mov[i] = bool(state)
    closes = (np.flatnonzero(mov[:-1] > mov[1:]) + 2).tolist()
    assert len(closes) > 100
    streams = [(walk.t, walk.acc, walk.gyr, closes)]
    for seed in range(3):
        t, acc, gyr = _stream(seed, 6000)
        streams.append((t, acc, gyr, np.unique(np.random.default_rng(seed).integers(1, 6001, 150)).tolist()))
    fast = [_answers(*s, sizes) for s in streams]
    assert all(a is None for a in fast[0])  # walking: no window, every run refused
    assert any(a is not None for f in fast[1:] for a in f)
    monkeypatch.setattr(interval_median, "count_nonzero", np.count_nonzero)
    monkeypatch.setattr(mount_evidence, "_FEW_RUNS", -1)
    assert [_answers(*s, sizes) for s in streams] == fast
