"""Fuzzing the trace and import readers: any bytes give either samples or TraceFormatError."""

import numpy as np
import pytest
from helpers import with_each_block_parser
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sensor.io.importers import open_trace
from sensor.io.trace import TraceFormatError, TraceReader

HEADER = "t_s,ax_mps2,ay_mps2,az_mps2,gx_dps,gy_dps,gz_dps"
cell = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(max_size=6),
    st.integers(-(10**6), 10**6).map(str),
    st.just(""),
)
row = st.lists(cell, min_size=0, max_size=9).map(",".join)
body = st.lists(row, max_size=40).map("\n".join)
header = st.sampled_from(
    [HEADER, HEADER + ",extra", "# sample_rate_hz=100\n" + HEADER, "t;ax;ay", "", "time,AccX,AccY,AccZ,GyrX,GyrY,GyrZ"]
)
raw = st.one_of(
    st.binary(max_size=600),
    st.builds(
        lambda h, b, crlf: (h + "\n" + b).replace("\n", "\r\n" if crlf else "\n").encode(), header, body, st.booleans()
    ),
)


def _read_all(path, how):
    try:
        if how == "trace":
            with TraceReader(path, chunk_rows=7) as r:
                chunks = list(r.chunks())
        else:
            with open_trace(path) as r:
                chunks = list(r.chunks())
    except TraceFormatError as e:
        assert str(e)  # a message a person can read
        return
    for c in chunks:
        assert np.isfinite(c.t).all() and np.isfinite(c.acc).all() and np.isfinite(c.gyr).all()
        if len(c) > 1:
            assert (np.diff(c.t) > 0).all()


def _run(tmp_path_factory, data, how):
    path = tmp_path_factory.mktemp("fz") / "in.csv"
    path.write_bytes(data)
    _read_all(path, how)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=raw, how=st.sampled_from(["trace", "import"]))
def test_readers_never_crash(tmp_path_factory, data, how):
    _run(tmp_path_factory, data, how)


@pytest.mark.slow
@settings(max_examples=10_000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=raw, how=st.sampled_from(["trace", "import"]))
def test_readers_never_crash_10k(tmp_path_factory, data, how):
    _run(tmp_path_factory, data, how)


plain_cell = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.integers(-(10**20), 10**20).map(str),
    st.sampled_from(
        ["", "-", ".", "e", "1e", "-.5", "5.", "+1", "1e+5", "--1", "1.2.3", "1e5e5", "0e0", "-0.0", "1+1"]
        # a stray byte < ',' inside a cell: the fast parser's field ends must not take it for a comma
        + ["1 2", "1\t2", '1"2', "1#2", "1(2", "1+-2", " 1", "1 "]
    ),
)
# 5 cells (one field short) to 7 (one too many): with a stray byte a short row has ncols "ends"
plain_body = st.lists(st.lists(plain_cell, min_size=5, max_size=8).map(",".join), min_size=1, max_size=30)


def _outcome(path):
    try:
        with TraceReader(path, chunk_rows=5) as r:
            chunks = list(r.chunks())
            stats = r.stats
    except TraceFormatError as e:
        return ("error", str(e))
    v = np.concatenate([np.column_stack([c.t, c.acc, c.gyr]) for c in chunks])
    return ("ok", v.tobytes(), stats)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=plain_body)
def test_pyarrow_and_numpy_block_parsers_agree(tmp_path_factory, rows):
    """The optional fast parser must accept exactly what the numpy and careful paths accept."""
    path = tmp_path_factory.mktemp("agree") / "t.csv"
    times = [f"{i / 100!r}" for i in range(len(rows))]
    path.write_text(HEADER + "\n" + "".join(f"{t},{r}\n" for t, r in zip(times, rows)))
    fast, slow = with_each_block_parser(_outcome, path)
    assert fast == slow
