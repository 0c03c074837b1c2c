"""Fuzzing the trace and import readers: any bytes give either samples or TraceFormatError."""


import numpy as np
import pytest
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
