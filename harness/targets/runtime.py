"""Which runtime a command target's program is, so leakbench can measure inside it.

Only the program name is read, never the program: `python3.12 -m svc` is Python, `node
server.js` is Node, and wrappers that only hand over to another program (`env`, `exec`,
`nice`, `uv run`, `poetry run`...) are looked through. A shell line (`sh -c "..."`) is not
parsed: its runtime is whatever its children are, so such a target is `none` unless the
scenario says otherwise (`target.runtime`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

PYTHON = "python"
NODE = "node"

_PROGRAMS = (
    (re.compile(r"^(python|pypy)(\d+(\.\d+)*)?(-dbg)?$"), PYTHON),
    (re.compile(r"^(node|nodejs)(\d+)?$"), NODE),
)
_WRAPPERS = {"env", "exec", "nice", "nohup", "time", "setsid", "stdbuf", "taskset", "ionice"}
_RUNNERS = {("uv", "run"), ("poetry", "run"), ("pipenv", "run"), ("pdm", "run"), ("hatch", "run")}


def _skip_wrapper_words(words: list[str]) -> list[str]:
    """Drop a wrapper's own options, assignments and numbers (`nice -n 10`, `env A=1`)."""
    while words and (words[0].startswith("-") or "=" in words[0] or words[0].isdigit()):
        words = words[1:]
    return words


def detect_runtime(argv: Sequence[str]) -> str | None:
    """ "python", "node" or None for the program `argv` starts."""
    words = list(argv)
    while words:
        name = os.path.basename(words[0])
        for pattern, runtime in _PROGRAMS:
            if pattern.match(name):
                return runtime
        if len(words) > 1 and (name, words[1]) in _RUNNERS:
            words = _skip_wrapper_words(words[2:])
        elif name in _WRAPPERS:
            words = _skip_wrapper_words(words[1:])
        else:
            return None
    return None


def resolve_runtime(declared: str, argv: Sequence[str]) -> str | None:
    """The scenario's `target.runtime` ('auto' detects; 'none' is None)."""
    if declared == "auto":
        return detect_runtime(argv)
    return None if declared == "none" else declared
