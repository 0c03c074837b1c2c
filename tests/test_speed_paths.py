"""The fast paths added for issue 14 give exactly what the general code gives.

Small-array shortcuts (intake, dsp) and the trace reader's block parser are checked against
the general computation they replace, value for value and bit for bit; the pipeline's own
chunking properties stay in tests/test_streaming.py and tests/test_fuzz_pipeline.py.
"""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
import pytest

from sensor.core import dsp
from sensor.core.intake import MAX_ACC_MPS2, MAX_GYR_DPS, SampleIntake
from sensor.core.pipeline import analyze
from sensor.core.samples import ImuChunk
from sensor.io import fastcsv
from sensor.sim.simulator import SimConfig, simulate_session


def _asdict_rounded(rep):
    d = asdict(rep)
    for k, v in d.items():
        if isinstance(v, float):
            d[k] = round(v, 3)
    return d


def test_rep_to_dict_is_what_asdict_gave():
    sim = simulate_session(SimConfig(reps=6, rate_hz=100.0, seed=11))
    p, _ = analyze(sim.chunk, "supine", 100.0)
    assert len(p.reps) >= 4
    for rep in p.reps:
        got, want = rep.to_dict(), _asdict_rounded(rep)
        assert list(got) == list(want) and got == want
        assert [type(v) for v in got.values()] == [type(v) for v in want.values()]


def _norm3_written_out(x):
    return np.sqrt(x[:, 0] * x[:, 0] + x[:, 1] * x[:, 1] + x[:, 2] * x[:, 2])


def _dot3_written_out(x, v):
    return x[:, 0] * v[0] + x[:, 1] * v[1] + x[:, 2] * v[2]


@pytest.mark.parametrize("n", [0, 1, 3, 10, 1001])
def test_norm3_and_dot3_same_bits_as_the_written_out_sums(n):
    rng = np.random.default_rng(n)
    x = rng.normal(size=(n, 3)) * 10.0 ** rng.integers(-8, 8, (n, 3))
    v = rng.normal(size=3)
    assert np.array_equal(dsp.norm3(x), _norm3_written_out(x))
    assert np.array_equal(dsp.dot3(x, v), _dot3_written_out(x, v))
    xt = np.asfortranarray(x)  # strided columns, as the pipeline's transposed views
    assert np.array_equal(dsp.norm3(xt), _norm3_written_out(xt))
    assert np.array_equal(dsp.dot3(xt, v), _dot3_written_out(xt, v))


def _ffill_general(values, valid, carry):
    idx = np.where(valid, np.arange(len(valid)), -1)
    np.maximum.accumulate(idx, out=idx)
    picked = values[np.maximum(idx, 0)]
    mask = (idx >= 0)[:, None] if picked.ndim > 1 else idx >= 0
    return np.where(mask, picked, carry)


@pytest.mark.parametrize("pattern", ["all", "none", "tail", "mixed"])
def test_ffill_fast_paths_match_the_general_fill(pattern):
    rng = np.random.default_rng(2)
    n = 12
    valid = {
        "all": np.ones(n, bool),
        "none": np.zeros(n, bool),
        "tail": np.arange(n) > 4,
        "mixed": rng.random(n) > 0.5,
    }[pattern]
    for values, carry in (
        (rng.normal(size=n), 7.5),
        (rng.normal(size=(3, n)).T, np.array([1.0, 2.0, 3.0])),  # F-ordered, as preprocess passes it
        (rng.integers(0, 3, n), 2),
    ):
        got = dsp.ffill(values, valid, carry)
        want = _ffill_general(values, valid, carry)
        assert got.dtype == want.dtype and np.array_equal(got, want)
        if pattern == "all":
            assert not np.shares_memory(got, values)  # a copy: callers may keep it


def test_intake_fast_path_keeps_counts_and_skip_notice_as_the_full_check():
    rng = np.random.default_rng(4)
    n = 400
    t = np.arange(n) / 100.0
    acc = rng.normal(0, 3, (n, 3))
    gyr = rng.normal(0, 40, (n, 3))
    acc[50, 1] = np.nan  # bad samples at the end of one chunk: the notice lands on the next
    t[59] = t[58]
    gyr[120, 0] = 0.9 * MAX_GYR_DPS  # a component past half the limit but a valid norm: full check
    acc[121] = [MAX_ACC_MPS2, 0.0, 0.0]  # exactly at the limit: kept
    gyr[300] = [MAX_GYR_DPS, 1.0, 0.0]  # just over: invalid
    chunk = ImuChunk(t, acc, gyr)
    for size in (1, 10, 60, 400):
        fast = SampleIntake()
        kept = [fast.accept(c) for c in chunk.split([size] * (n // size + 1))]
        got = np.concatenate([c.t for c in kept])
        # the reference: per-sample validity and running-max monotonicity, written plainly
        ok, last = [], -np.inf
        for i in range(n):
            good = (
                np.isfinite([t[i], *acc[i], *gyr[i]]).all()
                and np.sqrt(np.sum(acc[i] ** 2)) <= MAX_ACC_MPS2
                and np.sqrt(np.sum(gyr[i] ** 2)) <= MAX_GYR_DPS
            )
            if good and t[i] > last:
                ok.append(i)
                last = t[i]
        assert got.tolist() == t[ok].tolist(), size
        assert (fast.invalid, fast.out_of_order) == (2, 1)
        assert fast.first_skip_t == t[51] and fast.last_t == t[-1]


def test_block_parser_refuses_nan_spellings_float_refuses():
    assert fastcsv.available()
    assert fastcsv.parse_block(b"1,nan(1)\n", None, 2) is None
    assert fastcsv.parse_block(b"1,2\n3,4\n", None, 2).tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert fastcsv.parse_block(b"1,2\n3,4\n", 3, 2) is None  # the caller's line count is checked
    assert fastcsv.parse_block(b"1,2\n3,4", None, 2) is None  # a cut-off last line
    assert fastcsv.parse_block(b"1,2,3\n4\n", None, 2) is None  # 4 fields in 2 lines: wrong split
    assert fastcsv.parse_block(b"1e+16,2\n", None, 2) is None  # '+' is refused, the careful path reads it
