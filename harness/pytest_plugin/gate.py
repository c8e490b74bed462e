"""From a test's soak request to a test outcome: options, soak, record, pass or fail.

Imported the first time a test soaks, never at pytest startup: it pulls in the statistics
(numpy, scipy, ruptures), about a second of imports.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from leakbench.harness.pytest_plugin.evidence import describe
from leakbench.harness.pytest_plugin.options import SoakOptions
from leakbench.harness.pytest_plugin.report import record
from leakbench.harness.pytest_plugin.result import InconclusiveSoak, SoakResult
from leakbench.harness.pytest_plugin.scaling import IterationScale
from leakbench.harness.pytest_plugin.soak import run_soak


def soak_and_gate(
    item: pytest.Item, fn: Callable[[], object], keywords: dict[str, Any]
) -> SoakResult:
    """Soak `fn` for the test `item`; fail the test on a leak, and on an inconclusive verdict
    act as the options say."""
    options = SoakOptions.from_keywords(keywords)
    scale: IterationScale | None = item.config.getoption("leakbench_iterations")
    if scale is not None:
        options = replace(options, iterations=scale.apply(options.iterations))
    result = run_soak(fn, options, name=item.nodeid)
    record(item, result)
    if result.verdict == "leak":
        pytest.fail(describe(result), pytrace=False)
    if result.verdict == "inconclusive":
        if options.inconclusive == "fail":
            pytest.fail(describe(result), pytrace=False)
        if options.inconclusive == "xfail":
            pytest.xfail(describe(result))
        path, line, _ = item.reportinfo()
        warnings.warn_explicit(
            InconclusiveSoak(describe(result)), InconclusiveSoak, str(path), (line or 0) + 1
        )
    return result
