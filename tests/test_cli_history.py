"""evaluate, history, report and convert, run through the CLI as a person would."""

import json

import pytest

from tui.cli import main


def test_evaluate_real_dataset_table(uci_dir, capsys):
    assert main(["evaluate", str(uci_dir)]) == 0
    out = capsys.readouterr().out
    assert "36 labelled traces" in out
    assert "s1/e1/u2/test" in out
    lines = {line.split()[0]: line.split()[1:] for line in out.splitlines() if line.startswith("  ")}
    assert float(lines["exact_rate"][0]) == 1.0
    assert float(lines["recall"][0]) == 1.0


def test_evaluate_simulated_json_and_saved_folder(tmp_path, capsys):
    assert main(["evaluate", "--simulated", "6", "--save", str(tmp_path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["summary"]["sessions"] == 6 and doc["summary"]["exact_rate"] == 1.0
    # the saved folder scores the same from files
    assert main(["evaluate", str(tmp_path), "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["summary"]["exact_rate"] == 1.0
    assert [t["detected"] for t in again["traces"]] == [t["detected"] for t in doc["traces"]]
    assert again["summary"] == doc["summary"]  # traces round-trip exactly, so every figure is the same


def test_evaluate_without_labels_is_an_error(tmp_path, capsys):
    assert main(["evaluate", str(tmp_path)]) == 2
    assert "no labelled traces" in capsys.readouterr().err


@pytest.fixture
def saved_sessions(tmp_path, monkeypatch):
    """Two saved sessions on different days, as the dashboard writes them."""
    from sensor.core.pipeline import analyze
    from sensor.core.summary import set_summary
    from sensor.io.trace import TraceWriter
    from sensor.sim.simulator import SimConfig, simulate_session

    monkeypatch.setenv("GLIDE_DATA_DIR", str(tmp_path))
    for day, seed, reps in (("2026-11-20_09-00-00", 3, 6), ("2026-11-22_09-00-00", 4, 8)):
        folder = tmp_path / "sessions" / day
        folder.mkdir(parents=True)
        sim = simulate_session(SimConfig(seed=seed, reps=reps, posture="supine"))
        with TraceWriter(folder / "trace.csv", sim.meta) as w:
            w.write(sim.chunk)
        pipe, _ = analyze(sim.chunk, "supine", 100.0)
        doc = {
            "format": "glide-session/1",
            "started_at": day[:10] + "T09:00:00+00:00",
            "setup": {"leg": "left", "posture": "supine"},
            "rep_count": len(pipe.reps),
            "sets": [{"set": 1, **set_summary(pipe.reps)}],
            "overall": set_summary(pipe.reps),
            "reps": [r.to_dict() for r in pipe.reps],
        }
        (folder / "session.json").write_text(json.dumps(doc))
    return tmp_path


def test_history_lists_sessions_and_trend(saved_sessions, capsys):
    assert main(["history"]) == 0
    out = capsys.readouterr().out
    assert "2026-11-20 09:00" in out and "2026-11-22 09:00" in out
    assert "trend over 2 day(s)" in out and "(6 -> 8)" in out
    rows = [ln.split() for ln in out.splitlines() if ln.startswith("2026-11-2")]
    assert [r[-2] for r in rows] == ["-", "-"]  # no foot sensor: no foot column figure


def test_history_shows_the_foot_pattern_count(saved_sessions, capsys):
    """With a foot sensor, the text table says in how many reps the foot pattern was right."""
    folder = sorted((saved_sessions / "sessions").iterdir())[-1]
    doc = json.loads((folder / "session.json").read_text())
    doc["overall"]["ankle_ok_count"] = 5
    (folder / "session.json").write_text(json.dumps(doc))
    assert main(["history"]) == 0
    rows = [ln.split() for ln in capsys.readouterr().out.splitlines() if ln.startswith("2026-11-2")]
    assert rows[0][-2] == "-" and rows[1][-2] == f"5/{doc['rep_count']}"


def test_report_terminal_png_and_html(saved_sessions, tmp_path, capsys):
    assert main(["report", "latest"]) == 0
    out = capsys.readouterr().out
    assert "8 reps (supine)" in out and "⠀" in out  # braille plot
    assert "physical therapist" in " ".join(out.split())  # wrapped to the terminal's width
    png, page = tmp_path / "r.png", tmp_path / "r.html"
    assert main(["report", "2026-11-20", "-o", str(png)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
    assert main(["report", "latest", "-o", str(page)]) == 0
    html = page.read_text()
    assert "data:image/png;base64," in html and html.count("<tr>") == 9  # header + 8 reps
    assert "physical therapist" in html
    assert main(["report", "nope"]) == 2
    assert "no such session" in capsys.readouterr().err


def test_convert_then_analyze(tmp_path, capsys):
    from pathlib import Path

    src = sorted(Path(__file__).parent.joinpath("data", "formats").glob("*"))
    assert src, "example vendor files are part of the tests"
    out = tmp_path / "converted.csv"
    assert main(["convert", str(src[0]), "-o", str(out)]) == 0
    assert out.read_text().startswith("# format=glide-trace/1")
    assert main(["analyze", str(out), "--json"]) == 0


def test_history_tells_demo_replay_and_live_apart(saved_sessions, capsys):
    """Each row says where the session came from; the trend counts the person's live sessions."""
    sessions = sorted((saved_sessions / "sessions").iterdir())
    docs = [json.loads((f / "session.json").read_text()) for f in sessions]
    docs[0]["source"] = {"name": "simulated sensor", "kind": "demo"}
    docs[1]["source"] = {"name": "replay of x.csv", "replay_of": "x.csv"}  # saved before "kind" existed
    for f, d in zip(sessions, docs):
        (f / "session.json").write_text(json.dumps(d))
    assert main(["history"]) == 0
    out = capsys.readouterr().out
    rows = [ln for ln in out.splitlines() if ln.startswith("2026-11-2")]
    assert rows[0].split()[2] == "demo" and rows[1].split()[2] == "replay"
    assert "all sessions: no live ones yet" in out
    # a third, live session: now the trend is of live sessions only
    live = saved_sessions / "sessions" / "2026-11-23_09-00-00"
    live.mkdir()
    (live / "session.json").write_text(
        json.dumps({**docs[0], "started_at": "2026-11-23T09:00:00+00:00", "source": {"name": "Movesense 1"}})
    )
    assert main(["history", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [r["source"] for r in doc["sessions"]] == ["demo", "replay", "live"]
    assert doc["trend_of"] == "live" and [d["day"] for d in doc["trend"]] == ["2026-11-23"]


def test_a_replay_is_dated_by_its_recording(tmp_path):
    import os
    from datetime import datetime

    from tui.commands.dashboard import _recording_start

    t = tmp_path / "t.csv"
    when = _recording_start(str(t), {"started_at": "2026-11-02T07:30:00+01:00"})
    assert when == datetime.fromisoformat("2026-11-02T07:30:00+01:00")
    t.write_text("x")  # no started_at line (a vendor export): the file's time
    os.utime(t, (1_700_000_000, 1_700_000_000))
    assert _recording_start(str(t), {}).timestamp() == 1_700_000_000


def test_terminal_report_fits_the_terminal(saved_sessions, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    assert main(["report", "latest"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(len(ln) for ln in lines) <= 80
    marks = next(ln for ln in lines if ln.startswith(" rep end "))
    assert marks.split()[2:] == [str(k) for k in range(1, 9)]  # all 8 rep numbers, apart


def test_report_of_a_trace_whose_mounting_was_not_learned(tmp_path, capsys):
    still = tmp_path / "still.csv"
    lines = ["# format=glide-trace/1", "# sample_rate_hz=100", "t_s,ax_mps2,ay_mps2,az_mps2,gx_dps,gy_dps,gz_dps"]
    lines += [f"{i / 100:.2f},0.1,9.8,0.2,0.01,-0.02,0.03" for i in range(1189)]
    still.write_text("\n".join(lines) + "\n")
    assert main(["report", str(still)]) == 0
    out = capsys.readouterr().out
    assert "(no data)" not in out and "could not learn how the sensor is mounted" in out
