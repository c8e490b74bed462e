"""The documented maximum of every number and string a client can send (README "Limits").

Everything a request carries is checked here, at the edge, before it reaches the core: a value
that is not finite, out of range or too long is refused as INVALID_REQUEST naming the field,
so no client value can overflow a float, stop a timer or make one small frame cost the server
megabytes. The maxima are far above what any scenario uses and far below what would hurt.
"""

from __future__ import annotations

from math import isfinite

from leakbench.gateway_sim.errors import ProtocolError, Refusal

MAX_KEY_CHARS = 256
"""Longest `session_key` or `idempotency_key`: keys live on in the bounded caches (10,000
`agent_run_seq` entries), so their length is what bounds those caches' bytes."""
MAX_TIMEOUT_S = 31_536_000.0
"""Longest agent `timeout` (a year of gateway seconds; expiry is clamped to 24 h anyway)."""
BEHAVIOUR_MAX: dict[str, float] = {
    "reply_chars": 500_000,  # the raw buffer's cap: a longer reply only tests the cap
    "chunks": 10_000,  # assistant events per run; each is one step of the run's stream
    "chunk_interval": 3_600.0,  # gateway seconds between two provider events
}
"""Upper bound of each `behaviour` range (the lower bounds are the workload's own)."""
MAX_STREAM_CHARS = 20_000_000
"""Most text one run may stream: assistant events carry the cumulative text, so a run costs
about `reply_chars x chunks / 2` characters of copying and framing; the product of the two
ranges' maxima must stay under this."""


def refuse(field: str, expected: str) -> ProtocolError:
    return ProtocolError(Refusal.INVALID_REQUEST, field=field, expected=expected)


def check_key(value: object, field: str) -> str:
    """A non-empty string of at most MAX_KEY_CHARS characters."""
    if not isinstance(value, str) or not value or len(value) > MAX_KEY_CHARS:
        raise refuse(field, f"a non-empty string of at most {MAX_KEY_CHARS} characters")
    return value


def check_timeout(value: object) -> float | None:
    """`chat.send`'s optional agent timeout: a finite number in [0, MAX_TIMEOUT_S]."""
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not 0 <= value <= MAX_TIMEOUT_S  # False for NaN; ints compare without overflow
    ):
        raise refuse("timeout", f"a number of seconds from 0 to {MAX_TIMEOUT_S:.0f}")
    return float(value)


def check_range_bound(name: str, value: object, whole: bool) -> float:
    """One end of a `behaviour` range: a finite number (whole when `whole`) up to its max."""
    kinds = int if whole else int | float
    highest = BEHAVIOUR_MAX[name]
    if (
        isinstance(value, bool)
        or not isinstance(value, kinds)
        or not (isinstance(value, int) or isfinite(value))
        or not 0 <= value <= highest
    ):
        noun = "a whole number" if whole else "a number"
        raise refuse(
            f"behaviour.{name}", f"{noun} from 0 to {highest:g} or a [min, max] pair of them"
        )
    return value
