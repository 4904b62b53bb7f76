"""Message envelopes and the msgpack codec: the envelope's own field names live here, method names and the fields
of params and results in ``protocol.py``.

Envelopes (all maps with string keys):
  request       {type: "request", id: int, method: str, params: map}
  response      {type: "response", id: int, result: any}
                {type: "response", id: int, error: {type, message, traceback, ...}}
  notification  {type: "notification", method: str, params: map}
Each side numbers its own requests; a response's ``id`` names a request that the
receiver of the response sent.
"""

from __future__ import annotations

from typing import Any, NamedTuple, Optional

from . import codec
from .errors import ProtocolError
from .protocol import ErrorBody

REQUEST = "request"
RESPONSE = "response"
NOTIFICATION = "notification"


class Message(NamedTuple):
    kind: str
    id: Optional[int]
    method: Optional[str]
    params: Any
    result: Any
    error: Optional[ErrorBody]


def pack(obj: Any) -> bytes:
    return codec.packb(obj)


def unpack(payload: bytes) -> Any:
    try:
        return codec.unpackb(payload)
    except Exception as exc:  # noqa: BLE001 - every decode failure is a protocol error
        raise ProtocolError(f"undecodable frame: {type(exc).__name__}: {exc}") from exc


def request(msg_id: int, method: str, params: dict[str, Any]) -> dict[str, Any]:
    return {"type": REQUEST, "id": msg_id, "method": method, "params": params}


def response(msg_id: int, result: Any) -> dict[str, Any]:
    return {"type": RESPONSE, "id": msg_id, "result": result}


def error_response(msg_id: int, error: ErrorBody) -> dict[str, Any]:
    return {"type": RESPONSE, "id": msg_id, "error": error.to_wire()}


def notification(method: str, params: dict[str, Any]) -> dict[str, Any]:
    return {"type": NOTIFICATION, "method": method, "params": params}


class InvalidMessage(Exception):
    """A decodable frame that is not a valid envelope; carries the id when there is one."""

    def __init__(self, message: str, msg_id: Optional[int] = None) -> None:
        super().__init__(message)
        self.msg_id = msg_id


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse(payload: bytes) -> Message:
    """Decode a frame payload into a ``Message``; raises ``InvalidMessage`` on bad shape."""
    obj = unpack(payload)
    if not isinstance(obj, dict):
        raise InvalidMessage(f"message must be a map, got {type(obj).__name__}")
    kind = obj.get("type")
    msg_id = obj.get("id")
    if kind == REQUEST:
        if not _is_int(msg_id):
            raise InvalidMessage("request without an integer id")
        method = obj.get("method")
        if not isinstance(method, str):
            raise InvalidMessage("request without a method name", msg_id)
        params = obj.get("params")
        if params is None:
            params = {}
        if not isinstance(params, dict):
            raise InvalidMessage("request params must be a map", msg_id)
        return Message(REQUEST, msg_id, method, params, None, None)
    if kind == RESPONSE:
        if not _is_int(msg_id):
            raise InvalidMessage("response without an integer id")
        error = obj.get("error")
        return Message(RESPONSE, msg_id, None, None, obj.get("result"),
                       None if error is None else ErrorBody.from_wire(error))
    if kind == NOTIFICATION:
        method = obj.get("method")
        if not isinstance(method, str):
            raise InvalidMessage("notification without a method name")
        params = obj.get("params")
        return Message(NOTIFICATION, None, method, params if isinstance(params, dict) else {},
                       None, None)
    raise InvalidMessage(f"unknown message type {kind!r}", msg_id if _is_int(msg_id) else None)
