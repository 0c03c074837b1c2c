"""The pipeline's own notices in the analysed stream: holes in the data and skipped samples.

Kept apart from :mod:`sensor.core.pipeline` (at its size limit) because they are bookkeeping
about the samples, not analysis: each hole is counted in the stats and reported once, the first
skip (:mod:`sensor.core.intake`) once, at the first analysed sample after it; and the notices,
the context changes and the detector's events leave as one time-ordered stream whatever the
chunking.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from sensor.core.events import ContextChanged, Event, SensorStatus

if TYPE_CHECKING:
    from sensor.core.pipeline import Pipeline


def _order(ev: Event) -> tuple[float, int]:
    """A gap (then a context change) before what happens at its time."""
    rank = 0 if isinstance(ev, SensorStatus) else 1 if isinstance(ev, ContextChanged) else 2
    return (ev.t_s, rank)


def with_gaps(
    p: Pipeline, t: np.ndarray, gap_idx: list[int], spans: list[float], ctx_events: Sequence[Event], out: list[Event]
) -> list[Event]:
    """``out`` (the detector's events for samples ``t``) with the gap and skip notices and the
    context changes ``ctx_events`` merged in time order; the gaps (at ``gap_idx``, ``spans``
    seconds each) counted in ``p.stats``."""
    gaps: list[Event] = []
    for i, span in zip(gap_idx, spans):
        p.stats.gaps += 1
        p.stats.gap_seconds += span
        gaps.append(SensorStatus(float(t[i]), "gap", f"{span:.2f} s of samples missing"))
    p._an_last_t = float(t[-1])
    skip_t = p._intake.first_skip_t
    if not p._skip_announced and skip_t is not None and skip_t <= t[-1]:
        p._skip_announced = True
        gaps.append(
            SensorStatus(
                max(skip_t, float(t[0])), "skipped", "invalid or out-of-order samples skipped (counted in stats)"
            )
        )
    if gaps or ctx_events:
        return sorted([*gaps, *ctx_events, *out], key=_order)
    return out
