"""Issue 6, security and privacy: no network, no code from data, private files, safe CSV,
and no traceback on screen even for a bug (it goes to the --debug log)."""

import ast
import socket
from pathlib import Path

import pytest

from sensor.io.replog import csv_safe, write_rep_log
from tui.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_no_network_socket_is_ever_opened(monkeypatch, tmp_path, capsys):
    import asyncio  # noqa: F401 - imported before the guard, as modules subclass socket.socket
    import ssl  # noqa: F401

    class Guarded(socket.socket):
        def __init__(self, family=socket.AF_INET, *a, **k):
            if family in (socket.AF_INET, socket.AF_INET6):
                raise AssertionError("glide tried to open a network socket")
            super().__init__(family, *a, **k)

    monkeypatch.setattr(socket, "socket", Guarded)
    trace = tmp_path / "s.csv"
    assert main(["simulate", "-o", str(trace), "--reps", "3"]) == 0
    assert main(["analyze", str(trace), "--export", str(tmp_path / "r.json")]) == 0
    assert main(["demo", "--no-tui", "--speed", "0", "--reps", "2"]) == 0


def test_no_pickle_eval_or_exec_in_the_code():
    offenders = []
    for path in list((ROOT / "sensor").rglob("*.py")) + list((ROOT / "tui").rglob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("eval", "exec"):
                offenders.append(f"{path.name}:{node.lineno} {node.func.id}")
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] + (
                    [node.module] if isinstance(node, ast.ImportFrom) and node.module else []
                )
                if any(n and n.split(".")[0] in ("pickle", "marshal", "shelve") for n in names):
                    offenders.append(f"{path.name}:{node.lineno} imports pickle-like module")
    assert offenders == []


@pytest.mark.parametrize(
    "cell,expected",
    [
        ('=HYPERLINK("x")', '\'=HYPERLINK("x")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("supine", "supine"),
        (-40.5, -40.5),
        (12, 12),
    ],
)
def test_csv_cells_that_would_run_as_formulas_are_neutralised(cell, expected):
    assert csv_safe(cell) == expected


def test_rep_log_csv_keeps_numbers_as_numbers(tmp_path):
    import csv

    from sensor.core.pipeline import analyze
    from sensor.sim.simulator import simulate_session

    sim = simulate_session(seed=3, reps=3)
    p, _ = analyze(sim.chunk, "supine", 100.0)
    out = tmp_path / "r.csv"
    write_rep_log(str(out), p.reps)
    with open(out) as f:
        rows = list(csv.DictReader(f))
    assert rows[0]["bottom_deg"].startswith("-") and float(rows[0]["bottom_deg"]) < 0  # a number, not text
    assert rows[0]["posture"] == "supine"


def test_saved_session_files_are_private(tmp_path, monkeypatch):
    from tui import storage

    monkeypatch.setenv("GLIDE_DATA_DIR", str(tmp_path / "data"))
    from datetime import datetime

    folder = storage.new_session_dir(datetime(2026, 11, 24, 9, 0, 0))
    storage.write_private_text(folder / "session.json", "{}")
    assert (folder.stat().st_mode & 0o777) == 0o700
    assert ((folder / "session.json").stat().st_mode & 0o777) == 0o600
    assert ((tmp_path / "data" / "sessions").stat().st_mode & 0o777) == 0o700


def test_a_bug_shows_one_line_and_logs_the_traceback(monkeypatch, tmp_path, capsys):
    import tui.commands.simulate as cli

    def boom(args):
        raise ZeroDivisionError("a bug")

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli, "cmd_bench", boom)
    assert main(["--debug", "bench"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("\n") == 1 and "glide-debug.log" in err
    log = (tmp_path / "glide-debug.log").read_text()
    assert "Traceback" in log and "ZeroDivisionError: a bug" in log
