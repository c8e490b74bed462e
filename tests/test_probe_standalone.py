"""The in-target probe stands alone: standard library only, Python 3.9, loadable under any name.

It is injected into users' processes whose environment does not have leakbench (issue 9), and
the simulated gateway must not depend on the tool that measures it. No 3.9 interpreter is on
the development machines, so 3.9 compatibility is checked statically with vermin.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBE = ROOT / "probe"
GATEWAY = ROOT / "gateway_sim"


def imports(package: Path) -> Iterator[tuple[Path, int, int, str]]:
    """(file, line, relative level, module) of every import in the package, lazy ones too."""
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield path, node.lineno, 0, alias.name
            elif isinstance(node, ast.ImportFrom):
                yield path, node.lineno, node.level, node.module or ""


def test_probe_imports_only_the_standard_library_and_itself() -> None:
    allowed = sys.stdlib_module_names | {"__future__"}
    outside = [
        f"{path.relative_to(ROOT)}:{line}: {module}"
        for path, line, level, module in imports(PROBE)
        if level == 0 and module.partition(".")[0] not in allowed
    ]
    assert outside == []


def test_probe_imports_its_own_modules_relatively() -> None:
    """So a copy of the package works under a private name inside a target."""
    escaping = [
        f"{path.relative_to(ROOT)}:{line}"
        for path, line, level, _ in imports(PROBE)
        if level > len(path.relative_to(PROBE).parts)
    ]
    assert escaping == []


def test_gateway_sim_imports_nothing_from_the_harness_or_reports() -> None:
    upward = [
        f"{path.relative_to(ROOT)}:{line}: {module}"
        for path, line, level, module in imports(GATEWAY)
        if (level == 0 and module.startswith(("leakbench.harness", "leakbench.reports")))
        or level > len(path.relative_to(GATEWAY).parts)
    ]
    assert upward == []


def test_probe_runs_on_python_3_9() -> None:
    vermin = shutil.which("vermin", path=str(Path(sys.executable).parent))
    assert vermin is not None, "vermin is a test dependency (pyproject [test])"
    result = subprocess.run(
        [vermin, "-q", "--no-tips", "--feature", "union-types", "-t=3.9-", "--violations", PROBE],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_copy_under_a_private_name_measures_without_leakbench_or_site_packages(
    tmp_path: Path,
) -> None:
    shutil.copytree(PROBE, tmp_path / "_private_probe", ignore=shutil.ignore_patterns("__py*"))
    code = (
        "import sys, importlib.util\n"
        f"sys.path.insert(0, {str(tmp_path)!r})\n"
        "from _private_probe import InProcessProbe\n"
        "probe = InProcessProbe(objects=True, tracemalloc=True)\n"
        "probe.checkpoint(baseline=True)\n"
        "kept = [[n] for n in range(2000)]\n"
        "grown = {e['type']: e['growth'] for e in probe.checkpoint()['types_top']}\n"
        "print(grown['list'] >= 2000, 'heap_blocks' in probe.sample())\n"
        "print(importlib.util.find_spec('leakbench'), 'leakbench' in sys.modules)\n"
    )
    # -I: no PYTHONPATH, no user site; -S: no site-packages at all, so nothing but the stdlib.
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["True True", "None False"]


def test_the_walk_sees_the_imports_it_checks() -> None:
    """The checks above are only as good as the walk: it must find what they look for."""
    assert any(level > 0 for _, _, level, _ in imports(PROBE))
    assert any(module == "leakbench.probe.inprocess" for _, _, _, module in imports(GATEWAY))
