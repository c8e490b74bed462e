"""`--confirm`: an inconclusive or close verdict is rerun twice as long with the next seed, and
the summary says what each run said and what was concluded."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from leakbench.harness.commands.ci import plan_runs
from leakbench.harness.confirm import conclude, confirmation_reason, confirmation_scenario
from leakbench.harness.scenario import parse_scenario
from leakbench.harness.stats.synthetic import trace_samples
from leakbench.harness.verdict import summarize
from leakbench_cli import leakbench

TARGETS = Path(__file__).parent / "targets"
TRACES = json.loads((Path(__file__).parent / "data" / "soak-traces.json").read_text())


def _summaries(leak_bytes: int) -> list[dict]:
    return [summarize(trace_samples(t), meta={}) for t in TRACES if t["leak_bytes"] == leak_bytes]


def test_inconclusive_runs_are_confirmed_and_clear_ones_are_not() -> None:
    small = _summaries(16)
    inconclusive = [s for s in small if s["verdict"] == "inconclusive"]
    assert inconclusive, "the 16 B/op traces include inconclusive runs at this length"
    assert all(confirmation_reason(s) == "the run was inconclusive" for s in inconclusive)
    # a 256 B/op leak whose lower bound is several times the 64 B/run tolerance stands
    clear = [
        s
        for s in _summaries(256)
        if s["verdict"] == "leak" and s["signals"]["rss"]["lower_bound_99"] > 2 * 64
    ]
    assert clear and all(confirmation_reason(s) is None for s in clear)


def test_a_leak_barely_above_its_tolerance_is_close() -> None:
    (leak, *_) = [s for s in _summaries(256) if s["verdict"] == "leak"]
    lower = leak["signals"]["rss"]["lower_bound_99"]
    tight = {**leak, "signals": {"rss": {**leak["signals"]["rss"], "tolerance_per_run": lower}}}
    assert "rss's lower bound is within 2x its tolerance" in confirmation_reason(tight)


def test_no_verdict_is_confirmed_when_the_run_failed_or_was_interrupted() -> None:
    (first, *_) = [s for s in _summaries(16) if s["verdict"] == "inconclusive"]
    assert confirmation_reason({**first, "exit_code": 130}) is None
    assert confirmation_reason({**first, "verdict": "error", "exit_code": 3}) is None


def test_opposite_verdicts_conclude_inconclusive_and_agreeing_ones_stand() -> None:
    leak = next(s for s in _summaries(256) if s["verdict"] == "leak")
    clean = next(s for s in _summaries(0) if s["verdict"] == "no-leak")
    split = conclude(leak, {**clean, "seed": 2}, "the leak was close")
    assert (split["verdict"], split["exit_code"]) == ("inconclusive", 4)
    assert "the run said leak and a run twice as long said no-leak" in split["headline"]
    assert [run["verdict"] for run in split["confirmation"]["runs"]] == ["leak", "no-leak"]
    same = conclude(leak, {**leak, "seed": 2}, "the leak was close")
    assert (same["verdict"], same["exit_code"]) == ("leak", 1)
    assert same["headline"].endswith("(confirmed by a run twice as long).")
    gateway = conclude(leak, {**leak, "seed": 2, "policy": "legacy"}, "the leak was close")
    assert gateway["headline"].endswith("(confirmed by a run twice as long, seed 2).")
    assert same["signals"] == leak["signals"]  # the first run's evidence stays its own


def test_the_confirmation_is_twice_as_long_with_the_next_seed() -> None:
    runs = parse_scenario(
        json.dumps({"name": "g", "workload": {"runs": 3000}, "seed": 7}), source="t"
    )
    longer = confirmation_scenario(runs)
    assert (longer.workload.runs, longer.seed) == (6000, 8)
    command = {"name": "c", "target": {"kind": "command", "command": ["svc"]}}
    timed = parse_scenario(json.dumps({**command, "workload": {"duration": "30s"}}), source="t")
    assert confirmation_scenario(timed).workload.duration == 60.0


def _command_scenario(tmp_path: Path, script: str, duration: str) -> Path:
    path = tmp_path / "svc.json"
    path.write_text(
        json.dumps(
            {
                "name": "svc",
                "target": {"kind": "command", "command": [sys.executable, str(TARGETS / script)]},
                "workload": {"duration": duration},
                "probe": {"interval": "50ms", "inject": False},
            }
        ),
        encoding="utf-8",
    )
    return path


def test_a_run_too_short_to_judge_a_leak_is_concluded_by_the_longer_one(tmp_path: Path) -> None:
    # 1 s at 50 ms leaves 16 samples after the warm-up, too few; 2 s leaves twice that.
    scenario = _command_scenario(tmp_path, "leaky_loop.py", "1s")
    result = leakbench("run", scenario, "--confirm", "--out", tmp_path / "run", "--no-report")
    summary = json.loads((tmp_path / "run" / "summary.json").read_text(encoding="utf-8"))
    assert result.code == 1, summary["headline"]
    first, second = summary["confirmation"]["runs"]
    assert (first["verdict"], second["verdict"], summary["verdict"]) == (
        "inconclusive",
        "leak",
        "leak",
    )
    assert "the first run said inconclusive" in summary["headline"]
    assert summary["signals"]["rss"]["verdict"] == "inconclusive"  # the first run's own
    confirm = json.loads((tmp_path / "run" / "confirm" / "summary.json").read_text("utf-8"))
    assert confirm["duration_s"] > 1.5 * summary["duration_s"]
    assert "confirming (the run was inconclusive)" in result.stdout


def test_the_exact_state_check_is_never_rerun(tmp_path: Path) -> None:
    result = leakbench(
        "run", "clean", "--duration", "300s", "--confirm", "--out", tmp_path / "run",
        "--no-report", "-q",
    )  # fmt: skip
    summary = json.loads((tmp_path / "run" / "summary.json").read_text(encoding="utf-8"))
    assert result.code == 0, summary["headline"]
    assert "confirmation" not in summary
    assert not (tmp_path / "run" / "confirm").exists()


@pytest.mark.parametrize("confirm", [True, False])
def test_ci_passes_confirm_to_every_run(tmp_path: Path, confirm: bool) -> None:
    (run,) = plan_runs(["clean"], tmp_path, {}, report=False, confirm=confirm)
    assert ("--confirm" in run.run_args) is confirm
