"""The glide command line, run in-process as a user would: files in, text and exit codes out."""

import csv
import json

import pytest

from tui.cli import SAFETY_NOTE, main


def _simulate(tmp_path, *extra):
    trace, labels = tmp_path / "s.csv", tmp_path / "l.json"
    assert main(["simulate", "-o", str(trace), "--labels", str(labels), *extra]) == 0
    return trace, json.loads(labels.read_text())


@pytest.mark.parametrize("posture,seed", [("supine", 2), ("seated", 5)])
def test_simulate_then_analyze_json(tmp_path, capsys, posture, seed):
    trace, labels = _simulate(tmp_path, "--reps", "7", "--seed", str(seed), "--posture", posture, "--rate", "50")
    capsys.readouterr()
    assert main(["analyze", str(trace), "--json"]) == 0  # posture comes from the trace's metadata
    doc = json.loads(capsys.readouterr().out)
    assert doc["posture"] == posture
    assert doc["rep_count"] == labels["rep_count"] == 7
    for rep, truth in zip(doc["reps"], labels["reps"]):
        assert abs(rep["end_s"] - truth["end_s"]) < 0.5
        assert abs(rep["bottom_s"] - truth["bottom_s"]) < 0.5
        assert rep["detected_s"] >= rep["end_s"] - 1e-6
    assert doc["set"]["rep_count"] == 7


def test_export_csv_and_json_share_one_schema(tmp_path, capsys):
    trace, _ = _simulate(tmp_path, "--reps", "4", "--seed", "8")
    assert main(["analyze", str(trace), "--export", str(tmp_path / "r.csv")]) == 0
    assert main(["analyze", str(trace), "--export", str(tmp_path / "r.json")]) == 0
    with open(tmp_path / "r.csv") as f:
        rows = list(csv.DictReader(f))
    doc = json.loads((tmp_path / "r.json").read_text())
    assert len(rows) == doc["rep_count"] == 4
    assert list(rows[0]) == list(doc["reps"][0])
    assert float(rows[2]["rom_deg"]) == pytest.approx(doc["reps"][2]["rom_deg"])
    out = capsys.readouterr().out
    assert "4 reps" in out


@pytest.mark.parametrize(
    "content,needle",
    [
        ("", "empty file"),
        ("t_s;ax_mps2;ay_mps2;az_mps2;gx_dps;gy_dps;gz_dps\n1;2;3;4;5;6;7\n", "delimiter"),
        ("t;ax;ay\n1;2;3\n", "cannot tell the format"),
        ("a,b,c\n1,2,3\n", "header"),
    ],
)
def test_bad_trace_is_one_line_and_exit_2(tmp_path, capsys, content, needle):
    bad = tmp_path / "bad.csv"
    bad.write_text(content)
    assert main(["analyze", str(bad)]) == 2
    err = capsys.readouterr().err
    assert needle in err and str(bad) in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_missing_file_and_unwritable_export(tmp_path, capsys):
    assert main(["analyze", str(tmp_path / "nope.csv")]) == 2
    trace, _ = _simulate(tmp_path, "--reps", "2")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["analyze", str(trace), "--export", str(blocker / "reps.json")]) == 2
    assert "cannot write" in capsys.readouterr().err


def test_demo_prints_reps_and_the_safety_note(capsys):
    assert main(["demo", "--speed", "0", "--reps", "3", "--seed", "4"]) == 0
    out = capsys.readouterr().out
    assert SAFETY_NOTE in out
    assert out.count("REP ") == 3
    assert "3 reps counted (3 performed)" in out
