"""The mock model provider: what one run streams, for each path it can take (spec §5).

A run is planned up front from the seeded RNG (`plan`), then streamed lazily (`steps`), so a
run in flight costs a few hundred bytes and the same seed always gives the same events.
`steps` yields `(delay, kind, stream, seq, data)`: after `delay` gateway seconds,
- `EVENT`: deliver agent event `(stream, seq, data)` to the gateway;
- `CLIENT_ABORT`: the client sends `chat.abort` (then the stream stops and the dispatch settles);
- `STALL`: the provider hangs; only the controller's expiry (maintenance, reason timeout) ends it;
- `SETTLE`: the provider stream is over and the send's dispatch settles.

How each path streams is the `PATH_SHAPES` table. Assistant events carry the cumulative
`text` and the new `delta`; a control-token reply (`suppressed_output`) starts at the token's
shortest suppressed fragment, so not one of its deltas is ever shown.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from leakbench.gateway_sim.errors import ConfigError
from leakbench.gateway_sim.projection import CONTROL_TOKENS, MIN_FRAGMENT
from leakbench.gateway_sim.workload import Workload

EVENT, CLIENT_ABORT, STALL, SETTLE = "event", "client_abort", "stall", "settle"

Step = tuple[float, str, str | None, int, dict[str, Any] | None]

_WORDS = (
    "the gateway streams partial replies to every subscribed client while the model keeps",
    "thinking about tools files memory buffers sessions and the long tail of a chat that",
    "never quite ends because someone always has one more question to ask",
)
"""Lowercase prose (so no reply is mistaken for a control token), split into words below."""


class Ending(StrEnum):
    """What follows a run's last assistant event."""

    END = "end"  # lifecycle end (unless the terminal is lost), then the dispatch settles
    CLIENT_ABORT = "client_abort"
    STALL = "stall"
    LOST = "lost"  # the terminal never arrives; the dispatch settles anyway


@dataclass(frozen=True, slots=True)
class PathShape:
    control_token: bool
    """The reply is a control token such as NO_REPLY."""
    cut_short: bool
    """The stream stops after some (at least one) of its assistant events."""
    ending: Ending


PATH_SHAPES: dict[str, PathShape] = {
    "normal": PathShape(control_token=False, cut_short=False, ending=Ending.END),
    "abort": PathShape(control_token=False, cut_short=True, ending=Ending.CLIENT_ABORT),
    "timeout": PathShape(control_token=False, cut_short=True, ending=Ending.STALL),
    "suppressed_output": PathShape(control_token=True, cut_short=False, ending=Ending.LOST),
    "missing_terminal": PathShape(control_token=False, cut_short=False, ending=Ending.LOST),
}

_LAST_STEP: dict[Ending, str] = {
    Ending.END: SETTLE,
    Ending.CLIENT_ABORT: CLIENT_ABORT,
    Ending.STALL: STALL,
    Ending.LOST: SETTLE,
}


@dataclass(frozen=True, slots=True)
class RunPlan:
    """Everything random about one run, drawn when it starts."""

    run_id: str
    path: str
    heartbeat: bool
    terminal_lost: bool
    """Its terminal event (real, or the synthetic end of an abort) never reaches the handler."""
    reply: str
    """The text the assistant cuts come from (the corpus, or a control token)."""
    reply_offset: int
    reply_cuts: tuple[int, ...]
    """Cumulative reply length after each assistant event."""
    thinking_offset: int
    thinking_cuts: tuple[int, ...]
    delays: tuple[float, ...]
    """Gateway seconds before each step."""


def run_id_for(path: str, index: int) -> str:
    """Run ids name their path, so a survivor in any map is attributed without a lookup table."""
    return f"{path}-{index}"


def attributed_path(path: str, *, heartbeat: bool, terminal_lost: bool) -> str:
    """The fault path a run takes, by spec §5's "how it happens": a run whose terminal is lost
    after its stream ran to the end is `suppressed_output` when no delta was shown (a control
    token, or a heartbeat run's hidden deltas: no `delta_sent_at`, so no sweep of the legacy
    gateway sees it) and `missing_terminal` otherwise. Aborts and timeouts keep their name."""
    if not terminal_lost or PATH_SHAPES[path].cut_short:
        return path
    if heartbeat or PATH_SHAPES[path].control_token:
        return "suppressed_output"
    return "missing_terminal"


def path_of_run(run_id: str) -> str:
    return run_id.rpartition("-")[0]


def _even_cuts(start: int, end: int, pieces: int) -> tuple[int, ...]:
    """`pieces` cumulative lengths from `start` (first cut) to `end` (last cut), evenly spread."""
    if pieces <= 1 or end <= start:
        return (end,)
    span = end - start
    return tuple(start + span * k // (pieces - 1) for k in range(pieces))


class MockProvider:
    """Plans and streams runs for a workload; all randomness comes from the given RNG."""

    def __init__(self, workload: Workload, rng: random.Random) -> None:
        self._workload = workload
        self._rng = rng
        self._thresholds = workload.path_thresholds()
        words = " ".join(_WORDS).split()
        block = " ".join(rng.choice(words) for _ in range(4096)) + " "
        longest = max(workload.reply_chars[1], 1)
        self._corpus = block * (2 * longest // len(block) + 2)

    @property
    def corpus_chars(self) -> int:
        """Characters of the text corpus this provider holds (what caching it costs)."""
        return len(self._corpus)

    def plan(self, index: int, path: str | None = None) -> RunPlan:
        """Draw run number `index`: its path (unless forced), reply, chunking, timing, faults.

        The draw that would pick the path is made even when `path` is forced, so forcing one
        path instead of another of the same shape leaves every other draw unchanged."""
        rng, workload = self._rng, self._workload
        u = rng.random()
        if path is None:
            path = next(name for threshold, name in self._thresholds if u < threshold)
        elif path not in PATH_SHAPES:
            raise ConfigError(f"unknown path {path!r}; valid paths: {', '.join(PATH_SHAPES)}")
        shape = PATH_SHAPES[path]
        heartbeat = rng.random() < workload.heartbeat
        terminal_lost = rng.random() < workload.terminal_loss or shape.ending is Ending.LOST
        chunks = rng.randint(*workload.chunks)
        if shape.control_token:
            reply = rng.choice(CONTROL_TOKENS)
            offset = 0
            cuts = _even_cuts(MIN_FRAGMENT[reply], len(reply), chunks)
        else:
            length = rng.randint(*workload.reply_chars)
            reply = self._corpus
            offset = rng.randrange(len(reply) - length + 1)
            cuts = tuple(
                length * k // min(chunks, length) for k in range(1, min(chunks, length) + 1)
            )
        if shape.cut_short:
            cuts = cuts[: rng.randint(1, max(1, len(cuts) - 1))]
        thinking_offset, thinking_cuts = 0, ()
        if rng.random() < workload.thinking:
            length = max(1, rng.randint(*workload.reply_chars) // 4)
            thinking_offset = rng.randrange(len(self._corpus) - length + 1)
            pieces = max(1, len(cuts) // 4)
            thinking_cuts = _even_cuts(length // pieces, length, pieces)
        low, high = workload.chunk_interval
        span = high - low
        steps = 2 + len(thinking_cuts) + len(cuts)  # start, text events, ending
        delays = tuple(low + span * rng.random() for _ in range(steps))
        return RunPlan(
            run_id=run_id_for(
                attributed_path(path, heartbeat=heartbeat, terminal_lost=terminal_lost), index
            ),
            path=path,
            heartbeat=heartbeat,
            terminal_lost=terminal_lost,
            reply=reply,
            reply_offset=offset,
            reply_cuts=cuts,
            thinking_offset=thinking_offset,
            thinking_cuts=thinking_cuts,
            delays=delays,
        )

    def steps(self, plan: RunPlan) -> Iterator[Step]:
        """Stream a planned run, one step at a time."""
        delays = iter(plan.delays)
        seq = 1
        yield next(delays), EVENT, "lifecycle", seq, {"phase": "start"}
        for stream, source, offset, cuts in (
            ("thinking", self._corpus, plan.thinking_offset, plan.thinking_cuts),
            ("assistant", plan.reply, plan.reply_offset, plan.reply_cuts),
        ):
            done = offset
            for cut in cuts:
                seq += 1
                end = offset + cut
                data = {"text": source[offset:end], "delta": source[done:end]}
                yield next(delays), EVENT, stream, seq, data
                done = end
        ending = PATH_SHAPES[plan.path].ending
        delay = next(delays)
        if ending is Ending.END and not plan.terminal_lost:
            seq += 1
            yield delay, EVENT, "lifecycle", seq, {"phase": "end"}
            delay = 0.0
        yield delay, _LAST_STEP[ending], None, seq, None
