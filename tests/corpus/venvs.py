"""One virtual environment per (package, version) of the corpus, without leakbench in it.

Issue 9: the probe is injected into a foreign interpreter, so each pinned package is installed
into its own venv under a cache directory (``LEAKBENCH_CORPUS_CACHE``, else
``~/.cache/leakbench-corpus``) that is reused across runs. A venv is complete once its
``.complete`` marker exists; a half-built one is rebuilt.

Run as a script to build them all ahead of time: ``python tests/corpus/venvs.py``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

CACHE = Path(os.environ.get("LEAKBENCH_CORPUS_CACHE", Path.home() / ".cache" / "leakbench-corpus"))


class RegistryUnreachable(RuntimeError):
    """pip could not reach the package registry (or the pinned version is gone from it)."""


def venv_dir(requirement: str) -> Path:
    tag = f"py{sys.version_info.major}{sys.version_info.minor}"
    return CACHE / tag / requirement.replace("==", "-").replace("/", "_")


def python_of(venv: Path) -> Path:
    return venv / "bin" / "python"


def build(requirement: str) -> Path:
    """The venv's directory with `requirement` (e.g. ``Babel==2.11.0``) installed, built once."""
    venv = venv_dir(requirement)
    if (venv / ".complete").is_file():
        return venv
    shutil.rmtree(venv, ignore_errors=True)
    venv.parent.mkdir(parents=True, exist_ok=True)
    # The interpreter of the venv must be a real CPython without leakbench: a plain venv of the
    # base interpreter, not of this (worktree) venv, and without system site-packages.
    base = Path(getattr(sys, "_base_executable", sys.executable))
    subprocess.run([str(base), "-m", "venv", str(venv)], check=True, capture_output=True)
    done = subprocess.run(
        [
            str(python_of(venv)),
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--no-input",
            "--only-binary",
            ":all:",
            "--timeout",
            "30",
            requirement,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        shutil.rmtree(venv, ignore_errors=True)
        raise RegistryUnreachable(f"pip install {requirement} failed: {done.stderr.strip()[-400:]}")
    (venv / ".complete").write_text(requirement + "\n", encoding="utf-8")
    return venv


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    from programs import requirements

    for req in sys.argv[1:] or requirements():
        try:
            print(req, build(req), flush=True)
        except RegistryUnreachable as error:
            print(req, "FAILED", error, flush=True)
