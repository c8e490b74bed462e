"""YAML parsed the `yaml.safe_load` way, but keeping the node tree, so that any error found
later (by pydantic, on plain data) can be pointed at its line in the file.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from leakbench.harness.errors import BadInput

MERGE_KEY = "<<"
DICT_KEY_MARKER = "[key]"


@dataclass(frozen=True)
class YamlDocument:
    """The constructed data of one YAML document and the node tree it came from."""

    source: str
    root: yaml.Node
    data: Any


def parse_yaml(text: str, source: str) -> YamlDocument:
    """Parse `text` safely (no arbitrary tags); BadInput `source:line: ...` if it is not YAML,
    is empty, or repeats a key (which `safe_load` would silently resolve to the last one)."""
    loader = yaml.SafeLoader(text)
    root: yaml.Node | None = None
    try:
        root = loader.get_single_node()
        if root is None:
            raise BadInput(
                f"{source}:1: the file is empty; a scenario needs at least name and workload"
            )
        _reject_duplicate_keys(root, source, (), set())
        return YamlDocument(source, root, loader.construct_document(root))
    except yaml.MarkedYAMLError as exc:
        raise BadInput(_describe_yaml_error(exc, source)) from None
    except yaml.YAMLError as exc:
        raise BadInput(f"{source}: invalid YAML: {' '.join(str(exc).split())}") from None
    except UNBUILDABLE as exc:  # PyYAML's constructors on `!!int x`
        detail = " ".join(str(exc).split())[:120]
        culprit = _unbuildable(root) if root is not None else None
        line = culprit.start_mark.line + 1 if culprit is not None else 1
        raise BadInput(
            f"{source}:{line}: invalid YAML: a tagged value cannot be built: {detail}"
        ) from None
    finally:
        loader.dispose()


UNBUILDABLE = (ValueError, TypeError, AttributeError)


def _unbuildable(root: yaml.Node) -> yaml.Node | None:
    """The first scalar, in file order, that PyYAML's safe constructors cannot build (`!!int x`,
    `!!timestamp 2020-99-99`): they raise plain exceptions that carry no position."""
    probe = yaml.SafeLoader("")
    try:
        for node in _scalars(root, set()):
            try:
                probe.construct_object(node)
            except UNBUILDABLE:
                return node
    finally:
        probe.dispose()
    return None


def _scalars(node: yaml.Node, visited: set[int]) -> Iterator[yaml.ScalarNode]:
    """Every scalar node of the tree in file order, keys too; each (aliased) node once."""
    if id(node) in visited:
        return
    visited.add(id(node))
    if isinstance(node, yaml.ScalarNode):
        yield node
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _scalars(item, visited)
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield from _scalars(key, visited)
            yield from _scalars(value, visited)


def _describe_yaml_error(exc: yaml.MarkedYAMLError, source: str) -> str:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else 1
    message = exc.problem or exc.context or "invalid YAML"
    if exc.context and exc.problem:
        where = exc.context_mark.line + 1 if exc.context_mark else line
        message += f" ({exc.context}" + (f" at line {where})" if where != line else ")")
    return f"{source}:{line}: invalid YAML: {message}"


def _reject_duplicate_keys(
    node: yaml.Node, source: str, path: tuple[str, ...], visited: set[int]
) -> None:
    # `visited`: aliases make the tree a graph (possibly cyclic); check each node once.
    if id(node) in visited:
        return
    visited.add(id(node))
    if isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _reject_duplicate_keys(item, source, (*path, f"[{index}]"), visited)
    if not isinstance(node, yaml.MappingNode):
        return
    seen: set[str] = set()
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode) and key.value != MERGE_KEY:
            if key.value in seen:
                shown = format_path((*path, key.value))
                raise BadInput(f"{source}:{key.start_mark.line + 1}: {shown}: duplicate key")
            seen.add(key.value)
        _reject_duplicate_keys(value, source, (*path, str(key.value)), visited)


def format_path(parts: Sequence[str]) -> str:
    """('target', 'command', '[0]') -> 'target.command[0]'."""
    text = ""
    for part in parts:
        part = part if part.isprintable() else repr(part)  # a key with a newline: still one line
        text += part if part.startswith("[") or not text else f".{part}"
    return text


def _value_of(mapping: yaml.MappingNode, key: str) -> tuple[yaml.Node, yaml.Node] | None:
    # The last pair wins, as in construction (merge keys put inherited pairs first).
    for key_node, value_node in reversed(mapping.value):
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            return key_node, value_node
    return None


def _tag_of(mapping: yaml.MappingNode, discriminator: str) -> str | None:
    pair = _value_of(mapping, discriminator)
    return pair[1].value if pair and isinstance(pair[1], yaml.ScalarNode) else None


def locate(root: yaml.Node, loc: Sequence[str | int], discriminator: str) -> tuple[int, str]:
    """The 1-based line and the display path of a pydantic error location.

    A key's own line is used (`faults:`, not the first line of its mapping); a location that
    is not in the file (a missing field) gets the line of the deepest mapping that is. Tags of
    discriminated unions, which pydantic inserts in locations, are left out of the path.
    """
    node, line, shown = root, root.start_mark.line + 1, []
    parts = list(loc)
    tag_possible = True  # a union's tag comes right after the union's own key, at most once
    while parts:
        part = parts.pop(0)
        if part == DICT_KEY_MARKER:
            continue
        if isinstance(node, yaml.MappingNode):
            if tag_possible and parts and part == _tag_of(node, discriminator):
                tag_possible = False
                continue
            shown.append(str(part))
            pair = _value_of(node, str(part))
            if pair is None:
                break
            line, node, tag_possible = pair[0].start_mark.line + 1, pair[1], True
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            shown.append(f"[{part}]")
            if not 0 <= part < len(node.value):
                break
            node = node.value[part]
            line, tag_possible = node.start_mark.line + 1, True
        else:
            shown.append(str(part))
            break
    shown.extend(f"[{p}]" if isinstance(p, int) else str(p) for p in parts if p != DICT_KEY_MARKER)
    return line, format_path(shown)
