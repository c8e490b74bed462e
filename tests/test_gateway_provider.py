"""The mock provider: what each path streams, and that it is reproducible from a seed."""

from __future__ import annotations

import random

import pytest

from leakbench.gateway_sim import PATHS, ConfigError, Workload
from leakbench.gateway_sim.projection import project
from leakbench.gateway_sim.provider import (
    CLIENT_ABORT,
    EVENT,
    SETTLE,
    STALL,
    MockProvider,
    path_of_run,
)


def stream_of(path: str, *, seed: int = 1, **fields) -> tuple:
    faults = {} if path == "normal" else {path: 1.0}
    workload = Workload(runs=1, faults=faults, **fields)
    provider = MockProvider(workload, random.Random(seed))
    plan = provider.plan(7)
    return plan, list(provider.steps(plan))


def kinds(steps: list) -> list[str]:
    return [step[2] if step[1] == EVENT else step[1] for step in steps]


def phases(steps: list) -> list[str]:
    return [step[4]["phase"] for step in steps if step[1] == EVENT and step[2] == "lifecycle"]


def assistant_texts(steps: list) -> list[str]:
    return [step[4]["text"] for step in steps if step[1] == EVENT and step[2] == "assistant"]


@pytest.mark.parametrize(
    ("path", "last", "lifecycle"),
    [
        ("normal", SETTLE, ["start", "end"]),
        ("abort", CLIENT_ABORT, ["start"]),
        ("timeout", STALL, ["start"]),
        ("suppressed_output", SETTLE, ["start"]),
        ("missing_terminal", SETTLE, ["start"]),
    ],
)
def test_each_path_ends_as_the_spec_describes(path: str, last: str, lifecycle: list[str]) -> None:
    plan, steps = stream_of(path)
    assert plan.path == path == path_of_run(plan.run_id)
    assert kinds(steps)[-1] == last
    assert phases(steps) == lifecycle
    assert len(assistant_texts(steps)) >= 1


@pytest.mark.parametrize("seed", range(20))
def test_abort_and_timeout_stop_part_way_through_the_reply(seed: int) -> None:
    for path in ("abort", "timeout"):
        plan, steps = stream_of(path, seed=seed, chunks=(2, 10))
        texts = assistant_texts(steps)
        assert 1 <= len(texts) == len(plan.reply_cuts)


@pytest.mark.parametrize("seed", range(20))
def test_assistant_events_carry_cumulative_text_and_the_new_delta(seed: int) -> None:
    _, steps = stream_of("normal", seed=seed, reply_chars=(50, 300), chunks=(3, 30))
    previous = ""
    events = [s for s in steps if s[1] == EVENT and s[2] == "assistant"]
    assert 3 <= len(events) <= 30
    for step in events:
        assert step[4]["text"] == previous + step[4]["delta"]
        previous = step[4]["text"]
    assert 50 <= len(previous) <= 300
    assert [s[3] for s in steps if s[1] == EVENT] == list(range(1, len(events) + 3))


@pytest.mark.parametrize("seed", range(20))
def test_a_control_token_reply_is_suppressed_at_every_step(seed: int) -> None:
    _, steps = stream_of("suppressed_output", seed=seed)
    texts = assistant_texts(steps)
    assert texts[-1] in ("NO_REPLY", "ANNOUNCE_SKIP", "REPLY_SKIP")
    assert all(project(text)[1] for text in texts)


def test_terminal_loss_drops_the_end_of_a_normal_run() -> None:
    plan, steps = stream_of("normal", terminal_loss=1.0)
    assert plan.terminal_lost
    assert phases(steps) == ["start"] and kinds(steps)[-1] == SETTLE


def test_thinking_streams_before_the_reply_and_heartbeat_marks_the_run() -> None:
    plan, steps = stream_of("normal", thinking=1.0, heartbeat=1.0)
    assert plan.heartbeat
    streams = [k for k in kinds(steps) if k in ("thinking", "assistant")]
    assert streams[0] == "thinking" and streams[-1] == "assistant"
    assert streams.index("assistant") == streams.count("thinking")


def test_delays_stay_within_the_chunk_interval() -> None:
    _, steps = stream_of("normal", chunk_interval=(0.05, 0.1))
    delays = [step[0] for step in steps[:-1]]  # the settle follows the end at once
    assert all(0.05 <= delay <= 0.1 for delay in delays)
    assert steps[-1][0] == 0.0


def test_the_same_seed_plans_the_same_runs() -> None:
    workload = Workload(runs=1, faults={"abort": 0.3, "missing_terminal": 0.2}, thinking=0.5)
    plans = [
        [MockProvider(workload, random.Random(seed)).plan(i) for i in range(50)]
        for seed in (3, 3, 4)
    ]
    assert plans[0] == plans[1]
    assert plans[0] != plans[2]
    assert {plan.path for plan in plans[0]} <= set(PATHS)


def test_forcing_a_path_of_the_same_shape_changes_nothing_else() -> None:
    workload = Workload(runs=1)
    drawn = MockProvider(workload, random.Random(8)).plan(0)
    forced = MockProvider(workload, random.Random(8)).plan(0, path="missing_terminal")
    assert (drawn.path, forced.path) == ("normal", "missing_terminal")
    assert forced.reply_cuts == drawn.reply_cuts and forced.delays == drawn.delays
    with pytest.raises(ConfigError, match="valid paths: normal, abort"):
        MockProvider(workload, random.Random(8)).plan(0, path="sideways")
