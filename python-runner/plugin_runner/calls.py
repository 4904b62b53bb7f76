"""The runner's state between calls (loaded plugin, local cache) and the call semantics.

Each entry point is called with upstream's positional arguments: 3 for
WAL and schedule, 5 for request. A call's reply carries its queued writes and the local
cache changes; a failed call's error names the phase it failed in (load, call, response).
"""

from __future__ import annotations

import datetime
import time
import os
import platform
from typing import Any, Callable, Optional

from . import codec, table_batches
from .cache import CacheStore
from .connection import Connection
from .errors import PluginError, error_payload
from .host_api import CallContext, PluginApi, api_context, fetch_parts
from .limits import apply_memory_limit
from .plugin_loader import Plugin, load_plugin
from .protocol import (PROCESS_REQUEST, PROCESS_SCHEDULED_CALL, PROCESS_WRITES, ErrorBody, ErrorType, Field,
                       Phase)
from .responses import response_result

# A WAL flush sent in parts: a table's rows may be cut across parts (adjacent fragments of one table).
merge_table_batches = table_batches.from_wire


class CallFailed(Exception):
    """Carries the error of a failed call's response."""

    def __init__(self, error: ErrorBody) -> None:
        super().__init__(error.message)
        self.error = error


def _decode_batches(value: Any, ctx: CallContext) -> Any:
    if isinstance(value, dict) and Field.PARTS in value:
        return table_batches.from_wire(fetch_parts(ctx, Field.TABLE_BATCHES, value))
    if isinstance(value, (bytes, bytearray, memoryview)):
        return table_batches.from_wire(codec.unpackb_tuples(value))
    return table_batches.from_wire(value) if value is not None else []


MAX_START_WAIT_NS = 1_000_000_000


def wait_until_ns(start_at_ns: Any) -> None:
    """Schedule calls arrive a little early with the planned time; the entry point starts on it, so the firing
    jitter is this sleep's, not the host timer's and the pipe's. Waits at most 1 s; a past time does not wait."""
    if not isinstance(start_at_ns, int):
        return
    deadline = min(start_at_ns, time.time_ns() + MAX_START_WAIT_NS)
    while True:
        left = deadline - time.time_ns()
        if left <= 0:
            return
        time.sleep(min(left, 50_000_000) / 1e9)


def _args(params: dict[str, Any]) -> Optional[dict[str, Any]]:
    args = params.get(Field.ARGS)
    return dict(args) if isinstance(args, dict) else None


def _body(value: Any) -> bytes:
    if value is None:
        return b""
    if isinstance(value, str):
        return value.encode("utf-8")
    return bytes(value)


class Runtime:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.plugin: Optional[Plugin] = None
        self.database = ""
        self.cache_store = CacheStore()

    # -- load ---------------------------------------------------------------------------
    def load(self, params: dict[str, Any]) -> dict[str, Any]:
        path = params.get(Field.PLUGIN_PATH)
        database = params.get(Field.DATABASE)
        if not isinstance(path, str) or not path or not isinstance(database, str) or not database:
            name = Field.DATABASE if isinstance(path, str) and path else Field.PLUGIN_PATH
            raise CallFailed(ErrorBody(ErrorType.INVALID_PARAMS,
                                       f"{ErrorType.INVALID_PARAMS}: load needs a {name} string",
                                       None, Phase.LOAD))
        source = params.get(Field.SOURCE)
        try:
            plugin = load_plugin(path, source if isinstance(source, str) else None)
        except PluginError as exc:
            raise CallFailed(error_payload(exc, Phase.LOAD)) from None
        self.plugin = plugin
        self.database = database
        persist = params.get(Field.PERSIST_CACHE, True) is not False
        self.cache_store.persist = persist
        self.cache_store.local.persist = persist
        failed: list[str] = []
        restored = 0
        snapshot = params.get(Field.CACHE_SNAPSHOT)
        if snapshot is not None:
            failed = self.cache_store.local.restore(snapshot)
            restored = len(self.cache_store.local.entries)
        return {
            Field.KIND: plugin.kind,
            Field.PID: os.getpid(),
            Field.PYTHON_VERSION: platform.python_version(),
            Field.CACHE_RESTORED: restored,
            Field.CACHE_RESTORE_FAILED: failed,
            Field.MEMORY_LIMIT_APPLIED: apply_memory_limit(params.get(Field.MEMORY_LIMIT_BYTES)),
        }

    # -- calls --------------------------------------------------------------------------
    def new_context(self, call_id: int, params: dict[str, Any]) -> CallContext:
        database = params.get(Field.DATABASE) or self.database
        cache_name = params.get(Field.CACHE_NAME)
        ctx = CallContext(call_id, database, self.connection, self.cache_store,
                          cache_name if isinstance(cache_name, str) else None)
        if ctx.cache_name is not None and params.get(Field.CACHE_SNAPSHOT) is not None:
            self.cache_store.namespace(ctx.cache_name).restore(params[Field.CACHE_SNAPSHOT])
        return ctx

    def _positional(self, method: str, params: dict[str, Any], api: PluginApi) -> tuple[Any, ...]:
        if method == PROCESS_WRITES:
            return (api, _decode_batches(params.get(Field.TABLE_BATCHES), api_context(api)), _args(params))
        if method == PROCESS_SCHEDULED_CALL:
            call_time = datetime.datetime.fromtimestamp(int(params.get(Field.CALL_TIME, 0)))
            return (api, call_time, _args(params))
        return (api, dict(params.get(Field.QUERY_PARAMETERS) or {}),
                dict(params.get(Field.REQUEST_HEADERS) or {}),
                _body(params.get(Field.REQUEST_BODY)), _args(params))

    def call(self, method: str, params: dict[str, Any], ctx: CallContext) -> dict[str, Any]:
        """Run one entry-point call; returns the result map or raises ``CallFailed``."""
        if self.plugin is None:
            raise CallFailed(ErrorBody(ErrorType.NOT_LOADED,
                                       f"{ErrorType.NOT_LOADED}: no plugin loaded, send load first",
                                       None, Phase.LOAD))
        plugin = self.plugin
        source_path = plugin.source_path
        api = PluginApi(ctx)
        phase = Phase.LOAD
        try:
            positional = self._positional(method, params, api)
            func: Callable[..., Any] = plugin.entry_point(method)
            wait_until_ns(params.get(Field.START_AT_NS))
            phase = Phase.CALL
            returned = func(*positional)
            result: dict[str, Any] = {}
            if method == PROCESS_REQUEST:
                phase = Phase.RESPONSE
                result = response_result(returned)
            del returned
        except BaseException as exc:  # noqa: BLE001 - every plugin failure is a reply
            error = error_payload(exc, phase, source_path, plugin.owns_code)
            raise CallFailed(error.with_cache_changes(self._cache_changes(ctx))) from None
        result[Field.WRITES] = ctx.take_writes()
        changes = self._cache_changes(ctx)
        if changes is not None:
            result[Field.CACHE_CHANGES] = changes
        return result

    def _cache_changes(self, ctx: CallContext) -> Optional[dict[str, Any]]:
        try:
            return self.cache_store.namespace(ctx.cache_name).collect_changes()
        except Exception:  # noqa: BLE001 - persistence is best effort
            return None
