"""The package's import graph: no cycles, and no layer importing one above it.

A frame flows capture → vision → advice → store, with the orchestration (pipeline,
calibration), the tools (evaluation, training, benchmarks) and then web and the CLI on top.
The graph is read from the source with `ast` (every `import` anywhere in a module, so a
function-level import of our own code counts too), without importing anything.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

PACKAGE_DIR = Path(__file__).resolve().parents[1] / "kiosk"

# Lowest first. A module may import its own layer and those below, never one above.
# The simulator is a frame source, so it shares the capture floor.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("base", ("kiosk", "kiosk.errors", "kiosk.config", "kiosk.security", "kiosk.report",
              "kiosk.measures", "kiosk.i18n", "kiosk.progress")),
    ("capture", ("kiosk.capture", "kiosk.sim")),
    ("vision", ("kiosk.vision",)),
    ("advice", ("kiosk.advice",)),
    ("store", ("kiosk.store",)),
    ("analysis", ("kiosk.pipeline", "kiosk.calibration")),
    ("tools", ("kiosk.evaluate", "kiosk.evaluate_mesh", "kiosk.train")),
    ("web", ("kiosk.web",)),
    ("entry", ("kiosk.cli", "kiosk.bench")),
)


def module_files(package_dir: Path = PACKAGE_DIR) -> dict[str, Path]:
    """Dotted module name -> file, for every module of the package."""
    mods = {}
    for path in package_dir.rglob("*.py"):
        parts = list(path.relative_to(package_dir.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        mods[".".join(parts)] = path
    return mods


@functools.cache
def _parse(path: Path) -> ast.Module:
    """A module's syntax tree, parsed once per run (the whole package takes a second)."""
    return ast.parse(path.read_text(), str(path))


def _resolve(name: str, mods: dict[str, Path]) -> str | None:
    while name and name not in mods:
        name = name.rpartition(".")[0]
    return name or None


def import_graph(mods: dict[str, Path]) -> dict[str, set[str]]:
    """module -> the package's modules it imports (anywhere in the file)."""
    root = next(iter(mods)).split(".")[0]
    graph: dict[str, set[str]] = {}
    for mod, path in mods.items():
        targets: set[str] = set()
        for node in ast.walk(_parse(path)):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    pkg = mod.split(".") if path.name == "__init__.py" else mod.split(".")[:-1]
                    pkg = pkg[: len(pkg) - (node.level - 1)]
                    base = ".".join([*pkg, base] if base else pkg)
                # `from kiosk.web import api` imports the module kiosk.web.api
                names = [f"{base}.{a.name}" if f"{base}.{a.name}" in mods else base
                         for a in node.names]
            else:
                continue
            for name in names:
                if name == root or name.startswith(root + "."):
                    target = _resolve(name, mods)
                    if target and target != mod:
                        targets.add(target)
        graph[mod] = targets
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as [a, b, ..., a], or None."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def layer_of(mod: str) -> int:
    """The index in LAYERS of the most specific prefix that names `mod`."""
    best, best_len = -1, -1
    for i, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (mod == prefix or mod.startswith(prefix + ".")) and len(prefix) > best_len:
                best, best_len = i, len(prefix)
    return best


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    """Every import of a higher layer, as 'a (layer) -> b (layer)'."""
    bad = []
    for mod, targets in sorted(graph.items()):
        for target in sorted(targets):
            if layer_of(target) > layer_of(mod):
                bad.append(f"{mod} ({LAYERS[layer_of(mod)][0]}) -> "
                           f"{target} ({LAYERS[layer_of(target)][0]})")
    return bad


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph(module_files())


def test_every_module_has_a_layer(graph: dict[str, set[str]]) -> None:
    # kiosk.foo.bar falls under "kiosk" only if no layer names it: a new top-level module
    # must be placed on purpose
    unplaced = [m for m in graph if m != "kiosk" and layer_of(m) == 0 and m.count(".") >= 1
                and not any(m == p for p in LAYERS[0][1])]
    assert not unplaced, f"modules in no layer (add them to LAYERS): {unplaced}"


def test_the_package_has_no_import_cycle(graph: dict[str, set[str]]) -> None:
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_no_layer_imports_one_above_it(graph: dict[str, set[str]]) -> None:
    bad = upward_imports(graph)
    assert not bad, "imports against the flow:\n" + "\n".join(bad)


def test_the_graph_sees_imports_inside_functions(tmp_path: Path) -> None:
    # the checks above are only as good as the graph: a cycle through a function-level
    # import and an upward import from a lower layer must both be found
    pkg = tmp_path / "kiosk"
    for sub in ("vision", "web"):
        (pkg / sub).mkdir(parents=True)
        (pkg / sub / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "vision" / "a.py").write_text("def f():\n    from kiosk.web import b\n")
    (pkg / "web" / "b.py").write_text("from kiosk.vision.a import f\n")
    g = import_graph(module_files(pkg))
    assert g["kiosk.vision.a"] == {"kiosk.web.b"}
    assert find_cycle(g) == ["kiosk.vision.a", "kiosk.web.b", "kiosk.vision.a"]
    assert upward_imports(g) == ["kiosk.vision.a (vision) -> kiosk.web.b (web)"]


def blueprint_modules(mods: dict[str, Path]) -> set[str]:
    """The modules that define a Flask blueprint (`bp = Blueprint(...)` at the top)."""
    found = set()
    for mod, path in mods.items():
        for node in _parse(path).body:
            if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
                    and getattr(node.value.func, "id", None) == "Blueprint"):
                found.add(mod)
    return found


def test_blueprints_do_not_import_one_another(graph: dict[str, set[str]]) -> None:
    # blueprints share decorators (auth) and helpers (services, visits, queries, stations),
    # never each other's views or private helpers
    mods = module_files()
    bps = blueprint_modules(mods)
    assert {"kiosk.web.shopper", "kiosk.web.staff", "kiosk.web.retail"} <= bps
    crossing = sorted(f"{m} -> {t}" for m in bps for t in graph[m] if t in bps)
    assert not crossing, f"blueprints importing blueprints: {crossing}"
