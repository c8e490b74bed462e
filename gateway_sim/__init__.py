"""A faithful model of a streaming chat gateway's per-run state and its cleanup (gateway-spec).

The core (`Gateway`) is sans-I/O: it never touches sockets, never reads wall time, never knows
the harness; time comes from a clock object and its output is broadcasts returned to the
caller. Two hosts drive it: `EmbeddedHost` (a discrete-event loop on a virtual clock) and the
WebSocket server (`gateway_sim.server`, on a scaled clock). The cleanup policy is a value
(`CleanupPolicy`), one flag per part of the fix, so a soak can bisect which part matters.
"""

from leakbench.gateway_sim.abort import AbortController, AbortResult
from leakbench.gateway_sim.broadcast import Audience, Broadcast
from leakbench.gateway_sim.clock import Clock, ScaledClock, VirtualClock
from leakbench.gateway_sim.embedded import EmbeddedHost
from leakbench.gateway_sim.errors import ConfigError, ProtocolError, Refusal
from leakbench.gateway_sim.gateway import RUN_MAPS, Gateway, SendResult, TimerResult
from leakbench.gateway_sim.policy import (
    FIXED,
    FLAG_NAMES,
    LEGACY,
    POLICIES,
    CleanupPolicy,
    resolve_policy,
)
from leakbench.gateway_sim.settings import GatewaySettings
from leakbench.gateway_sim.workload import FAULT_PATHS, PATHS, Workload

__all__ = [
    "FAULT_PATHS",
    "FIXED",
    "FLAG_NAMES",
    "LEGACY",
    "PATHS",
    "POLICIES",
    "RUN_MAPS",
    "AbortController",
    "AbortResult",
    "Audience",
    "Broadcast",
    "CleanupPolicy",
    "Clock",
    "ConfigError",
    "EmbeddedHost",
    "Gateway",
    "GatewaySettings",
    "ProtocolError",
    "Refusal",
    "ScaledClock",
    "SendResult",
    "TimerResult",
    "VirtualClock",
    "Workload",
    "resolve_policy",
]
