"""A throwaway private D-Bus *system* bus (``dbus-daemon``) for the BlueZ stand-in.

bleak talks to BlueZ over the system bus; ``DBUS_SYSTEM_BUS_ADDRESS`` pointing at this daemon,
where the stand-in owns ``org.bluez``, makes bleak none the wiser. The daemon runs in its own
session so that a Ctrl-C in the terminal reaches the stand-in only: the stand-in disconnects
from the bus first and then ends the daemon (no "connection lost" errors on the way out).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

__all__ = ["PrivateBus"]

_BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:tmpdir={tmpdir}</listen>
  <auth>EXTERNAL</auth>
  <auth>ANONYMOUS</auth>
  <allow_anonymous/>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
    <allow eavesdrop="true"/>
  </policy>
</busconfig>
"""


class PrivateBus:
    """A throwaway ``dbus-daemon`` (Debian package ``dbus``) for one test or one demo."""

    def __init__(self) -> None:
        exe = shutil.which("dbus-daemon")
        if exe is None:
            raise RuntimeError("dbus-daemon not found: install the 'dbus' package (apt-get install dbus)")
        self.tmp = tempfile.TemporaryDirectory(prefix="glide-dbus-")
        cfg = Path(self.tmp.name) / "bus.conf"
        cfg.write_text(_BUS_CONFIG.format(tmpdir=self.tmp.name))
        self.proc = subprocess.Popen(
            [exe, f"--config-file={cfg}", "--print-address", "--nofork"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            start_new_session=True,  # the terminal's SIGINT is the stand-in's to handle, not the bus's
        )
        assert self.proc.stdout is not None
        self.address = self.proc.stdout.readline().strip()
        if not self.address:
            self.close()
            raise RuntimeError("dbus-daemon did not start")

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.tmp.cleanup()
