"""The corpus through the pytest plugin: a test that soaks a real package's leaky call fails with
the package's allocation site and holder; the fixed release passes. The package comes from its
corpus venv (no leakbench there): the inner session runs with this interpreter, which has the
plugin, and finds the pinned package through PYTHONPATH."""

from __future__ import annotations

import sysconfig
import textwrap
from pathlib import Path

import pytest
from corpus.programs import REAL_LEAKS

BABEL = next(leak for leak in REAL_LEAKS if leak.name == "babel_pattern_cache")

SOAKED = """
    import datetime
    import itertools

    from babel.dates import format_datetime

    WHEN = datetime.datetime(2024, 5, 17, 12, 30)
    NUMBERS = itertools.count()

    def format_request():
        format_datetime(WHEN, f"yyyy-MM-dd HH:mm 'request {next(NUMBERS)}'", locale="en_US")

    def test_format_request(leak_soak):
        leak_soak(format_request)
"""


def _site_packages(python: Path) -> Path:
    venv = python.parent.parent
    relative = Path(sysconfig.get_path("purelib")).relative_to(sysconfig.get_paths()["data"])
    return venv / relative


def _run(pytester: pytest.Pytester, python: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PYTHONPATH", str(_site_packages(python)))
    pytester.makepyfile(test_babel=textwrap.dedent(SOAKED))
    return pytester.runpytest_subprocess("-p", "no:cacheprovider")


def test_the_leaky_release_fails_with_its_site_and_holder(
    pytester: pytest.Pytester, corpus_python, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = _run(pytester, corpus_python(BABEL.requirement(BABEL.leaky)), monkeypatch)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*leak_soak: leak after*",
            f"*type {BABEL.leaked_type}: +*",
            f"*held in {BABEL.holder} (module global*",
            f"*site {BABEL.site}*",
        ]
    )


def test_the_fixed_release_passes(
    pytester: pytest.Pytester, corpus_python, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = _run(pytester, corpus_python(BABEL.requirement(BABEL.fixed)), monkeypatch)
    result.assert_outcomes(passed=1)
