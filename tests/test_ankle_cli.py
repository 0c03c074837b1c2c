"""``glide simulate --foot``: the foot's six columns after the shin's, and nothing else changes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sensor.core.ankle_reps import ankle_set_from_imu
from sensor.core.pipeline import analyze
from sensor.io.trace import HEADER, read_trace
from sensor.sim.foot import FOOT_COLUMNS
from tui.cli import main


def _simulate(tmp: Path, name: str, *extra: str) -> tuple[Path, dict[str, Any]]:
    trace, labels = tmp / f"{name}.csv", tmp / f"{name}.json"
    assert main(["simulate", "-o", str(trace), "--labels", str(labels), "--seed", "4", "--reps", "6", *extra]) == 0
    return trace, json.loads(labels.read_text())


def test_simulate_foot_writes_the_optional_columns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plain, _ = _simulate(tmp_path, "plain")
    foot, labels = _simulate(tmp_path, "foot", "--foot")
    header = next(line for line in foot.read_text().splitlines() if not line.startswith("#"))
    assert header == HEADER + "," + ",".join(FOOT_COLUMNS)

    # the shin part is the very same trace: today's reader (which ignores extra columns) gets
    # identical samples, so the shin count cannot change
    _, shin_a, _ = read_trace(plain)
    _, shin_b, _ = read_trace(foot)
    for x, y in ((shin_a.t, shin_b.t), (shin_a.acc, shin_b.acc), (shin_a.gyr, shin_b.gyr)):
        assert np.array_equal(x, y)
    capsys.readouterr()
    assert main(["analyze", str(foot), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["rep_count"] == labels["rep_count"] == 6

    # the foot columns round-trip exactly and give the labelled ankle swings
    lines = [line for line in foot.read_text().splitlines() if line and line[0] not in "#t"]
    data = np.array([[float(v) for v in line.split(",")] for line in lines])
    assert data.shape[1] == 13 and np.array_equal(data[:, 0], shin_b.t)
    pipe, _ = analyze(shin_b, posture=labels["posture"])
    aset = ankle_set_from_imu(list(pipe.reps), shin_b.t, shin_b.acc, shin_b.gyr, data[:, 7:10], data[:, 10:13])
    truth = [r["ankle_swing_deg"] for r in labels["reps"]]
    got = [r.ankle_swing_deg for r in aset.reps]
    assert len(got) == len(truth) and all(g is not None for g in got)
    assert np.median(np.abs(np.array(got, float) - truth)) < 5.0
    assert {"pattern", "ankle_bottom_deg", "ankle_top_deg", "ankle_swing_deg"} <= set(labels["reps"][0])


def test_simulate_foot_unwritable_path_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["simulate", "--foot", "-o", str(tmp_path / "no" / "such" / "dir.csv")])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot write" in err[0]


def _match(doc_reps: list[dict[str, Any]], true_reps: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict]]:
    """Each detected rep with the true rep whose top is nearest (within 1.5 s)."""
    pairs = []
    for r in doc_reps:
        best = min(true_reps, key=lambda t: abs(t["top_s"] - r["top_s"]))
        if abs(best["top_s"] - r["top_s"]) < 1.5:
            pairs.append((r, best))
    return pairs


def test_analyze_json_reports_the_ankle_per_rep_single_and_batch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 16: ``ankle_swing_deg``/``ankle_ok`` per rep and the set's ``ankle_ok_count`` in
    ``glide analyze --json``, measured against the simulator's ankle truth; null without a foot."""
    errors, agree, n = [], 0, 0
    docs = []
    for seed in (3, 11, 21):
        trace, labels = tmp_path / f"f{seed}.csv", tmp_path / f"f{seed}.json"
        args = ["simulate", "-o", str(trace), "--labels", str(labels), "--seed", str(seed), "--reps", "6", "--foot"]
        assert main(args) == 0
        capsys.readouterr()
        assert main(["analyze", str(trace), "--json"]) == 0
        doc = json.loads(capsys.readouterr().out)
        docs.append(doc)
        truth = json.loads(labels.read_text())["reps"]
        pairs = _match(doc["reps"], truth)
        assert len(pairs) >= 5
        for r, t in pairs:
            errors.append(abs(r["ankle_swing_deg"] - t["ankle_swing_deg"]))
            if abs(t["ankle_swing_deg"] - 20.0) > 5.0:  # clear of the threshold
                n += 1
                agree += r["ankle_ok"] == (t["ankle_swing_deg"] >= 20.0)
        assert doc["set"]["ankle_ok_count"] == sum(bool(r["ankle_ok"]) for r in doc["reps"])
    assert np.median(errors) <= 5.0
    assert n >= 8 and agree == n

    # the batch path gives the same documents, one per line
    capsys.readouterr()
    assert main(["analyze", *(str(tmp_path / f"f{s}.csv") for s in (3, 11, 21)), "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert [d["reps"] for d in lines] == [d["reps"] for d in docs]

    # a stricter threshold turns ok reps into not-ok ones, never the reverse
    assert main(["analyze", str(tmp_path / "f3.csv"), "--json", "--ankle-min-swing", "60"]) == 0
    strict = json.loads(capsys.readouterr().out)
    assert strict["set"]["ankle_ok_count"] <= docs[0]["set"]["ankle_ok_count"]

    # a shin-only trace: the same keys, all null
    plain, _ = _simulate(tmp_path, "plain")
    capsys.readouterr()
    assert main(["analyze", str(plain), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["set"]["ankle_ok_count"] is None
    assert all(r["ankle_swing_deg"] is None and r["ankle_ok"] is None for r in doc["reps"])
