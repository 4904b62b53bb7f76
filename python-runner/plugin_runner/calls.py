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
from typing import Any, Optional

from . import codec, messages
from .cache import CacheStore
from .connection import Connection
from .errors import PluginError, error_payload
from .host_api import CallContext, PluginApi, api_context, fetch_parts
from .limits import apply_memory_limit
from .plugin_loader import load_plugin
from .responses import response_result

def merge_table_batches(fragments: list) -> list:
    """A WAL flush sent in parts: a table's rows may be cut across parts (adjacent fragments of one table)."""
    batches: list = []
    for fragment in fragments:
        if batches and isinstance(fragment, dict) and batches[-1].get("table_name") == fragment.get("table_name"):
            batches[-1]["rows"].extend(fragment.get("rows") or [])
        else:
            batches.append(fragment)
    return batches


PHASE_LOAD = "load"
PHASE_CALL = "call"
PHASE_RESPONSE = "response"


class CallFailed(Exception):
    """Carries the ``error`` object of a failed call's response."""

    def __init__(self, error: dict) -> None:
        super().__init__(error.get("message"))
        self.error = error


def _decode_batches(value: Any, ctx: CallContext) -> list:
    if isinstance(value, dict) and messages.PARTS_KEY in value:
        return merge_table_batches(fetch_parts(ctx, "table_batches", value))
    if isinstance(value, (bytes, bytearray, memoryview)):
        return codec.unpackb(value)
    return value if value is not None else []


MAX_START_WAIT_NS = 1_000_000_000


def wait_until_ns(start_at_ns) -> None:
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


def _args(params: dict):
    args = params.get("args")
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
        self.plugin = None
        self.database = ""
        self.cache_store = CacheStore()

    # -- load ---------------------------------------------------------------------------
    def load(self, params: dict) -> dict:
        path = params.get("plugin_path")
        database = params.get("database")
        for name, value in (("plugin_path", path), ("database", database)):
            if not isinstance(value, str) or not value:
                raise CallFailed({"type": "InvalidParams",
                                  "message": f"InvalidParams: load needs a {name} string",
                                  "traceback": None, "phase": PHASE_LOAD})
        try:
            plugin = load_plugin(path, params.get("source"))
        except PluginError as exc:
            raise CallFailed(error_payload(exc, PHASE_LOAD)) from None
        self.plugin = plugin
        self.database = database
        persist = params.get("persist_cache", True) is not False
        self.cache_store.persist = persist
        self.cache_store.local.persist = persist
        failed: list = []
        restored = 0
        snapshot = params.get("cache_snapshot")
        if snapshot is not None:
            failed = self.cache_store.local.restore(snapshot)
            restored = len(self.cache_store.local.entries)
        return {
            "kind": plugin.kind,
            "pid": os.getpid(),
            "python_version": platform.python_version(),
            "cache_restored": restored,
            "cache_restore_failed": failed,
            "memory_limit_applied": apply_memory_limit(params.get("memory_limit_bytes")),
        }

    # -- calls --------------------------------------------------------------------------
    def new_context(self, call_id: int, params: dict) -> CallContext:
        database = params.get("database") or self.database
        cache_name = params.get("cache_name")
        ctx = CallContext(call_id, database, self.connection, self.cache_store,
                          cache_name if isinstance(cache_name, str) else None)
        if ctx.cache_name is not None and params.get("cache_snapshot") is not None:
            self.cache_store.namespace(ctx.cache_name).restore(params["cache_snapshot"])
        return ctx

    def _positional(self, method: str, params: dict, api: PluginApi) -> tuple:
        if method == "process_writes":
            return (api, _decode_batches(params.get("table_batches"), api_context(api)), _args(params))
        if method == "process_scheduled_call":
            call_time = datetime.datetime.fromtimestamp(int(params.get("call_time", 0)))
            return (api, call_time, _args(params))
        return (api, dict(params.get("query_parameters") or {}),
                dict(params.get("request_headers") or {}),
                _body(params.get("request_body")), _args(params))

    def call(self, method: str, params: dict, ctx: CallContext) -> dict:
        """Run one entry-point call; returns the result map or raises ``CallFailed``."""
        if self.plugin is None:
            raise CallFailed({"type": "NotLoaded", "message": "NotLoaded: no plugin loaded, send load first",
                              "traceback": None, "phase": PHASE_LOAD})
        plugin = self.plugin
        source_path = plugin.source_path
        api = PluginApi(ctx)
        phase = PHASE_LOAD
        try:
            positional = self._positional(method, params, api)
            func = plugin.entry_point(method)
            wait_until_ns(params.get("start_at_ns"))
            phase = PHASE_CALL
            returned = func(*positional)
            result: dict = {}
            if method == "process_request":
                phase = PHASE_RESPONSE
                result = response_result(returned)
            del returned
        except BaseException as exc:  # noqa: BLE001 - every plugin failure is a reply
            error = error_payload(exc, phase, source_path, plugin.owns_code)
            changes = self._cache_changes(ctx)
            if changes is not None:
                error["cache_changes"] = changes
            raise CallFailed(error) from None
        result["writes"] = ctx.take_writes()
        changes = self._cache_changes(ctx)
        if changes is not None:
            result["cache_changes"] = changes
        return result

    def _cache_changes(self, ctx: CallContext) -> Optional[dict]:
        try:
            return self.cache_store.namespace(ctx.cache_name).collect_changes()
        except Exception:  # noqa: BLE001 - persistence is best effort
            return None
