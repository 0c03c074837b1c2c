"""The trace reader's block results are views of the parser's output (sensor/io/trace.py, Parsed):
the values are copied once, into the ImuChunks, and the finiteness learnt by the parser's NaN test
decides whether a block needs the row-by-row NaN/inf check. These tests pin what must not change
with that: which rows an inf keeps or drops, and that chunks are independent, contiguous arrays."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import use_block_parser

import sensor.io.trace as trace
from sensor.io import fastcsv
from sensor.io.trace import HEADER, TraceReader


@pytest.fixture(params=["pyarrow", "numpy"])
def block_parser(request, monkeypatch):
    return use_block_parser(request.param, monkeypatch)


def _rows(n: int, seed: int = 3) -> list[list[str]]:
    """n rows of full-precision values (shortest round-trip repr), t rising by ~5 ms."""
    rng = np.random.default_rng(seed)
    t = np.cumsum(rng.uniform(0.004, 0.006, n))
    v = rng.normal(0.0, 5.0, (n, 6))
    return [[repr(float(t[i]))] + [repr(float(x)) for x in v[i]] for i in range(n)]


def _read(path, **kw):
    with TraceReader(path, **kw) as r:
        chunks = list(r.chunks())
        return chunks, r.stats


def test_inf_in_an_ignored_extra_column_keeps_the_row_and_inf_in_a_shin_column_drops_it(
    tmp_path, monkeypatch, block_parser
):
    n = 3000
    rows = _rows(n)
    extra = ["inf", "1.5", "2", "-inf", "0", "inf", "3"]  # the extra column: never read
    for i, r in enumerate(rows):
        r.append(extra[i % 7])
    bad = [100, 1234, 2999]  # an inf in acc / gyr / t of these rows: skipped as NaN/inf
    rows[100][2] = "inf"
    rows[1234][6] = "-inf"
    rows[2999][0] = "inf"
    path = tmp_path / "inf.csv"
    path.write_text(HEADER + ",extra\n" + "\n".join(",".join(r) for r in rows) + "\n")
    monkeypatch.setattr(trace, "_BLOCK_BYTES", 4096)  # many blocks, each with an inf somewhere
    for workers in (1, 2):
        chunks, st = _read(path, workers=workers, chunk_rows=500)
        assert (st.rows_read, st.rows_ok, st.nan_rows_skipped, st.malformed_rows_skipped) == (n, n - 3, 3, 0)
        assert [w.split(":")[1] for w in st.warnings] == [str(2 + i) for i in bad]  # header is line 1
        t = np.concatenate([c.t for c in chunks])
        keep = np.setdiff1d(np.arange(n), bad)
        assert np.array_equal(t, np.array([float(rows[i][0]) for i in keep]))


def test_chunks_are_contiguous_arrays_of_their_own(tmp_path, monkeypatch, block_parser):
    rows = _rows(5000, seed=8)
    path = tmp_path / "c.csv"
    path.write_text(HEADER + "\n" + "\n".join(",".join(r) for r in rows) + "\n")
    monkeypatch.setattr(trace, "_BLOCK_BYTES", 8192)
    want = np.array(rows, dtype=np.float64)
    for chunk_rows in (1, 37, 65536):  # within one block, across blocks, the whole file
        chunks, st = _read(path, chunk_rows=chunk_rows, workers=2)
        assert st.rows_ok == len(rows)
        assert {len(c) for c in chunks[:-1]} <= {chunk_rows}
        for c in chunks:
            for a in (c.t, c.acc, c.gyr):
                assert a.flags.c_contiguous and a.dtype == np.float64
        got = np.column_stack(
            [
                np.concatenate([c.t for c in chunks]),
                np.concatenate([c.acc for c in chunks]),
                np.concatenate([c.gyr for c in chunks]),
            ]
        )
        assert np.array_equal(got.view(np.uint64), want.view(np.uint64))
        chunks[0].acc[:] = 0.0  # a chunk is the caller's to change: nothing else may move
        assert np.array_equal(np.concatenate([c.t for c in chunks]), want[:, 0])
        if len(chunks) > 1:
            assert np.array_equal(chunks[1].acc, want[len(chunks[0]) : len(chunks[0]) + len(chunks[1]), 1:4])


def test_parse_block_finite_reports_inf_and_refuses_nan():
    assert fastcsv.available(), "pyarrow is part of the test extra"
    vals, finite = fastcsv.parse_block_finite(b"1,2\n3,4\n", None, 2)
    assert finite and vals.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    vals, finite = fastcsv.parse_block_finite(b"1,inf\n3,4\n", None, 2)
    assert not finite and vals[0, 1] == np.inf
    vals, finite = fastcsv.parse_block_finite(b"1e308,1e308\n1e308,1e308\n", None, 2)  # the sum overflows
    assert not finite and np.isfinite(vals).all()
    assert fastcsv.parse_block_finite(b"1,nan\n3,4\n", None, 2) is None
