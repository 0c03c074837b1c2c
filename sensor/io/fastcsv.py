"""The trace reader's fast path: one pyarrow cast per 1 MiB block of plain decimal rows.

Why: decimal -> float64 conversion is where a trace reader spends its time. numpy's parsers
(``np.fromstring``, ``np.loadtxt``) convert every field with a correctly rounded strtod and
manage ~0.45 M rows/s of CPU time on full-precision glide traces (7 x 17 significant digits).
pyarrow converts just as correctly (bit-identical on every value of a 1-hour trace) and faster.

How (2026-12, issue 14): profiling ``pyarrow.csv.read_csv`` per block showed most of its time in
its CSV tokenizer, not in the conversion (read as strings 54 ms, cast of those strings 26 ms, read
as float64 65 ms, per 16 MiB). Glide rows need no tokenizer: one numpy pass finds every field's
end (``a < 45``: comma or LF), a check proves each line has exactly ``ncols`` fields, and the
block itself becomes one Arrow string array (value 2i = field i, value 2i+1 = the delimiter
after it, null), which ``cast`` turns into float64 with no copy of the text. Candidates, 1-hour
full-precision trace (96 MB, 729,660 rows), one 2-core machine under load from other jobs,
CPU seconds, medians of interleaved runs (wall time there is 2-3x CPU time: shared cores):

  ==========================================  ===========
  np.fromstring per 1 MiB block                0.25-0.45 M/s
  numpy "SWAR" parser written for this         0.50 M/s  (earlier; too many array passes)
  pyarrow.csv.read_csv per 4 / 16 MiB block    1.28 / 1.30 M/s  (same run as the next line)
  field ends + cast (this module), 4 / 16 MiB  1.31 / 1.25 M/s  (parse alone: equal to read_csv)
  the same, block cut in 2 threads             1.21 M/s  (no gain with both cores busy)
  polars 2.1.0 read_csv, 4 MiB blocks / file   1.58 / 1.35 M/s  (a separate run: within the noise of
                                                 pyarrow's; +0.85 s import, +180 MB installed: not added)
  ==========================================  ===========

The parse itself is no faster than read_csv's; what the reader gains (TraceReader end to end:
0.58 -> 1.00 M rows/s CPU, 0.52x the wall time; ``glide bench`` prints the read rate) is
from dropping the passes around it: no byte-set check (``translate``), no newline count, no
copy of each block's text, the columns concatenated once, and ``pyarrow._compute`` imported
instead of ``pyarrow.csv`` or ``pyarrow.compute`` (0.1 s vs 0.12 / 0.3 s).

Second round (2026-12-02, issue 14): per 1 MiB block on one core the cast is ~45 % of the time,
the field-end pass (``a < 45`` + ``flatnonzero``) ~25 %, the checks, offsets and column copies
the rest; a string_view array (no null delimiters), a binary array, a cast of delimiter-free
text and Arrow's ``split_pattern`` were each no faster (same run, interleaved). So the reader
now gains by parallelism instead: the cast runs without the GIL (``Function.call`` in
pyarrow/_compute.pyx executes under ``nogil``), and so do numpy's passes, so
:mod:`sensor.io.blocks` parses two blocks at once. 1-hour trace, one process, both cores,
interleaved: 1 thread 0.59 s wall / 0.59 s CPU, 2 threads 0.33 s wall / 0.57 s CPU.

Third round (2026-12-02 morning, issue 14; 1-hour trace, 729,660 rows; each candidate a fresh
process at real-time priority, ``chrt -f 10``, because other jobs kept the load at 7-14 on the two
cores; medians of 3; CPU is all threads; RSS is the whole process):

  ==============================================  =========  ==========  =======  ======
  candidate                                       CPU M/s    wall M/s    import   RSS
  ==============================================  =========  ==========  =======  ======
  np.loadtxt (numpy 2.4's C reader)               0.28       0.26        0.13 s   74 MB
  pyarrow.csv.read_csv, whole file, 2 / 1 thread  0.76/0.79  0.97/0.81   0.19 s   207 MB
  pyarrow.csv.open_csv, 4 MiB blocks (streaming)  0.83       0.84        0.18 s   244 MB
  polars 2.1 read_csv, 2 / 1 thread               1.43/1.43  2.45/1.50   0.37 s   250 MB
  pandas 3.1 read_csv (C tokenizer + fast_float)  1.65-1.68  3.14-3.20   0.60 s   280 MB
  TraceReader, one thread / two parser threads    1.29/1.23  1.29/2.29   0.20 s   89/103 MB
  ==============================================  =========  ==========  =======  ======

pandas 3 is the cheapest per row (its own tokenizer feeds fast_float directly; bit-identical to
``float()`` on 150,141 rows), but it adds ~85 MB installed, 0.6 s of import to every ``glide
analyze`` (longer than the whole read) and holds the file in memory; polars adds 170 MB for
less. Neither pays. Where the reader's time goes (callgrind, 150,141 rows, instructions of the
read alone): Arrow's StringToFloat 46 %, the rest of the cast kernel 15 %, ``np.flatnonzero``
15 %, the checks, offsets and copies the rest. Tried and measured no faster in place (each A/B
alternated per block in one process): the field ends from a bit-packed mask (one nonzero byte
per 8 text bytes: 4x faster on one hot block, 15 % slower in the reader, where the block comes
cold from the file), Arrow's ``filter`` of a position array by that mask, 64-256 KiB sub-blocks
to stay in L2, a reused mask buffer (-1 %). What was cut: each value is now copied once (views
of the cast's output until the ImuChunks are built) and the NaN test's sum is reused for the
inf test (-2 % instructions). On this host one core converts ~1.2-1.6 M rows/s, so two parser
threads reach 2.3-3.2 M rows/s wall when both cores are free (``glide bench`` prints both).

Fourth round (2026-12-02 afternoon, issue 14: the one-core path; 1-hour trace, 93 blocks, CPU
time of each step over all blocks in one process, the candidates alternated, load 5-10 on the two
cores). Where one read's time goes now: the cast 52 %, the field ends (``flatnonzero``) 16 %, the
column copy into ImuChunks 9 %, the file read 5 %, offsets 5 %, ``a < 45`` 4 %, the delimiter
check 4 %, the finite test 3 %. Tried, not adopted:

  ==============================================  ==========================================
  a cast of k delimiter-free values (no nulls)    -5..-11 % of the cast, but making that text
                                                  (``bytes.translate``: 90-120 ms) costs more
                                                  than it saves; and a trailing '0' in place
                                                  of each delimiter is exact only for fields
                                                  with '.' and no exponent, while every block
                                                  of the simulated trace holds a "5.4e-05"
  field ends: Arrow ``indices_nonzero`` of the    166-202 ms vs 45-63 ms for ``flatnonzero``
  packed mask / packed mask + bit table /         / 68-87 ms / 53-77 ms
  nonzero 8-byte words + float exponent
  column copy per column, or per block while      17-22 ms vs 21-28 ms, within the noise in
  the cast's output is hot                        the reader's own flow (33-46 vs 36-38 ms)
  ``readinto`` reused buffers / ``mmap``          within the noise / -10 ms, but a trace cut
                                                  short while mapped kills the process
                                                  (SIGBUS) instead of giving one clear line
  ==============================================  ==========================================

Kept: the cast, ``flatnonzero(a < 45)``, one copy into the ImuChunks. What changed: every field
end must be the delimiter it stands for (a space or '+' where a comma belongs was taken for one:
``test_trace_delimiters.py``), checked by one compare with a cached pattern, and the finite test
sums the contiguous cast buffer; neither moves the read's cost (callgrind, 15-min trace, 180,050
rows, read minus import: 625.5 M instructions before, 623.0 M after). Sharing the time steps
between the rising test and the gap count cut the main thread's CPU by ~3 % (noise level) and
no instructions: not kept. Instructions of the read: ``StringToFloat`` 47 %, the rest of the cast
15 %, ``nonzero`` 12 %; a string_view array (no nulls) casts no faster (56-79 vs 61-72 ms for 40
blocks) and takes 4x as long to build. The cast, the ends, the copy and the read are ~83 % of the
read's CPU; the best one-thread reads here took 0.25 s CPU (2.9 M rows/s), so with everything else
gone one core of this host would reach ~3.5 M rows/s at most, and this design gives ~2.5-2.9 M:
fast_float costs ~25-30 ns a value here, and numpy cannot parse a decimal in fewer passes.

pyarrow installs ~170 MB (numpy: 45 MB), too much to force on someone who records one session
at home, so it is the optional extra ``fast`` (``pip install 'glide[fast]'``), imported on
first use. Without it the reader takes its numpy path, as before. A block with any line that
is not exactly ``ncols`` fields pyarrow parses as numbers (text, spaces, CR, '#', blank lines,
"1e+16"), or with any NaN, is refused here (``None``); the reader then takes its numpy and
careful paths, which find, count and name the bad lines.
"""

from __future__ import annotations

from types import ModuleType

import numpy as np

__all__ = ["PLAIN", "available", "parse_block", "parse_block_finite"]

PLAIN = b"0123456789.,-+e\n"
_arrow: tuple[ModuleType, ...] | None = None  # (pyarrow, pyarrow._compute), () when missing


def available() -> bool:
    """True when pyarrow can be imported (imported here on the first call, ~0.2 s)."""
    global _arrow
    if _arrow is None:
        try:
            import pyarrow
            from pyarrow import _compute  # the cast kernel only: pyarrow.compute's wrappers cost +0.17 s
        except ImportError:
            _arrow = ()
        else:
            _arrow = (pyarrow, _compute)
    return bool(_arrow)


_VALID: np.ndarray = np.full(1 << 15, 0x55, dtype=np.uint8)  # validity bits 1010...: every other value null


def _null_every_other(n: int) -> np.ndarray:
    """The validity bitmap of n values whose odd ones are null (a shared, read-only buffer)."""
    global _VALID
    size = (n + 7) // 8
    if len(_VALID) < size:
        _VALID = np.full(max(size, 2 * len(_VALID)), 0x55, dtype=np.uint8)
    return _VALID[:size]


_DELIMS: dict[int, np.ndarray] = {}


def _delimiters(ncols: int, k: int) -> np.ndarray:
    """The delimiter bytes k fields of ncols-field lines end with: ncols - 1 commas, then LF, ...
    (a shared, read-only pattern, grown on demand; a race between parser threads only builds it twice)."""
    pat = _DELIMS.get(ncols)
    if pat is None or len(pat) < k:
        lines = max(-(-k // ncols), 2 * (len(pat) // ncols if pat is not None else 4096))
        pat = np.tile(np.array([44] * (ncols - 1) + [10], dtype=np.uint8), lines)
        pat.flags.writeable = False
        _DELIMS[ncols] = pat
    return pat[:k]


def parse_block(block: bytes | memoryview, n: int | None, ncols: int, plain: bool = False) -> np.ndarray | None:
    """LF-ended lines of ncols decimals -> (rows, ncols) float64, else None.

    ``n``: the number of lines when the caller knows it (checked), else None. ``plain`` is
    accepted for callers that already checked the bytes; nothing depends on it. None (the
    careful paths decide) for: no pyarrow, any line that is not exactly ncols comma-separated
    fields (a space, tab, '+' or quote where a comma belongs included), a field
    pyarrow's decimal parser refuses (empty, text, spaces, CR, quotes), and any NaN (so that
    pyarrow's "nan(...)" spellings, which ``float()`` refuses, never pass for numbers).
    The array is a strided view of pyarrow's output (no copy): callers copy what they keep.
    """
    got = parse_block_finite(block, n, ncols)
    return None if got is None else got[0]


def parse_block_finite(block: bytes | memoryview, n: int | None, ncols: int) -> tuple[np.ndarray, bool] | None:
    """:func:`parse_block`, and whether every value is finite (learnt from the NaN test's sum)."""
    if not block or not available():
        return None
    assert _arrow  # available() has loaded it
    pa, compute = _arrow
    a = np.frombuffer(block, dtype=np.uint8)
    # One end per field: its comma or its line's LF. "< 45" finds both in one pass; it also stops
    # at '+' (43, "1e+16"), CR, space, quotes and '#', whose blocks then fail a check below.
    if a[-1] != 10 or len(a) >= 2**31 - 1:
        return None
    ends = np.flatnonzero(a < 45)
    k = len(ends)
    rows = k // ncols
    if k % ncols or (n is not None and rows != n):
        return None
    # Every end must be the delimiter the careful path splits at: ncols - 1 commas, then LF. A
    # space, tab, '+' or quote where a comma belongs ("0.5 -4.6,...") is an end too, and must
    # not pass for a comma: that line has one field too few, and is malformed.
    if not (a.take(ends) == _delimiters(ncols, k)).all():
        return None
    # One string array over the block itself: value 2i is field i, value 2i+1 the one-byte
    # delimiter after it, marked null so that the cast skips it. No copy of the text.
    offsets = np.empty(2 * k + 1, dtype=np.int32)
    offsets[0] = 0
    offsets[1::2] = ends
    np.add(offsets[1::2], 1, out=offsets[2::2])  # int32 throughout: no int64 temporary
    valid = _null_every_other(2 * k)
    text = pa.Array.from_buffers(
        pa.string(), 2 * k, [pa.py_buffer(valid), pa.py_buffer(offsets), pa.py_buffer(block)], null_count=k
    )
    try:
        floats = compute.call_function("cast", [text], compute.CastOptions.safe(pa.float64()))
    except pa.ArrowException:
        return None
    both = np.frombuffer(floats.buffers()[1], dtype=np.float64, count=2 * k)
    out = both[::2].reshape(rows, ncols)
    # A finite sum proves that no value is NaN or inf in one reduction; only a block whose sum is
    # not finite (an inf, a NaN, or an overflow of the sum itself) needs the exact test. The sum
    # runs over the contiguous buffer, null slots included (Arrow writes 0 there; were it anything
    # else, a non-finite sum only sends the block to the exact test): 2x the values, but 2x faster
    # than the strided sum of the values alone.
    with np.errstate(over="ignore", invalid="ignore"):
        finite = bool(np.isfinite(both.sum()))
    if not finite and np.isnan(out).any():
        return None
    return out, finite
