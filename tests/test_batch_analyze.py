"""``glide analyze FILE... | DIR``: batch on a process pool, in order, bad files skipped."""

from __future__ import annotations

import io
import json

import pytest

from tui.cli import main
from tui.commands.batch import Progress


@pytest.fixture(scope="module")
def traces(tmp_path_factory):
    d = tmp_path_factory.mktemp("batch")
    paths = []
    for seed, (posture, reps) in enumerate([("supine", 6), ("seated", 5), ("supine", 9), ("seated", 3)]):
        p = d / f"t{seed}.csv"
        args = ["simulate", "-o", str(p), "--reps", str(reps), "--seed", str(seed + 11), "--posture", posture]
        assert main([*args, "--rate", "50"]) == 0
        paths.append(str(p))
    (d / "notes.md").write_text("not a trace")  # not picked up from a directory
    return d, paths


def _single(path, capsys) -> dict:
    capsys.readouterr()
    assert main(["analyze", path, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_batch_json_lines_match_single_runs_in_the_order_given(traces, capsys):
    _, paths = traces
    order = [paths[2], paths[0], paths[3], paths[1]]
    singles = [_single(p, capsys) for p in order]
    assert main(["analyze", *order, "--json"]) == 0
    out = capsys.readouterr()
    lines = out.out.splitlines()
    assert len(lines) == 4 and out.err == ""  # no progress bar when stderr is not a terminal
    docs = [json.loads(line) for line in lines]
    assert [d["trace"] for d in docs] == order
    assert [d["rep_count"] for d in docs] == [s["rep_count"] for s in singles] == [9, 6, 3, 5]
    assert docs == singles  # the very same document, one per line


def test_bad_file_is_reported_once_and_skipped(traces, capsys, tmp_path):
    _, paths = traces
    bad = tmp_path / "bad.csv"
    bad.write_text("t_s,ax_mps2,ay_mps2,az_mps2,gx_dps,gy_dps,gz_dps\nx,y,z\n")
    missing = tmp_path / "missing.csv"
    capsys.readouterr()
    assert main(["analyze", paths[0], str(bad), paths[1], str(missing), "--json"]) == 2
    out = capsys.readouterr()
    assert [json.loads(x)["trace"] for x in out.out.splitlines()] == [paths[0], paths[1]]
    errs = out.err.splitlines()
    assert len(errs) == 2 and errs[0].startswith(f"glide: error: {bad}") and str(missing) in errs[1]


def test_directory_is_every_trace_in_it_sorted(traces, capsys):
    d, paths = traces
    capsys.readouterr()
    assert main(["analyze", str(d)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines[:4]] == sorted(paths)
    per_file = [int(line.split(": ")[1].split(" reps")[0]) for line in lines[:4]]
    assert per_file == [_single(p, capsys)["rep_count"] for p in sorted(paths)]
    assert lines[-1] == f"4 of 4 traces analysed, {sum(per_file)} reps"
    assert main(["analyze", str(d), "--export", "x.csv"]) == 2  # one rep log per call only


def test_empty_directory_is_an_error(tmp_path, capsys):
    assert main(["analyze", str(tmp_path)]) == 2
    assert "no .csv or .txt recordings" in capsys.readouterr().err


def test_progress_draws_only_on_a_terminal():
    quiet = io.StringIO()
    bar = Progress(10, "x", stream=quiet)
    bar.update(5)
    assert quiet.getvalue() == ""  # a StringIO is not a terminal
    tty = io.StringIO()
    bar = Progress(10, "analyzing", stream=tty, force=True)
    bar.update(5, "5/10 files")
    bar.update(10, "10/10 files")
    assert "50%" in tty.getvalue() and "100%" in tty.getvalue() and "#" * 30 in tty.getvalue()
