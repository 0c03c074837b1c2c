"""UUIDs and units every protocol module shares: the Bluetooth base UUID, the standard Battery
Service, and standard gravity. Kept apart so that a family module, the stand-in and the tests can
name a UUID without importing any decoder machinery."""

from __future__ import annotations

import re

from sensor.core.constants import STANDARD_GRAVITY

__all__ = [
    "BATTERY_LEVEL_UUID",
    "BATTERY_SERVICE_UUID",
    "BLUETOOTH_BASE_SUFFIX",
    "STANDARD_GRAVITY",
    "normalize_uuid",
    "short_uuid",
]


#: Suffix that turns a 16/32-bit Bluetooth SIG UUID into its 128-bit form.
BLUETOOTH_BASE_SUFFIX = "-0000-1000-8000-00805f9b34fb"

_HEX_RE = re.compile(r"^[0-9a-f]+$")


def normalize_uuid(uuid: object) -> str:
    """Lower-case 128-bit UUID string; 16- and 32-bit SIG short forms are expanded.

    ``"2A19"``, ``"0x2a19"`` and ``"00002a19-0000-1000-8000-00805f9b34fb"`` all give the last
    form. Anything that does not look like a UUID is returned lower-cased and stripped, so a
    comparison with a known UUID simply fails (this function never raises on strings).
    """
    s = str(uuid).strip().lower()
    if s.startswith("{") and s.endswith("}"):
        s = s[1:-1]
    if s.startswith("0x"):
        s = s[2:]
    if len(s) in (4, 8) and _HEX_RE.match(s):
        return f"{s:0>8}{BLUETOOTH_BASE_SUFFIX}"
    return s


def short_uuid(n: int) -> str:
    """128-bit form of a 16-bit SIG UUID (``short_uuid(0x2A19)``)."""
    return f"{n:08x}{BLUETOOTH_BASE_SUFFIX}"


#: Standard Battery Service and Battery Level characteristic (Bluetooth SIG assigned numbers).
BATTERY_SERVICE_UUID = short_uuid(0x180F)
BATTERY_LEVEL_UUID = short_uuid(0x2A19)
