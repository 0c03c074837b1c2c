"""`glide demo` as a person runs it: in a real terminal (tmux), read off the screen."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


def _tmux(sock: str, *args: str) -> str:
    return subprocess.run(["tmux", "-L", sock, *args], capture_output=True, text=True, timeout=10).stdout


def _wait_for(sock: str, pattern: str, deadline_s: float) -> tuple[re.Match | None, str]:
    end = time.monotonic() + deadline_s
    screen = ""
    while time.monotonic() < end:
        screen = _tmux(sock, "capture-pane", "-p", "-t", "smoke")
        m = re.search(pattern, screen)
        if m:
            return m, screen
        time.sleep(0.1)  # polling interval, not a fixed wait: the deadline bounds the test
    return None, screen


def test_glide_demo_dashboard_in_tmux(tmp_path):
    sock = f"glide-smoke-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    data = tmp_path / "data"
    cmd = (
        f"cd {shlex.quote(str(ROOT))} && GLIDE_DATA_DIR={shlex.quote(str(data))} "
        f"{shlex.quote(sys.executable)} -m tui demo --no-setup --speed 4 --reps 5 --sets 2 --rest 5; "
        "echo GLIDE-EXITED $?; sleep 60"
    )
    conf = tmp_path / "tmux.conf"  # no attached client: fix the size rather than fall back to 80x24
    conf.write_text("set -g default-size 110x34\n")
    # the terminal's own size, not one inherited through COLUMNS/LINES (pytest's process has them)
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "TMUX")}
    subprocess.run(
        ["tmux", "-L", sock, "-f", str(conf), "new-session", "-d", "-s", "smoke", "-x", "110", "-y", "34", cmd],
        check=True,
        timeout=10,
        env=env,
    )
    try:
        size = _tmux(sock, "display-message", "-p", "-t", "smoke", "#{window_width}x#{window_height}")
        assert size.strip() == "110x34"
        m, screen = _wait_for(sock, r"([1-9]\d*) in total", 40.0)
        assert m, f"no rep counted on the dashboard:\n{screen}"
        for needle in (
            "REPS",
            "PHASE",
            "SHIN ANGLE",
            "TEMPO",
            "LAST 15 s",
            "glide simulator",
            "does not diagnose",
            "Start/pause set",
            "Recalibrate",
        ):
            # polled, not read once: a notification (the session folder, "no audio output") can
            # cover the status bar for a few seconds after the start
            m, screen = _wait_for(sock, re.escape(needle), 15.0)
            assert m, f"{needle!r} missing:\n{screen}"
        _tmux(sock, "send-keys", "-t", "smoke", "q")
        m, screen = _wait_for(sock, r"GLIDE-EXITED (\d+)", 20.0)
        assert m and m.group(1) == "0", screen
        assert "session saved to" in screen
        sessions = list((data / "sessions").iterdir())
        assert len(sessions) == 1
        assert {p.name for p in sessions[0].iterdir()} == {"trace.csv", "reps.csv", "reps.json", "session.json"}
    finally:
        subprocess.run(["tmux", "-L", sock, "kill-server"], capture_output=True, timeout=10)
        stale = Path(os.environ.get("TMUX_TMPDIR", "/tmp")) / f"tmux-{os.getuid()}" / sock
        stale.unlink(missing_ok=True)
