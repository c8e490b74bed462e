"""Finding and loading scenario files: a path or a built-in name in, a validated Scenario out.

Every problem becomes one `BadInput` line, `FILE:LINE: field.path: message`, with `(+N more)`
when the file has several, so a user sees what to fix first and that there is more.
"""

from __future__ import annotations

import difflib
from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from leakbench.harness.errors import BadInput
from leakbench.harness.scenario.base import BASE_DIR_CONTEXT, CROSS_FIELD_ERROR, DISCRIMINATOR
from leakbench.harness.scenario.messages import clean_message
from leakbench.harness.scenario.model import Scenario
from leakbench.harness.scenario.yaml_source import YamlDocument, locate, parse_yaml

BUILTIN_PACKAGE = "leakbench.scenarios"
SUFFIXES = (".yaml", ".yml")


def _builtin_dir() -> Path:
    return Path(str(resources.files(BUILTIN_PACKAGE)))


def builtin_names() -> list[str]:
    """Names of the scenarios shipped with leakbench, sorted."""
    return sorted(path.stem for path in _builtin_dir().glob("*.yaml"))


def _looks_like_path(ref: str | Path) -> bool:
    text = str(ref)
    return isinstance(ref, Path) or "/" in text or "\\" in text or text.endswith(SUFFIXES)


def find_scenario_file(ref: str | Path) -> Path:
    """The file `ref` names: a path, or else a built-in scenario's name."""
    path = Path(ref)
    if not _looks_like_path(ref):
        builtin = _builtin_dir() / f"{ref}.yaml"
        if builtin.is_file():
            return builtin
        if path.is_file():
            return path
        names = builtin_names()
        close = difflib.get_close_matches(str(ref), names, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise BadInput(
            f"unknown scenario {str(ref)!r}: no such file and no such built-in; {hint}"
            f"built-in scenarios: {', '.join(names)}"
        )
    if path.is_dir():
        raise BadInput(f"{ref}: is a directory, not a scenario file")
    if not path.is_file():
        raise BadInput(f"{ref}: scenario file not found")
    return path


def read_scenario_text(path: Path) -> str:
    """The file's text, or BadInput if it cannot be read as UTF-8."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        raise BadInput(f"{path}:{line}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise BadInput(f"{path}: cannot read: {exc.strerror}") from None


def load_scenario(ref: str | Path) -> Scenario:
    """Load and validate a scenario file or built-in; BadInput (exit 2) with one line if bad."""
    path = find_scenario_file(ref)
    return parse_scenario(read_scenario_text(path), source=str(path), base_dir=path.parent)


def parse_scenario(text: str, *, source: str, base_dir: Path | None = None) -> Scenario:
    """Validate scenario YAML `text`; `source` names it in errors, `base_dir` anchors `cwd`."""
    document = parse_yaml(text, source)
    context = {BASE_DIR_CONTEXT: base_dir.resolve()} if base_dir is not None else None
    try:
        return Scenario.model_validate(document.data, context=context)
    except ValidationError as exc:
        raise BadInput(_first_error_line(document, exc)) from None


def _first_error_line(document: YamlDocument, exc: ValidationError) -> str:
    located = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        if error["type"] == CROSS_FIELD_ERROR:
            loc += tuple(error["ctx"]["field"].split("."))
        if error["type"] == "union_tag_invalid":  # pydantic places it on the union, not the tag
            loc += (DISCRIMINATOR,)
        line, path = locate(document.root, loc, DISCRIMINATOR)
        located.append((line, path, clean_message(error)))
    located.sort(key=lambda item: item[0])
    line, path, message = located[0]
    more = f" (+{len(located) - 1} more)" if len(located) > 1 else ""
    where = f"{path}: " if path else ""
    return f"{document.source}:{line}: {where}{message}{more}"
