"""What the mock provider streams for one `chat.send`: drawn by the server, or told by the client.

`chat.send` may carry `behaviour` (all keys optional):

    {"path": "abort", "reply_chars": [200, 4000], "chunks": 40, "chunk_interval": [0.02, 0.2],
     "heartbeat": false, "thinking": true, "terminal_lost": false}

Ranges are `[min, max]` or one number; they and the three flags become a one-run `Workload`,
and `MockProvider.plan` draws the run from it with the server's seeded RNG, so a load generator
that draws paths from its own fault mix gets exactly the provider streams the embedded host
would run. A missing key falls back to the server's default workload (normal runs only).
Providers are cached per distinct behaviour (building one lays out its text corpus), in a
small LRU so that clients sending many distinct behaviours cannot grow the server.
"""

from __future__ import annotations

import random
from collections import OrderedDict
from dataclasses import replace
from typing import Any

from leakbench.gateway_sim.errors import ConfigError, ProtocolError, Refusal
from leakbench.gateway_sim.provider import MockProvider, RunPlan
from leakbench.gateway_sim.server.limits import MAX_STREAM_CHARS, check_range_bound
from leakbench.gateway_sim.workload import PATHS, Workload

RANGES = ("reply_chars", "chunks", "chunk_interval")
WHOLE_NUMBERS = ("reply_chars", "chunks")
FLAGS = {"heartbeat": "heartbeat", "thinking": "thinking", "terminal_lost": "terminal_loss"}
"""Behaviour flag → the workload probability it pins to 0 or 1."""
KEYS = ("path", *RANGES, *FLAGS)
PROVIDER_CACHE = 32
PROVIDER_CACHE_CHARS = 4 << 20
"""The cached providers' text corpora together stay under this many characters (a provider
for `reply_chars` up to N lays out about 2N), so distinct large behaviours cannot fill it."""

_Key = tuple[Any, ...]


def _refuse(field: str, expected: str) -> ProtocolError:
    return ProtocolError(Refusal.INVALID_REQUEST, field=f"behaviour.{field}", expected=expected)


def _range(name: str, value: object) -> tuple[float, float]:
    """A `behaviour` range: one number or `[min, max]`, each end finite and within its max."""
    whole = name in WHOLE_NUMBERS
    pair = value if isinstance(value, list | tuple) else (value, value)
    if len(pair) != 2:
        pair = (None, None)  # refused below with the range's own message
    return (check_range_bound(name, pair[0], whole), check_range_bound(name, pair[1], whole))


class ProviderPool:
    """Plans runs for `chat.send`, one seeded RNG for every run the server streams."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)
        self._default = Workload(runs=1)
        self._providers: OrderedDict[_Key, MockProvider] = OrderedDict()
        self._index = 0

    def plan(self, run_id: str, behaviour: object) -> tuple[RunPlan, MockProvider]:
        """The run `run_id` streams, and the provider that streams it (`provider.steps(plan)`);
        raises ProtocolError (INVALID_REQUEST) for a bad behaviour."""
        if behaviour is None:
            behaviour = {}
        if not isinstance(behaviour, dict):
            raise ProtocolError(Refusal.INVALID_REQUEST, field="behaviour", expected="an object")
        unknown = sorted(set(behaviour) - set(KEYS))
        if unknown:
            raise _refuse(unknown[0], f"absent (known keys: {', '.join(KEYS)})")
        path = behaviour.get("path")
        if path is not None and path not in PATHS:
            raise _refuse("path", f"one of {', '.join(PATHS)}")
        provider = self._provider(behaviour)
        self._index += 1
        return replace(provider.plan(self._index, path), run_id=run_id), provider

    def _provider(self, behaviour: dict[str, Any]) -> MockProvider:
        workload = self._default
        overrides: dict[str, Any] = {
            name: _range(name, behaviour[name]) for name in RANGES if name in behaviour
        }
        for flag, probability in FLAGS.items():
            if flag in behaviour:
                if not isinstance(behaviour[flag], bool):
                    raise _refuse(flag, "true or false")
                overrides[probability] = 1.0 if behaviour[flag] else 0.0
        longest = overrides.get("reply_chars", workload.reply_chars)[1]
        if longest * overrides.get("chunks", workload.chunks)[1] > MAX_STREAM_CHARS:
            raise _refuse("chunks", f"at most {MAX_STREAM_CHARS:,} / reply_chars (its max)")
        key = tuple(sorted(overrides.items()))
        provider = self._providers.get(key)
        if provider is not None:
            self._providers.move_to_end(key)
            return provider
        try:
            workload = replace(workload, **overrides)
        except ConfigError as exc:
            raise ProtocolError(
                Refusal.INVALID_REQUEST, field="behaviour", expected=f"a valid workload ({exc})"
            ) from None
        provider = MockProvider(workload, self._rng)
        self._providers[key] = provider
        while len(self._providers) > 1 and (
            len(self._providers) > PROVIDER_CACHE or self.cached_chars() > PROVIDER_CACHE_CHARS
        ):
            self._providers.popitem(last=False)
        return provider

    def __len__(self) -> int:
        return len(self._providers)

    def cached_chars(self) -> int:
        """Characters of text the cached providers hold (their corpora)."""
        return sum(provider.corpus_chars for provider in self._providers.values())
