"""The trace reader's block stage (sensor/io/blocks.py): parser threads change nothing but speed.

Blocks are parsed on worker threads and handed back in file order; these tests pin that the
order, the errors, the bounded window and every value, count and warning are those of a reader
on one thread, whatever the block size, and that an abandoned read leaves no thread behind.
"""

from __future__ import annotations

import io
import threading
from dataclasses import astuple
from pathlib import Path

import numpy as np
import pytest
from helpers import use_block_parser

import sensor.io.trace as trace
from sensor.core.samples import ImuChunk
from sensor.io.blocks import LineBlocks, LineTooLong, ordered_map
from sensor.io.trace import HEADER, TraceFormatError, TraceReader, TraceWriter


@pytest.fixture(params=["pyarrow", "numpy"])
def block_parser(request, monkeypatch):
    return use_block_parser(request.param, monkeypatch)


def _parse_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("glide-parse")]


def test_ordered_map_yields_in_order_when_a_later_item_finishes_first():
    first_may_finish = threading.Event()

    def fn(x: int) -> int:
        if x == 0:  # item 0 waits until item 1 is done: completion order is 1, 0
            assert first_may_finish.wait(10)
        if x == 1:
            first_may_finish.set()
        return x * x

    assert [r for _, r in ordered_map(fn, range(50), workers=2, depth=3)] == [x * x for x in range(50)]
    assert not _parse_threads()


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_ordered_map_keeps_at_most_depth_items_ahead(workers):
    pulled = []

    def items():
        for x in range(200):
            pulled.append(x)
            yield x

    depth = 2 * workers
    for x, r in ordered_map(lambda v: -v, items(), workers, depth):
        assert r == -x
        assert len(pulled) - 1 - x <= depth  # items taken but not yet handed back


def test_ordered_map_raises_a_workers_error_at_its_turn():
    def fn(x: int) -> int:
        if x == 5:
            raise ValueError("bad block")
        return x

    got = []
    with pytest.raises(ValueError, match="bad block"):
        for _, r in ordered_map(fn, range(20), workers=2, depth=4):
            got.append(r)
    assert got == [0, 1, 2, 3, 4]
    assert not _parse_threads()


def test_ordered_map_yields_everything_before_an_error_of_the_source():
    def items():
        yield from range(7)
        raise OSError("disk gone")

    got = []
    with pytest.raises(OSError, match="disk gone"):
        for x, _ in ordered_map(lambda v: v, items(), workers=2, depth=4):
            got.append(x)
    assert got == list(range(7))


def test_an_abandoned_read_stops_its_parser_threads(tmp_path, monkeypatch):
    path = _write(tmp_path / "a.csv", _rows(3000))
    monkeypatch.setattr(trace, "_BLOCK_BYTES", 2048)
    with TraceReader(path, chunk_rows=100, workers=2) as r:
        it = r.chunks()
        assert len(next(it)) == 100
        assert _parse_threads()  # a multi-block file is parsed on threads
        it.close()
    assert not _parse_threads()


def test_line_blocks_cut_at_line_ends_and_keep_the_unended_tail():
    text = b"".join(b"%d,%s\n" % (i, b"x" * (i % 13)) for i in range(500)) + b"last,no-lf"
    src = LineBlocks(io.BufferedReader(io.BytesIO(text)), 64, 1 << 20)  # type: ignore[arg-type]
    blocks = [bytes(b) for b in src]
    assert all(b.endswith(b"\n") for b in blocks)
    assert b"".join(blocks) + src.tail == text
    assert src.tail == b"last,no-lf"


def test_a_line_longer_than_a_block_is_read_whole_and_one_longer_than_the_limit_refused():
    long_line = b"1," * 300 + b"1\n"
    text = b"a\n" + long_line + b"b\n"
    blocks = [bytes(b) for b in LineBlocks(io.BufferedReader(io.BytesIO(text)), 64, 4096)]  # type: ignore[arg-type]
    assert b"".join(blocks) == text and any(long_line in b for b in blocks)
    with pytest.raises(LineTooLong):
        list(LineBlocks(io.BufferedReader(io.BytesIO(text)), 64, 512))  # type: ignore[arg-type]


def test_a_line_longer_than_a_block_is_skipped_and_named(tmp_path, monkeypatch, block_parser):
    rows = _rows(200)
    rows[120] = "1," * 2000 + "1"
    path = _write(tmp_path / "long.csv", rows)
    monkeypatch.setattr(trace, "_BLOCK_BYTES", 1024)
    with TraceReader(path, workers=2) as r:
        n = sum(len(c) for c in r.chunks())
    assert (n, r.stats.malformed_rows_skipped) == (199, 1)
    assert r.stats.warnings == [f"{path}:122: malformed row: expected 7 fields, found 2001"]
    monkeypatch.setattr(trace, "_MAX_LINE", 2048)
    with TraceReader(path, workers=2) as r, pytest.raises(TraceFormatError, match=r":122: line longer than"):
        list(r.chunks())


def _damaged_text() -> str:
    lines = _rows(4000)
    for i in (100, 900, 2500):  # NaN: skipped
        f = lines[i].split(",")
        lines[i] = ",".join([*f[:2], "nan", *f[3:]])
    for i in (200, 1500):  # text in a number: malformed
        lines[i] = lines[i].replace(",", ",x", 1)
    for i in (300, 3000):  # the previous row's time again: dropped
        lines[i] = lines[i - 1]
    for i in (600, 2600):  # a short row: malformed
        lines[i] = ",".join(lines[i].split(",")[:5])
    lines[400], lines[500], lines[3500] = "", "# marker", "  "  # neither rows nor damage
    lines[-1] = lines[-1][:9]  # a cut-off last line without its LF
    return HEADER + "\r\n" + "\r\n".join(lines)


@pytest.mark.parametrize("block_bytes", [97, 4096, 1 << 20])
def test_any_number_of_parser_threads_gives_the_same_rows_counts_and_warnings(
    tmp_path, monkeypatch, block_parser, block_bytes
):
    path = tmp_path / "damaged.csv"
    path.write_text(_damaged_text())
    monkeypatch.setattr(trace, "_BLOCK_BYTES", block_bytes)
    results = []
    for workers in (1, 2, 3):
        with TraceReader(path, chunk_rows=333, workers=workers) as r:
            chunks = list(r.chunks())
            results.append((chunks, astuple(r.stats)))
    (ref, ref_stats), *others = results
    # rows read and ok, NaN, malformed, dropped, cut-off last line
    assert ref_stats[:6] == (3997, 3987, 3, 4, 2, True)
    assert len(ref_stats[-1]) == 10  # one warning per bad line, the cut-off one included
    for chunks, stats in others:
        assert stats == ref_stats
        assert [len(c) for c in chunks] == [len(c) for c in ref]
        for a, b in zip(chunks, ref):
            assert np.array_equal(a.t, b.t) and np.array_equal(a.acc, b.acc) and np.array_equal(a.gyr, b.gyr)


def test_full_precision_values_come_back_bit_for_bit_on_threads(tmp_path, monkeypatch, block_parser):
    rng = np.random.default_rng(11)
    n = 20000
    t = np.cumsum(rng.uniform(1e-4, 1e-2, n))
    vals = rng.normal(0, 1, (n, 6)) * 10.0 ** rng.integers(-300, 300, (n, 6))
    vals[::97, 0] = -0.0
    vals[::89, 1] = 5e-324
    vals[::83, 2] = 1.7976931348623157e308
    vals[::79, 3] = -2.2250738585072014e-308
    path = tmp_path / "bits.csv"
    with TraceWriter(path, {"sample_rate_hz": 100.0}) as w:
        w.write(ImuChunk(t, vals[:, :3], vals[:, 3:]))
    monkeypatch.setattr(trace, "_BLOCK_BYTES", 8192)
    with TraceReader(path, workers=2) as r:
        got = list(r.chunks())
    back = np.column_stack([np.concatenate([c.t for c in got]), *(np.concatenate([c.acc for c in got]).T)])
    back = np.column_stack([back, np.concatenate([c.gyr for c in got])])
    want = np.column_stack([t, vals])
    assert back.shape == want.shape
    assert np.array_equal(back.view(np.uint64), want.view(np.uint64))  # bits: -0.0 and subnormals too


def _rows(n: int) -> list[str]:
    rng = np.random.default_rng(n)
    v = rng.normal(0, 5, (n, 6))
    return [",".join([repr(i / 200 + 0.001)] + [repr(float(x)) for x in row]) for i, row in enumerate(v)]


def _write(path: Path, rows: list[str]) -> Path:
    path.write_text(HEADER + "\n" + "\n".join(rows) + "\n")
    return path
