"""What every importer shares: units, the ImportedTrace result, reading text lines into rows.

Rows follow the one bad-row policy of :mod:`sensor.io.rows` (shared with the trace reader).
"""

from __future__ import annotations

import math
import os
import re
from array import array
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import IO

import numpy as np

from sensor.core.constants import STANDARD_GRAVITY
from sensor.core.samples import ImuChunk
from sensor.io.rows import GAP_FACTOR, MAX_WARNINGS, RowPolicy, TraceFormatError, TraceStats
from sensor.io.trace import TraceReader

FORMATS = ("glide", "polar", "metabase", "movesense", "witmotion", "csv")
_HINT = "use --format polar|metabase|movesense|witmotion|csv|glide"
_HEAD_LINES = 40
_GAP_FACTOR = GAP_FACTOR

_ACC_UNITS = {
    "g": STANDARD_GRAVITY,
    "mg": STANDARD_GRAVITY / 1000.0,
    "m/s2": 1.0,
    "m/s^2": 1.0,
    "m/s²": 1.0,
    "mps2": 1.0,
}
_GYR_UNITS = {"dps": 1.0, "deg/s": 1.0, "°/s": 1.0, "rad/s": 180.0 / math.pi}
_T_UNITS = {"s": 1.0, "ms": 1e3, "us": 1e6, "µs": 1e6, "ns": 1e9}

PathArg = str | os.PathLike[str] | Sequence[str | os.PathLike[str]]
"""One file, or an accelerometer/gyroscope pair."""
_Info = dict[str, str | datetime]
"""What a format's reader learned besides samples (device, time source, ...; "epoch")."""
_Parsed = tuple[float, Sequence[float]] | str | None
"""A parsed data line: (time, values), what is wrong with it, or None (not this recording's)."""


class ImportedTrace:
    """An imported recording: ``meta``, ``sample_rate_hz``, ``chunks()``, ``stats``.

    For vendor formats the samples are already decoded (and merged) when this object exists;
    ``chunks()`` slices them. For ``glide`` it wraps a streaming :class:`TraceReader`.
    """

    def __init__(
        self,
        paths: tuple[str, ...],
        fmt: str,
        meta: dict[str, str],
        stats: TraceStats | None = None,
        arrays: tuple[np.ndarray, ...] | None = None,
        reader: TraceReader | None = None,
    ) -> None:
        self.paths, self.path, self.format = paths, paths[0], fmt
        self._meta, self._stats, self._arrays, self._reader = meta, stats, arrays, reader

    @property
    def meta(self) -> dict[str, str]:
        if self._reader is None:
            return self._meta
        return {**self._reader.meta, **self._meta}

    @property
    def stats(self) -> TraceStats:
        if self._reader is not None:
            return self._reader.stats
        assert self._stats is not None  # vendor formats are built with their stats
        return self._stats

    @property
    def sample_rate_hz(self) -> float | None:
        try:
            rate = float(self.meta["sample_rate_hz"])
        except (KeyError, ValueError):
            rate = None
        if rate is not None and math.isfinite(rate) and rate > 0:
            return rate
        if self._reader is not None:  # glide trace without the key: peek a block
            with TraceReader(self.path, chunk_rows=4096) as r:
                first = next(iter(r.chunks()), None)
            est = _rate(first.t) if first is not None else None
            if est is not None:
                self._meta["sample_rate_hz"] = repr(est)
            return est
        return None

    device = property(lambda self: self.meta.get("device"))

    @property
    def has_foot(self) -> bool:
        """The recording carries a foot IMU's six columns too (issue 16): ``chunks()`` fill
        ``foot_acc``/``foot_gyr`` (NaN where the foot sensor had no sample)."""
        if self._reader is not None:
            return bool(self._reader.has_foot)
        return self._arrays is not None and len(self._arrays) == 5

    posture = property(lambda self: self.meta.get("posture"))
    leg = property(lambda self: self.meta.get("leg"))

    @property
    def started_at(self) -> datetime | None:
        try:
            return datetime.fromisoformat(self.meta["started_at"].replace("Z", "+00:00"))
        except (KeyError, ValueError):
            return None

    def __len__(self) -> int:
        if self._arrays is None:
            raise TypeError("a streamed glide trace has no length before it is read")
        return len(self._arrays[0])

    def chunks(self, chunk_rows: int = 65536) -> Iterator[ImuChunk]:
        """Yield the samples as ImuChunks of at most ``chunk_rows`` rows."""
        if chunk_rows < 1:
            raise ValueError("chunk_rows must be >= 1")
        if self._reader is not None:
            self._reader.chunk_rows = chunk_rows
            yield from self._reader.chunks()
            return
        assert self._arrays is not None  # vendor formats are built with their arrays
        t, acc, gyr, *foot = self._arrays
        for i in range(0, len(t), chunk_rows):
            part = slice(i, i + chunk_rows)
            if foot:
                yield ImuChunk(t[part], acc[part], gyr[part], foot[0][part], foot[1][part])
            else:
                yield ImuChunk(t[part], acc[part], gyr[part])

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()

    def __enter__(self) -> ImportedTrace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _paths(path: PathArg) -> tuple[str, ...]:
    if isinstance(path, (str, bytes, os.PathLike)):
        return (os.fsdecode(path),)
    paths = tuple(os.fsdecode(p) for p in path)
    if not 1 <= len(paths) <= 2:
        raise TraceFormatError(
            paths[0] if paths else "", None, f"expected one file or an accelerometer/gyroscope pair, got {len(paths)}"
        )
    return paths


def _unlink(p: str) -> None:
    try:
        os.unlink(p)
    except OSError:
        pass


def _open(path: str) -> IO[bytes]:
    try:
        return open(path, "rb")
    except OSError as e:
        raise TraceFormatError(path, None, f"cannot open: {e.strerror or e}") from e


def _head(path: str) -> tuple[list[tuple[int, str]], str]:
    """The first lines (1-based number, stripped text) and the encoding to read the file with.

    UTF-8 (BOM accepted); a header that is not UTF-8 is tried as GB18030, which WitMotion's
    Chinese Windows software may write. Data lines are ASCII numbers either way.
    """
    with _open(path) as f:
        raws: list[bytes] = []
        for _ in range(_HEAD_LINES):
            raw = f.readline(1 << 20)
            if not raw:
                break
            raws.append(raw)
    blob = b"".join(raws)
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = blob.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise TraceFormatError(path, 1, "not a text file")
    lines = [(i, s.strip()) for i, s in enumerate(text.splitlines(), start=1)]
    return lines, enc


def _header(path: str, pred: Callable[[str], bool], what: str, max_line: int = 8) -> tuple[int, str, str]:
    """(line number, text, encoding) of the first non-blank, non-# line; it must satisfy pred."""
    head, enc = _head(path)
    cand = [(i, s) for i, s in head if s and not s.startswith("#")]
    if not cand:
        raise TraceFormatError(
            path, 1 if not head else head[-1][0], "empty file" if not any(s for _, s in head) else "no header line"
        )
    for i, s in cand[:max_line]:
        if pred(s):
            return i, s, enc
    i, s = cand[0]
    shown = s if len(s) <= 80 else s[:77] + "..."
    raise TraceFormatError(path, i, f"wrong columns: expected {what}, found {shown!r}")


class _Rows:
    """Parses the data lines of one file into (time, values) rows under the shared row policy
    (:class:`sensor.io.rows.RowPolicy`, the trace reader's): vendor files are read whole, so
    the policy sees one block, and time gaps are counted later on the merged time base."""

    def __init__(self, path: str, stats: TraceStats, nvals: int, required: int | None = None) -> None:
        self.path, self.stats, self.nvals = path, stats, nvals
        self.required = nvals if required is None else required  # leading values that must be finite
        self.t, self.v, self.lines = array("d"), array("d"), array("q")
        self.rows_read = 0
        self.policy = RowPolicy(path, stats)
        self.warnings: list[tuple[int, str]] = []

    def bad(self, line: int, problem: str, last: bool) -> None:
        if last:  # cut-off last line (crash while recording)
            self.policy.truncated_row(line, problem)
        else:
            self.policy.malformed_row(line, problem)

    def read(
        self,
        enc: str,
        start: int,
        delim: str,
        parse: Callable[[list[str], int], _Parsed],
        skip: Callable[[str], bool] | None = None,
    ) -> None:
        """Feed every data line after line ``start`` to ``parse(fields, line)``."""
        decode = enc
        with _open(self.path) as f:
            for i, raw in enumerate(f, start=1):
                if i <= start:
                    continue
                text = raw.decode(decode, "replace").strip()
                if not text or text.startswith("#") or (skip is not None and skip(text)):
                    continue
                got = parse(text.split(delim), i)
                if got is None:  # not a row of this recording (other device)
                    continue
                self.rows_read += 1
                if isinstance(got, str):
                    self.bad(i, got, last=not raw.endswith(b"\n"))
                    continue
                tt, vals = got
                self.t.append(tt)
                self.v.extend(vals)
                self.lines.append(i)
        self.stats.rows_read += self.rows_read

    def arrays(self, header_line: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(t, values (n, nvals), line numbers) of the parsed rows, before the time policy."""
        self.policy.check_malformed(self.rows_read)
        if self.rows_read == 0:
            raise TraceFormatError(self.path, header_line, "header but no data rows")
        # views on the arrays (no copy); nothing is appended to them after this point
        t = np.frombuffer(self.t, dtype=np.float64)
        v = np.frombuffer(self.v, dtype=np.float64).reshape(-1, self.nvals)
        lines = np.frombuffer(self.lines, dtype=np.int64)
        return t, v, lines

    def accept(self, t: np.ndarray, v: np.ndarray, lines: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """NaN/inf rows skipped, rows whose time is not after the last kept one dropped (NaN in the
        values after the ``required`` ones, a foot sensor's, is kept: that sensor may drop out)."""
        pol, st = self.policy, self.stats
        ok = pol.keep(t, np.isfinite(v[:, : self.required]).all(axis=1) & np.isfinite(t), lines, gaps=False)
        if not ok.all():
            t, v, lines = t[ok], v[ok], lines[ok]
        # this file's warnings join those of the pair's other file, earliest lines first
        st.warnings = [w for _, w in sorted([(0, w) for w in st.warnings] + pol.pending)][:MAX_WARNINGS]
        pol.pending.clear()
        if len(t) == 0:
            raise TraceFormatError(
                self.path,
                pol.first_bad,
                f"no valid data rows ({self.rows_read} read, none usable); first bad line shown",
            )
        return t, v, lines


def _number(x: str) -> float:
    """float() of a field; a decimal comma is accepted when it is the only separator."""
    x = x.strip()
    if "_" in x:
        raise ValueError(x)
    try:
        return float(x)
    except ValueError:
        if "," in x and "." not in x:
            return float(x.replace(",", "."))
        raise


class _IntClock:
    """Parses a time field; integer fields are taken relative to the first integer seen, so
    ns-since-2000 or Unix-ms values keep full precision in float64 (exact integer steps)."""

    def __init__(self) -> None:
        self.origin: int | None = None

    def __call__(self, x: str) -> float:
        x = x.strip()
        if x.lstrip("-").isdigit():
            n = int(x)
            if self.origin is None:
                self.origin = n
            return float(n - self.origin)
        if self.origin is None:
            self.origin = 0
        return _number(x) - self.origin


def _num_err(fields: list[str], idx: Sequence[int]) -> str:
    for i in idx:
        try:
            _number(fields[i])
        except ValueError:
            return f"malformed row: not a number: {fields[i].strip()[:40]!r}"
    return "malformed row"


def _rate(t: np.ndarray) -> float | None:
    d = np.diff(np.asarray(t, dtype=np.float64))
    d = d[d > 0]
    if not len(d):
        return None
    return round(1.0 / float(np.median(d)), 3)


def _unit_kind(path: str, line: int, unit: str) -> tuple[str, float]:
    if unit in ("G", "T", "uT", "µT", "Gauss", "gauss"):
        raise TraceFormatError(
            path, line, f"this is a magnetometer file (unit {unit}): glide needs the accelerometer and gyroscope files"
        )
    u = unit.lower().replace(" ", "")
    if u in _ACC_UNITS:
        return "acc", _ACC_UNITS[u]
    if u in _GYR_UNITS:
        return "gyr", _GYR_UNITS[u]
    raise TraceFormatError(path, line, f"unknown unit {unit!r}: expected mg/g/m/s2 or dps/deg/s/rad/s")


class _DateClock:
    """'YYYY-MM-DD hh:mm:ss.fff' (also 'T', unpadded fields) or 'hh:mm:ss.fff' -> seconds
    since midnight of the first row's day; time-only values roll over at midnight; a plain
    number is taken as seconds."""

    _RE = re.compile(
        r"^(?:(\d{4})-(\d{1,2})-(\d{1,2})[T ]\s*)?"
        r"(\d{1,2}):(\d{1,2}):(\d{1,2}(?:\.\d*)?)$"
    )

    def __init__(self) -> None:
        self.day0: datetime | None = None
        self.ord0 = 0
        self._ords: dict[tuple[int, int, int], int] = {}
        self._last = -math.inf
        self._roll = 0.0

    def __call__(self, x: str) -> float:
        m = self._RE.match(x.strip())
        if not m:
            return _number(x)  # plain seconds, e.g. a "Time(s)" column
        y, mo, d, hh, mm, ss = m.groups()
        sec = int(hh) * 3600 + int(mm) * 60 + float(ss)
        if y is not None:
            key = (int(y), int(mo), int(d))
            o = self._ords.get(key)
            if o is None:
                o = self._ords[key] = datetime(*key).toordinal()
            if self.day0 is None:
                self.day0, self.ord0 = datetime.fromordinal(o), o
            return (o - self.ord0) * 86400.0 + sec
        if sec + self._roll < self._last - 43200:  # past midnight
            self._roll += 86400.0
        self._last = sec + self._roll
        return self._last
