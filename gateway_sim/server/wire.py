"""The wire format of spec §6: JSON text frames in, `res` and `event` frames out.

Everything about frame shapes lives here, so the connection loop only parses, dispatches and
sends. The core's refusals (`ProtocolError`) and the transport's own (`WireError`) both carry a
`code` and a `message`, sent unchanged as the `res` error.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class WireCode(StrEnum):
    """Error codes of the transport itself (the core's are `gateway_sim.errors.Refusal`)."""

    INVALID_FRAME = "INVALID_FRAME"
    UNKNOWN_METHOD = "UNKNOWN_METHOD"
    CONNECT_REQUIRED = "CONNECT_REQUIRED"
    UNAUTHORIZED = "UNAUTHORIZED"


class WireError(Exception):
    """A frame or request the transport refuses; the connection stays open unless UNAUTHORIZED."""

    def __init__(self, code: WireCode, message: str, request_id: str | int | None = None) -> None:
        super().__init__(message)
        self.code = code.value
        self.message = message
        self.request_id = request_id
        """The id of the refused frame, when it had a usable one (for the error `res`)."""


@dataclass(frozen=True, slots=True)
class Request:
    """`{"type": "req", "id", "method", "params"}`; `params` defaults to `{}`."""

    id: str | int
    method: str
    params: dict[str, Any]


def _no_constant(name: str) -> None:
    """JSON has no NaN or Infinity; Python's decoder accepts them unless told otherwise."""
    raise ValueError(f"{name} is not a JSON number")


def parse_request(message: str | bytes) -> Request:
    """Decode one client frame; raises WireError (with the frame's id once it is known).

    Every way decoding can fail is INVALID_FRAME: bad JSON, `NaN`/`Infinity`, an integer of
    more digits than Python converts (ValueError), nesting deeper than the decoder recurses."""
    if not isinstance(message, str):
        raise WireError(WireCode.INVALID_FRAME, "frames must be JSON text, not binary")
    try:
        frame = json.loads(message, parse_constant=_no_constant)
    except ValueError as exc:
        raise WireError(WireCode.INVALID_FRAME, f"not valid JSON: {exc}") from None
    except RecursionError:
        raise WireError(WireCode.INVALID_FRAME, "not valid JSON: nested too deeply") from None
    if not isinstance(frame, dict):
        raise WireError(WireCode.INVALID_FRAME, "a frame must be a JSON object")
    request_id = frame.get("id")
    if isinstance(request_id, bool) or not isinstance(request_id, str | int):
        raise WireError(WireCode.INVALID_FRAME, "id must be a string or an integer")
    if frame.get("type") != "req":
        raise WireError(WireCode.INVALID_FRAME, "type must be 'req'", request_id)
    method, params = frame.get("method"), frame.get("params", {})
    if not isinstance(method, str) or not isinstance(params, dict):
        raise WireError(
            WireCode.INVALID_FRAME, "method must be a string and params an object", request_id
        )
    return Request(request_id, method, params)


def ok_frame(request_id: str | int, payload: dict[str, Any]) -> str:
    return json.dumps({"type": "res", "id": request_id, "ok": True, "payload": payload})


def error_frame(request_id: str | int | None, code: str, message: str) -> str:
    error = {"code": code, "message": message}
    return json.dumps({"type": "res", "id": request_id, "ok": False, "error": error})


def event_frame(event: str, payload_json: str, seq: int) -> str:
    """An event frame around an already serialized payload (serialized once per broadcast)."""
    return f'{{"type":"event","event":{json.dumps(event)},"payload":{payload_json},"seq":{seq}}}'
