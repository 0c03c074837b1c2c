"""Writing glide traces (``glide-trace/1``, see :mod:`sensor.io.trace`): incrementally, flushed at
least once a second, so a crash loses at most the last second of a recording.

The format's names (``FORMAT``, ``HEADER``, ``FOOT_COLUMNS``) live here, with the writer that
puts them in a file; the reader (:mod:`sensor.io.trace`) imports them from here and re-exports
the writer, so ``from sensor.io.trace import TraceWriter`` keeps working.
"""

from __future__ import annotations

import errno
import os
import re
import time
from collections.abc import Callable
from typing import IO, TypeVar

import numpy as np

from sensor.core.samples import ImuChunk

__all__ = ["FOOT_COLUMNS", "FORMAT", "HEADER", "TraceWriteError", "TraceWriter"]

FORMAT = "glide-trace/1"
HEADER = "t_s,ax_mps2,ay_mps2,az_mps2,gx_dps,gy_dps,gz_dps"
FOOT_COLUMNS = "foot_ax_mps2,foot_ay_mps2,foot_az_mps2,foot_gx_dps,foot_gy_dps,foot_gz_dps"
META_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*\Z")
_ROW = ",".join(["%r"] * 7) + "\n"  # %r on a float is its shortest round-trip repr
_ROW13 = ",".join(["%r"] * 13) + "\n"
_clock = time.monotonic  # wall time for the at-least-once-a-second flush

_T = TypeVar("_T")


class TraceWriteError(Exception):
    """A trace could not be written; whatever was flushed before stays readable."""

    def __init__(self, path: str | os.PathLike[str], problem: str) -> None:
        self.path, self.problem = os.fspath(path), problem
        super().__init__(f"{self.path}: {problem}")


_WHY: dict[int | None, str] = {
    errno.ENOENT: "directory does not exist",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENOSPC: "disk full (no space left on device)",
    errno.EROFS: "read-only file system",
    errno.ENOTDIR: "a parent path is not a directory",
    errno.EISDIR: "path is a directory",
}


def _describe(e: OSError) -> str:
    return f"cannot write trace: {_WHY.get(e.errno, e.strerror or str(e))}"


class TraceWriter:
    """Appends ImuChunks to a trace as they arrive.

    With ``foot=True`` the header and every row carry the foot IMU's six columns too, and each
    chunk written must have ``foot_acc``/``foot_gyr``; otherwise those fields are not written.

    Rows reach the OS once >= 1 s of sensor time or of wall time has passed since the last flush
    (checked on each ``write``), on ``flush()`` and on ``close()``. Mode ``"a"`` on a non-empty
    file writes no header or meta (the file keeps its own) and first ends a cut-off last line.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        meta: dict[str, str | float] | None = None,
        mode: str = "w",
        foot: bool = False,
    ) -> None:
        if mode not in ("w", "a"):
            raise ValueError("mode must be 'w' or 'a'")
        self.path = os.fspath(path)
        self._f: IO[bytes] | None = None
        self._failed = False
        self._flush_t: float | None = None
        self.foot = foot
        lines = [f"# format={FORMAT}"]
        for key, value in (meta or {}).items():
            text = repr(value) if isinstance(value, float) else str(value)
            if not META_KEY.match(key) or "\n" in text or "\r" in text:
                raise ValueError(f"bad metadata entry {key!r}={text!r}")
            if key != "format":
                lines.append(f"# {key}={text}")
        head = "\n".join([*lines, f"{HEADER},{FOOT_COLUMNS}" if foot else HEADER, ""]).encode("utf-8")
        try:
            if mode == "a" and os.path.isfile(self.path) and os.path.getsize(self.path):
                with open(self.path, "rb") as f:
                    f.seek(-1, os.SEEK_END)
                    head = b"" if f.read(1) == b"\n" else b"\n"
            self._f = open(self.path, mode + "b")  # noqa: SIM115  (appended to until close())
        except OSError as e:
            raise TraceWriteError(self.path, _describe(e)) from e
        try:
            self._write(head)
            self.flush()
        except TraceWriteError:
            self.close()
            raise

    def _io(self, op: Callable[[IO[bytes]], _T]) -> _T:
        f = self._f
        if self._failed or f is None or f.closed:
            raise TraceWriteError(self.path, "writer is closed or failed earlier")
        try:
            return op(f)
        except OSError as e:
            self._failed = True
            raise TraceWriteError(self.path, _describe(e)) from e

    def _write(self, data: bytes) -> None:
        self._io(lambda f: f.write(data))

    def write(self, chunk: ImuChunk) -> None:
        """Append the chunk's rows; values round-trip exactly through TraceReader."""
        n = len(chunk)
        if n == 0:
            return
        foot_acc, foot_gyr = chunk.foot_acc, chunk.foot_gyr  # both or neither (ImuChunk)
        if self.foot and foot_acc is None:
            raise ValueError("this trace has foot columns: the chunk needs foot_acc and foot_gyr")
        width, row = (13, _ROW13) if self.foot else (7, _ROW)
        for i in range(0, n, 65536):  # bounds the formatted text held at once
            m = min(65536, n - i)
            v = np.empty((m, width))
            v[:, 0], v[:, 1:4], v[:, 4:7] = chunk.t[i : i + m], chunk.acc[i : i + m], chunk.gyr[i : i + m]
            if self.foot and foot_acc is not None and foot_gyr is not None:
                v[:, 7:10], v[:, 10:13] = foot_acc[i : i + m], foot_gyr[i : i + m]
            self._write(((row * m) % tuple(v.ravel().tolist())).encode("ascii"))
        if self._flush_t is None:
            self._flush_t = float(chunk.t[0])
        self._last_t = float(chunk.t[-1])
        if self._last_t - self._flush_t >= 1.0 or _clock() - self._flushed >= 1.0:
            self.flush()

    def flush(self) -> None:
        self._io(lambda f: f.flush())
        self._flushed = _clock()
        self._flush_t = getattr(self, "_last_t", None)

    def close(self) -> None:
        """Flush and close; idempotent. After a failed write it just releases the file."""
        if self._f is None or self._f.closed:
            return
        try:
            if not self._failed:
                self.flush()
        finally:
            try:
                self._f.close()
            except OSError as e:  # close re-tries the flush that failed
                if not self._failed:
                    raise TraceWriteError(self.path, _describe(e)) from e

    def __enter__(self) -> TraceWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        try:
            self.close()
        except TraceWriteError:
            if exc_type is None:
                raise
