"""The one policy for bad rows, shared by the trace reader and every importer.

Recordings end badly and get hand-edited; a reader keeps every row it can use and *counts*
what it skipped, so the user can trust the count and find the damage (docs/trace-format.md):

* NaN/inf in a row's time or sensor values: skipped (``nan_rows_skipped``).
* time not after the last accepted time (incl. duplicates): dropped (``non_monotonic_dropped``).
* wrong field count or text in a number: skipped (``malformed_rows_skipped``).
* a cut-off last line that does not parse: skipped (``truncated_last_line``).
* dt > 3 x the median dt of the first block: kept and counted (``gaps``, ``gap_seconds_total``).

Up to 20 ``path:line: problem`` warnings are kept, the earliest lines first. Once >= 100 rows
were read and more than 10 % are malformed the file is refused, naming the first bad line.
The policy is streaming (state carries across blocks) so a reader's memory stays flat.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field

import numpy as np

__all__ = ["GAP_FACTOR", "MAX_WARNINGS", "RowPolicy", "TraceFormatError", "TraceStats"]

MAX_WARNINGS = 20
GAP_FACTOR = 3.0


class TraceFormatError(Exception):
    """The file is not a usable trace. ``line`` is 1-based, or None when no line is to blame."""

    def __init__(self, path: str | os.PathLike[str], line: int | None, problem: str) -> None:
        self.path, self.line, self.problem = os.fspath(path), line, problem
        super().__init__(f"{self.path}: {problem}" if line is None else f"{self.path}:{line}: {problem}")


@dataclass
class TraceStats:
    rows_read: int = 0
    rows_ok: int = 0
    nan_rows_skipped: int = 0
    malformed_rows_skipped: int = 0
    non_monotonic_dropped: int = 0
    truncated_last_line: bool = False
    gaps: int = 0
    gap_seconds_total: float = 0.0
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        skipped = ", ".join(
            f"{n} {what}"
            for n, what in (
                (self.nan_rows_skipped, "NaN/inf"),
                (self.malformed_rows_skipped, "malformed"),
                (self.non_monotonic_dropped, "non-monotonic"),
            )
            if n
        )
        return (
            f"{self.rows_ok} of {self.rows_read} rows ok"
            + (f"; skipped {skipped}" if skipped else "")
            + (f"; {self.gaps} gap(s), {self.gap_seconds_total:.3g} s" if self.gaps else "")
            + ("; truncated last line skipped" if self.truncated_last_line else "")
        )


class RowPolicy:
    """Counts, warnings and the time policy of one pass over one file."""

    def __init__(self, path: str, stats: TraceStats) -> None:
        self.path, self.stats = path, stats
        self.last_t: float = -math.inf
        self.med_dt: float | None = None
        self.first_bad: int | None = None
        self.first_malformed: int | None = None
        self.malformed = 0
        self.pending: list[tuple[int, str]] = []  # this block's warnings, flushed in line order

    def warn(self, line: int, problem: str) -> None:
        if len(self.stats.warnings) < MAX_WARNINGS:
            self.pending.append((line, f"{self.path}:{line}: {problem}"))

    def note_bad(self, line: int, malformed: bool) -> None:
        self.first_bad = line if self.first_bad is None else min(line, self.first_bad)
        if malformed:
            self.first_malformed = line if self.first_malformed is None else min(line, self.first_malformed)

    def malformed_row(self, line: int, problem: str) -> None:
        self.malformed += 1
        self.stats.malformed_rows_skipped += 1
        self.note_bad(line, malformed=True)
        if len(self.pending) < MAX_WARNINGS:  # per block: keeps the first ones
            self.warn(line, problem)

    def truncated_row(self, line: int, problem: str) -> None:
        self.stats.truncated_last_line = True
        self.note_bad(line, malformed=True)
        self.warn(line, f"truncated last line skipped ({problem})")

    def _skip(self, lines: np.ndarray, problem: str, counter: str) -> None:
        setattr(self.stats, counter, getattr(self.stats, counter) + len(lines))
        self.note_bad(int(lines[0]), malformed=False)
        for ln in lines[:MAX_WARNINGS].tolist():
            self.warn(ln, problem)

    def keep(self, t: np.ndarray, finite: np.ndarray, lines: np.ndarray, gaps: bool = True) -> np.ndarray:
        """Mask of the rows kept: finite (NaN/inf policy) and t after the last kept t.

        ``finite`` is the per-row finiteness of whatever the row must have (time and sensor
        values). With ``gaps`` the time steps are counted against the first block's median.
        """
        ok = finite
        if not ok.all():
            self._skip(lines[~ok], "NaN/inf value: row skipped", "nan_rows_skipped")
        tk = t[ok]
        # A dropped row never raises the running max, so this is "t > last accepted t".
        mono = tk > np.maximum.accumulate(np.concatenate(([self.last_t], tk)))[:-1]
        if not mono.all():
            self._skip(lines[ok][~mono], "time not after previous row: dropped", "non_monotonic_dropped")
            idx = np.flatnonzero(ok)
            ok = ok.copy()
            ok[idx[~mono]] = False
            tk = tk[mono]
        if len(tk):
            if gaps:
                self._count_gaps(tk)
            self.last_t = float(tk[-1])
        self.stats.rows_ok += len(tk)
        return ok

    def keep_block(
        self, t: np.ndarray, finite: np.ndarray | None, lines: np.ndarray, rising: bool
    ) -> np.ndarray | None:
        """:meth:`keep` for a parsed block: None when every row is kept, else the mask.

        ``finite`` None means every row is finite; ``rising`` that t rises strictly within the
        block. Both hold in a healthy recording, and then only the first row needs comparing
        with what came before (same counts and gaps as :meth:`keep`, a fraction of the passes).
        """
        if finite is None and rising and len(t) and t[0] > self.last_t:
            self._count_gaps(t)
            self.last_t = float(t[-1])
            self.stats.rows_ok += len(t)
            return None
        ok = self.keep(t, np.ones(len(t), dtype=bool) if finite is None else finite, lines)
        return None if ok.all() else ok

    def _count_gaps(self, tk: np.ndarray) -> None:
        """Count the kept rows' time steps longer than GAP_FACTOR x the first block's median."""
        dt = np.diff(tk, prepend=self.last_t) if self.last_t > -math.inf else np.diff(tk)
        if self.med_dt is None and len(dt):
            self.med_dt = float(np.median(dt))
        if self.med_dt is not None:
            big = dt[dt > GAP_FACTOR * self.med_dt]
            self.stats.gaps += len(big)
            self.stats.gap_seconds_total += float((big - self.med_dt).sum())

    def flush_warnings(self) -> None:
        """Keep the earliest lines (problems are found per kind, not in line order)."""
        room = MAX_WARNINGS - len(self.stats.warnings)
        self.stats.warnings += [w for _, w in sorted(self.pending)[: max(room, 0)]]
        self.pending.clear()

    def check_malformed(self, rows_read: int | None = None) -> None:
        """Refuse the file once > 10 % of >= 100 rows read are malformed."""
        read = self.stats.rows_read if rows_read is None else rows_read
        if read >= 100 and self.malformed * 10 > read:
            raise TraceFormatError(
                self.path,
                self.first_malformed,
                f"too many malformed rows ({self.malformed} of {read} read); first bad line shown",
            )
