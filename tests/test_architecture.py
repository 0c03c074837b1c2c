"""The layering rules of ARCHITECTURE.md, checked on the source: imports parsed with ``ast``.

- no import cycles among project modules (module-level and function-level imports alike;
  imports under ``if TYPE_CHECKING:`` are for annotations only and never run);
- ``sensor`` never imports ``tui``; ``sensor.core`` imports nothing of the other sensor layers;
- the runtime package (all but ``sensor.standin``, the BlueZ stand-in for tests and demos)
  imports no test-only dependency;
- every module starts with a docstring saying what it holds;
- no module over 400 lines, except the allow-listed ones below, which may not grow.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("sensor", "tui")
TEST_ONLY = {"dbus_fast", "pytest", "hypothesis"}
MAX_LINES = 400
# Modules allowed over the limit while they are being split (none now). An entry records the
# size at the time of listing: the test fails if one grows; it goes once its module is split.
ALLOWED_LONG: dict[str, int] = {}


def modules() -> dict[str, Path]:
    out = {}
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            rel = path.relative_to(ROOT).with_suffix("")
            parts = list(rel.parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = path
    return out


MODULES = modules()


def imports_of(name: str, path: Path) -> set[str]:
    """Every module ``name`` imports, anywhere in the file (absolute names, relative resolved)."""
    tree = ast.parse(path.read_text(), str(path))
    is_pkg = path.name == "__init__.py"
    base = name.split(".") if is_pkg else name.split(".")[:-1]
    typing_only = {
        id(n)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for stmt in block.body
        for n in ast.walk(stmt)
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:  # annotations only: never executed, cannot form a cycle
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                mod = ".".join([*anchor, node.module] if node.module else anchor)
            else:
                mod = node.module or ""
            found.add(mod)
            for a in node.names:  # "from pkg import module"
                if f"{mod}.{a.name}" in MODULES:
                    found.add(f"{mod}.{a.name}")
    return found


def project_graph() -> dict[str, set[str]]:
    graph = {}
    for name, path in MODULES.items():
        deps = set()
        for imp in imports_of(name, path):
            # the deepest project module this import names (sensor.core.events.Rep -> sensor.core.events)
            parts = imp.split(".")
            for k in range(len(parts), 0, -1):
                cand = ".".join(parts[:k])
                if cand in MODULES:
                    if cand != name and not name.startswith(cand + ".") and cand not in PACKAGES:
                        deps.add(cand)
                    break
        graph[name] = deps
    return graph


def test_the_import_graph_is_parsed():
    g = project_graph()
    assert "sensor.core.workout" in g and "sensor.core.events" in g["sensor.core.workout"]
    assert "tui.session" in g["tui.app"]


def test_no_import_cycles():
    g = project_graph()
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def visit(n: str) -> None:
        state[n] = 1
        stack.append(n)
        for d in sorted(g.get(n, ())):
            if state.get(d) == 1:
                cycles.append(stack[stack.index(d) :] + [d])
            elif d not in state:
                visit(d)
        stack.pop()
        state[n] = 2

    for n in sorted(g):
        if n not in state:
            visit(n)
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_sensor_never_imports_tui_and_core_imports_no_other_sensor_layer():
    bad = []
    for name, path in MODULES.items():
        if not name.startswith("sensor"):
            continue
        for imp in imports_of(name, path):
            if imp == "tui" or imp.startswith("tui."):
                bad.append(f"{name} imports {imp}")
            if name.startswith("sensor.core") and imp.startswith("sensor.") and not imp.startswith("sensor.core"):
                bad.append(f"{name} imports {imp}")
            # the layers below the simulator never need it (the simulated source lives in sensor.sim)
            lower = ("sensor.core", "sensor.protocols", "sensor.io", "sensor.ble")
            if name.startswith(lower) and (imp == "sensor.sim" or imp.startswith("sensor.sim.")):
                bad.append(f"{name} imports {imp}")
    assert not bad, "\n".join(bad)


def test_runtime_package_imports_no_test_only_dependency():
    bad = [
        f"{name} imports {imp}"
        for name, path in MODULES.items()
        if not name.startswith("sensor.standin")
        for imp in imports_of(name, path)
        if imp.split(".")[0] in TEST_ONLY
    ]
    assert not bad, "\n".join(bad)


def test_every_module_starts_with_a_docstring():
    missing = [
        str(path.relative_to(ROOT))
        for path in MODULES.values()
        if path.read_text().strip() and ast.get_docstring(ast.parse(path.read_text())) is None
    ]
    assert not missing, "modules without a docstring: " + ", ".join(missing)


def test_modules_stay_small():
    too_long = []
    for path in MODULES.values():
        rel = str(path.relative_to(ROOT))
        n = len(path.read_text().splitlines())
        limit = ALLOWED_LONG.get(rel, MAX_LINES)
        if n > limit:
            too_long.append(f"{rel}: {n} lines (limit {limit})")
    assert not too_long, "\n".join(too_long)
