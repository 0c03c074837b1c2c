"""SIGKILL during a live session: the trace and the rep log on disk are readable and complete
up to the last second (the process is really killed, mid-stream)."""

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from sensor.io.trace import read_trace

SCRIPT = textwrap.dedent("""
    import os, signal, sys
    from sensor.sim.simulator import SimConfig, simulate_session
    from tui.session import Session, SessionSetup

    sim = simulate_session(SimConfig(seed=2, reps=8, rate_hz=100.0))
    session = Session(SessionSetup(reps_per_set=20, sets=1), source_name="crash test",
                      source_meta={"device": "simulator"}, rate_hz=100.0)
    for part in sim.chunk.split([5] * (len(sim.chunk) // 5 + 1)):  # 50 ms notifications
        session.ingest(part)
        if len(session.reps) == 5:
            print(session.files.folder, flush=True)
            os.kill(os.getpid(), signal.SIGKILL)  # no cleanup of any kind
""")


def test_sigkill_mid_session_keeps_reps_and_trace(tmp_path):
    env = {**os.environ, "GLIDE_DATA_DIR": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL
    folder = proc.stdout.strip().splitlines()[-1]
    log = json.loads(Path(folder, "reps.json").read_text())
    assert log["rep_count"] == 5 and [r["index"] for r in log["reps"]] == [1, 2, 3, 4, 5]
    rows = Path(folder, "reps.csv").read_text().strip().splitlines()
    assert len(rows) == 6  # header + 5 reps
    _meta, chunk, _stats = read_trace(os.path.join(folder, "trace.csv"))
    # the trace reaches to within a second of the last rep (flushed at least once a second)
    assert chunk.t[-1] >= log["reps"][-1]["end_s"] - 1.0
    assert not any(name.startswith(".") for name in os.listdir(folder)), "no half-written temp files left"
