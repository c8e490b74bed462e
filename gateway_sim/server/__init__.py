"""The gateway over WebSocket (spec §6): `python -m leakbench.gateway_sim serve`.

JSON text frames. Client → server `{"type": "req", "id", "method", "params"}`; server → client
`{"type": "res", "id", "ok", "payload" | "error": {code, message}}` and
`{"type": "event", "event", "payload", "seq"}`. Modules, one job each:

| module | job |
|---|---|
| `wire.py` | frame parsing and encoding, the transport's error codes |
| `behaviour.py` | the mock provider's plan for a `chat.send` (its `behaviour`, or drawn) |
| `host.py` | the core on asyncio and a `ScaledClock`: provider stream tasks, the timer task |
| `connections.py` | subscriptions, event fan-out, slow consumers |
| `methods.py` | `connect`, `chat.send`, `chat.abort`, `diagnostics.memory` |
| `app.py` | the listening process: connection loop, listening line, signals |

The protocol as a client sees it (methods, events, errors, limits): README.md next to this file.
"""

from leakbench.gateway_sim.server.app import main, parse_settings

__all__ = ["main", "parse_settings"]
