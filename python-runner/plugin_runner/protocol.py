"""The child protocol's vocabulary on the runner's side: method names, wire fields, error types, error bodies.

It mirrors the host's ``src/ipc/protocol/``; ``python-runner/protocol.json`` is the contract both sides test
against (``tests/test_protocol_contract.py`` here). The rest of the runner spells no method or field name itself.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Final, Optional

PROTOCOL_VERSION: Final = 3

# Who sends a method, and whether it expects an answer.
HOST_TO_CHILD: Final = "host_to_child"
CHILD_TO_HOST: Final = "child_to_host"
REQUEST: Final = "request"
NOTIFICATION: Final = "notification"

# -- methods -------------------------------------------------------------------------------------
# Host -> child: plugin calls (run in order by the main thread) and chores (served at once).
LOAD: Final = "load"
PROCESS_WRITES: Final = "process_writes"
PROCESS_SCHEDULED_CALL: Final = "process_scheduled_call"
PROCESS_REQUEST: Final = "process_request"
PING: Final = "$/ping"
CANCEL: Final = "$/cancel"
SHUTDOWN: Final = "$/shutdown"
# Child -> host.
HELLO: Final = "$/hello"
PROTOCOL_ERROR: Final = "$/protocol_error"
PART: Final = "$/part"
LOG: Final = "log"
QUERY: Final = "query"
QUERY_NEXT: Final = "query_next"
QUERY_CLOSE: Final = "query_close"
WRITE_CHUNK: Final = "write_chunk"
WRITE_SYNC: Final = "write_sync"
CACHE_GET: Final = "cache_get"
CACHE_PUT: Final = "cache_put"
CACHE_DELETE: Final = "cache_delete"


class Field:
    """Every wire field name of params, results and the maps inside them."""

    ARGS: Final = "args"
    BODY: Final = "body"
    BUSY: Final = "busy"
    CACHE_CHANGES: Final = "cache_changes"
    CACHE_NAME: Final = "cache_name"
    CACHE_RESTORED: Final = "cache_restored"
    CACHE_RESTORE_FAILED: Final = "cache_restore_failed"
    CACHE_SNAPSHOT: Final = "cache_snapshot"
    CALL_ID: Final = "call_id"
    CALL_TIME: Final = "call_time"
    CANCELLED: Final = "cancelled"
    COLUMNS: Final = "columns"
    CURSOR: Final = "cursor"
    DATABASE: Final = "database"
    DELETED: Final = "deleted"
    EXECUTABLE: Final = "executable"
    EXPIRES_AT: Final = "expires_at"
    FOUND: Final = "found"
    HEADERS: Final = "headers"
    ID: Final = "id"
    INDEX: Final = "index"
    ITEMS: Final = "items"
    KEY: Final = "key"
    KIND: Final = "kind"
    LEVEL: Final = "level"
    LINES: Final = "lines"
    MAX_FRAME_BYTES: Final = "max_frame_bytes"
    MEMORY_LIMIT_APPLIED: Final = "memory_limit_applied"
    MEMORY_LIMIT_BYTES: Final = "memory_limit_bytes"
    MESSAGE: Final = "message"
    NO_SYNC: Final = "no_sync"
    PARTS: Final = "$parts"
    PERSIST_CACHE: Final = "persist_cache"
    PHASE: Final = "phase"
    PID: Final = "pid"
    PLUGIN_PATH: Final = "plugin_path"
    PROTOCOL_VERSION: Final = "protocol_version"
    PYTHON_VERSION: Final = "python_version"
    QUERY: Final = "query"
    QUERY_PARAMETERS: Final = "query_parameters"
    QUEUED: Final = "queued"
    REQUEST_BODY: Final = "request_body"
    REQUEST_HEADERS: Final = "request_headers"
    ROWS: Final = "rows"
    RUNNER_VERSION: Final = "runner_version"
    SET: Final = "set"
    SOURCE: Final = "source"
    START_AT_NS: Final = "start_at_ns"
    STATE: Final = "state"
    STATUS: Final = "status"
    TABLE_BATCHES: Final = "table_batches"
    TABLE_NAME: Final = "table_name"
    TEXT: Final = "text"
    TRACEBACK: Final = "traceback"
    TRIGGER_NAME: Final = "trigger_name"
    TTL: Final = "ttl"
    TYPE: Final = "type"
    UNPICKLABLE: Final = "unpicklable"
    VALUE: Final = "value"
    WRITES: Final = "writes"


F = Field


@dataclass(frozen=True)
class MethodSpec:
    """One method: who sends it, whether it is answered, and the fields of its params and result."""

    direction: str
    kind: str
    params: tuple[str, ...]
    result: Optional[tuple[str, ...]]


_CALL_SCOPE = (F.DATABASE, F.CACHE_NAME, F.CACHE_SNAPSHOT)
_CALL_RESULT = (F.WRITES, F.CACHE_CHANGES)
_QUERY_PAGE = (F.COLUMNS, F.ROWS, F.CURSOR)

METHODS: Final[dict[str, MethodSpec]] = {
    LOAD: MethodSpec(HOST_TO_CHILD, REQUEST,
                     (F.PLUGIN_PATH, F.DATABASE, F.SOURCE, F.PERSIST_CACHE, F.TRIGGER_NAME,
                      F.CACHE_SNAPSHOT, F.MEMORY_LIMIT_BYTES),
                     (F.KIND, F.PID, F.PYTHON_VERSION, F.CACHE_RESTORED, F.CACHE_RESTORE_FAILED,
                      F.MEMORY_LIMIT_APPLIED)),
    PROCESS_WRITES: MethodSpec(HOST_TO_CHILD, REQUEST, (*_CALL_SCOPE, F.TABLE_BATCHES, F.ARGS), _CALL_RESULT),
    PROCESS_SCHEDULED_CALL: MethodSpec(HOST_TO_CHILD, REQUEST,
                                       (*_CALL_SCOPE, F.CALL_TIME, F.START_AT_NS, F.ARGS), _CALL_RESULT),
    PROCESS_REQUEST: MethodSpec(HOST_TO_CHILD, REQUEST,
                                (*_CALL_SCOPE, F.QUERY_PARAMETERS, F.REQUEST_HEADERS, F.REQUEST_BODY, F.ARGS),
                                (*_CALL_RESULT, F.STATUS, F.HEADERS, F.BODY)),
    PING: MethodSpec(HOST_TO_CHILD, REQUEST, (), (F.BUSY, F.CALL_ID, F.QUEUED)),
    CANCEL: MethodSpec(HOST_TO_CHILD, REQUEST, (F.ID,), (F.CANCELLED, F.STATE)),
    SHUTDOWN: MethodSpec(HOST_TO_CHILD, REQUEST, (), ()),
    HELLO: MethodSpec(CHILD_TO_HOST, NOTIFICATION,
                      (F.PID, F.PYTHON_VERSION, F.RUNNER_VERSION, F.PROTOCOL_VERSION, F.MAX_FRAME_BYTES,
                       F.EXECUTABLE), None),
    PROTOCOL_ERROR: MethodSpec(CHILD_TO_HOST, NOTIFICATION, (F.MESSAGE,), None),
    PART: MethodSpec(CHILD_TO_HOST, REQUEST, (F.CALL_ID, F.KEY, F.INDEX), (F.ITEMS,)),
    QUERY: MethodSpec(CHILD_TO_HOST, REQUEST, (F.CALL_ID, F.QUERY, F.ARGS, F.DATABASE), _QUERY_PAGE),
    QUERY_NEXT: MethodSpec(CHILD_TO_HOST, REQUEST, (F.CALL_ID, F.CURSOR), _QUERY_PAGE),
    QUERY_CLOSE: MethodSpec(CHILD_TO_HOST, NOTIFICATION, (F.CALL_ID, F.CURSOR), None),
    WRITE_CHUNK: MethodSpec(CHILD_TO_HOST, REQUEST, (F.CALL_ID, F.WRITES), ()),
    WRITE_SYNC: MethodSpec(CHILD_TO_HOST, REQUEST, (F.CALL_ID, F.DATABASE, F.LINES, F.NO_SYNC), ()),
    CACHE_GET: MethodSpec(CHILD_TO_HOST, REQUEST, (F.CALL_ID, F.KEY, F.CACHE_NAME), (F.FOUND, F.VALUE)),
    CACHE_PUT: MethodSpec(CHILD_TO_HOST, REQUEST, (F.CALL_ID, F.KEY, F.VALUE, F.TTL, F.CACHE_NAME), ()),
    CACHE_DELETE: MethodSpec(CHILD_TO_HOST, REQUEST, (F.CALL_ID, F.KEY, F.CACHE_NAME), (F.DELETED,)),
    LOG: MethodSpec(CHILD_TO_HOST, NOTIFICATION, (F.CALL_ID, F.LEVEL, F.TEXT), None),
}

# The maps that travel inside params and results.
SHAPES: Final[dict[str, tuple[str, ...]]] = {
    "error": (F.TYPE, F.MESSAGE, F.TRACEBACK, F.PHASE, F.CACHE_CHANGES),
    "cache_entry": (F.VALUE, F.EXPIRES_AT),
    "cache_changes": (F.CACHE_NAME, F.SET, F.DELETED, F.UNPICKLABLE),
    "table_batch": (F.TABLE_NAME, F.COLUMNS, F.ROWS),
    "parted": (F.PARTS,),
}


# -- errors --------------------------------------------------------------------------------------
class ErrorType:
    """The types the runner gives its own failures (a plugin's exception travels under its class name)."""

    SHUTTING_DOWN: Final = "ShuttingDown"
    CANCELLED: Final = "Cancelled"
    KEYBOARD_INTERRUPT: Final = "KeyboardInterrupt"
    INVALID_REQUEST: Final = "InvalidRequest"
    INVALID_PARAMS: Final = "InvalidParams"
    METHOD_NOT_FOUND: Final = "MethodNotFound"
    NOT_LOADED: Final = "NotLoaded"
    FRAME_TOO_LARGE: Final = "FrameTooLarge"
    PLUGIN_ERROR: Final = "PluginError"
    PLUGIN_NOT_FOUND: Final = "PluginNotFound"
    MISSING_ENTRY_POINT: Final = "MissingEntryPointError"
    RESPONSE_ERROR: Final = "ResponseError"


class HostErrorType:
    """The types the host answers the runner's requests with."""

    QUERY_ERROR: Final = "QueryError"
    VALUE_ERROR: Final = "ValueError"
    RUNTIME_ERROR: Final = "RuntimeError"
    TYPE_ERROR: Final = "TypeError"
    INVALID_PARAMS: Final = "InvalidParams"
    METHOD_NOT_FOUND: Final = "MethodNotFound"


class Phase:
    """Where a failed plugin call stopped."""

    LOAD: Final = "load"
    CALL: Final = "call"
    RESPONSE: Final = "response"
    INTERNAL: Final = "internal"


def constants(cls: type) -> dict[str, str]:
    """A constants class as {attribute: value}."""
    return {name: value for name, value in vars(cls).items() if name.isupper() and isinstance(value, str)}


@dataclass(frozen=True)
class ErrorBody:
    """What a failed request carries: a type the peer can branch on, the message users see, the traceback, and
    for plugin calls the phase and the local cache's changes (the cache survives a failed call)."""

    type: str
    message: str
    traceback: Optional[str] = None
    phase: Optional[str] = None
    cache_changes: Optional[dict[str, Any]] = None

    @classmethod
    def simple(cls, error_type: str, text: str) -> "ErrorBody":
        """An error of the runner's own, its message shown as ``<Type>: <text>``."""
        return cls(error_type, f"{error_type}: {text}")

    def with_cache_changes(self, changes: Optional[dict[str, Any]]) -> "ErrorBody":
        return self if changes is None else dataclasses.replace(self, cache_changes=changes)

    def truncated(self, max_chars: int) -> "ErrorBody":
        """The same error with its message cut and no traceback (an error too large for a frame)."""
        return dataclasses.replace(self, message=self.message[:max_chars], traceback=None)

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {F.TYPE: self.type, F.MESSAGE: self.message, F.TRACEBACK: self.traceback}
        if self.phase is not None:
            wire[F.PHASE] = self.phase
        if self.cache_changes is not None:
            wire[F.CACHE_CHANGES] = self.cache_changes
        return wire

    @classmethod
    def from_wire(cls, raw: Any) -> "ErrorBody":
        if not isinstance(raw, dict):
            return cls("Error", str(raw))
        error_type = raw.get(F.TYPE)
        message = raw.get(F.MESSAGE)
        traceback = raw.get(F.TRACEBACK)
        phase = raw.get(F.PHASE)
        return cls(error_type if isinstance(error_type, str) and error_type else "Error",
                   message if isinstance(message, str) else str(raw),
                   traceback if isinstance(traceback, str) else None,
                   phase if isinstance(phase, str) else None)
