"""One name in site-packages: the distribution installs the repository's folders under
`leakbench` only, so the pytest plugin cannot shadow (or be shadowed by) a user's `reports`.

The wheel is built as pip builds it (isolated, from pyproject.toml). The full check, a fresh
virtual environment with `pip install .` running `leakbench run` and the plugin, takes minutes
and is opt-in (`pytest -m soak`).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]


def _package_dirs() -> dict[str, Path]:
    """Every package the repository holds (a folder with __init__.py), by its installed name."""
    found = {}
    for name, folder in SETUPTOOLS["package-dir"].items():
        root = REPO / folder
        for init in root.rglob("__init__.py"):
            relative = init.parent.relative_to(root).parts
            found[".".join([name, *relative])] = init.parent
    return found


def test_every_package_folder_is_listed_for_installation():
    assert sorted(_package_dirs()) == sorted(SETUPTOOLS["packages"])


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(REPO)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("leakbench-*.whl")
    return built


def test_the_wheel_adds_one_top_level_name(wheel: Path):
    names = zipfile.ZipFile(wheel).namelist()
    assert {n.split("/")[0] for n in names if ".dist-info/" not in n} == {"leakbench"}
    assert "leakbench/scenarios/abort-storm.yaml" in names
    assert "leakbench/reports/templates/report.html" in names


def test_the_console_script_and_the_plugin_point_into_leakbench(wheel: Path):
    archive = zipfile.ZipFile(wheel)
    (entry_points,) = [n for n in archive.namelist() if n.endswith("entry_points.txt")]
    text = archive.read(entry_points).decode()
    assert "leakbench = leakbench.harness.cli:main" in text
    assert "leakbench = leakbench.harness.pytest_plugin" in text


@pytest.mark.soak
def test_a_fresh_venv_runs_a_scenario_and_the_plugin(wheel: Path, tmp_path: Path):
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "-q", wheel, "pytest"], check=True)
    before = _top_level_names(python, exclude_leakbench=True)
    command = [env_dir / "bin" / "leakbench", "run", "abort-storm", "--policy", "legacy"]
    run = subprocess.run(
        [*command, "-q", "--no-report", "--out", tmp_path / "run"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert run.returncode == 1, run.stderr
    (tmp_path / "test_soaked.py").write_text(
        textwrap.dedent(
            """
            HELD = []

            def test_leaks(leak_soak):
                leak_soak(lambda: HELD.append(bytearray(2000)))
            """
        )
    )
    plugin = subprocess.run(
        [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", tmp_path / "test_soaked.py"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert plugin.returncode == 1 and "leak_soak: leak" in plugin.stdout, plugin.stdout
    assert _top_level_names(python, exclude_leakbench=False) - before == {"leakbench"}


def _top_level_names(python: Path, *, exclude_leakbench: bool) -> set[str]:
    """Top-level importable names the environment's installed distributions provide."""
    code = textwrap.dedent(
        f"""
        import importlib.metadata as m
        names = set()
        for dist in m.distributions():
            if {exclude_leakbench!r} and dist.metadata["Name"] == "leakbench":
                continue
            for f in dist.files or ():
                top = f.parts[0]
                if top.endswith((".dist-info", ".data")) or top in ("..", "__pycache__"):
                    continue
                names.add(top.removesuffix(".py"))
        print("\\n".join(sorted(names)))
        """
    )
    output = subprocess.run(  # away from the checkout, whose egg-info would be found too
        [python, "-c", code], capture_output=True, text=True, check=True, cwd=python.parents[2]
    )
    return set(output.stdout.split())
