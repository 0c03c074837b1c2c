"""A row is split at commas only: a stray byte where a comma should be makes the row malformed,
whichever block parser reads it (sensor/io/fastcsv.py finds field ends as "every byte < 45",
which also stops at space, tab, '+', quotes, '#', '(' ...; those must never pass for commas)."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import use_block_parser, with_each_block_parser
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sensor.io import fastcsv
from sensor.io.trace import HEADER, read_trace

# Every byte below ',' (44) that a hand-edited or foreign file might hold between two numbers.
STRAYS = [b" ", b"\t", b"+", b'"', b"#", b"(", b"!", b"*", b"\r", b"'", b"$", b"&"]


@pytest.mark.parametrize("stray", STRAYS)
def test_fast_parser_refuses_a_stray_byte_in_place_of_a_comma(stray):
    assert fastcsv.available()
    # Three fields by "byte < 45", two by commas: the careful path calls this line malformed.
    assert fastcsv.parse_block(b"1" + stray + b"2,3\n", 1, 3) is None
    assert fastcsv.parse_block(b"1,2,3\n4" + stray + b"5,6\n", None, 3) is None
    got = fastcsv.parse_block(b"1,2,3\n4,5,6\n", None, 3)  # the same rows with commas parse
    assert got is not None and got.tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]


@pytest.mark.parametrize("parser", ["pyarrow", "numpy"])
def test_rows_with_a_stray_separator_are_malformed_and_named(tmp_path, monkeypatch, parser):
    use_block_parser(parser, monkeypatch)
    n = 400
    rows = [f"{i / 100!r},{i}.5,0.25,9.81,{-i},0.001,2" for i in range(n)]
    bad = {
        51: "0.5 -4.6,8.5,0.05,2.3,-0.9,-0.6",  # a space for the first comma: 7 fields by "byte < 45"
        61: "0.6,1+16,8.5,0.05,2.3,-0.9",  # "1+16": '+' split it into "1" and "16"
        71: "0.7,1\t2,8.5,0.05,2.3,-0.9",
    }
    for line, text in bad.items():
        rows[line - 2] = text  # line 1 is the header
    path = tmp_path / "stray.csv"
    path.write_text(HEADER + "\n" + "\n".join(rows) + "\n")
    _, chunk, stats = read_trace(path)
    assert stats.rows_read == n and stats.rows_ok == n - 3 and stats.malformed_rows_skipped == 3
    assert [w.split(":")[1] for w in stats.warnings] == ["51", "61", "71"]
    assert all("expected 7 fields, found 6" in w for w in stats.warnings)
    keep = [i for i in range(n) if i + 2 not in bad]
    assert np.array_equal(chunk.t, np.array([i / 100 for i in keep]))
    assert np.array_equal(chunk.acc[:, 0], np.array([i + 0.5 for i in keep]))
    assert np.array_equal(chunk.gyr[:, 0], np.array([-i for i in keep], dtype=float))


def _outcome(path):
    _, chunk, stats = read_trace(path)
    v = np.column_stack([chunk.t, chunk.acc, chunk.gyr])
    return v.tobytes(), stats


# |x| < 1e15: no "e+NN" spelling, whose "+" alone would already send the block to the careful paths
finite = st.floats(-1e15, 1e15, allow_nan=False)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    vals=st.lists(st.lists(finite, min_size=6, max_size=6), min_size=20, max_size=60),
    strays=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 5), st.sampled_from(STRAYS)), max_size=3),
)
def test_both_parsers_agree_on_rows_with_a_stray_separator(tmp_path_factory, vals, strays):
    """Clean rows of repr floats, a few with one comma replaced by a stray byte: the fast parser
    gives the same values, counts and warnings as the numpy and careful paths."""
    lines = [",".join([repr(i / 100)] + [repr(x) for x in row]) for i, row in enumerate(vals)]
    for at, comma, stray in strays:
        i = at % len(lines)
        commas = [j for j, ch in enumerate(lines[i]) if ch == ","]
        if comma < len(commas):  # (a line already changed may have fewer)
            lines[i] = lines[i][: commas[comma]] + stray.decode() + lines[i][commas[comma] + 1 :]
    path = tmp_path_factory.mktemp("stray") / "t.csv"
    path.write_text(HEADER + "\n" + "\n".join(lines) + "\n")
    fast, slow = with_each_block_parser(_outcome, path)
    assert fast == slow


@pytest.mark.parametrize("parser", ["pyarrow", "numpy"])
def test_a_stray_separator_before_an_extra_column_is_malformed_too(tmp_path, monkeypatch, parser):
    """Eight columns (one extra, ignored): the delimiter pattern is per column count."""
    use_block_parser(parser, monkeypatch)
    rows = [f"{i / 100!r},1.5,0.25,9.81,-1.0,0.001,2.0,{i}" for i in range(300)]
    rows[99] = "0.99,1.5,0.25,9.81,-1.0,0.001,2.0 99"  # line 101: a space for the last comma
    path = tmp_path / "extra.csv"
    path.write_text(HEADER + ",extra\n" + "\n".join(rows) + "\n")
    _, chunk, stats = read_trace(path)
    assert (stats.rows_ok, stats.malformed_rows_skipped) == (299, 1)
    assert stats.warnings == [f"{path}:101: malformed row: expected 8 fields, found 7"]
    assert np.array_equal(chunk.gyr[:, 2], np.full(299, 2.0))
