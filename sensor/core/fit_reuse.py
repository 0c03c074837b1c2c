"""Window fits computed while the mounting is first learned, reused instead of fitted again.

While the mounting is unknown the pipeline asks :func:`sensor.core.mounting.estimate_mounting`
for it at every movement end; each try fits the fixed-knee model over every usable movement
window of the buffer (:func:`sensor.core.lever_fit.fit_window`: two least-squares solves, the
largest single cost of learning the mounting). A fit depends on the window's samples and on the
knee axis and plane basis the try found, and nothing else. Two repeats followed from that:

* seated, a first try that fails is followed at once by a second from the hanging rest
  (``hang_first``), on the same buffer: the same axis, the same windows, every fit again. The
  two tries now share one dictionary of fits (keyed ``(a, b, True)``, as the first try keys them);
* a try that settles the mounting hands its axis and basis to the refinement, whose first call
  fitted the same windows again about them. Its fits now start the refinement's cache, keyed
  ``(a, b, False)`` as the refinement keys the fits it makes itself about the settled axis.

The settling try's :class:`~sensor.core.window_memo.WindowMemo` (its windows' spans, lever and
elevation reads, the buffer's products about the axis, the first rest's reads) goes to the
refinement the same way: the pipeline makes it the refinement's memo, bound to the same axis and
basis, on a buffer that only grows from then on.

The values are the very results the repeated calls computed, so every mounting, angle and rep
is bit-identical (``sensor/sim/bench_digest.py``; tests/test_fast_paths_r7.py counts the fits).
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np

_M = TypeVar("_M")

Fits = dict[tuple[int, int, bool], tuple[np.ndarray, float]]


def keep_fits(settled: _M, tried: Fits, refine: Fits) -> _M:
    """The settled mounting, after its try's fits ``tried`` (made about its axis, keyed as a first
    try keys them) are put in the refinement's cache ``refine`` as the refinement keys them."""
    refine.update({(a, b, False): fit for (a, b, first), fit in tried.items() if first})
    return settled
