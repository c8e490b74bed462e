"""Damaged run directories (issue 11): `report`, `compare`, `merge` and `watch --once` give a
one-line error (exit 2) or a (partial) report, never a traceback nor an internal error.

A small real run directory is damaged the ways a crash, a full disk or a careless copy does:
samples.jsonl truncated, torn mid-line, lines that are not objects or hold wrong types, binary
garbage; meta.json and summary.json as lists, garbage, or with fields of the wrong type;
missing files; a columnar sidecar (samples.columns.npz) that is corrupt, or valid but lying
about the samples. The commands run in-process (typer's CliRunner). Rendering a report takes
seconds, so `report`, `compare` and `watch` get a few examples by default and `merge` (which
only reads summaries) hundreds; `pytest -m soak tests/test_fuzz_rundirs.py` runs more.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from leakbench.harness.cli import build_app
from leakbench.harness.errors import LeakbenchError
from leakbench.harness.exitcodes import ExitCode
from leakbench.harness.rundir import load_run

BASE = Path(__file__).parent / "data" / "runs" / "legacy-abort-storm"
SAMPLE_LINES = 60  # enough for a verdict to be tried, few enough to render fast
SIDECAR = "samples.columns.npz"
ODD = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**30), 10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=6,
)
GARBAGE_LINES = st.sampled_from(
    [b"[1, 2]", b'"text"', b"null", b"42", b"{", b"\x00\xff\xfe", b"{}", b'{"t": "x"}', b""]
)


@pytest.fixture(scope="module")
def base_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first SAMPLE_LINES samples of a real run, with its sidecar written by the reader."""
    run = tmp_path_factory.mktemp("base") / "run"
    shutil.copytree(BASE, run)
    lines = (run / "samples.jsonl").read_bytes().splitlines(keepends=True)[:SAMPLE_LINES]
    (run / "samples.jsonl").write_bytes(b"".join(lines))
    load_run(run, keep_sidecar=True)
    assert (run / SIDECAR).is_file()
    return run


def _paths(data: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every key path of a JSON object, nested ones too (scenario.verdict.alpha)."""
    if not isinstance(data, dict):
        return []
    found = []
    for key, value in data.items():
        found.append((*prefix, key))
        found += _paths(value, (*prefix, key))
    return found


JSON_DAMAGES = ["types", "list", "garbage", "truncate", "delete"]


def _damage_json(path: Path, draw: st.DrawFn) -> None:
    kind = draw(st.sampled_from([*JSON_DAMAGES, "nested"]))
    raw = path.read_bytes()
    if kind == "types":
        data = json.loads(raw)
        keys = sorted(data)
        for key in draw(st.lists(st.sampled_from(keys), min_size=1, max_size=4)):
            data[key] = draw(ODD)
        path.write_text(json.dumps(data), encoding="utf-8")
    elif kind == "nested":
        data = json.loads(raw)
        for where in draw(st.lists(st.sampled_from(sorted(_paths(data))), min_size=1, max_size=3)):
            node = data
            for key in where[:-1]:
                node = node.get(key) if isinstance(node, dict) else None
            if isinstance(node, dict):
                node[where[-1]] = draw(ODD)
        path.write_text(json.dumps(data), encoding="utf-8")
    elif kind == "list":
        path.write_text(json.dumps(list(json.loads(raw).values())[:3]), encoding="utf-8")
    elif kind == "garbage":
        path.write_bytes(draw(st.binary(max_size=40)))
    elif kind == "truncate":
        path.write_bytes(raw[: draw(st.integers(0, len(raw) - 1))])
    else:
        path.unlink()


def _damage_samples(path: Path, draw: st.DrawFn) -> None:
    lines = path.read_bytes().splitlines()
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["tear", "insert", "types", "cut", "empty", "delete"]))
        at = draw(st.integers(0, max(len(lines) - 1, 0)))
        if not lines or kind == "empty":
            lines = []
        elif kind == "tear":
            lines[at] = lines[at][: draw(st.integers(0, len(lines[at])))]
        elif kind == "insert":
            lines.insert(at, draw(GARBAGE_LINES | st.binary(max_size=30)))
        elif kind == "types":
            try:
                sample: Any = json.loads(lines[at])
            except ValueError:
                continue  # torn or replaced by an earlier damage
            if not isinstance(sample, dict) or not sample:
                continue
            for key in draw(st.lists(st.sampled_from(sorted(sample)), min_size=1, max_size=3)):
                sample[key] = draw(ODD)
            lines[at] = json.dumps(sample).encode()
        elif kind == "cut":
            lines = lines[:at]
        else:
            path.unlink()
            return
    path.write_bytes(b"\n".join(lines) + (b"\n" if lines and draw(st.booleans()) else b""))


def _damage_sidecar(path: Path, draw: st.DrawFn) -> None:
    kind = draw(st.sampled_from(["lie", "corrupt", "truncate"]))
    raw = path.read_bytes()
    if kind == "lie":  # a valid archive, same covered bytes and digest, other numbers
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
        name = draw(st.sampled_from(sorted(arrays)))
        array = arrays[name]
        if array.dtype.kind == "f":
            arrays[name] = array[: draw(st.integers(0, len(array)))] * draw(st.floats())
        else:
            arrays[name] = np.frombuffer(draw(st.binary(min_size=1, max_size=20)), np.uint8)
        with open(path, "wb") as out:
            np.savez(out, **arrays)
    elif kind == "corrupt":
        at = draw(st.integers(0, len(raw) - 1))
        path.write_bytes(raw[:at] + draw(st.binary(min_size=1, max_size=8)) + raw[at + 8 :])
    else:
        path.write_bytes(raw[: draw(st.integers(0, len(raw) - 1))])


DAMAGES = {
    "meta.json": _damage_json,
    "summary.json": _damage_json,
    "samples.jsonl": _damage_samples,
    SIDECAR: _damage_sidecar,
}


@st.composite
def damages(draw: st.DrawFn) -> list[tuple[str, int]]:
    """Which files to damage, with a seed for each damage."""
    files = draw(st.lists(st.sampled_from(sorted(DAMAGES)), min_size=1, max_size=3, unique=True))
    return [(name, draw(st.integers(0, 2**32 - 1))) for name in files]


def _damaged_copy(base: Path, target: Path, data: st.DataObject) -> Path:
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(base, target)
    for name in data.draw(st.lists(st.sampled_from(sorted(DAMAGES)), min_size=1, unique=True)):
        DAMAGES[name](target / name, data.draw)
    return target


def _check(args: list[str]) -> None:
    """The command ends with an exit code, or one line of bad input; nothing else."""
    result = CliRunner().invoke(build_app(), args, catch_exceptions=True)
    exc = result.exception
    if isinstance(exc, LeakbenchError):  # main() prints it as one line
        assert exc.exit_code == ExitCode.BAD_INPUT, exc
        assert "\n" not in str(exc), str(exc)
        return
    if exc is not None and not isinstance(exc, SystemExit):
        raise exc
    assert result.exit_code not in (ExitCode.INTERNAL_ERROR,), result.output
    assert "Traceback" not in result.output


def _fuzz(base: Path, tmp_path: Path, command: str, max_examples: int) -> None:
    @settings(
        max_examples=max_examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(st.data())
    def check(data: st.DataObject) -> None:
        run = _damaged_copy(base, tmp_path / "run", data)
        args = {
            "report": ["report", str(run)],
            "watch": ["watch", str(run), "--once"],
            "compare": ["compare", str(base), str(run), "--out", str(tmp_path / "cmp")],
            "merge": ["merge", str(run), str(base), "--junit", str(tmp_path / "out.xml")],
        }[command]
        _check(args)
        # The damage is the test's own writing, not the product's: the session's schema check
        # of every summary.json (conftest) must not find it. A failing example's copy stays.
        shutil.rmtree(run)

    check()


@pytest.mark.parametrize(
    ("command", "examples"),
    [("merge", 100), ("watch", 8), ("report", 6)],
)
def test_damaged_run_dirs_give_one_line_or_a_report(
    base_run: Path, tmp_path: Path, command: str, examples: int
) -> None:
    _fuzz(base_run, tmp_path, command, examples)


def test_compare_with_a_damaged_run_dir(base_run: Path, tmp_path: Path) -> None:
    _fuzz(base_run, tmp_path, "compare", 6)


@pytest.mark.parametrize("column", ["t_wall", "t_gateway", "runs_done", "rss", "heap_traced"])
def test_a_report_over_a_sidecar_with_an_emptied_column(
    base_run: Path, tmp_path: Path, column: str
) -> None:
    """The fuzzer's find (report-6): summary.json a list (so the verdict is recomputed),
    meta.json's `ended_at` null, one float column of the sidecar emptied (the verdict and the
    plots each broke on a different one). st.data() takes no @example, so it is pinned here."""
    run = shutil.copytree(base_run, tmp_path / "run")
    meta = json.loads((run / "meta.json").read_text())
    (run / "meta.json").write_text(json.dumps({**meta, "ended_at": None}), encoding="utf-8")
    (run / "summary.json").write_text("[1, 2]", encoding="utf-8")
    with np.load(run / SIDECAR, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    name = f"c{json.loads(arrays['index'].tobytes())['names'].index(column)}"
    arrays[name] = arrays[name][:0]
    with open(run / SIDECAR, "wb") as out:
        np.savez(out, **arrays)
    result = CliRunner().invoke(build_app(), ["report", str(run)], catch_exceptions=True)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code in (ExitCode.NO_LEAK, ExitCode.LEAK, ExitCode.INCONCLUSIVE)
    assert (run / "report.html").is_file()


def _one_bad_input_line(command: str, base_run: Path, run: Path, tmp_path: Path) -> str:
    """Run `command` over the damaged `run`; it must exit 2 with one line, returned."""
    args = {
        "report": ["report", str(run)],
        "watch": ["watch", str(run), "--once"],
        "compare": ["compare", str(base_run), str(run), "--out", str(tmp_path / "cmp")],
    }[command]
    result = CliRunner().invoke(build_app(), args, catch_exceptions=True)
    if isinstance(result.exception, LeakbenchError):  # main() prints it as one line
        code, lines = result.exception.exit_code, [str(result.exception)]
    else:  # the command printed it and exited
        code, lines = result.exit_code, result.output.splitlines()
    assert code == ExitCode.BAD_INPUT, result.output
    assert len(lines) == 1, lines
    return lines[0]


@pytest.mark.parametrize("command", ["report", "watch", "compare"])
def test_a_meta_json_that_is_a_list_is_one_line(
    base_run: Path, tmp_path: Path, command: str
) -> None:
    """Issue 11's finding: a meta.json that is a JSON list crashed `report`."""
    run = shutil.copytree(base_run, tmp_path / "run")
    (run / "meta.json").write_text("[1, 2]", encoding="utf-8")
    line = _one_bad_input_line(command, base_run, run, tmp_path)
    assert f"{run / 'meta.json'}:1: expected a JSON object, got list" in line, line


def test_samples_lines_that_are_json_but_not_objects_are_skipped_and_named(
    base_run: Path, tmp_path: Path
) -> None:
    """Issue 11's finding: a samples.jsonl line that is valid JSON but not an object crashed
    `report`; such lines are skipped, and the report says which."""
    run = shutil.copytree(base_run, tmp_path / "run")
    (run / SIDECAR).unlink()
    lines = (run / "samples.jsonl").read_bytes().splitlines(keepends=True)
    lines[3:3] = [b"[1, 2]\n", b"42\n", b'"text"\n', b"null\n"]
    (run / "samples.jsonl").write_bytes(b"".join(lines))
    assert load_run(run).skipped_lines == [4, 5, 6, 7]
    result = CliRunner().invoke(build_app(), ["report", str(run)], catch_exceptions=True)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code in (ExitCode.NO_LEAK, ExitCode.LEAK, ExitCode.INCONCLUSIVE)
    assert "4 unreadable line(s) of samples.jsonl were skipped: 4, 5, 6, 7" in (
        run / "report.html"
    ).read_text(encoding="utf-8")


WRONG_SIGNALS = [
    ("rss", "slope_per_run_ci", "x"),
    ("rss", "slope_per_run_ci", [None, "a"]),
    ("rss", "slope_per_hour", "12"),
    ("heap", "theil_sen_per_run_ci_95", {"a": 1}),
    ("state", "retained", [1]),
    ("state", "bytes_per_leaked_run", "1 MB"),
]


@pytest.mark.parametrize(("signal", "key", "value"), WRONG_SIGNALS)
def test_a_wrong_typed_signal_field_in_summary_json_is_recomputed(
    base_run: Path, tmp_path: Path, signal: str, key: str, value: Any
) -> None:
    """summary.json is derived from samples.jsonl: one that does not validate against its
    published schema (nested fields too) is treated as absent and the verdict recomputed, and
    the report says so, rather than a plot failing on the field."""
    run = shutil.copytree(base_run, tmp_path / "run")
    summary = json.loads((run / "summary.json").read_text())
    summary["signals"][signal][key] = value
    (run / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    assert load_run(run).summary is None
    result = CliRunner().invoke(build_app(), ["report", str(run)], catch_exceptions=True)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code in (ExitCode.NO_LEAK, ExitCode.LEAK, ExitCode.INCONCLUSIVE)
    html = (run / "report.html").read_text(encoding="utf-8").lower()
    assert "summary.json is damaged" in html
    assert "recomputed from samples.jsonl" in html
    shutil.rmtree(run)  # the session's end checks every summary.json left against the schema


WRONG_META = [
    ({"status": [None]}, "status"),
    ({"target": 5}, "target"),
    ({"exit_reason": [None]}, "exit_reason"),
    ({"host": "x"}, "host"),
    ({"scenario": {"verdict": {"alpha": "1%"}, "workload": {"runs": 20000}}}, "scenario.verdict"),
    ({"scenario": {"workload": {"duration": [60]}}}, "scenario.workload.duration"),
]


@pytest.mark.parametrize(("fields", "named"), WRONG_META)
@pytest.mark.parametrize("command", ["report", "watch", "compare"])
def test_a_wrong_typed_meta_field_is_one_line_naming_it(
    base_run: Path, tmp_path: Path, command: str, fields: dict[str, Any], named: str
) -> None:
    run = shutil.copytree(base_run, tmp_path / "run")
    meta = json.loads((run / "meta.json").read_text())
    (run / "meta.json").write_text(json.dumps({**meta, **fields}), encoding="utf-8")
    line = _one_bad_input_line(command, base_run, run, tmp_path)
    assert f"{run / 'meta.json'}: field {named}" in line, line


@pytest.mark.soak
@pytest.mark.timeout(4 * 3600)  # 10,000 examples outlast the default 300 s
@pytest.mark.parametrize(
    ("command", "examples"), [("merge", 10_000), ("watch", 500), ("report", 300), ("compare", 300)]
)
def test_many_damaged_run_dirs(base_run: Path, tmp_path: Path, command: str, examples: int) -> None:
    _fuzz(base_run, tmp_path, command, examples)
