"""`pip install .` (not only `pip install -e .`) must ship every package the `glide` command imports."""

import tomllib
from pathlib import Path

from setuptools import find_packages

ROOT = Path(__file__).resolve().parents[1]


def test_every_python_package_is_in_the_distribution():
    find = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    shipped = set(find_packages(str(ROOT), include=find["include"]))
    found = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for top in ("sensor", "tui")
        for p in (ROOT / top).rglob("__init__.py")
        if ".venv" not in p.parts
    }
    assert {"sensor.core", "tui.commands", "tui.audio"} <= found
    assert found - shipped == set(), "these packages would be missing from a wheel"
    assert not {p for p in shipped if not p.startswith(("sensor", "tui"))}, "only sensor and tui are shipped"
