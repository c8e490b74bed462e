"""leakbench's bootstrap, installed as `sitecustomize.py` in a directory first on PYTHONPATH.

Python imports `sitecustomize` once at start-up, from the first directory on the path that has
one. So this one starts the agent (probe/agent.py, from the copy of the probe package beside it)
and then runs the `sitecustomize` that would have run without it, found on the rest of the path,
as coverage.py's and ddtrace's bootstraps do. Whatever the agent meets, the target starts: its
errors go to the agent log, never to the target's output.
"""

import importlib.machinery
import importlib.util
import os
import sys

AGENT_PACKAGE = "_leakbench_probe"
"""The probe's private name inside targets: never clashes with a leakbench the target has."""


def _start_agent() -> None:
    try:
        agent = importlib.import_module(AGENT_PACKAGE + ".agent")
        agent.start_from_environment()
    except Exception as exc:  # the target runs unmeasured rather than not at all
        log = os.environ.get("LEAKBENCH_AGENT_LOG")
        if log:
            with open(log, "a", encoding="utf-8") as out:
                out.write(f"[pid {os.getpid()}] agent did not start: {exc!r}\n")


def _run_the_previous_sitecustomize() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    rest = [entry for entry in sys.path if os.path.abspath(entry or os.curdir) != here]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", rest)
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    sys.modules["sitecustomize"] = module  # as if it had been imported first
    spec.loader.exec_module(module)


_start_agent()
_run_the_previous_sitecustomize()
