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
  column; delimiter ``,`` ``;`` or tab, detected from the first line. A second IMU on the foot
  (issue 16) maps as ``fax,fay,faz,fgx,fgy,fgz`` (all six, same units); its empty cells are NaN.

Foot columns (issue 16): a glide trace's foot columns and a CSV's mapped foot columns reach
``chunks()`` as ``ImuChunk.foot_acc``/``foot_gyr`` (``ImportedTrace.has_foot``) and
:func:`convert` writes them. The vendor formats above record one sensor per file or device
(Polar, MetaBase, Movesense and WitMotion exports have no second sensor's columns), so a foot
recorded with a vendor app arrives as a second recording; aligning two recordings is not done.

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
from typing import TypedDict, Unpack

from sensor.core.constants import STANDARD_GRAVITY
from sensor.io.importers.base import _HINT, FORMATS, ImportedTrace, PathArg, _head, _paths, _unlink
from sensor.io.importers.csv import MappingSpec, _csv_stream
from sensor.io.importers.metabase import _metabase_plan, _metabase_sibling
from sensor.io.importers.movesense import _MS_IOS_NAME, _open_movesense
from sensor.io.importers.polar import _polar_plan, _polar_sibling
from sensor.io.importers.streams import _assemble, _open_pair
from sensor.io.importers.witmotion import _witmotion_header, _witmotion_stream
from sensor.io.rows import TraceFormatError, TraceStats
from sensor.io.trace import HEADER as GLIDE_HEADER
from sensor.io.trace import TraceReader, TraceWriteError, TraceWriter

__all__ = ["FORMATS", "STANDARD_GRAVITY", "ImportedTrace", "convert", "detect_format", "open_trace"]


def detect_format(path: str | os.PathLike[str]) -> str:
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
    path: PathArg,
    format: str | None = None,
    columns: MappingSpec = None,
    units: MappingSpec = None,
    rate: float | None = None,
    foot_device: str | None = None,
) -> ImportedTrace:
    """Open a recording in any supported format (auto-detected unless ``format`` is given).

    ``path`` is one file, or for the two-file formats (polar, metabase, movesense iOS) either
    file of the pair (the other is found by name) or both files. ``columns``/``units`` apply
    to ``csv`` (and imply it when no format is given); ``rate`` (Hz) is the sample rate for a
    ``csv`` without time column, for WitMotion files without a time column, and the Movesense
    iOS rate when it cannot be estimated. ``foot_device``: in a WitMotion file that recorded
    several sensors, the one on the foot (its rows become the foot IMU's columns; issue 16).
    Raises TraceFormatError(path, line, problem).
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
    if foot_device is not None and format != "witmotion":
        raise TraceFormatError(paths[0], None, f"--foot-device applies to WitMotion files, not {format}")
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
        stream, info = _witmotion_stream(paths[0], stats, rate, foot_device)
        streams = [stream]
    else:
        streams, info = [_csv_stream(paths[0], stats, columns, units, rate)], {}
    return _assemble(format, streams, stats, info)


class OpenOptions(TypedDict, total=False):
    """The keyword options of :func:`open_trace`, as :func:`convert` passes them on."""

    format: str | None
    columns: MappingSpec
    units: MappingSpec
    rate: float | None
    foot_device: str | None


def convert(in_path: PathArg, out_path: str | os.PathLike[str], **options: Unpack[OpenOptions]) -> ImportedTrace:
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
        meta: dict[str, str | float] = {
            k: v for k, v in trace.meta.items() if k != "format" and "\n" not in str(v) and "\r" not in str(v)
        }
        rate = trace.sample_rate_hz
        if rate is not None:
            meta["sample_rate_hz"] = rate
        try:
            with TraceWriter(tmp, meta, foot=trace.has_foot) as w:  # a foot sensor's columns are kept
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
