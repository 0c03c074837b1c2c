"""`pip install .` (not only `pip install -e .`) must ship every package the `glide` command imports."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_python_package_is_in_the_distribution():
    declared = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for top in ("sensor", "tui")
        for p in (ROOT / top).rglob("__init__.py")
        if ".venv" not in p.parts
    }
    assert found - declared == set(), "add these to [tool.setuptools] packages in pyproject.toml"
