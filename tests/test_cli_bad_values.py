"""What a new user types: every command over a matrix of bad values and bad paths.

The contract (issue 13): exit status 2, exactly one line on stderr naming the problem, never a
traceback, and no file touched that the user did not name. Numbers are refused while the command
line is parsed (no command body runs); paths and files are refused by the commands themselves.
"""

from __future__ import annotations

import json
import math
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import tui.commands.analyze as analyze_cmds
import tui.commands.dashboard as dashboard_cmds
import tui.commands.evaluate as evaluate_cmds
import tui.commands.history as history_cmds
import tui.commands.simulate as simulate_cmds
from tui.cli import main

NOT_NUMBERS = ["nan", "inf", "-inf", "abc", ""]
HUGE = "1e12"


def _one_line_error(capsys, code: int) -> str:
    out = capsys.readouterr()
    assert code == 2, f"exit status {code}, stderr {out.err!r}"
    assert "Traceback" not in out.err + out.out
    assert out.err.count("\n") == 1 and out.err.endswith("\n"), f"not one line: {out.err!r}"
    assert out.err.startswith("glide")
    return out.err


# ------------------------------------------------------------------ numbers, refused at parse time
# (command prefix, option, bad values); every value must be refused before the command body runs.
TRACE = "TRACE"  # replaced by a real trace path
NUMERIC = [
    (["simulate", "-o", "OUT"], "--reps", ["0", "-5", "2.5", "100000", *NOT_NUMBERS]),
    (["simulate", "-o", "OUT"], "--seed", ["-1", "1.5", str(2**32), *NOT_NUMBERS]),
    (["simulate", "-o", "OUT"], "--rate", ["0", "-100", "5", HUGE, *NOT_NUMBERS]),
    (["bench"], "--minutes", ["0", "0.05", "-1", HUGE, *NOT_NUMBERS]),
    (["bench"], "--rate", ["0", "-1", HUGE, *NOT_NUMBERS]),
    (["bench"], "--sessions", ["-1", "2.5", HUGE, *NOT_NUMBERS]),
    (["demo", "--no-tui"], "--reps", ["0", "-5", "101", *NOT_NUMBERS]),
    (["demo", "--no-tui"], "--sets", ["0", "-1", "21", "1.5", *NOT_NUMBERS]),
    (["demo", "--no-tui"], "--rest", ["-1", "901", HUGE, *NOT_NUMBERS]),
    (["demo", "--no-tui"], "--speed", ["-1", "-0.5", HUGE, *NOT_NUMBERS]),
    (["demo", "--no-tui"], "--seed", ["-1", str(2**32), *NOT_NUMBERS]),
    (["demo", "--no-tui"], "--rate", ["0", "-1", HUGE, *NOT_NUMBERS]),
    (["replay", TRACE, "--no-tui"], "--speed", ["-1", HUGE, *NOT_NUMBERS]),
    (["replay", TRACE, "--no-tui"], "--reps", ["0", "-5", *NOT_NUMBERS]),
    (["replay", TRACE, "--no-tui"], "--rest", ["-1", *NOT_NUMBERS]),
    (["replay", TRACE, "--no-tui"], "--rate", ["0", "-1", HUGE, *NOT_NUMBERS]),
    (["live", "--no-tui"], "--reps", ["0", "-5", *NOT_NUMBERS]),
    (["live", "--no-tui"], "--sets", ["0", "-1", *NOT_NUMBERS]),
    (["live", "--no-tui"], "--rest", ["-1", *NOT_NUMBERS]),
    (["analyze", TRACE], "--rate", ["0", "-1", HUGE, *NOT_NUMBERS]),
    (["convert", TRACE, "-o", "OUT"], "--rate", ["0", "-1", HUGE, *NOT_NUMBERS]),
    (["evaluate"], "--simulated", ["0", "-3", "2.5", HUGE, *NOT_NUMBERS]),
    (["evaluate", "DIR"], "--tolerance", ["0", "-1", HUGE, *NOT_NUMBERS]),
]
COMMAND_BODIES = [
    (simulate_cmds, "cmd_simulate"),
    (simulate_cmds, "cmd_bench"),
    (dashboard_cmds, "cmd_demo"),
    (dashboard_cmds, "cmd_replay"),
    (dashboard_cmds, "cmd_live"),
    (analyze_cmds, "cmd_analyze"),
    (analyze_cmds, "cmd_convert"),
    (evaluate_cmds, "cmd_evaluate"),
    (history_cmds, "cmd_report"),
]


@pytest.fixture
def no_command_runs(monkeypatch):
    """A value that slips through parsing would run the command: make that a loud failure instead
    of a minute-long benchmark."""

    def ran(args):
        raise AssertionError(f"the command ran with {vars(args)}")

    for module, name in COMMAND_BODIES:
        monkeypatch.setattr(module, name, ran)


@pytest.mark.parametrize(
    "prefix,option,value",
    [pytest.param(p, o, v, id=f"{p[0]} {o} {v!r}") for p, o, bad in NUMERIC for v in bad],
)
def test_bad_numbers_are_refused_while_parsing(prefix, option, value, tmp_path, capsys, no_command_runs):
    subst = {"OUT": str(tmp_path / "out.csv"), TRACE: str(tmp_path / "in.csv"), "DIR": str(tmp_path)}
    argv = [subst.get(a, a) for a in prefix] + [f"{option}={value}"]
    err = _one_line_error(capsys, main(argv))
    assert f"argument {option}" in err and "must be" in err
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["simulate", "-o", "OUT", "--reps", "1", "--seed", "0", "--rate", "10"],
        ["demo", "--no-tui", "--rest", "0", "--speed", "0", "--seed", "0", "--rate", "1000"],
        ["bench", "--minutes", "1", "--sessions", "0"],
        ["evaluate", "--simulated", "1", "--tolerance", "0.01"],
    ],
    ids=lambda a: " ".join(a),
)
def test_edge_values_inside_the_ranges_are_accepted(argv, tmp_path, monkeypatch):
    """The bounds are not off by one: the documented limits themselves parse."""
    seen = []
    for module, name in COMMAND_BODIES:
        monkeypatch.setattr(module, name, lambda args: seen.append(args) or 0)
    assert main([str(tmp_path / "o.csv") if a == "OUT" else a for a in argv]) == 0
    assert len(seen) == 1


def test_every_option_help_gives_its_default():
    """Each numeric option says its range and its default in --help."""
    from tui.cli import build_parser

    ap = build_parser()
    sub = next(a for a in ap._actions if a.choices and "demo" in a.choices).choices
    missing = []
    for name, p in sub.items():
        if name in ("scan", "record"):  # the BLE commands are validated in their own module
            continue
        for a in p._actions:
            if a.type is not None and a.type not in (str,):
                h = a.help or ""
                if "default" not in h or not any(ch.isdigit() for ch in h):
                    missing.append(f"{name} {a.option_strings}")
    assert missing == []


# ------------------------------------------------------------------ output paths
@pytest.fixture(scope="module")
def trace(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("in")
    t = d / "in.csv"
    assert main(["simulate", "-o", str(t), "--reps", "2", "--seed", "3", "--rate", "50"]) == 0
    return t


@pytest.fixture
def victims(tmp_path):
    """Things a careless writer would clobber: a precious file, a link to it, a folder, a device."""
    precious = tmp_path / "precious.txt"
    precious.write_bytes(b"do not touch\n")
    link = tmp_path / "link.csv"
    link.symlink_to(precious)
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "keep.txt").write_text("x")
    return {
        "existing file": str(precious),
        "symlink": str(link),
        "directory": str(folder),
        "device": "/dev/full",
        "missing folder": str(tmp_path / "no" / "such" / "out.csv"),
        "under /proc": "/proc/glide-test-out.csv",
        "folder path": str(tmp_path) + "/",
    }


def _untouched(tmp_path):
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)
    assert (tmp_path / "precious.txt").read_bytes() == b"do not touch\n"
    assert os.path.islink(tmp_path / "link.csv") and os.readlink(tmp_path / "link.csv") == str(
        tmp_path / "precious.txt"
    )
    assert sorted(p.name for p in (tmp_path / "folder").iterdir()) == ["keep.txt"]
    # no temporary file left behind
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder", "link.csv", "precious.txt"]


OUTPUTS = {
    "convert -o": lambda t, out: ["convert", t, "-o", out],
    "analyze --export": lambda t, out: ["analyze", t, "--export", out],
    "simulate -o": lambda t, out: ["simulate", "-o", out, "--reps", "2"],
    "simulate --labels": lambda t, out: ["simulate", "-o", str(Path(t).with_name("fresh.csv")), "--labels", out],
    "report -o": lambda t, out: ["report", t, "-o", out],
}
KINDS = ["existing file", "symlink", "directory", "device", "missing folder", "under /proc", "folder path"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("command", OUTPUTS)
def test_outputs_never_clobber_what_was_not_named(command, kind, trace, victims, tmp_path, capsys):
    out = victims[kind]
    if command == "report -o" and kind in ("existing file", "symlink", "missing folder", "under /proc"):
        out = str(Path(out).with_suffix(".png")) if kind != "symlink" else out
    if command == "report -o" and kind == "existing file":
        Path(out).write_bytes(b"old png\n")
    before = Path(out).read_bytes() if kind == "existing file" else None
    err = _one_line_error(capsys, main(OUTPUTS[command](str(trace), out)))
    assert out.rstrip("/") in err or kind == "folder path"
    if before is not None:
        assert Path(out).read_bytes() == before
        Path(out).unlink() if command == "report -o" else None
    _untouched(tmp_path)
    assert not trace.with_name("fresh.csv").exists()  # simulate --labels fails before the trace


def test_force_replaces_a_regular_file_atomically_and_keeps_its_mode(trace, tmp_path, capsys):
    out = tmp_path / "out.csv"
    out.write_text("old\n")
    os.chmod(out, 0o640)
    assert main(["convert", str(trace), "-o", str(out), "--force"]) == 0
    assert out.read_text().startswith("# format=glide-trace/1")
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]
    # --force still never replaces a link or a device
    link = tmp_path / "l.csv"
    link.symlink_to(out)
    _one_line_error(capsys, main(["convert", str(trace), "-o", str(link), "--force"]))
    assert link.is_symlink()
    _one_line_error(capsys, main(["convert", str(trace), "-o", "/dev/full", "--force"]))
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_export_says_where_it_wrote_and_refuses_a_second_time(trace, tmp_path, capsys):
    out = tmp_path / "reps.csv"
    assert main(["analyze", str(trace), "--export", str(out)]) == 0
    assert f"rep log written to {out}" in capsys.readouterr().out
    first = out.read_bytes()
    err = _one_line_error(capsys, main(["analyze", str(trace), "--export", str(out)]))
    assert "--force" in err and out.read_bytes() == first
    assert main(["analyze", str(trace), "--export", str(out), "--force"]) == 0
    _one_line_error(capsys, main(["analyze", str(trace), "--export", str(tmp_path / "reps.txt")]))


@pytest.mark.parametrize("kind", ["existing file", "symlink", "device", "non-empty folder", "under /proc"])
def test_evaluate_save_refuses_what_is_not_a_new_or_empty_folder(kind, victims, tmp_path, capsys):
    target = {"non-empty folder": victims["directory"]}.get(kind, victims.get(kind))
    err = _one_line_error(capsys, main(["evaluate", "--simulated", "1", "--save", target]))
    assert "Traceback" not in err
    _untouched(tmp_path)


def test_evaluate_save_into_an_empty_folder(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["evaluate", "--simulated", "1", "--save", str(empty)]) == 0
    assert sorted(p.name for p in empty.iterdir()) == ["sim0000.csv", "sim0000.labels.json"]


# ------------------------------------------------------------------ input files
def _inputs(tmp_path, trace) -> dict[str, str]:
    files = {
        "missing": str(tmp_path / "missing.csv"),
        "directory": str(tmp_path),
        "empty": tmp_path / "empty.csv",
        "binary garbage": tmp_path / "garbage.csv",
        "truncated header": tmp_path / "trunc.csv",
        "symlink to garbage": tmp_path / "glink.csv",
        "device": "/dev/full",
    }
    files["empty"].write_bytes(b"")
    files["binary garbage"].write_bytes(bytes(range(256)) * 20)
    files["truncated header"].write_bytes(trace.read_bytes()[:50])
    files["symlink to garbage"].symlink_to(files["binary garbage"])
    return {k: str(v) for k, v in files.items()}


READERS = {
    "analyze": lambda f, d: ["analyze", f],
    "analyze --json": lambda f, d: ["analyze", f, "--json"],
    "replay": lambda f, d: ["replay", f, "--no-tui", "--speed", "0"],
    "convert": lambda f, d: ["convert", f, "-o", str(d / "converted.csv")],
    "report": lambda f, d: ["report", f],
}


INPUT_KINDS = ["missing", "directory", "empty", "binary garbage", "truncated header", "symlink to garbage"]


@pytest.mark.parametrize(
    "command,kind",
    [(c, k) for c in READERS for k in INPUT_KINDS if not (c.startswith("analyze") and k == "directory")]
    + [("analyze", "device"), ("convert", "device")],  # /dev/full reads slowly
)
def test_bad_input_files(command, kind, trace, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("GLIDE_DATA_DIR", str(tmp_path / "data"))
    f = _inputs(tmp_path, trace)[kind]
    before = sorted(p.name for p in tmp_path.iterdir())
    _one_line_error(capsys, main(READERS[command](f, tmp_path)))
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # convert left no half file
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


@pytest.mark.parametrize("as_json", [False, True])
def test_a_folder_of_bad_files_is_one_line_per_file(as_json, trace, tmp_path, capsys):
    """``glide analyze DIR`` is a batch: each bad recording is one line on stderr, exit status 2."""
    inputs = _inputs(tmp_path, trace)
    folder = Path(inputs["directory"])
    names = {p.name for p in folder.iterdir() if p.suffix in (".csv", ".txt") and p.is_file()}
    code = main(["analyze", str(folder)] + (["--json"] if as_json else []))
    out = capsys.readouterr()
    assert code == 2 and "Traceback" not in out.err + out.out
    lines = out.err.splitlines()
    assert len(lines) == len(names) and all(line.startswith("glide: error: ") for line in lines)


def test_truncated_last_line_is_counted_and_skipped_not_fatal(trace, tmp_path, capsys):
    """The documented meaning of a recording cut off mid-line (a crash): skip the row, say so."""
    cut = tmp_path / "cut.csv"
    data = trace.read_bytes()
    cut.write_bytes(data[: data.rindex(b",")])  # the last row loses its last field
    assert main(["analyze", str(cut), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert any("truncated last line" in w for w in doc["warnings"])


def test_evaluate_folder_with_broken_labels(tmp_path, trace, capsys):
    (tmp_path / "a.csv").write_bytes(trace.read_bytes())
    (tmp_path / "a.labels.json").write_text('{"reps": [{"start_s": ')
    err = _one_line_error(capsys, main(["evaluate", str(tmp_path)]))
    assert "labels" in err


# ------------------------------------------------------------------ strict JSON
def _strict(text: str):
    def refuse(name):
        raise AssertionError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse)


def test_evaluate_json_is_strict_with_null_for_missing_figures(tmp_path, trace, capsys):
    """A labelled trace with no true reps: precision is defined, recall is not (0/0) -> null."""
    (tmp_path / "a.csv").write_bytes(trace.read_bytes())
    (tmp_path / "a.labels.json").write_text(json.dumps({"reps": []}))
    assert main(["evaluate", str(tmp_path), "--json"]) == 0
    doc = _strict(capsys.readouterr().out)
    row = doc["traces"][0]
    assert row["true"] == 0 and row["detected"] == 2
    assert row["median_latency_s"] is None  # was NaN
    assert any(v is None for v in doc["summary"].values())


def test_analyze_json_warns_where_the_text_says_the_mounting_is_unknown(tmp_path, capsys):
    """A shin that never moves: no mounting, and the JSON says so like the text does."""
    still = tmp_path / "still.csv"
    lines = ["# format=glide-trace/1", "# sample_rate_hz=50", "t_s,ax_mps2,ay_mps2,az_mps2,gx_dps,gy_dps,gz_dps"]
    lines += [f"{i / 50:.2f},0.1,9.8,0.2,0.01,-0.02,0.03" for i in range(1500)]
    still.write_text("\n".join(lines) + "\n")
    assert main(["analyze", str(still), "--json"]) == 0
    doc = _strict(capsys.readouterr().out)
    assert doc["calibration"] is None and doc["rep_count"] == 0
    assert any("could not learn how the sensor is mounted" in w for w in doc["warnings"])
    assert main(["analyze", str(still)]) == 0
    assert "could not learn how the sensor is mounted" in capsys.readouterr().out


def test_bench_json_is_strict(capsys, monkeypatch):
    import functools

    from sensor.sim import bench

    # One end-to-end run of glide and of the naive counter instead of three each: every figure is
    # still there (medians of one run), for 4 fewer processes (~5 s of CPU).
    monkeypatch.setattr(bench, "run_bench", functools.partial(bench.run_bench, runs=1))
    assert main(["bench", "--minutes", "1", "--rate", "50", "--json"]) == 0
    doc = _strict(capsys.readouterr().out)
    assert doc["reps"] == doc["true_reps"] > 0
    assert all(math.isfinite(v) for v in doc.values() if isinstance(v, float))


# ------------------------------------------------------------------ friction
def test_version_and_debug_after_the_command(tmp_path, capsys, monkeypatch):
    from importlib.metadata import packages_distributions, version

    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"glide {version(packages_distributions()['tui'][0])}"
    monkeypatch.chdir(tmp_path)
    assert main(["analyze", str(tmp_path / "nope.csv"), "--debug"]) == 2
    capsys.readouterr()
    assert (tmp_path / "glide-debug.log").exists()  # --debug after the command switched logging on


def test_rest_and_leg_defaults_agree_across_commands():
    from tui.cli import build_parser

    ap = build_parser()
    sub = next(a for a in ap._actions if a.choices and "demo" in a.choices).choices
    rests = {name: sub[name].get_default("rest") for name in ("demo", "replay", "live")}
    assert len(set(rests.values())) == 1, rests
    for name in ("demo", "replay", "live"):
        leg = next(a for a in sub[name]._actions if "--leg" in a.option_strings)
        assert "left" in leg.help


# ------------------------------------------------------------------ real processes
GLIDE = [sys.executable, "-m", "tui"]


@pytest.mark.parametrize(
    "argv",
    [
        ["demo", "--rate", "0"],
        ["bench", "--minutes", "0.05"],
        ["simulate", "-o", "/dev/full"],
        ["evaluate", "--simulated", "-3"],
        ["convert", "/dev/null", "-o", "/dev/full"],
    ],
    ids=lambda a: " ".join(a),
)
def test_real_processes_exit_2_with_one_line(argv, tmp_path):
    r = subprocess.run(GLIDE + argv, capture_output=True, text=True, timeout=60, cwd=tmp_path, stdin=subprocess.DEVNULL)
    assert r.returncode == 2, r.stderr
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr + r.stdout
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)
    assert list(tmp_path.iterdir()) == []
