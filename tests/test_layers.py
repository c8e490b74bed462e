"""The layer rule of docs/architecture.md: every module imports only from its own layer or below.

The check reads the source (an AST walk of every import, including imports inside functions), so
it needs nothing imported and sees lazy imports too. The last test shows it failing on an
upward import written on purpose.
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FOLDERS = {
    "package": "leakbench",
    "probe": "leakbench.probe",
    "gateway_sim": "leakbench.gateway_sim",
    "harness": "leakbench.harness",
    "reports": "leakbench.reports",
    "scenarios": "leakbench.scenarios",
}
TOP = ("leakbench.harness.cli", "leakbench.harness.commands", "leakbench.harness.gate")
TOP += ("leakbench.harness.pytest_plugin", "leakbench.__main__")
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("probe", ("leakbench.probe",)),
    ("gateway", ("leakbench.gateway_sim",)),
    ("core", ("leakbench.harness", "leakbench.scenarios", "leakbench")),
    ("reports", ("leakbench.reports",)),
    ("commands", TOP),
)
"""Bottom to top. A module belongs to the layer of its longest matching prefix."""


def layer_of(module: str) -> int | None:
    """Index in LAYERS of a leakbench module, or None for anything outside leakbench."""
    best: tuple[int, int] | None = None
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            matches = module == prefix or module.startswith(prefix + ".")
            if matches and (best is None or len(prefix) > best[0]):
                best = (len(prefix), index)
    return None if best is None else best[1]


def imports_of(source: str, module: str, is_package: bool) -> list[tuple[int, str]]:
    """(line, imported module) for every import in `source`, relative ones resolved."""
    found = []
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            found.append((node.lineno, base))
    return found


def violations(root: Path, folders: dict[str, str]) -> list[str]:
    """Every import that points to a higher layer, as `file:line: a -> b`."""
    found = []
    for folder, package in folders.items():
        for path in sorted((root / folder).rglob("*.py")):
            relative = path.relative_to(root / folder).with_suffix("")
            parts = [p for p in relative.parts if p != "__init__"]
            module = ".".join([package, *parts])
            own = layer_of(module)
            for line, imported in imports_of(
                path.read_text(encoding="utf-8"), module, path.name == "__init__.py"
            ):
                target = layer_of(imported)
                if own is not None and target is not None and target > own:
                    location = f"{path.relative_to(root)}:{line}"
                    found.append(f"{location}: {module} -> {imported}")
    return found


def test_no_module_imports_from_a_layer_above_it():
    assert violations(REPO, FOLDERS) == []


MODULE_LINES = 400
"""About the most one module of the product holds and still reads as one thing (issue 12)."""


def test_no_module_of_the_product_is_over_about_400_lines():
    sizes = {
        str(path.relative_to(REPO)): len(path.read_text(encoding="utf-8").splitlines())
        for folder in ("probe", "gateway_sim", "harness", "reports")
        for path in (REPO / folder).rglob("*.py")
    }
    assert len(sizes) > 100  # the whole product was read
    assert {path: n for path, n in sizes.items() if n > MODULE_LINES} == {}


def test_the_simulated_gateway_knows_nothing_of_the_tool_that_measures_it():
    gateway = [
        imported
        for path in (REPO / "gateway_sim").rglob("*.py")
        for _, imported in imports_of(
            path.read_text(encoding="utf-8"), "leakbench.gateway_sim", False
        )
        if imported.startswith("leakbench.")
    ]
    assert gateway and all(
        m.startswith(("leakbench.gateway_sim", "leakbench.probe")) for m in gateway
    )


def test_an_upward_import_is_caught(tmp_path):
    (tmp_path / "harness").mkdir()
    (tmp_path / "harness" / "store.py").write_text(
        "import json\n\ndef render():\n    from leakbench.reports.html import page\n"
    )
    (tmp_path / "probe").mkdir()
    (tmp_path / "probe" / "heap.py").write_text("from ..harness import units\n")
    found = violations(tmp_path, {"harness": "leakbench.harness", "probe": "leakbench.probe"})
    assert found == [
        "harness/store.py:4: leakbench.harness.store -> leakbench.reports.html",
        "probe/heap.py:1: leakbench.probe.heap -> leakbench.harness",
    ]
