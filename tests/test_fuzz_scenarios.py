"""Generated scenario files (issue 11): each one loads, or is refused with exactly one line
`FILE:LINE: ...` (exit 2), never a traceback.

Valid built-in scenarios are damaged the ways a careless or hostile author would: any field
(found by walking the pydantic model) set to a wrong type, a bad unit, a huge or non-finite
number, deep nesting; YAML oddities (anchors and aliases, tags, duplicate keys, merge keys);
bytes that are not UTF-8. Loading is in-process (`load_scenario`); a few files go through the
real `leakbench scenarios validate` to check the exit code and stderr. The 10,000-example run is
`pytest -m soak -s tests/test_fuzz_scenarios.py` (it prints how many loaded and how many were
refused).
"""

from __future__ import annotations

import re
import time
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from leakbench.harness.errors import BadInput
from leakbench.harness.scenario import Scenario, load_scenario
from leakbench.harness.scenario.loader import builtin_names, find_scenario_file
from leakbench_cli import leakbench

BASES = [find_scenario_file(name).read_text(encoding="utf-8") for name in builtin_names()]


def _model_paths(model: type[BaseModel], prefix: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    """Every field path of `model`, descending into nested models (unions included)."""
    for name, field in model.model_fields.items():
        path = (*prefix, name)
        yield path
        pending = [field.annotation]
        while pending:
            annotation = pending.pop()
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                yield from _model_paths(annotation, path)
            pending.extend(typing.get_args(annotation))


FIELD_PATHS = sorted(set(_model_paths(Scenario, ())))
ODD_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["10", "-1", "50/s", "50/fortnight", "10m", "1e309", "0x1F", ".inf", "nan"]),
    st.sampled_from(["90s", "1h30m", "0ms", "-5s", "10 parsecs", "4d", "1e3s", "∞", "\x00"]),
    st.text(max_size=30),
)
ODD_VALUES = st.recursive(
    ODD_SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)
# Text spliced into the YAML source: tags, anchors, aliases, merge keys, duplicates, nesting.
YAML_ODDITIES = st.sampled_from(
    [
        "!!python/object/apply:os.system ['true']",
        "!!binary aGVsbG8=",
        "!!timestamp 2001-12-14",
        "!custom 5",
        "!!float nan",
        "!!int 99999999999999999999999999999",
        "&anchor 5",
        "*nowhere",
        "{<<: {runs: 5}, runs: 6}",
        "[" * 200 + "]" * 200,
        "{a: " * 60 + "1" + "}" * 60,
        ".NaN",
        "-.inf",
        "? [complex, key]\n  : 1",
        "'unterminated",
        "|\n  block\n  text",
        "~",
        "2001-12-14t21:59:43.10-05:00",
    ]
)


def _set(data: Any, path: tuple[str, ...], value: Any) -> None:
    """Set `path` in nested mappings, creating what is missing (replacing non-mappings)."""
    for part in path[:-1]:
        if not isinstance(data.get(part), dict):
            data[part] = {}
        data = data[part]
    data[path[-1]] = value


@st.composite
def scenario_files(draw: st.DrawFn) -> bytes:
    """A damaged scenario file, as bytes."""
    data = yaml.safe_load(draw(st.sampled_from(BASES)))
    for path in draw(st.lists(st.sampled_from(FIELD_PATHS), min_size=1, max_size=3)):
        _set(data, path, draw(ODD_VALUES))
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    lines = text.splitlines()
    for _ in range(draw(st.integers(0, 2))):
        index = draw(st.integers(0, len(lines) - 1))
        key = lines[index].split(":")[0]
        kind = draw(st.sampled_from(["replace", "duplicate", "anchor"]))
        if kind == "replace" and ":" in lines[index]:
            lines[index] = f"{key}: {draw(YAML_ODDITIES)}"
        elif kind == "duplicate":
            lines.insert(index, lines[index])
        else:
            lines[index] = re.sub(r":\s+(\S.*)$", r": &a \1", lines[index], count=1)
            lines.append("extra: *a")
    raw = "\n".join(lines).encode("utf-8")
    if draw(st.integers(0, 9)) == 0:  # bytes that are not UTF-8, somewhere
        at = draw(st.integers(0, len(raw)))
        raw = (
            raw[:at]
            + draw(st.sampled_from([b"\xff", b"\xc3\x28", b"\x80\x80", b"\xed\xa0\x80"]))
            + raw[at:]
        )
    return raw


def _check_loads_or_one_line(path: Path) -> bool:
    """Whether the file loaded; a refusal must be one `FILE:LINE: ...` line."""
    try:
        load_scenario(path)
    except BadInput as exc:
        message = str(exc)
        assert "\n" not in message, message
        assert re.match(rf"{re.escape(str(path))}:\d+: \S", message), message
        return False
    return True


def _fuzz(tmp_path: Path, max_examples: int) -> dict[str, int]:
    """Run the fuzz; how many generated files loaded and how many were refused."""
    path = tmp_path / "fuzzed.yaml"
    counts = {"loaded": 0, "refused": 0}

    @settings(
        max_examples=max_examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(scenario_files())
    def check(raw: bytes) -> None:
        path.write_bytes(raw)
        counts["loaded" if _check_loads_or_one_line(path) else "refused"] += 1

    check()
    return counts


def test_generated_scenario_files_load_or_give_one_located_line(tmp_path: Path) -> None:
    _fuzz(tmp_path, 300)


@pytest.mark.parametrize(
    "raw",
    [
        b"name: demo\nworkload: {runs: 5}\nprobe: {interval: \xff1s}\n",
        b"name: demo\nworkload: {runs: 5, concurrency: 1e400}\n",
        b"name: demo\nworkload: {runs: 5}\nprobe: {interval: 1" + b"0" * 400 + b"}\n",
        b"name: demo\nworkload: {runs: 5}\nprobe: {interval: 1" + b"0" * 400 + b"s}\n",
        b"name: demo\nworkload:\n  runs: 5\n  runs: 6\n",
        b"name: !!python/object/apply:os.system ['true']\nworkload: {runs: 5}\n",
    ],
)
def test_the_command_exits_2_with_one_line(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(raw)
    result = leakbench("scenarios", "validate", path)
    assert result.code == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert re.match(rf"{re.escape(str(path))}:\d+: \S", lines[0]), lines[0]


@pytest.mark.soak
@pytest.mark.timeout(4 * 3600)  # 10,000 examples outlast the default 300 s
def test_ten_thousand_generated_scenario_files(tmp_path: Path) -> None:
    started = time.perf_counter()
    counts = _fuzz(tmp_path, 10_000)
    wall = time.perf_counter() - started
    print(f"\nscenario fuzz: {counts} in {wall:.0f} s")  # BENCHMARKS.md
    assert sum(counts.values()) == 10_000
