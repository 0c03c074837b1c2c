"""Where the calibration buffer is cut while the mounting is still unknown: at data times only.

Until the mounting is learned the pipeline keeps the samples (up to ``max_buffer_s``), so that
the first reps are counted once it is. The cut must not depend on how the stream was chunked:
otherwise a live session and the same recording analysed offline learn the mounting from
different samples and report different angles (measured before this rule, issue-11 corpus long
session 0: the same reps 1.5-7 deg apart between 1,000-sample chunks and one piece, because the
live path cut the buffer at the end of a feed and the offline path never did). So the buffer is
cut on a grid of half-lengths counted from its first sample: at data time t it holds the samples
from the last grid point at least half a length before t (between half and a whole
``max_buffer_s``), whether the cut is made at the end of a feed or just before an estimate.

:func:`buffer_range` reads a stretch of the buffer without joining the rest of it.
:class:`CalibBuffer` is the buffer itself: its pieces, their count, where its cut grid stands, and
the mounting evidence kept in step with it, changed only through its methods (the pipeline owns
one and asks it to add, cut, restart or join).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sensor.core.events import Event, SensorStatus

if TYPE_CHECKING:
    from sensor.core.mount_evidence import MountEvidence
    from sensor.core.pipeline_config import PipelineStats

A = np.ndarray  # (signatures)
Pieces = list[tuple[A, ...]]
TRIM_MSG = "{} samples before calibration were not analysed (no clear knee movement)"


def cut_buffer(
    pieces: Pieces, origin: float, done: int, t_now: float, half_s: float
) -> tuple[Pieces, list[tuple[float, int]], int]:
    """Cut ``pieces`` (times in the first array of each, rising) to grid step k for data time
    ``t_now``, steps ``done`` + 1 .. k one by one. Returns the pieces kept, (the data time the
    step was reached, samples it dropped) per step, and k."""
    k = max(int(np.floor((t_now - origin) / half_s)) - 1, done)
    steps = []
    for step in range(done + 1, k + 1):
        cut = origin + step * half_s
        before = sum(len(p[0]) for p in pieces)
        pieces = [tuple(x[int(np.searchsorted(p[0], cut)) :] for x in p) for p in pieces if p[0][-1] >= cut]
        steps.append((origin + (step + 1) * half_s, before - sum(len(p[0]) for p in pieces)))
    return pieces, steps, k


def buffer_range(pieces: Pieces, a: int, b: int) -> tuple[np.ndarray, ...]:
    """Samples [a, b) of ``pieces``, touching only the pieces that hold them (usually the newest),
    so analysing each new chunk during refinement does not copy the whole buffer."""
    parts, start = [], 0
    for piece in pieces:
        stop = start + len(piece[0])
        if stop > a and start < b:
            parts.append(tuple(x[max(a - start, 0) : min(b, stop) - start] for x in piece))
        start = stop
    if len(parts) == 1:
        return parts[0]
    return tuple(np.concatenate(x) for x in zip(*parts))


class CalibBuffer:
    """The samples kept until the mounting is learned and refined: pieces of (t, acc, gyr_c, gap,
    rest), oldest first; ``evidence`` (the pipeline's, shared) always describes exactly them."""

    def __init__(self, evidence: MountEvidence) -> None:
        self.pieces: Pieces = []
        self.n = 0  # samples held
        self.evidence = evidence
        self._cut: tuple[float, int] | None = None  # the cut grid: origin, step reached

    def add(self, t: A, acc: A, gyr_c: A, gap: A, rest: A, mag: A, moving: tuple[A, int] | None = None) -> None:
        """Keep a piece (``mag``: its rate's magnitude, ``moving``: its moving mask and the latch
        state it started from, for the evidence)."""
        self.pieces.append((t, acc, gyr_c, gap, rest))
        self.n += len(t)
        self.evidence.append(t, acc, gyr_c, mag, moving)

    def restart(self, kept: tuple[np.ndarray, ...] | None = None) -> None:
        """Empty, or holding only ``kept`` (a re-strap's history: (t, acc, gyr_c, gap, rest)); a new cut grid."""
        if kept is not None:
            self.pieces, self.n, self._cut = [kept], len(kept[0]), None
            self.evidence.rebuild(kept[0], kept[1], kept[2])
        else:
            self.pieces, self.n, self._cut = [], 0, None
            self.evidence.reset()

    def joined(self) -> tuple[np.ndarray, ...]:
        """The whole buffer as one set of arrays (joined only when it is in several pieces)."""
        if len(self.pieces) > 1:
            self.pieces = [tuple(np.concatenate(x) for x in zip(*self.pieces))]
        return self.pieces[0]

    def range(self, a: int, b: int) -> tuple[np.ndarray, ...]:
        """Samples [a, b) (:func:`buffer_range`)."""
        return buffer_range(self.pieces, a, b)

    def trim(self, t_now: float, max_buffer_s: float, stats: PipelineStats, events: list[Event]) -> int:
        """Cut where data time ``t_now`` puts the grid of ``max_buffer_s`` / 2 (a notice per step,
        the dropped samples counted in ``stats``); the samples dropped."""
        origin, done = self._cut or (float(self.pieces[0][0][0]), 0)
        if (t_now - origin) / (max_buffer_s / 2) < done + 2:  # cut_buffer's step k = floor(that) - 1 <= done
            self._cut = (origin, done)  # (asked at every movement end: no step due is most of them)
            return 0
        self.pieces, steps, k = cut_buffer(self.pieces, origin, done, t_now, max_buffer_s / 2)
        self._cut = (origin, k)
        for t_step, dropped in steps:
            self.n, stats.buffered_dropped = self.n - dropped, stats.buffered_dropped + dropped
            events.append(SensorStatus(t_step, "buffer_trimmed", TRIM_MSG.format(dropped)))
            self.evidence.rebuild_pieces(self.pieces)
        return sum(d for _, d in steps)
