"""leakbench's pytest plugin: fail a test when the code it calls leaks memory per call.

Two forms, same options (harness.pytest_plugin.options.SoakOptions):

    def test_parse_does_not_leak(leak_soak):
        result = leak_soak(lambda: parse(DOC), iterations=5000, per_iteration="64B")

    @pytest.mark.leak_soak(iterations=2000)
    def test_render():  # the whole body is called 2000 times, fixtures set up once
        render(PAGE)

Unlike a fixed byte limit on one call, the soak decides like `leakbench run`: it samples the
heap over many calls, cuts the warm-up (caches filling, first-call imports) and calls a leak only
when the growth per call is both above the tolerance at 99% confidence and steady.

This module is loaded in every pytest session of anyone who installs leakbench, so it imports
only pytest and light modules; the statistics load when a test first soaks.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pytest

from leakbench.harness.errors import BadInput
from leakbench.harness.pytest_plugin.report import write_summary
from leakbench.harness.pytest_plugin.result import InconclusiveSoak, SoakResult
from leakbench.harness.pytest_plugin.scaling import IterationScale

__all__ = ["InconclusiveSoak", "SoakResult", "Soaker"]

OFF_REASON = "leak soaks are off (--leakbench-off)"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("leakbench", "leak soaks (leakbench)")
    group.addoption(
        "--leakbench-iterations",
        type=IterationScale.parse,
        default=None,
        metavar="N|Fx",
        help="measured calls of every soak: N sets them all to N, Fx multiplies each (4x, 0.5x)",
    )
    group.addoption(
        "--leakbench-off",
        action="store_true",
        help="skip the tests that soak (the leak_soak fixture or marker)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "leak_soak(**options): call the test body many times under leakbench's probe and fail "
        "the test if memory grows per call; options as for the leak_soak fixture",
    )


class Soaker:
    """The `leak_soak` fixture's value: call it with the function to soak."""

    def __init__(self, item: pytest.Item) -> None:
        self._item = item

    def __call__(self, fn: Callable[[], object], **options: Any) -> SoakResult:
        """Call `fn()` many times; fail the test if it leaks; return the result otherwise.

        Options: iterations, warmup, per_iteration, objects_per_iteration, signals, tracemalloc,
        samples, inconclusive, confirm, attribute (see SoakOptions for their meaning).
        """
        from leakbench.harness.pytest_plugin.gate import soak_and_gate  # heavy: only when soaking

        return soak_and_gate(self._item, fn, options)


@pytest.fixture
def leak_soak(request: pytest.FixtureRequest) -> Soaker:
    """Soak a function: `leak_soak(fn, iterations=2000, per_iteration="64B", ...)`."""
    if request.config.getoption("leakbench_off"):
        pytest.skip(OFF_REASON)
    return Soaker(request.node)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("leak_soak") and item.config.getoption("leakbench_off"):
        pytest.skip(OFF_REASON)


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run a `leak_soak`-marked test's body under the soak instead of once."""
    marker = pyfuncitem.get_closest_marker("leak_soak")
    if marker is None:
        return None
    if marker.args:
        raise BadInput(f"{pyfuncitem.nodeid}: the leak_soak marker takes keyword options only")
    body = pyfuncitem.obj
    if inspect.iscoroutinefunction(body):
        raise BadInput(f"{pyfuncitem.nodeid}: the leak_soak marker cannot soak async tests")
    parameters = inspect.signature(body).parameters
    arguments = {name: pyfuncitem.funcargs[name] for name in parameters}

    from leakbench.harness.pytest_plugin.gate import soak_and_gate  # heavy: only when soaking

    soak_and_gate(pyfuncitem, lambda: body(**arguments), dict(marker.kwargs))
    return True


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    write_summary(terminalreporter)
