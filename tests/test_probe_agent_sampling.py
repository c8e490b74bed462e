"""The agent's sampling tick keeps nothing: a flat target must stay flat under the agent.

Its memory over time is measured by bench/agent_memory.py; this checks the part that can be
counted exactly, the Python blocks a tick leaves behind."""

from __future__ import annotations

import gc
import json
import sys

from leakbench.probe.agent import DEFAULTS, Agent

WARM_UP = 300
"""Ticks before counting: after a full collection CPython refills its free lists (80 lists, 80
dicts, ...), about one object per tick at first; they are bounded and reused, not kept."""
TICKS = 1000
SLACK_BLOCKS = 10


def test_a_thousand_sampling_ticks_keep_no_python_blocks() -> None:
    agent = Agent("unused.sock", {}, None)  # never started: only its sampling tick is called
    assert agent.config == DEFAULTS
    line = agent.sample_line()
    message = json.loads(line)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert message["type"] == "sample" and {"pid", "t", "heap_blocks"} <= message.keys()
    gc.collect()
    for _ in range(WARM_UP):
        agent.sample_line()
    before = sys.getallocatedblocks()
    for _ in range(TICKS):
        agent.sample_line()
    assert sys.getallocatedblocks() - before <= SLACK_BLOCKS
