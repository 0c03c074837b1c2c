"""`glide record` as a person runs it, against the BlueZ stand-in in its own process:
Ctrl-C stops cleanly with the file complete; SIGKILL loses at most the last second."""

import os
import signal
import subprocess
import sys
import time

import pytest

from sensor.io.trace import read_trace


@pytest.fixture
def standin():
    proc = subprocess.Popen(
        [sys.executable, "-m", "sensor.standin", "--speed", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    address = None
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if "DBUS_SYSTEM_BUS_ADDRESS=" in line:
            address = line.split("=", 1)[1].strip()
            break
    assert address, "stand-in did not start"
    yield address
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def _record(address, out, *extra):
    env = {**os.environ, "DBUS_SYSTEM_BUS_ADDRESS": address}
    return subprocess.Popen(
        [sys.executable, "-m", "tui", "record", "-o", str(out), *extra],
        env=env,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # a background runner ignores SIGINT
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_rows(path, rows, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().count("\n") > rows:
            return
        time.sleep(0.1)
    raise AssertionError(f"{path} did not reach {rows} rows")


def test_ctrl_c_stops_cleanly_and_flushes(standin, tmp_path):
    out = tmp_path / "rec.csv"
    proc = _record(standin, out)
    _wait_rows(out, 300)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=20)
    assert proc.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert "[stopped]" in stderr
    meta, chunk, stats = read_trace(out)
    assert meta["family"] == "glide" and float(meta["sample_rate_hz"]) == 100.0
    recorded = int(stdout.split("recorded ")[1].split(" samples")[0])
    assert len(chunk) == recorded >= 300  # everything received is on disk
    assert stats.truncated_last_line is False


def test_sigkill_keeps_all_but_the_last_second(standin, tmp_path):
    out = tmp_path / "rec.csv"
    proc = _record(standin, out)
    _wait_rows(out, 600)
    proc.kill()
    proc.wait(10)
    meta, chunk, _stats = read_trace(out)  # readable: at worst the last line is cut
    assert len(chunk) >= 400
    assert meta["family"] == "glide"
