"""End to end in a real terminal: ``glide demo`` in a tmux pane, read back with capture-pane.

This is what a person sees: the dashboard draws, the reps are counted on screen, ``q`` quits, and
the process ends with status 0 having saved the session. Every wait polls the screen against a
deadline (no fixed sleeps). tmux is a Debian package; ``.ci/run`` installs it, so in CI (CI=true)
this test always runs; on a developer machine without tmux it is skipped.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    shutil.which("tmux") is None and os.environ.get("CI", "").lower() != "true",
    reason="tmux is not installed (CI installs it and never skips this test)",
)


class Pane:
    """One tmux server on a private socket, one pane running a command."""

    def __init__(self, socket: str, command: str, env: dict[str, str], cwd: Path) -> None:
        self.base = ["tmux", "-L", socket]
        env_args = [a for k, v in env.items() for a in ("-e", f"{k}={v}")]
        self.tmux("new-session", "-d", "-s", "t", "-x", "100", "-y", "32", "-c", str(cwd), *env_args, command)
        self.tmux("set-option", "-t", "t", "remain-on-exit", "on")  # keep the last screen readable

    def tmux(self, *args: str) -> str:
        return subprocess.run(self.base + list(args), capture_output=True, text=True, check=True, timeout=10).stdout

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "t")

    def wait_for(self, pattern: str, deadline_s: float) -> str:
        end = time.monotonic() + deadline_s
        while True:
            text = self.screen()
            if re.search(pattern, text):
                return text
            if time.monotonic() > end:
                raise AssertionError(f"{pattern!r} not on screen within {deadline_s} s; screen:\n{text}")
            time.sleep(0.1)  # polling interval, not a race: the deadline decides

    def kill(self) -> None:
        subprocess.run(self.base + ["kill-server"], capture_output=True, timeout=10)
        sock = Path(os.environ.get("TMUX_TMPDIR", "/tmp")) / f"tmux-{os.getuid()}" / self.base[-1]
        sock.unlink(missing_ok=True)  # kill-server leaves the socket file behind


def test_demo_counts_reps_on_screen_and_quits_cleanly(tmp_path):
    data = tmp_path / "data"
    glide = shlex.join(
        [sys.executable, "-m", "tui", "demo", "--speed", "8", "--no-setup", "--reps", "3", "--sets", "1"]
    )
    # the shell reports glide's exit status on screen: tmux's own #{pane_dead_status} depends on the
    # tmux server reaping the process, which it does not reliably do when started from a busy test run
    cmd = f"{glide}; echo GLIDE-EXITED $?"
    env = {"GLIDE_DATA_DIR": str(data), "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "32"}
    pane = Pane(f"glide-test-{os.getpid()}", cmd, env, tmp_path)
    try:
        pane.wait_for(r"REPS", 30)  # the live dashboard is up
        # reps are counted live ("N in total" under the big counter), then the summary says 3
        counts: set[int] = set()
        end = time.monotonic() + 60
        while True:
            screen = pane.screen()
            counts.update(int(n) for n in re.findall(r"\b(\d+) in total\b", screen))
            if re.search(r"\b3 reps\b", screen):
                break
            assert time.monotonic() < end, f"no summary of 3 reps within 60 s; screen:\n{screen}"
            time.sleep(0.1)
        assert counts & {1, 2}, f"the live counter was never seen counting: {counts}"
        assert counts <= {0, 1, 2, 3}
        assert "Traceback" not in screen
        pane.tmux("send-keys", "-t", "t", "q")
        ended = pane.wait_for(r"GLIDE-EXITED \d+", 20)
        assert "GLIDE-EXITED 0" in ended, ended
        assert "Traceback" not in ended
    finally:
        pane.kill()
    sessions = [json.loads(p.read_text()) for p in data.glob("sessions/*/session.json")]
    assert len(sessions) == 1 and sessions[0]["rep_count"] == 3
