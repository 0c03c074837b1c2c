"""The pipeline's own notices in the analysed stream: holes in the data and skipped samples.

Kept apart from :mod:`sensor.core.pipeline` (at its size limit) because they are bookkeeping
about the samples, not analysis: each hole is counted in the stats and reported once, the first
skip (:mod:`sensor.core.intake`) once, at the first analysed sample after it; and the notices,
the context changes and the detector's events leave as one time-ordered stream whatever the
chunking.

:class:`StreamNotices` keeps that bookkeeping's own state (the last analysed time, whether the
skip was announced) and reads the intake's first skip through the intake it was given, so the
pipeline and the held live feeds (:mod:`sensor.core.live_defer`) ask it rather than share fields.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from sensor.core.events import ContextChanged, Event, SensorStatus
from sensor.core.intake import SampleIntake

if TYPE_CHECKING:
    from sensor.core.pipeline_config import PipelineStats


def _order(ev: Event) -> tuple[float, int]:
    """A gap (then a context change) before what happens at its time."""
    rank = 0 if isinstance(ev, SensorStatus) else 1 if isinstance(ev, ContextChanged) else 2
    return (ev.t_s, rank)


class StreamNotices:
    """The gap and skip notices of one pipeline's analysed stream."""

    def __init__(self, intake: SampleIntake) -> None:
        self.last_t = -np.inf  # the last analysed sample's time: a gap at a piece's first sample spans from it
        self._intake = intake  # (its ``first_skip_t``: the first good sample after the first skipped one)
        self._skip_told = False

    def skip_due(self) -> bool:
        """Whether a skip is still to be announced (at the first analysed sample from its time on)."""
        return not self._skip_told and self._intake.first_skip_t is not None

    def merge(
        self,
        stats: PipelineStats,
        t: np.ndarray,
        gap_idx: list[int],
        spans: list[float],
        ctx_events: Sequence[Event],
        out: list[Event],
    ) -> list[Event]:
        """``out`` (the detector's events for samples ``t``) with the gap and skip notices and the
        context changes ``ctx_events`` merged in time order; the gaps (at ``gap_idx``, ``spans``
        seconds each) counted in ``stats``."""
        gaps: list[Event] = []
        for i, span in zip(gap_idx, spans):
            stats.gaps += 1
            stats.gap_seconds += span
            gaps.append(SensorStatus(float(t[i]), "gap", f"{span:.2f} s of samples missing"))
        self.last_t = float(t[-1])
        skip_t = self._intake.first_skip_t
        if not self._skip_told and skip_t is not None and skip_t <= t[-1]:
            self._skip_told = True
            gaps.append(
                SensorStatus(
                    max(skip_t, float(t[0])), "skipped", "invalid or out-of-order samples skipped (counted in stats)"
                )
            )
        if gaps or ctx_events:
            return sorted([*gaps, *ctx_events, *out], key=_order)
        return out
