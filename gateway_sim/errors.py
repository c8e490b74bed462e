"""The two ways the gateway says no: a refused request, and a bad configuration.

Every refusal a client can trigger is a `ProtocolError` built from the `REFUSALS` table, so the
exact wording lives in one place and the WebSocket transport can send `code` and `message`
unchanged in its error response.
"""

from __future__ import annotations

from enum import StrEnum


class ConfigError(ValueError):
    """Settings, policy or workload values the simulator cannot run with; `str()` is one line."""


class Refusal(StrEnum):
    """Why a request was refused; the value is the wire error code."""

    INVALID_REQUEST = "INVALID_REQUEST"
    NOT_OWNER = "NOT_OWNER"
    WRONG_SESSION = "WRONG_SESSION"
    FOREIGN_SESSION = "FOREIGN_SESSION"
    OPERATOR_ONLY = "OPERATOR_ONLY"


REFUSALS: dict[Refusal, str] = {
    Refusal.INVALID_REQUEST: "{field} must be {expected}",
    Refusal.NOT_OWNER: "run {run_id} belongs to another connection",
    Refusal.WRONG_SESSION: "run {run_id} does not belong to session {session_key}",
    Refusal.FOREIGN_SESSION: "session {session_key} belongs to another connection",
    Refusal.OPERATOR_ONLY: "{what} requires the operator token",
}


class ProtocolError(Exception):
    """A request the gateway refuses; `code` and `message` go to the client as they are."""

    def __init__(self, refusal: Refusal, **details: object) -> None:
        self.code = refusal.value
        self.message = REFUSALS[refusal].format(**details)
        super().__init__(self.message)
