"""What the core hands back to its host: events to fan out, never sent by the core itself.

The core asks an `Audience` before building any payload, so a host with no listeners (the
embedded soak) pays nothing for broadcasts while a WebSocket server gets every event it must
deliver. `Broadcast.session_key` says who receives it: the connections subscribed to that
session, or every connection when it is `None` (the `tick` event).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Audience = Callable[[str | None], bool]
"""`audience(session_key)` → whether anyone would receive an event for that session
(`None`: whether any connection is open at all)."""


@dataclass(frozen=True, slots=True)
class Broadcast:
    """One server → client event: `{"type": "event", "event": event, "payload": payload}`."""

    event: str
    payload: dict[str, Any]
    session_key: str | None
    drop_if_slow: bool = False
    """True for `chat` deltas: a slow consumer may miss them (spec §6); others must arrive."""
