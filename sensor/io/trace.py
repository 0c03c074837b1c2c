"""Glide trace files (``glide-trace/1``): recorded IMU streams that replay bit-identically.

A trace lets a session be re-run through the pipeline later (bug reports, tuning, regression
corpora) with exactly the answer the live run gave. Hence: plain CSV with ``# key=value``
metadata and unit-bearing column names, so users can open and attach one; floats written as
their shortest round-trip repr, so write -> read is lossless; and a reader that salvages what
it can from badly ended or hand-edited recordings and *counts* what it skipped:

* NaN/inf in any of the 7 columns: row skipped (``nan_rows_skipped``).
* t <= previous accepted t (incl. duplicates): row dropped (``non_monotonic_dropped``).
* wrong field count or text in a number: row skipped (``malformed_rows_skipped``).
* last line without newline that does not parse (crash while recording): skipped with a
  warning (``truncated_last_line``).
* dt > 3 x median dt of the first block read: kept, the pipeline copes (``gaps``,
  ``gap_seconds_total`` = sum of dt - median dt).
* extra columns ignored; CRLF, a UTF-8 BOM, blank and ``#`` lines accepted.

``rows_read == rows_ok + nan + malformed + non_monotonic + truncated``. A file is refused with
:class:`TraceFormatError` if it has no usable header or no valid row, or once more than 10 % of
at least 100 rows read are malformed (that error names the first malformed line).

Optional foot-IMU columns (issue 16): a header ``HEADER,FOOT_COLUMNS`` (13 columns) makes the
reader also parse the foot's six values into ``ImuChunk.foot_acc``/``foot_gyr``; NaN there is
kept (a foot sensor may drop out while the shin's data is fine). ``TraceWriter(foot=True)``
writes them. 7-column traces read and write exactly as before.

Reading streams 1 MiB blocks (memory flat in file length; results independent of
``chunk_rows``). Each block of plain rows is parsed by one vectorised call: pyarrow's cast of
the block's fields when the optional ``fast`` extra is installed (see :mod:`sensor.io.fastcsv`
for the measured candidates), else one ``np.fromstring`` call after a vectorised per-line field
count; only a block that fails both is re-parsed line by line to locate bad rows. Blocks are
parsed on two threads where there are two cores (:mod:`sensor.io.blocks`; both parsers release
the GIL), which also make each block's columns; the row policy then runs on the caller's thread
in file order, so counts, warnings and values are those of a one-thread read. Figures:
``glide bench``.
"""

from __future__ import annotations

import math
import os
import queue
import threading
import warnings
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import TypeVar

import numpy as np

from sensor.core.samples import ImuChunk, concat_chunks
from sensor.io import fastcsv
from sensor.io.blocks import LineBlocks, LineTooLong, default_workers, ordered_map
from sensor.io.rows import MAX_WARNINGS, RowPolicy, TraceFormatError, TraceStats
from sensor.io.trace_writer import FOOT_COLUMNS, FORMAT, HEADER, META_KEY, TraceWriteError, TraceWriter

__all__ = [
    "FOOT_COLUMNS",
    "FORMAT",
    "HEADER",
    "TraceFormatError",
    "TraceReader",
    "TraceStats",
    "TraceWriteError",
    "TraceWriter",
    "read_ahead",
    "read_trace",
]

_BLOCK_BYTES = 1 << 20
_MAX_LINE = 16 << 20  # a longer "line" is no damaged row but another kind of file
_MAX_WARNINGS = MAX_WARNINGS
_T = TypeVar("_T")


def _parse_line(raw: bytes, ncols: int, width: int = 7) -> list[float] | str:
    """One data line -> its first ``width`` values, or what is wrong with it."""
    fields = raw.split(b",")
    if len(fields) != ncols:
        return f"malformed row: expected {ncols} fields, found {len(fields)}"
    out = []
    for x in fields[:width]:
        try:
            if b"_" in x:  # float() accepts "1_000"; np.fromstring does not
                raise ValueError
            out.append(float(x))
        except ValueError:
            return f"malformed row: not a number: {x.strip().decode('utf-8', 'replace')[:40]!r}"
    return out


_GROUPS = ((0, 1), (1, 4), (4, 7), (7, 10), (10, 13))  # t, acc, gyr, foot_acc, foot_gyr
_NUMPY2 = int(np.__version__.split(".")[0]) >= 2
_WARNINGS_LOCK = threading.Lock()  # catch_warnings changes process-wide state (numpy < 2 only)
_NUMPY_LOCK = threading.Lock()

Cols = list[np.ndarray]  # one block's rows as t (m,), acc, gyr (, foot_acc, foot_gyr) (m, 3), maybe strided


class Parsed:
    """One block as a parser thread leaves it: its columns, and what the policy needs. The columns
    are views of the parser's (rows, ncols) array (strided when it is pyarrow's): each value is
    copied once, into the ImuChunks (:func:`_chunks_of`), not first into contiguous columns."""

    __slots__ = ("cols", "finite", "rising")

    def __init__(self, vals: np.ndarray, width: int, all_finite: bool | None = None) -> None:
        cols = [vals[:, a:b] for a, b in _GROUPS if b <= width]
        cols[0] = vals[:, 0]
        self.cols: Cols = cols
        self.finite: np.ndarray | None = None  # None: every row finite (t, acc, gyr)
        if all_finite is None:
            with np.errstate(over="ignore", invalid="ignore"):  # an overflowing sum only means: look closer
                all_finite = bool(np.isfinite(vals[:, :7].sum()))
        if not all_finite:
            ok = np.isfinite(vals[:, :7]).all(axis=1)
            self.finite = None if ok.all() else ok
        t = cols[0]
        self.rising = bool((t[1:] > t[:-1]).all())


def _chunks_of(parts: list[Cols], size: int) -> tuple[list[ImuChunk], list[Cols]]:
    """Whole ``size``-row ImuChunks of the rows in parts (their slices need no further copy), and
    the rows left over, as a one-element list or an empty list."""
    cols = [np.concatenate(c) if len(parts) > 1 else c[0] for c in zip(*parts)]
    n = len(cols[0])
    full = n - n % size
    out = [ImuChunk(*(c[i : i + size] for c in cols)) for i in range(0, full, size)]
    rest = [[c[full:].copy() for c in cols]] if full < n else []
    return out, rest


class TraceReader:
    """Streams a trace as ImuChunks. Opening reads the metadata and header (or raises)."""

    def __init__(self, path: str | os.PathLike[str], chunk_rows: int = 65536, workers: int | None = None) -> None:
        if chunk_rows < 1:
            raise ValueError("chunk_rows must be >= 1")
        self.path, self.chunk_rows = os.fspath(path), chunk_rows
        self.workers = default_workers() if workers is None else workers
        self.meta: dict[str, str] = {}
        self.stats = TraceStats()
        try:
            self._f = open(self.path, "rb")  # noqa: SIM115  (open until close(): chunks() re-reads)
        except OSError as e:
            raise TraceFormatError(self.path, None, f"cannot open: {e.strerror}") from e
        try:
            self._read_header()
        except BaseException:
            self._f.close()
            raise

    def _read_header(self) -> None:
        line, seen_text = 0, False
        while raw := self._f.readline(_BLOCK_BYTES):
            line += 1
            try:
                s = raw.decode("utf-8-sig" if line == 1 else "utf-8").strip()
            except UnicodeDecodeError:
                raise TraceFormatError(self.path, line, "not UTF-8 text") from None
            seen_text = seen_text or bool(s)
            if not s or s.startswith("#"):
                key, eq, value = s[1:].partition("=")
                if eq and META_KEY.match(key.strip()):
                    self.meta[key.strip()] = value.strip()
                continue
            if s.startswith(HEADER) and (len(s) == len(HEADER) or s[len(HEADER)] == ","):
                self._ncols, self._header_line = s.count(",") + 1, line
                foot = s[len(HEADER) + 1 :].split(",")[:6] == FOOT_COLUMNS.split(",")
                self._width = 13 if foot else 7
                self._data_start = self._f.tell()
                return
            found = s if len(s) <= 80 else s[:77] + "..."
            if "," not in s and (";" in s or "\t" in s):
                raise TraceFormatError(
                    self.path,
                    line,
                    "wrong delimiter: expected ',' but the "
                    f"header looks {'semicolon' if ';' in s else 'tab'}"
                    f"-delimited: {found!r}",
                )
            raise TraceFormatError(
                self.path, line, f"wrong header: expected a row beginning {HEADER!r}, found {found!r}"
            )
        if not seen_text:
            raise TraceFormatError(self.path, 1, "empty file")
        raise TraceFormatError(self.path, line, f"no header row: expected {HEADER!r} before the end of the file")

    @property
    def sample_rate_hz(self) -> float | None:
        try:
            rate = float(self.meta["sample_rate_hz"])
        except (KeyError, ValueError):
            return None
        return rate if math.isfinite(rate) and rate > 0 else None

    @property
    def started_at(self) -> datetime | None:
        try:
            return datetime.fromisoformat(self.meta["started_at"])
        except (KeyError, ValueError):
            return None

    posture = property(lambda self: self.meta.get("posture"), doc="e.g. 'supine', or None")
    leg = property(lambda self: self.meta.get("leg"), doc="'left' / 'right', or None")
    device = property(lambda self: self.meta.get("device"))
    has_foot = property(lambda self: self._width == 13, doc="the trace has the foot IMU's six columns")

    def chunks(self) -> Iterator[ImuChunk]:
        """Yield ImuChunks of at most ``chunk_rows`` kept rows, filling ``stats`` as it goes.

        Each call starts again from the first data row with fresh stats. Raises
        TraceFormatError (after yielding what was good) when the file turns out unusable.
        """
        self.stats = st = TraceStats()
        self._rows = rows = RowPolicy(self.path, st)
        if self.meta.get("format", FORMAT) != FORMAT:
            st.warnings.append(f"{self.path}: format {self.meta['format']!r} is not {FORMAT!r}; reading anyway")
        self._f.seek(self._data_start)
        line, n_pending = self._header_line + 1, 0
        pending: list[Cols] = []
        source = LineBlocks(self._f, _BLOCK_BYTES, _MAX_LINE)
        # Threads pay for themselves from a few blocks on (a replayed session, not a test row), and
        # only with pyarrow: np.fromstring holds the GIL, and two threads contending for it took
        # 1.4x the CPU and wall time of one on the 1-hour trace.
        small = os.fstat(self._f.fileno()).st_size - self._data_start <= 2 * _BLOCK_BYTES
        workers = 1 if small or not fastcsv.available() else self.workers
        parsed = ordered_map(self._parse_plain, source, workers, 2 * workers)
        try:
            for body, block in parsed:
                block, lines, n = self._take(body, block, line)
                cols = self._accept(block, lines)
                rows.flush_warnings()
                line += n
                pending.append(cols)
                n_pending += len(cols[0])
                if n_pending >= self.chunk_rows:
                    ready, pending = _chunks_of(pending, self.chunk_rows)
                    n_pending = sum(len(p[0]) for p in pending)
                    yield from ready
                rows.check_malformed()
        except LineTooLong:
            raise TraceFormatError(self.path, line, f"line longer than {_MAX_LINE >> 20} MiB") from None
        finally:
            parsed.close()  # an abandoned read stops its parser threads here
        tail = source.tail
        if (tail := tail.strip()) and not tail.startswith(b"#"):  # last line, no newline
            st.rows_read += 1
            got = _parse_line(tail, self._ncols, self._width)
            if isinstance(got, str):
                rows.truncated_row(line, got)
            else:
                pending.append(self._accept(Parsed(np.array([got]), self._width), np.array([line])))
        rows.flush_warnings()
        rows.check_malformed()
        if n_left := sum(len(p[0]) for p in pending):
            yield from _chunks_of(pending, n_left)[0]
        if st.rows_ok == 0 and st.rows_read == 0:
            raise TraceFormatError(self.path, self._header_line, "header but no data rows")
        if st.rows_ok == 0:
            raise TraceFormatError(
                self.path, rows.first_bad or 0, f"no valid data rows ({st.summary()}); first bad line shown"
            )

    def _parse_plain(self, text: memoryview) -> Parsed | None:
        """Complete lines -> their values when every line is a plain row, else None.

        Pure (runs on a parser thread): no counts, no warnings; :meth:`_take` does those in order.
        """
        got = fastcsv.parse_block_finite(text, None, self._ncols)  # the common case: None if pyarrow is missing
        if got is None:
            buf = bytes(text)
            if b"\r" in buf:
                buf = buf.replace(b"\r", b"")
                got = fastcsv.parse_block_finite(buf, None, self._ncols)
            if got is None and buf[:1] != b"\n" and b"\n\n" not in buf and b"#" not in buf:
                with _NUMPY_LOCK:  # np.fromstring holds the GIL: one parser thread at a time in it
                    vals = self._parse_fast(buf, buf.count(b"\n"))
                return None if vals is None else Parsed(vals, self._width)
        return None if got is None else Parsed(got[0], self._width, got[1])

    def _take(self, text: memoryview, block: Parsed | None, first: int) -> tuple[Parsed, np.ndarray, int]:
        """A parsed block -> (its rows, (m,) line numbers, lines in text); bad lines counted.

        ``block`` is what :meth:`_parse_plain` made of ``text``; None sends the block line by
        line through the careful path, which names every bad line.
        """
        if block is not None:
            n = len(block.cols[0])
            self.stats.rows_read += n
            return block, np.arange(first, first + n), n
        buf = bytes(text).replace(b"\r", b"")
        n = buf.count(b"\n")
        rows, lines = [], []
        for i, raw in enumerate(buf.split(b"\n")[:-1], start=first):
            if not (raw := raw.strip()) or raw.startswith(b"#"):
                continue
            self.stats.rows_read += 1
            got = _parse_line(raw, self._ncols, self._width)
            if isinstance(got, str):
                self._rows.malformed_row(i, got)
            else:
                rows.append(got)
                lines.append(i)
        vals = np.array(rows, dtype=np.float64).reshape(-1, self._width)
        return Parsed(vals, self._width), np.array(lines, dtype=np.int64), n

    def _parse_fast(self, buf: bytes, n: int) -> np.ndarray | None:
        """All-or-nothing parse of n lines; None if any line is not a well-formed row."""
        k = self._ncols - 1
        a = np.frombuffer(buf, dtype=np.uint8)
        commas, newlines = np.flatnonzero(a == 44), np.flatnonzero(a == 10)
        if len(commas) != k * n:
            return None
        c = commas.reshape(n, k)  # sorted, so "line i's k commas lie in line i" for all i
        if not ((c[1:, 0] > newlines[:-1]).all() and (c[:, -1] < newlines).all()):
            return None  # means every line has exactly k commas
        text = buf.replace(b"\n", b",")
        try:
            if _NUMPY2:  # numpy >= 2 raises on text it cannot read
                v = np.fromstring(text, sep=",")
            else:  # numpy < 2 only warns; the filter is process-wide, hence the lock
                with _WARNINGS_LOCK, warnings.catch_warnings():
                    warnings.simplefilter("error", DeprecationWarning)
                    v = np.fromstring(text, sep=",")
        except (ValueError, DeprecationWarning):
            return None  # (text in an extra column also lands here: slow but right)
        return v.reshape(n, k + 1) if v.size == n * (k + 1) else None

    def _accept(self, block: Parsed, lines: np.ndarray) -> Cols:
        """Apply the NaN and monotonic-time policy (shin columns only), count gaps; rows kept."""
        t = block.cols[0]
        ok = self._rows.keep_block(t, block.finite, lines, block.rising)
        return block.cols if ok is None else [c[ok] for c in block.cols]

    def close(self) -> None:
        self._f.close()

    def __enter__(self) -> TraceReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_trace(path: str | os.PathLike[str]) -> tuple[dict[str, str], ImuChunk, TraceStats]:
    """Whole trace in memory, for short files and tests: (meta, samples, stats)."""
    with TraceReader(path) as r:
        chunk = concat_chunks(list(r.chunks()))
        return r.meta, chunk, r.stats


class _End:
    def __init__(self, error: BaseException | None = None) -> None:
        self.error = error


def read_ahead(chunks: Iterable[_T], depth: int = 2) -> Iterator[_T]:
    """Yield from ``chunks`` while a thread already reads the next ones (at most ``depth`` ahead).

    Parsing (pyarrow) and file reads release the GIL, so on a machine with two cores reading
    overlaps the pipeline instead of adding to it; memory stays bounded by ``depth`` chunks.
    An exception in the reader is raised here, in order, after the chunks before it.
    """
    q: queue.Queue[_T | _End] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: _T | _End) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        try:
            for c in chunks:
                if not put(c):
                    return
            put(_End())
        except BaseException as e:  # handed to the consumer, raised there
            put(_End(e))

    th = threading.Thread(target=run, name="glide-read-ahead", daemon=True)
    th.start()
    try:
        while True:
            item = q.get()
            if isinstance(item, _End):
                if item.error is not None:
                    raise item.error
                return
            yield item
    finally:
        stop.set()
        th.join()
