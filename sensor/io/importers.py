"""Import the IMU recordings people already have: vendor app exports and any CSV.

``open_trace(path)`` detects the format from the file name and header lines only, reads the
file (or the accelerometer/gyroscope pair), converts to glide's units (time in s, specific
force in m/s^2 with gravity included, angular rate in deg/s, sensor axes unchanged) and
returns an :class:`ImportedTrace` with the same shape as :class:`sensor.io.trace.TraceReader`:
``.meta``, ``.sample_rate_hz``, ``.chunks()``, ``.stats`` (a :class:`TraceStats`).
``convert(in_path, out_path)`` writes the result as a glide trace. Formats (details, sources
and example lines in docs/formats.md):

* ``glide``     -- glide-trace/1, delegated to :class:`TraceReader` (streamed).
* ``polar``     -- Polar Sensor Logger (Android app by J. Happonen, uses the Polar SDK) text
  exports ``<device>_<YYYYMMDD>_<HHMMSS>_ACC.txt`` / ``_GYRO.txt``: ``;``-separated, header
  ``Phone timestamp;sensor timestamp [ns];X [mg];Y [mg];Z [mg]`` and ``X [dps]`` for the gyro.
  The header strings agree across several independent public re-implementations, one of which
  checks itself byte for byte against real exports (tepna-capture ``writers`` tests); the
  sensor clock is ns since 2000-01-01 (the app's own FAQ); mg includes gravity (Polar SDK
  ``PolarAccelerometerData`` doc comment).
* ``metabase``  -- MbientLab MetaBase CSVs ``..._Accelerometer_<rate>Hz_<fw>.csv`` /
  ``..._Gyroscope_...csv``: ``epoch (ms),time (-13:00),elapsed (s),x-axis (g),...`` (older
  app versions: ``epoc (ms),timestamp (+0700),...``). Checked against real exports in
  MU-Smart/ClassyGlass (MetaWear firmware 1.5.1): each file's ``elapsed (s)`` restarts at 0,
  so only ``epoch (ms)`` aligns the pair.
* ``movesense`` -- Movesense Showcase app CSVs. Android (``com.movesense.showcaseapp``
  ``ImuActivity``): one file, header ``Timestamp,AccX,AccY,AccZ,GyroX,GyroY,GyroZ,MagnX,...``,
  per-sample ms timestamps, m/s^2 and deg/s. iOS (Movesense Showcase-iOS, ``Recorder.swift``,
  ``CsvEncoder``): ``<date>_<serial>_acc_stream.csv`` and ``..._gyro_stream.csv``, header
  ``timestamp,x,y,z``; each notification is one row with its sensor timestamp (ms, first
  sample) followed by rows ``,x,y,z`` for its further samples, so sample i of a notification
  is at ``timestamp + i/rate`` (Movesense's rule), the rate estimated from the timestamps.
* ``witmotion`` -- WitMotion PC/app "record" exports: tab-separated, header
  ``time\\tDeviceName\\tChipTime()\\tAccX(g)\\t...\\tAsX(°/s)\\t...`` (newer software; Chinese
  headers ``加速度X(g)``/``角速度X(°/s)`` accepted) or ``Chiptime\\tax(g)\\t...\\twx(deg/s)``
  (WitMotion's Python SDK samples). The chip time is preferred when present (sensor clock),
  else the host receive time; runs of identical receive timestamps (Bluetooth bursts) are
  spread evenly back to the previous timestamp rather than dropped.
* ``csv``       -- any delimited file through ``columns="t=time,ax=AccX,...,gz=GyrZ"`` (names
  or 0-based indices) and ``units="acc=g,gyr=rad/s,t=ms"``, or ``rate=HZ`` without a time
  column; delimiter ``,`` ``;`` or tab, detected from the first line.

Two-file formats are merged on the sensor clock: the time base is the *faster* sensor's own
timestamps (the accelerometer's when equal) and the other sensor is linearly interpolated
onto it. Not a uniform grid: real timestamps keep the true sample clock and its gaps. Not
always the accelerometer: interpolating the gyroscope down to a slower accelerometer would
throw away the rotation signal the rep detector lives on. Base times outside the other
sensor's time range, or inside a gap of it (> 3 x its median step), are dropped and counted.

Rows follow TraceReader's policy (skipped and counted, warnings ``path:line: problem``:
malformed rows, NaN/inf, time not after the previous row, a cut-off last line; refused when
more than 10 % of >= 100 rows are malformed or no row is usable). Imported times start at 0
for the first sample; the absolute start goes to ``meta["started_at"]`` where the source has
a wall clock. Memory: vendor files are read once at open, line by line into float arrays --
simple, and needed anyway to estimate rates, spread bursts and align two files. Measured on the
2-core dev box: a 1 h, 200 Hz CSV (720,000 rows, 47 MB) opens in 3.8 s and adds 58 MB of peak
RSS (~80 bytes per sample); a 1 h Polar pair at 52 Hz opens in 1.3 s (+32 MB). Only ``glide``
traces stream in constant memory.
"""

from __future__ import annotations

import math
import os
import re
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from sensor.core.constants import STANDARD_GRAVITY
from sensor.core.samples import ImuChunk
from sensor.io.trace import (
    HEADER as GLIDE_HEADER,
)
from sensor.io.trace import (
    TraceFormatError,
    TraceReader,
    TraceStats,
    TraceWriteError,
    TraceWriter,
)

__all__ = ["FORMATS", "STANDARD_GRAVITY", "ImportedTrace", "convert", "detect_format", "open_trace"]

FORMATS = ("glide", "polar", "metabase", "movesense", "witmotion", "csv")
_HINT = "use --format polar|metabase|movesense|witmotion|csv|glide"
_MAX_WARNINGS = 20
_HEAD_LINES = 40
_GAP_FACTOR = 3.0

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


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


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
        arrays: tuple | None = None,
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
        return self._reader.stats if self._reader is not None else self._stats

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
        t, acc, gyr = self._arrays
        for i in range(0, len(t), chunk_rows):
            yield ImuChunk(t[i : i + chunk_rows], acc[i : i + chunk_rows], gyr[i : i + chunk_rows])

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()

    def __enter__(self) -> ImportedTrace:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def detect_format(path: str | os.PathLike) -> str:
    """The format of one file, from its name and first lines only; TraceFormatError if unknown."""
    path = os.fspath(path)
    head, _ = _head(path)
    name = os.path.basename(path)
    first = next(((i, s) for i, s in head if s and not s.startswith("#")), None)
    if any(s.startswith("# format=glide-trace") for _, s in head) or (
        first and first[1].replace(";", ",").replace("\t", ",").startswith(GLIDE_HEADER)
    ):
        return "glide"  # (with another delimiter too: the trace reader then says "wrong delimiter")
    if first is None:
        if not any(s for _, s in head):
            raise TraceFormatError(path, 1, "empty file")
        raise TraceFormatError(path, head[-1][0], f"no header line: cannot tell the format: {_HINT}")
    line, text = first
    low = text.lower()
    if low.startswith("phone timestamp;sensor timestamp [ns]"):
        return "polar"
    if re.match(r"epoch? \(ms\),", low) and "elapsed (s)" in low and "-axis (" in low:
        return "metabase"
    if low.replace(" ", "").startswith("timestamp,accx,accy,accz,gyrox,gyroy,gyroz"):
        return "movesense"
    if low.replace(" ", "") == "timestamp,x,y,z" and _MS_IOS_NAME.search(name):
        return "movesense"
    for _, s in head[:8]:
        if _witmotion_header(s):
            return "witmotion"
    shown = text if len(text) <= 80 else text[:77] + "..."
    raise TraceFormatError(path, line, f"cannot tell the format of header {shown!r}: {_HINT}")


def open_trace(
    path: str | os.PathLike | Sequence[str | os.PathLike],
    format: str | None = None,
    columns: str | dict | None = None,
    units: str | dict | None = None,
    rate: float | None = None,
) -> ImportedTrace:
    """Open a recording in any supported format (auto-detected unless ``format`` is given).

    ``path`` is one file, or for the two-file formats (polar, metabase, movesense iOS) either
    file of the pair (the other is found by name) or both files. ``columns``/``units`` apply
    to ``csv`` (and imply it when no format is given); ``rate`` (Hz) is the sample rate for a
    ``csv`` without time column, for WitMotion files without a time column, and the Movesense
    iOS rate when it cannot be estimated. Raises TraceFormatError(path, line, problem).
    """
    paths = _paths(path)
    if rate is not None:
        try:
            rate = float(rate)
        except (TypeError, ValueError):
            raise TraceFormatError(paths[0], None, f"bad rate {rate!r}: expected a number in Hz") from None
        if not (math.isfinite(rate) and rate > 0):
            raise TraceFormatError(paths[0], None, f"bad rate {rate!r}: must be > 0 Hz")
    if format is None:
        format = "csv" if (columns is not None or units is not None) else detect_format(paths[0])
    format = str(format).lower()
    if format not in FORMATS:
        raise TraceFormatError(paths[0], None, f"unknown format {format!r}: {_HINT}")
    if rate is not None and format in ("glide", "polar", "metabase"):
        raise TraceFormatError(
            paths[0], None, f"rate= does not apply to {format} files (they carry their own timestamps)"
        )
    if format != "csv" and (columns is not None or units is not None):
        raise TraceFormatError(paths[0], None, f"columns/units apply to --format csv, not {format}")
    if format in ("glide", "csv", "witmotion") and len(paths) != 1:
        raise TraceFormatError(paths[1], None, f"format {format} takes one file, got {len(paths)}")
    if format == "glide":
        reader = TraceReader(paths[0])
        meta = {"source_format": "glide", "source_files": os.path.basename(paths[0])}
        return ImportedTrace(paths, "glide", meta, reader=reader)
    stats = TraceStats()
    if format == "polar":
        streams, info = _open_pair(paths, stats, _polar_plan, _polar_sibling, rate)
    elif format == "metabase":
        streams, info = _open_pair(paths, stats, _metabase_plan, _metabase_sibling, rate)
    elif format == "movesense":
        streams, info = _open_movesense(paths, stats, rate)
    elif format == "witmotion":
        stream, info = _witmotion_stream(paths[0], stats, rate)
        streams = [stream]
    else:
        streams, info = [_csv_stream(paths[0], stats, columns, units, rate)], {}
    return _assemble(format, streams, stats, info)


def convert(in_path, out_path: str | os.PathLike, **options) -> ImportedTrace:
    """Import ``in_path`` (any format, ``options`` as for :func:`open_trace`) and write a glide
    trace to ``out_path``. The file is written to ``out_path + '.part'`` and renamed at the end,
    so a failed conversion leaves no half trace. Returns the (read) ImportedTrace: its
    ``stats`` and ``meta`` describe the import."""
    out_path = os.fspath(out_path)
    srcs = _paths(in_path)
    if any(os.path.abspath(p) == os.path.abspath(out_path) for p in srcs):
        raise TraceFormatError(out_path, None, "output would overwrite the input")
    tmp = out_path + ".part"
    with open_trace(in_path, **options) as trace:
        meta = {k: v for k, v in trace.meta.items() if k != "format" and "\n" not in str(v) and "\r" not in str(v)}
        rate = trace.sample_rate_hz
        if rate is not None:
            meta["sample_rate_hz"] = rate
        try:
            with TraceWriter(tmp, meta) as w:
                for chunk in trace.chunks():
                    w.write(chunk)
            os.replace(tmp, out_path)
        except TraceWriteError as e:
            _unlink(tmp)
            raise TraceWriteError(out_path, e.problem) from e
        except OSError as e:
            _unlink(tmp)
            raise TraceWriteError(out_path, f"cannot write trace: {e.strerror or e}") from e
        except BaseException:
            _unlink(tmp)
            raise
    return trace


# --------------------------------------------------------------------------------------------
# Text and rows
# --------------------------------------------------------------------------------------------


def _paths(path) -> tuple[str, ...]:
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


def _open(path: str):
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
        raws = []
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


def _header(path: str, pred: Callable[[str], bool], what: str, max_line: int = 8):
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
    """Parses the data lines of one file into (time, values) rows under TraceReader's policy."""

    def __init__(self, path: str, stats: TraceStats, nvals: int) -> None:
        self.path, self.stats, self.nvals = path, stats, nvals
        self.t, self.v, self.lines = array("d"), array("d"), array("q")
        self.rows_read = self.malformed = 0
        self.first_malformed: int | None = None
        self.first_bad: int | None = None
        self.warnings: list[tuple[int, str]] = []

    def warn(self, line: int, problem: str) -> None:
        if len(self.warnings) < _MAX_WARNINGS:
            self.warnings.append((line, f"{self.path}:{line}: {problem}"))

    def bad(self, line: int, problem: str, last: bool) -> None:
        self.first_bad = line if self.first_bad is None else min(self.first_bad, line)
        if last:  # cut-off last line (crash while recording)
            self.stats.truncated_last_line = True
            self.warn(line, f"truncated last line skipped ({problem})")
        else:
            self.malformed += 1
            self.stats.malformed_rows_skipped += 1
            self.warn(line, problem)
        self.first_malformed = line if self.first_malformed is None else self.first_malformed

    def read(
        self,
        enc: str,
        start: int,
        delim: str,
        parse: Callable[[list[str], int], tuple[float, Sequence[float]] | str | None],
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

    def _too_many(self) -> None:
        raise TraceFormatError(
            self.path,
            self.first_malformed,
            f"too many malformed rows ({self.malformed} of {self.rows_read} read); first bad line shown",
        )

    def arrays(self, header_line: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(t, values (n, nvals), line numbers) of the parsed rows, before the time policy."""
        if self.rows_read >= 100 and self.malformed * 10 > self.rows_read:
            self._too_many()
        if self.rows_read == 0:
            raise TraceFormatError(self.path, header_line, "header but no data rows")
        # views on the arrays (no copy); nothing is appended to them after this point
        t = np.frombuffer(self.t, dtype=np.float64)
        v = np.frombuffer(self.v, dtype=np.float64).reshape(-1, self.nvals)
        lines = np.frombuffer(self.lines, dtype=np.int64)
        return t, v, lines

    def accept(self, t: np.ndarray, v: np.ndarray, lines: np.ndarray):
        """NaN/inf rows skipped, rows whose time is not after the last kept one dropped."""
        st = self.stats
        ok = np.isfinite(v).all(axis=1) & np.isfinite(t)
        if not ok.all():
            st.nan_rows_skipped += int((~ok).sum())
            for ln in lines[~ok][:_MAX_WARNINGS].tolist():
                self.warn(ln, "NaN/inf value: row skipped")
            self.first_bad = int(min(self.first_bad or lines[~ok][0], lines[~ok][0]))
            t, v, lines = t[ok], v[ok], lines[ok]
        if len(t):
            ok = t > np.maximum.accumulate(np.concatenate(([-np.inf], t)))[:-1]
            if not ok.all():
                st.non_monotonic_dropped += int((~ok).sum())
                for ln in lines[~ok][:_MAX_WARNINGS].tolist():
                    self.warn(ln, "time not after previous row: dropped")
                self.first_bad = int(min(self.first_bad or lines[~ok][0], lines[~ok][0]))
                t, v, lines = t[ok], v[ok], lines[ok]
        st.rows_ok += len(t)
        st.warnings = [w for _, w in sorted([(0, w) for w in st.warnings] + self.warnings)][:_MAX_WARNINGS]
        if len(t) == 0:
            raise TraceFormatError(
                self.path,
                self.first_bad,
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


# --------------------------------------------------------------------------------------------
# Streams, merging, assembling
# --------------------------------------------------------------------------------------------


@dataclass
class _Stream:
    path: str
    kind: str  # "acc", "gyr" or "imu" (acc in v[:, :3], gyr in v[:, 3:])
    t: np.ndarray  # time in source units, relative to the clock's origin
    v: np.ndarray  # values in m/s^2 / deg/s
    per_s: float  # source time units per second
    clock: object = None  # _IntClock, _DateClock or None
    unit: str = "s"


def _median_step(t: np.ndarray) -> float:
    d = np.diff(t)
    d = d[d > 0]
    return float(np.median(d)) if len(d) else math.inf


def _merge(a: _Stream, g: _Stream, info: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Accelerometer and gyroscope on one time base: the faster one's own timestamps."""
    da, dg = _median_step(a.t), _median_step(g.t)
    base, other = (g, a) if dg < da * 0.99 else (a, g)
    bt, ot = base.t, other.t
    if len(ot) < 2:
        raise TraceFormatError(
            other.path,
            None,
            f"only {len(ot)} usable sample(s) in the {_KIND_NAME[other.kind]} file: too few to align the two sensors",
        )
    if bt[-1] < ot[0] or bt[0] > ot[-1]:
        span = lambda s: f"{s.t[0] / s.per_s:.3f}-{s.t[-1] / s.per_s:.3f} s"  # noqa: E731
        raise TraceFormatError(
            other.path,
            None,
            "the accelerometer and gyroscope recordings do "
            f"not overlap in time (acc {span(a)}, gyro {span(g)} on the "
            "sensor clock)",
        )
    inside = (bt >= ot[0]) & (bt <= ot[-1])
    idx = np.clip(np.searchsorted(ot, bt, side="right"), 1, len(ot) - 1)
    bracket = ot[idx] - ot[idx - 1]
    step = _median_step(ot)
    in_gap = inside & (bracket > _GAP_FACTOR * step) & ~np.isin(bt, ot)
    keep = inside & ~in_gap
    t = bt[keep]
    interp = np.column_stack([np.interp(t, ot, other.v[:, k]) for k in range(3)])
    vb = base.v[keep]
    acc, gyr = (vb, interp) if base is a else (interp, vb)
    info["time_base"] = ("accelerometer" if base is a else "gyroscope") + " timestamps"
    info["dropped_outside_overlap"] = str(int((~inside).sum()))
    info["dropped_in_gaps"] = str(int(in_gap.sum()))
    return t, acc, gyr


def _rate(t: np.ndarray) -> float | None:
    d = np.diff(np.asarray(t, dtype=np.float64))
    d = d[d > 0]
    if not len(d):
        return None
    return round(1.0 / float(np.median(d)), 3)


def _assemble(fmt: str, streams: list[_Stream], stats: TraceStats, info: dict) -> ImportedTrace:
    if len(streams) == 2:
        a, g = sorted(streams, key=lambda s: s.kind)  # "acc" < "gyr"
        t_raw, acc, gyr = _merge(a, g, info)
        ref = a
    else:
        ref = streams[0]
        t_raw, acc, gyr = ref.t, ref.v[:, :3], ref.v[:, 3:6]
    if len(t_raw) == 0:
        raise TraceFormatError(ref.path, None, "no samples left after aligning the two sensors")
    t = (t_raw - t_raw[0]) / ref.per_s
    meta = {
        "source_format": fmt,
        "source_files": ", ".join(os.path.basename(s.path) for s in sorted(streams, key=lambda s: s.kind)),
    }
    rate = _rate(t)
    if rate is not None:
        meta["sample_rate_hz"] = repr(rate)
    clock = ref.clock
    if isinstance(clock, _IntClock) and clock.origin is not None:
        r0 = float(t_raw[0])
        first = clock.origin + (int(r0) if r0.is_integer() else r0)
        meta["source_t0"] = f"{first} {ref.unit}"
        epoch = info.pop("epoch", None)
        if epoch is not None:
            meta["started_at"] = _iso(epoch + timedelta(seconds=float(first) / ref.per_s))
    elif isinstance(clock, _DateClock) and clock.day0 is not None:
        meta["started_at"] = _iso(clock.day0 + timedelta(seconds=float(t_raw[0])))
    meta.update({k: v for k, v in info.items() if isinstance(v, str)})
    meta["samples"] = str(len(t))
    if len(t) > 1:  # gaps on the output time base, as TraceReader
        dt = np.diff(t)
        med = float(np.median(dt))
        big = dt[dt > _GAP_FACTOR * med]
        stats.gaps += len(big)
        stats.gap_seconds_total += float((big - med).sum())
    paths = tuple(s.path for s in streams)
    return ImportedTrace(paths, fmt, meta, stats, arrays=(t, acc, gyr))  # chunks copy slices


def _iso(d: datetime) -> str:
    if d.tzinfo is not None and d.utcoffset() == timedelta(0):
        return d.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"
    return d.isoformat(timespec="milliseconds")


def _open_pair(
    paths: tuple[str, ...], stats: TraceStats, plan_fn, sibling_fn, rate: float | None
) -> tuple[list[_Stream], dict]:
    """Two-file formats: plan both headers first (fails fast), then read both on one clock."""
    first = plan_fn(paths[0])
    if len(paths) == 1:
        second = plan_fn(sibling_fn(paths[0], first.kind))
    else:
        second = plan_fn(paths[1])
    if {first.kind, second.kind} != {"acc", "gyr"}:
        raise TraceFormatError(
            second.path,
            second.header_line,
            f"both files hold {_KIND_NAME[first.kind]} data: expected one accelerometer and one gyroscope file",
        )
    clock = _IntClock()
    info: dict = {}
    streams = [p.read(stats, clock, rate, info) for p in (first, second)]
    return streams, info


_KIND_NAME = {"acc": "accelerometer", "gyr": "gyroscope", "imu": "IMU"}


@dataclass
class _Plan:
    """One file of a pair: where its columns are and how to read them."""

    path: str
    kind: str
    header_line: int
    enc: str
    delim: str
    t_col: int
    v_cols: tuple[int, int, int]
    scale: float
    per_s: float
    unit: str
    epoch: datetime | None = None
    device: str | None = None
    ios_groups: bool = False  # Movesense iOS: timestamp only on group rows

    def read(self, stats: TraceStats, clock: _IntClock, rate: float | None, info: dict) -> _Stream:
        rows = _Rows(self.path, stats, 3)
        need = max(self.t_col, *self.v_cols) + 1
        tc, (xc, yc, zc), sc, ios = self.t_col, self.v_cols, self.scale, self.ios_groups

        def parse(f: list[str], line: int):
            if len(f) < need:
                return f"malformed row: expected at least {need} fields, found {len(f)}"
            try:
                tt = math.nan if (ios and not f[tc].strip()) else clock(f[tc])
                return tt, (_number(f[xc]) * sc, _number(f[yc]) * sc, _number(f[zc]) * sc)
            except ValueError:
                return _num_err(f, (tc, xc, yc, zc) if f[tc].strip() or not ios else (xc, yc, zc))

        rows.read(self.enc, self.header_line, self.delim, parse)
        t, v, lines = rows.arrays(self.header_line)
        if ios:
            t = _ios_times(self, t, lines, rate, info)
        t, v, _ = rows.accept(t, v, lines)
        if self.epoch is not None:
            info["epoch"] = self.epoch
        if self.device:
            info.setdefault("device", self.device)
        return _Stream(self.path, self.kind, t, v, self.per_s, clock, self.unit)


# --------------------------------------------------------------------------------------------
# Polar Sensor Logger
# --------------------------------------------------------------------------------------------

_POLAR_NAME = re.compile(
    r"^(?P<dev>.*)_(?P<date>\d{8})_(?P<time>\d{6})_(?P<kind>ACC|GYRO)"
    r"(?P<ext>\.\w+)$",
    re.I,
)
_POLAR_COL = re.compile(r"^([XYZ])\s*\[(.+)\]$")
_POLAR_EPOCH = datetime(2000, 1, 1)  # "nanoseconds, epoch 1.1.2000" (app FAQ)


def _polar_plan(path: str) -> _Plan:
    line, text, enc = _header(
        path,
        lambda s: s.lower().startswith("phone timestamp;sensor timestamp [ns]"),
        "a Polar Sensor Logger header 'Phone timestamp;sensor timestamp [ns];X [mg];Y [mg];Z [mg]'"
        " (or X [dps] ... for the gyro)",
    )
    cols = [c.strip() for c in text.split(";")]
    t_col = next(i for i, c in enumerate(cols) if c.lower() == "sensor timestamp [ns]")
    axes, units = {}, set()
    for i, c in enumerate(cols):
        m = _POLAR_COL.match(c)
        if m:
            axes[m.group(1)] = i
            units.add(m.group(2).strip())
    if set(axes) != {"X", "Y", "Z"} or len(units) != 1:
        raise TraceFormatError(path, line, f"wrong columns: expected X/Y/Z [unit] columns, found {text!r}")
    kind, scale = _unit_kind(path, line, units.pop())
    m = _POLAR_NAME.match(os.path.basename(path))
    return _Plan(
        path,
        kind,
        line,
        enc,
        ";",
        t_col,
        (axes["X"], axes["Y"], axes["Z"]),
        scale,
        1e9,
        "ns",
        epoch=_POLAR_EPOCH,
        device=m.group("dev").replace("_", " ") if m else None,
    )


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


def _polar_sibling(path: str, kind: str) -> str:
    want = "GYRO" if kind == "acc" else "ACC"
    folder, name = os.path.split(path)
    m = _POLAR_NAME.match(name)
    if not m:
        raise TraceFormatError(
            path,
            None,
            f"missing sibling file: cannot derive the {want} "
            "file name from this one (expected <device>_<YYYYMMDD>_<HHMMSS>"
            "_ACC.txt); pass both files",
        )
    exact = name[: m.start("kind")] + want + name[m.end("kind") :]
    if os.path.isfile(os.path.join(folder, exact)):
        return os.path.join(folder, exact)
    # The two streams may have started a second or two apart: same device, nearest stamp.
    stamp = datetime.strptime(m.group("date") + m.group("time"), "%Y%m%d%H%M%S")
    best = None
    for other in os.listdir(folder or "."):
        mo = _POLAR_NAME.match(other)
        if not mo or mo.group("kind").upper() != want or mo.group("dev") != m.group("dev"):
            continue
        try:
            d = abs((datetime.strptime(mo.group("date") + mo.group("time"), "%Y%m%d%H%M%S") - stamp).total_seconds())
        except ValueError:
            continue
        if d <= 120 and (best is None or d < best[0]):
            best = (d, other)
    if best is None:
        raise TraceFormatError(
            path,
            None,
            f"missing sibling file: no {want} file from the same "
            f"recording next to it (expected {exact}); pass both files",
        )
    return os.path.join(folder, best[1])


# --------------------------------------------------------------------------------------------
# MbientLab MetaBase
# --------------------------------------------------------------------------------------------

_MB_NAME = re.compile(r"^(?P<pre>.*)(?P<kind>Accelerometer|Gyroscope)(?P<post>[^/\\]*)\.csv$", re.I)
_MB_COL = re.compile(r"^([xyz])-axis\s*\((.+)\)$", re.I)


def _metabase_plan(path: str) -> _Plan:
    line, text, enc = _header(
        path,
        lambda s: bool(re.match(r"epoch? \(ms\),", s.lower())),
        "a MetaBase header 'epoch (ms),time (...),elapsed (s),x-axis (g),y-axis (g),z-axis (g)'",
    )
    cols = [c.strip() for c in text.split(",")]
    axes, units = {}, set()
    for i, c in enumerate(cols):
        m = _MB_COL.match(c)
        if m:
            axes[m.group(1).lower()] = i
            units.add(m.group(2).strip())
    if set(axes) != {"x", "y", "z"} or len(units) != 1:
        raise TraceFormatError(
            path, line, f"wrong columns: expected x-axis/y-axis/z-axis (unit) columns, found {text!r}"
        )
    kind, scale = _unit_kind(path, line, units.pop())
    m = re.search(r"_([0-9A-F]{12})_", os.path.basename(path))
    return _Plan(
        path,
        kind,
        line,
        enc,
        ",",
        0,
        (axes["x"], axes["y"], axes["z"]),
        scale,
        1e3,
        "ms",
        epoch=datetime(1970, 1, 1, tzinfo=UTC),
        device=f"MetaWear {m.group(1)}" if m else "MetaWear",
    )


def _metabase_sibling(path: str, kind: str) -> str:
    want = "Gyroscope" if kind == "acc" else "Accelerometer"
    folder, name = os.path.split(path)
    m = _MB_NAME.match(name)
    if not m:
        raise TraceFormatError(
            path,
            None,
            f"missing sibling file: cannot derive the {want} file "
            "name (expected ..._Accelerometer_....csv); pass both files",
        )
    pre, post = m.group("pre"), m.group("post")
    cands = sorted(
        o
        for o in os.listdir(folder or ".")
        if (mo := _MB_NAME.match(o)) and mo.group("pre") == pre and mo.group("kind").lower() == want.lower()
    )
    same = [o for o in cands if _MB_NAME.match(o).group("post") == post]
    if len(same) == 1 or len(cands) == 1:
        return os.path.join(folder, (same or cands)[0])
    if not cands:
        raise TraceFormatError(path, None, f"missing sibling file: no {pre}{want}...csv next to it; pass both files")
    raise TraceFormatError(path, None, f"ambiguous sibling file: {', '.join(cands)}; pass both files")


# --------------------------------------------------------------------------------------------
# Movesense Showcase
# --------------------------------------------------------------------------------------------

_MS_IOS_NAME = re.compile(r"_(acc|gyro)_stream", re.I)


def _open_movesense(paths: tuple[str, ...], stats: TraceStats, rate: float | None) -> tuple[list[_Stream], dict]:
    line, text, enc = _header(
        paths[0],
        lambda s: (
            s.lower().replace(" ", "").startswith(("timestamp,accx,accy,accz,gyrox,gyroy,gyroz", "timestamp,x,y,z"))
        ),
        "a Movesense Showcase header 'Timestamp,AccX,AccY,AccZ,GyroX,GyroY,GyroZ,...' (Android) "
        "or 'timestamp,x,y,z' (iOS *_acc_stream.csv / *_gyro_stream.csv)",
    )
    if text.lower().replace(" ", "").startswith("timestamp,accx"):
        if rate is not None:
            raise TraceFormatError(
                paths[0], None, "rate= does not apply to the Android Showcase IMU export (it has per-sample timestamps)"
            )
        if len(paths) != 1:
            raise TraceFormatError(paths[1], None, "the Android Showcase IMU export is one file")
        return [_movesense_android(paths[0], stats, line, enc)], {"device": "Movesense"}
    return _open_pair(paths, stats, _movesense_ios_plan, _movesense_ios_sibling, rate)


def _movesense_android(path: str, stats: TraceStats, line: int, enc: str) -> _Stream:
    rows, clock = _Rows(path, stats, 6), _IntClock()

    def parse(f: list[str], ln: int):
        if len(f) < 7:
            return f"malformed row: expected at least 7 fields, found {len(f)}"
        try:
            return clock(f[0]), tuple(_number(x) for x in f[1:7])
        except ValueError:
            return _num_err(f, range(7))

    rows.read(enc, line, ",", parse)
    t, v, _lines = rows.accept(*rows.arrays(line))
    return _Stream(path, "imu", t, v, 1e3, clock, "ms")


def _movesense_ios_plan(path: str) -> _Plan:
    line, _text, enc = _header(
        path,
        lambda s: s.lower().replace(" ", "") == "timestamp,x,y,z",
        "a Movesense Showcase iOS header 'timestamp,x,y,z'",
    )
    m = _MS_IOS_NAME.search(os.path.basename(path))
    if not m:
        raise TraceFormatError(
            path,
            line,
            "cannot tell whether this Movesense file holds the "
            "accelerometer or the gyroscope: its name must contain _acc_stream "
            "or _gyro_stream, as the Showcase app names it",
        )
    kind = "acc" if m.group(1).lower() == "acc" else "gyr"
    dev = re.search(r"_(\d{6,})_(?:acc|gyro)_stream", os.path.basename(path), re.I)
    return _Plan(
        path,
        kind,
        line,
        enc,
        ",",
        0,
        (1, 2, 3),
        1.0,
        1e3,
        "ms",
        device=f"Movesense {dev.group(1)}" if dev else "Movesense",
        ios_groups=True,
    )


def _movesense_ios_sibling(path: str, kind: str) -> str:
    folder, name = os.path.split(path)
    m = _MS_IOS_NAME.search(name)
    want = "gyro" if kind == "acc" else "acc"
    exact = name[: m.start(1)] + (want.upper() if m.group(1).isupper() else want) + name[m.end(1) :]
    if os.path.isfile(os.path.join(folder, exact)):
        return os.path.join(folder, exact)
    raise TraceFormatError(path, None, f"missing sibling file: expected {exact} next to it; pass both files")


def _ios_times(plan: _Plan, t: np.ndarray, lines: np.ndarray, rate: float | None, info: dict) -> np.ndarray:
    """Rows without a timestamp continue the notification above: t = T + i * 1000 / rate."""
    starts = np.flatnonzero(~np.isnan(t))
    if not len(starts) or starts[0] != 0:
        raise TraceFormatError(plan.path, int(lines[0]), "data starts with a row without timestamp")
    n = np.diff(np.append(starts, len(t)))  # samples per notification
    if rate is None:
        span = t[starts[-1]] - t[starts[0]]
        if len(starts) < 2 or span <= 0:
            raise TraceFormatError(
                plan.path,
                int(lines[0]),
                "cannot estimate the sample rate from fewer than two notifications: give rate=HZ",
            )
        rate = 1000.0 * float(n[:-1].sum()) / float(span)
    info[f"{plan.kind}_rate_hz"] = repr(round(rate, 3))
    group = np.repeat(np.arange(len(starts)), n)
    i = np.arange(len(t)) - starts[group]
    return t[starts][group] + i * (1000.0 / rate)


# --------------------------------------------------------------------------------------------
# WitMotion
# --------------------------------------------------------------------------------------------

_WIT_ACC = re.compile(r"^(?:acc|a|加速度)\s*([xyz])\s*\((.*)\)$", re.I)
_WIT_GYR = re.compile(r"^(?:as|w|gyro|gyr|角速度)\s*([xyz])\s*\((.*)\)$", re.I)
_WIT_CHIP = ("chiptime()", "chiptime", "片上时间()", "片上时间")
_WIT_TIME = ("time", "时间", "time(s)")
_WIT_DEV = ("devicename", "设备名称")


def _wit_split(s: str) -> tuple[str, list[str]]:
    delim = "\t" if "\t" in s else ("," if s.count(",") >= s.count(";") else ";")
    return delim, [c.strip() for c in s.split(delim)]


def _witmotion_header(s: str) -> bool:
    _, cols = _wit_split(s)
    return sum(bool(_WIT_ACC.match(c)) for c in cols) == 3 and sum(bool(_WIT_GYR.match(c)) for c in cols) == 3


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


def _spread_bursts(t: np.ndarray) -> tuple[np.ndarray, int]:
    """Runs of equal receive timestamps (several samples in one Bluetooth packet) are spread
    evenly over the interval since the previous distinct timestamp, ending at the stamp."""
    if len(t) < 2:
        return t, 0
    change = np.flatnonzero(np.diff(t) != 0) + 1
    starts = np.concatenate(([0], change))
    n = np.diff(np.append(starts, len(t)))
    if not (n > 1).any():
        return t, 0
    vals = t[starts]
    prev = np.concatenate(([np.nan], vals[:-1]))
    step = _median_step(vals) / max(float(np.median(n)), 1.0)
    prev[0] = vals[0] - n[0] * step if math.isfinite(step) else vals[0] - n[0]
    back = prev >= vals  # time went backwards: leave as is
    prev[back] = vals[back]
    group = np.repeat(np.arange(len(starts)), n)
    j = np.arange(len(t)) - starts[group] + 1  # 1..k within the run
    out = prev[group] + (vals[group] - prev[group]) * j / n[group]
    multi = (n > 1)[group] & ~back[group]
    return np.where(multi, out, t), int(multi.sum())


def _witmotion_stream(path: str, stats: TraceStats, rate: float | None) -> tuple[_Stream, dict]:
    line, text, enc = _header(
        path,
        _witmotion_header,
        "a WitMotion header with AccX(g)/AccY(g)/AccZ(g) and "
        "AsX(°/s)/AsY(°/s)/AsZ(°/s) (or ax(g)... wx(deg/s)...) columns",
    )
    delim, cols = _wit_split(text)
    low = [c.lower() for c in cols]
    acc, gyr = {}, {}
    for i, c in enumerate(cols):
        if m := _WIT_ACC.match(c):
            acc[m.group(1).lower()] = (i, m.group(2))
        elif m := _WIT_GYR.match(c):
            gyr[m.group(1).lower()] = (i, m.group(2))
    _, sa = _unit_kind(path, line, acc["x"][1] or "g")
    _, sg = _unit_kind(path, line, gyr["x"][1] or "deg/s")
    vcols = [acc[a][0] for a in "xyz"] + [gyr[a][0] for a in "xyz"]
    scales = (sa,) * 3 + (sg,) * 3
    chip = next((i for i, c in enumerate(low) if c in _WIT_CHIP), None)
    host = next((i for i, c in enumerate(low) if c in _WIT_TIME), None)
    dev_col = next((i for i, c in enumerate(low) if c in _WIT_DEV), None)
    t_col, t_name = _wit_time_column(path, enc, line, delim, chip, host)
    if t_col is None and rate is None:
        raise TraceFormatError(path, line, "no usable time column (time / ChipTime): give rate=HZ")
    clock = _DateClock()
    rows = _Rows(path, stats, 6)
    need = max([*vcols, *(c for c in (t_col, dev_col) if c is not None)]) + 1
    device: list[str] = []
    others: set[str] = set()
    k = [0]

    def parse(f: list[str], ln: int):
        if len(f) < need:
            return f"malformed row: expected at least {need} fields, found {len(f)}"
        if dev_col is not None:
            d = f[dev_col].strip()
            if not device:
                device.append(d)
            elif d != device[0]:
                others.add(d)
                return None
        k[0] += 1
        try:
            tt = clock(f[t_col]) if t_col is not None else float(k[0] - 1)
        except ValueError:
            return f"malformed row: not a time: {f[t_col].strip()[:40]!r}"
        try:
            return tt, tuple(
                math.nan if f[c].strip().lower() == "null" else _number(f[c]) * s for c, s in zip(vcols, scales)
            )
        except ValueError:
            return _num_err(f, vcols)

    rows.read(enc, line, delim, parse, skip=lambda s: s == text)  # repeated header lines
    t, v, lines = rows.arrays(line)
    spread = 0
    if t_name == "time":
        t, spread = _spread_bursts(t)
    t, v, _ = rows.accept(t, v, lines)
    sources = {"chip": "ChipTime (sensor clock)", "time": "time (receive time on the host)"}
    info = {"device": device[0] if device else "WitMotion", "time_source": sources.get(t_name, f"rate={rate} Hz")}
    if spread:
        info["timestamps_spread"] = str(spread)
    if others:
        info["other_devices_skipped"] = ", ".join(sorted(others))
        note = f"{path}: several devices in the file; kept {device[0]!r}, skipped {info['other_devices_skipped']}"
        stats.warnings = (stats.warnings + [note])[:_MAX_WARNINGS]
    per_s = 1.0 if t_col is not None else rate
    return _Stream(path, "imu", t, v, per_s, clock if t_col is not None else None, "s"), info


def _wit_time_column(path, enc, line, delim, chip, host):
    """The chip time when the first data row has one, else the host time, else none."""
    head, _ = _head(path)
    first = next((s for i, s in head if i > line and s and not s.startswith("#")), None)
    if first is None:
        return None, None
    f = first.split(delim)
    for col, name in ((chip, "chip"), (host, "time")):
        if col is not None and col < len(f):
            try:
                _DateClock()(f[col])
                return col, name
            except ValueError:
                continue
    return None, None


# --------------------------------------------------------------------------------------------
# Generic CSV
# --------------------------------------------------------------------------------------------

_CSV_KEYS = ("t", "ax", "ay", "az", "gx", "gy", "gz")


def _parse_mapping(path: str, spec, what: str, allowed) -> dict[str, str]:
    if spec is None:
        return {}
    if isinstance(spec, dict):
        items = [(str(k).strip(), str(v).strip()) for k, v in spec.items()]
    else:
        items = []
        for part in str(spec).split(","):
            if not part.strip():
                continue
            k, eq, v = part.partition("=")
            if not eq or not k.strip() or not v.strip():
                raise TraceFormatError(path, None, f"bad --{what} entry {part.strip()!r}: expected key=value")
            items.append((k.strip(), v.strip()))
    out = {}
    for k, v in items:
        if k not in allowed:
            raise TraceFormatError(path, None, f"bad --{what} key {k!r}: expected one of {', '.join(allowed)}")
        if k in out:
            raise TraceFormatError(path, None, f"bad --{what}: {k!r} given twice")
        out[k] = v
    return out


def _csv_stream(path: str, stats: TraceStats, columns, units, rate: float | None) -> _Stream:
    cmap = _parse_mapping(path, columns, "columns", _CSV_KEYS)
    missing = [k for k in _CSV_KEYS[1:] if k not in cmap]
    if missing:
        raise TraceFormatError(
            path,
            None,
            f"--columns must map {', '.join(missing)} (e.g. t=time,ax=AccX,ay=AccY,az=AccZ,gx=GyrX,gy=GyrY,gz=GyrZ)",
        )
    umap = _parse_mapping(path, units, "units", ("acc", "gyr", "t"))
    try:
        sa = _ACC_UNITS[umap.get("acc", "m/s2").lower()]
        sg = _GYR_UNITS[umap.get("gyr", "dps").lower()]
        per_s = _T_UNITS[umap.get("t", "s").lower()]
    except KeyError as e:
        raise TraceFormatError(
            path, None, f"bad --units value {e.args[0]!r}: acc=g|m/s2|mg, gyr=dps|rad/s, t=s|ms|us|ns"
        ) from None
    if "t" in cmap and rate is not None:
        raise TraceFormatError(path, None, "give either a time column (t=...) or rate=HZ, not both")
    if "t" not in cmap and rate is None:
        raise TraceFormatError(path, None, "no time column: map t=... in --columns or give rate=HZ")
    head, enc = _head(path)
    cand = [(i, s) for i, s in head if s and not s.startswith("#")]
    if not cand:
        raise TraceFormatError(path, 1, "empty file" if not any(s for _, s in head) else "no data")
    line, first = cand[0]
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    delim = max(counts, key=lambda d: (counts[d], d == ","))
    names = [c.strip().strip('"') for c in first.split(delim)]
    keys = [k for k in _CSV_KEYS if k in cmap]
    idx: dict[str, int] = {}
    for k in keys:
        ref = cmap[k]
        if re.fullmatch(r"\d+", ref):
            idx[k] = int(ref)
        else:
            hits = [i for i, n in enumerate(names) if n == ref] or [
                i for i, n in enumerate(names) if n.lower() == ref.lower()
            ]
            if not hits:
                shown = ", ".join(repr(n) for n in names[:12])
                raise TraceFormatError(
                    path, line, f"wrong columns: no column named {ref!r} (for {k}) in the header: found {shown}"
                )
            idx[k] = hits[0]
    # A header line exists unless every mapped field of the first line is a number.
    try:
        for k in keys:
            _number(names[idx[k]])
        header_line = line - 1
    except (ValueError, IndexError):
        header_line = line
        if max(idx.values()) >= len(names):
            raise TraceFormatError(
                path, line, f"wrong columns: column {max(idx.values())} requested but the header has {len(names)}"
            )
    vcols = [idx[k] for k in _CSV_KEYS[1:]]
    scales = (sa,) * 3 + (sg,) * 3
    tc = idx.get("t")
    need = max(idx.values()) + 1
    clock = _IntClock() if tc is not None else None
    k = [0]
    rows = _Rows(path, stats, 6)

    def parse(f: list[str], ln: int):
        k[0] += 1
        if len(f) < need:
            return f"malformed row: expected at least {need} fields, found {len(f)}"
        try:
            tt = clock(f[tc].strip().strip('"')) if tc is not None else float(k[0] - 1)
            return tt, tuple(_number(f[c].strip().strip('"')) * s for c, s in zip(vcols, scales))
        except ValueError:
            cells = [x.strip().strip('"') for x in f]
            return _num_err(cells, ([tc] if tc is not None else []) + vcols)

    rows.read(enc, header_line, delim, parse)
    t, v, _ = rows.accept(*rows.arrays(max(header_line, line)))
    unit = umap.get("t", "s") if tc is not None else "samples"
    return _Stream(path, "imu", t, v, per_s if tc is not None else rate, clock, unit)
