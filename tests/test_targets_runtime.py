"""Which runtime a command target is: read from the program name, through plain wrappers."""

import pytest

from leakbench.harness.targets.runtime import detect_runtime, resolve_runtime


@pytest.mark.parametrize(
    ("argv", "runtime"),
    [
        (["python", "-m", "svc"], "python"),
        (["/usr/bin/python3.12", "app.py"], "python"),
        (["pypy3", "app.py"], "python"),
        (["node", "server.js"], "node"),
        (["/usr/bin/env", "node", "server.js"], "node"),
        (["env", "PORT=8080", "python3", "app.py"], "python"),
        (["nice", "-n", "10", "node", "x.js"], "node"),
        (["uv", "run", "--frozen", "python", "app.py"], "python"),
        (["sh", "-c", "python leaky.py; echo done"], None),
        (["npm", "start"], None),
        (["./pythonic-service"], None),
        (["env"], None),
    ],
)
def test_detects_the_program_not_its_arguments(argv, runtime):
    assert detect_runtime(argv) == runtime


def test_a_declared_runtime_wins_and_none_opts_out():
    assert resolve_runtime("node", ["sh", "-c", "node x.js"]) == "node"
    assert resolve_runtime("none", ["python", "app.py"]) is None
    assert resolve_runtime("auto", ["python", "app.py"]) == "python"
