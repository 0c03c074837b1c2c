"""The firmware specs and the code cannot disagree.

Every document in firmware_specs/ carries a "Constants" table in one format:

    | Fact | Value | Code | Source | Mark |

``Value`` is the fact as the vendor states it (a UUID, hex bytes, a number, a ``lo..hi`` range,
an SDK name); ``Code`` is the Python expression (in the namespace of the protocol modules) that
the code uses for it; ``Source`` cites the upstream file as ``owner/repo@commit:path#L<line>``
(or ``#<symbol>`` where no line number was read); ``Mark`` is V (re-read in that source: the
source must then name a commit and a line or symbol), R (research notes), D (derived) or ?.

This test parses every such table, evaluates each ``Code`` and compares it with ``Value``; it
also checks that every full 128-bit UUID written anywhere in a spec is one of its table's
values, and that no WitMotion UUID on the Bluetooth base (…9b34fb) is left anywhere.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from sensor.protocols import glide_profile, metawear, movesense, polar_pmd, thingy52, uuids, witmotion
from sensor.protocols.registry import FAMILIES

ROOT = Path(__file__).resolve().parents[1]
SPECS = sorted((ROOT / "firmware_specs").glob("*.md"))
FAMILY_SPECS = sorted({ROOT / f.spec for f in FAMILIES})
HEADER = ["Fact", "Value", "Code", "Source", "Mark"]
NAMESPACE = {
    "glide_profile": glide_profile,
    "metawear": metawear,
    "movesense": movesense,
    "polar_pmd": polar_pmd,
    "thingy52": thingy52,
    "uuids": uuids,
    "witmotion": witmotion,
}
UUID_RE = re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b")
HEX_BYTES_RE = re.compile(r"^[0-9A-Fa-f]{2}( [0-9A-Fa-f]{2})+$")
RANGE_RE = re.compile(r"^(-?[0-9.]+)\.\.(-?[0-9.]+)$")
#: owner/repo@commit:path#L12, #L12-L14 or #symbol
SOURCE_RE = re.compile(r"^[\w.-]+/[\w.-]+@[0-9a-f]{7,40}:[^\s#]+#(L\d+(-L?\d+)?|[A-Za-z_][\w.]*)$")


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def constants_rows(path: Path) -> list[dict[str, str]]:
    """Rows of every table with the Constants header in a spec (line number kept for messages)."""
    rows: list[dict[str, str]] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    fence = False
    for k, line in enumerate(lines):  # examples in ``` blocks are not tables
        if line.startswith("```"):
            fence = not fence
            lines[k] = ""
        elif fence:
            lines[k] = ""
    i = 0
    while i < len(lines):
        if lines[i].startswith("|") and _cells(lines[i]) == HEADER:
            i += 2  # header and separator
            while i < len(lines) and lines[i].startswith("|"):
                cells = _cells(lines[i])
                assert len(cells) == len(HEADER), f"{path.name}:{i + 1}: {len(cells)} cells"
                rows.append({**dict(zip(HEADER, cells)), "line": str(i + 1)})
                i += 1
        i += 1
    return rows


def _unquote(cell: str) -> str:
    m = re.fullmatch(r"`([^`]*)`", cell)
    assert m, f"expected one `code` span, got {cell!r}"
    return m.group(1)


def parse_value(text: str) -> object:
    if UUID_RE.fullmatch(text):
        return ("uuid", text.lower())
    if HEX_BYTES_RE.match(text):
        return ("bytes", bytes.fromhex(text))
    m = RANGE_RE.match(text)
    if m:
        return ("range", (float(m.group(1)), float(m.group(2))))
    if re.fullmatch(r"-?0x[0-9A-Fa-f]+", text):
        return ("number", float(int(text, 16)))
    if re.fullmatch(r"-?[0-9]+(\.[0-9]+)?([eE]-?[0-9]+)?", text):
        return ("number", float(text))
    if re.fullmatch(r'"[^"]*"', text):
        return ("text", text[1:-1])
    if re.fullmatch(r"[A-Z][A-Z0-9_]*", text):
        return ("text", text)
    raise AssertionError(f"cannot read value {text!r}")


def matches(kind_value: object, code_value: object) -> bool:
    kind, value = kind_value  # type: ignore[misc]
    if kind == "uuid":
        return isinstance(code_value, str) and uuids.normalize_uuid(code_value) == value
    if kind == "bytes":
        return isinstance(code_value, (bytes, bytearray)) and bytes(code_value) == value
    if kind == "range":
        lo, hi = code_value  # type: ignore[misc]
        return (float(lo), float(hi)) == value
    if kind == "number":
        return isinstance(code_value, (int, float)) and float(code_value) == pytest.approx(value, rel=1e-12)
    return code_value == value


ALL_ROWS = [(spec, row) for spec in SPECS for row in constants_rows(spec)]


def test_every_family_spec_has_a_constants_table():
    for spec in FAMILY_SPECS:
        assert constants_rows(spec), f"{spec.name} has no | Fact | Value | Code | Source | Mark | table"


@pytest.mark.parametrize(("spec", "row"), ALL_ROWS, ids=[f"{s.name}:{r['line']}:{r['Fact'][:40]}" for s, r in ALL_ROWS])
def test_spec_value_equals_the_code(spec, row):
    value = parse_value(_unquote(row["Value"]))
    code = _unquote(row["Code"])
    got = eval(code, dict(NAMESPACE))  # trusted: expressions written in this repository's specs
    assert matches(value, got), f"{spec.name}:{row['line']} {row['Fact']}: spec says {value[1]!r}, {code} is {got!r}"


@pytest.mark.parametrize(("spec", "row"), ALL_ROWS, ids=[f"{s.name}:{r['line']}:{r['Fact'][:40]}" for s, r in ALL_ROWS])
def test_verified_facts_cite_commit_path_and_line(spec, row):
    mark = row["Mark"]
    assert mark in ("V", "R", "D", "?"), f"{spec.name}:{row['line']}: unknown mark {mark!r}"
    sources = [s.strip().strip("`") for s in row["Source"].split(";") if s.strip()]
    assert sources, f"{spec.name}:{row['line']}: no source"
    if mark == "V":
        for s in sources:
            assert SOURCE_RE.match(s), (
                f"{spec.name}:{row['line']}: a verified fact needs repo@commit:path#line, got {s!r}"
            )


@pytest.mark.parametrize("spec", FAMILY_SPECS, ids=lambda p: p.name)
def test_every_uuid_in_a_spec_is_in_its_constants_table(spec):
    table = {parse_value(_unquote(r["Value"]))[1] for r in constants_rows(spec)}
    for m in UUID_RE.finditer(spec.read_text(encoding="utf-8")):
        assert m.group(0).lower() in table, f"{spec.name}: {m.group(0)} is not in the Constants table"


def test_no_witmotion_uuid_on_the_bluetooth_base_anywhere():
    # WitMotion's SDKs use ...-00805f9a34fb; the SIG base (...9b34fb) finds no service on a device.
    wrong = re.compile(r"0000ffe[459]-0000-1000-8000-00805f9b34fb", re.IGNORECASE)
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    hits = []
    for name in files:
        path = ROOT / name
        if path.suffix in (".py", ".md", ".txt", ".toml", ".cfg", ".rst") and path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            hits += [f"{name}: {m.group(0)}" for m in wrong.finditer(text)]
    assert hits == []


def test_the_table_reader_catches_a_disagreement(tmp_path):
    spec = tmp_path / "x.md"
    sig_base = uuids.short_uuid(0xFFE4)  # the wrong base, built here so no file holds it literally
    spec.write_text(
        "| Fact | Value | Code | Source | Mark |\n|---|---|---|---|---|\n"
        f"| notify | `{sig_base}` | `witmotion.NOTIFY_UUID` | x/y@abcdef1:p#L1 | V |\n"
    )
    (row,) = constants_rows(spec)
    value = parse_value(_unquote(row["Value"]))
    assert not matches(value, eval(_unquote(row["Code"]), dict(NAMESPACE)))
    assert matches(parse_value("FF AA 69 88 B5"), witmotion.unlock())
    assert matches(parse_value("5..200"), thingy52.CONFIG_LIMITS["motion_freq_hz"])
    assert not SOURCE_RE.match("WITMOTION/WitBluetooth_BWT901BLE5_0:device_model.py")  # no commit, no line
