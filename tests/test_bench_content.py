"""glide bench's pipeline rows by content (sensor/sim/bench_pipeline.py): the rep session is
split where the mounting is learned, so the calibrating samples and the calibrated ones are
reported apart, each labelled with its own length, and a session too short to have a calibrated
part prints no row for it (glide bench --json stays strict: no NaN)."""

from __future__ import annotations

import math

from sensor.sim import bench
from sensor.sim.bench_pipeline import CALIBRATION, STEADY, _content_rates


def test_the_rep_session_is_reported_calibrating_then_calibrated() -> None:
    sim = bench._long_session(3.0, 200.0)  # 36,000 samples: 30,000 calibrating, 6,000 after
    assert len(sim.chunk) > CALIBRATION
    rates = _content_rates(sim.chunk, 200.0)
    for name in ("reps", "reps_steady", "walking", "static", "noise"):
        for size in (1000, 65536):
            assert math.isfinite(rates[f"{name}_{size}_sps"]) and rates[f"{name}_{size}_sps"] > 0
    lines: list[str] = []
    res = {k: 1e6 for k in ("reps", "reps_steady", "walking", "static", "noise")}
    bench_rows = {f"{k}_{s}_sps": v for k, v in res.items() for s in (1000, 65536)}
    _rows(bench_rows, lines)
    assert any(f"first {CALIBRATION / 200:.0f} s (mounting learned)" in line for line in lines)
    assert any(f"the {STEADY / 200 / 60:.0f} min after (mounting known)" in line for line in lines)


def test_a_short_session_has_no_calibrated_row() -> None:
    short = bench._long_session(1.0, 50.0).chunk  # 3,000 samples: all of it calibrating
    rates = _content_rates(short, 50.0)
    assert "reps_steady_1000_sps" not in rates and "reps_1000_sps" in rates
    lines: list[str] = []
    _rows(rates, lines)
    assert not any("mounting known" in line for line in lines)
    assert any("mounting learned" in line for line in lines)


def _rows(content: dict[str, float], lines: list[str]) -> None:
    """The content rows of bench's report, the other figures filled in (they are not read here)."""

    class Filled(dict[str, float]):
        def __missing__(self, key: str) -> float:
            return 1.0

    res = Filled(content, samples=1, trace_s=60.0, true_reps=1, reps=1, file_mb=1.0)
    bench._report(res, "numpy", 1.0, 200.0, 1, lines.append)
