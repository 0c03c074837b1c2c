"""`glide record` as a person runs it, against the BlueZ stand-in in its own process:
Ctrl-C, SIGTERM and SIGHUP stop cleanly with the file complete (the device side sees the
unsubscribe and the disconnect); SIGKILL loses at most the last second; a bad output path fails
before any connection."""

import os
import re
import signal
import subprocess
import sys
import threading
import time

import pytest

from sensor.io.trace import read_trace
from sensor.protocols import glide_profile


class Standin:
    """The stand-in process and every line it printed (device events among them)."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sensor.standin", "--speed", "2"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self.address = None
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            self.lines.append(line)
            if "DBUS_SYSTEM_BUS_ADDRESS=" in line:
                self.address = line.split("=", 1)[1].strip()
                break
        assert self.address, "stand-in did not start"
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line)

    def events(self, device: str) -> list[str]:
        return [ln.strip() for ln in self.lines if ln.startswith(f"[device] {device}")]

    def wait_event(self, device: str, text: str, timeout: float = 15.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for ev in self.events(device):
                if text in ev:
                    return ev
            time.sleep(0.05)
        raise AssertionError(f"no '{text}' event from {device}: {self.events(device)}")

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return -9


@pytest.fixture
def standin_proc():
    s = Standin()
    yield s
    s.stop()


@pytest.fixture
def standin(standin_proc):
    return standin_proc.address


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


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_sigterm_and_sighup_stop_like_ctrl_c(standin_proc, tmp_path, sig):
    out = tmp_path / "rec.csv"
    proc = _record(standin_proc.address, out)
    _wait_rows(out, 300)
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=20)
    assert proc.returncode == 0, stderr
    assert "Traceback" not in stderr and f"stopped by {sig.name}" in stdout
    # The device saw the host stop the stream, unsubscribe and disconnect, in that order.
    dev = "GlideIMU-sim"
    unsub = standin_proc.wait_event(dev, f"unsubscribed {glide_profile.DATA_UUID}")
    standin_proc.wait_event(dev, "disconnected")
    events = standin_proc.events(dev)
    assert [e.split(": ", 1)[1].split(" ")[0] for e in events if "unsubscribed" in e or "disconnected" in e][-1] == (
        "disconnected"
    )
    sent = int(re.search(r"after (\d+) samples", unsub).group(1))
    # The file is complete: every sample the device notified before it was unsubscribed (which is
    # after the signal) is on disk, and the last line is whole.
    meta, chunk, stats = read_trace(out)
    assert stats.truncated_last_line is False
    assert meta["family"] == "glide"
    recorded = int(stdout.split("recorded ")[1].split(" samples")[0])
    assert len(chunk) == recorded == sent >= 300


def test_bad_output_path_fails_before_connecting(standin_proc, tmp_path):
    proc = _record(standin_proc.address, tmp_path / "no" / "such" / "folder" / "x.csv")
    stdout, stderr = proc.communicate(timeout=20)
    assert proc.returncode == 2
    assert stderr.strip().splitlines() == [
        f"glide: error: cannot write {tmp_path}/no/such/folder/x.csv: folder {tmp_path}/no/such/folder does not exist"
    ]
    assert "recorded" not in stdout and "Traceback" not in stderr
    time.sleep(0.5)  # (nothing to wait for: the point is that no connection event ever appears)
    assert not any("connected" in ev for ev in standin_proc.events("GlideIMU-sim"))


def test_existing_output_needs_force(standin_proc, tmp_path):
    out = tmp_path / "keep.csv"
    out.write_text("precious\n")
    proc = _record(standin_proc.address, out, "--duration", "1")
    _stdout, stderr = proc.communicate(timeout=20)
    assert proc.returncode == 2 and "exists; use --force" in stderr
    assert out.read_text() == "precious\n"
    proc = _record(standin_proc.address, out, "--duration", "1.5", "--force")
    stdout, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 0, stderr
    _meta, chunk, _stats = read_trace(out)
    assert f"recorded {len(chunk)} samples" in stdout and str(out) in stdout and len(chunk) > 50


def test_sigterm_on_live_no_tui_unsubscribes_and_disconnects(standin_proc, tmp_path):
    env = {**os.environ, "DBUS_SYSTEM_BUS_ADDRESS": standin_proc.address, "XDG_DATA_HOME": str(tmp_path)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui", "live", "--no-tui", "--device", "C0:FF:EE:00:00:01"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    dev = "GlideIMU-sim"
    standin_proc.wait_event(dev, f"subscribed {glide_profile.DATA_UUID}", timeout=30)
    proc.send_signal(signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 0, stderr
    assert "Traceback" not in stderr and "set done" in stdout
    standin_proc.wait_event(dev, f"unsubscribed {glide_profile.DATA_UUID}")
    standin_proc.wait_event(dev, "disconnected")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "SIGTERM"])
def test_standin_stops_with_one_line_and_leaves_no_bus_behind(sig):
    s = Standin()
    bus_dir = re.search(r"unix:path=([^,]+)", s.address).group(1)
    s.proc.send_signal(sig)
    assert s.proc.wait(15) == 0
    s._reader.join(5)
    tail = "".join(s.lines).split("Ctrl-C to stop.\n", 1)[1]
    assert tail == "stand-in stopped\n"  # one line: no EOFError, no traceback
    assert not os.path.exists(bus_dir)  # the private dbus-daemon ended and its folder is gone
