"""``influxdb3_local``: the API object passed to every entry point.

Its public attribute set is exactly upstream's nine names; per-call state is kept in a
module-level weak map so that nothing else shows up in ``dir()``. Logging, queries,
writes and the global cache go to the host over the connection; the local cache stays in
the call context. Queued writes are sent to the host in bounded chunks while the call runs
(``write_chunk``, one at a time: the plugin waits for the host to stage a chunk before it
queues more), and the host applies them only after the call succeeded; query results come
back in pages (``query_next``) and are joined into the one list the plugin gets.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any, Optional

from .cache import CacheStore, GlobalCacheClient, PluginCache, check_str, pyo3_type_error
from .connection import Connection, ConnectionClosed, HostError
from .errors import SHUTDOWN_MESSAGE, QueryError
from .protocol import LOG, PART, QUERY, QUERY_CLOSE, QUERY_NEXT, WRITE_CHUNK, WRITE_SYNC, Field, HostErrorType

INTERNAL_DB_NAME = "_internal"
# Queued write() lines are sent to the host once this many bytes of line protocol are waiting.
WRITE_CHUNK_BYTES = 4 * 1024 * 1024
_DB_NAME_MAX_BYTES = 511


def _truncate(name: str) -> str:
    data = name.encode("utf-8")
    if len(data) <= _DB_NAME_MAX_BYTES:
        return name
    return data[:_DB_NAME_MAX_BYTES].decode("utf-8", errors="ignore")


def database_name_error(name: str) -> Optional[str]:
    """Upstream ``DatabaseName::new`` validation; the error text, or None when valid.

    ``character number`` is the zero-based index of the first offending character
    (``'bad db'`` -> 3), as in upstream's tests.
    """
    size = len(name.encode("utf-8"))
    if size < 1 or size > _DB_NAME_MAX_BYTES:
        return (f"database name {_truncate(name)} length must be between 1 and "
                f"{_DB_NAME_MAX_BYTES} characters")
    for index, char in enumerate(name):
        if not (char.isalnum() or char in "/_-"):
            return (f"database name '{_truncate(name)}' contains invalid character, "
                    f"character number {index} is not allowed")
    return None


class CallContext:
    """Everything one entry-point call needs from the runner; lives for that call."""

    def __init__(self, call_id: int, database: str, connection: Connection,
                 cache_store: CacheStore, cache_name: Optional[str] = None) -> None:
        self.call_id = call_id
        self.database = database
        self.connection = connection
        self.cache_store = cache_store
        self.cache_name = cache_name
        # Set by the reading thread ($/cancel, $/shutdown), read by the plugin's: a plain flag is enough under the GIL.
        self.cancelled = False
        self.writes: dict[str, list[str]] = {}
        self._write_bytes = 0
        self._finished = False
        # Held while lines are queued and while a chunk is on its way, so chunks keep the call's write order.
        self._write_lock = threading.Lock()
        # A chunk stays well under the frame cap whatever the cap is.
        self._chunk_cap = getattr(connection, "max_frame_bytes", 1 << 62) // 2
        self._cache_obj: Optional[PluginCache] = None

    # -- cancellation ------------------------------------------------------------------
    def cancel(self) -> None:
        self.cancelled = True
        self.connection.cancel_call(self.call_id, lambda: KeyboardInterrupt(SHUTDOWN_MESSAGE))

    def check_cancelled(self) -> None:
        if self.cancelled:
            raise KeyboardInterrupt(SHUTDOWN_MESSAGE)

    # -- host requests -----------------------------------------------------------------
    def host_request(self, method: str, params: dict[str, Any], cancellable: bool = True) -> Any:
        params[Field.CALL_ID] = self.call_id
        abort = self.check_cancelled if cancellable else None
        return self.connection.request(method, params, self.call_id, cancellable, abort)

    def log(self, level: str, args: tuple[Any, ...]) -> None:
        self.check_cancelled()
        text = " ".join(str(arg) for arg in args)
        self.connection.notify(LOG, {Field.CALL_ID: self.call_id, Field.LEVEL: level, Field.TEXT: text})

    @property
    def cache(self) -> PluginCache:
        self.cache_store.maybe_sweep()
        if self._cache_obj is None:
            remote = GlobalCacheClient(
                lambda method, params: self.host_request(method, params, cancellable=False),
                self.cache_name)
            self._cache_obj = PluginCache(self.cache_store.namespace(self.cache_name), remote)
        return self._cache_obj

    def queue_write(self, db_name: str, line: str) -> None:
        """Queue one line; once WRITE_CHUNK_BYTES are waiting they go to the host as one chunk (backpressure:
        this returns only after the host staged it). Lines queued after the call returned are dropped."""
        with self._write_lock:
            if self._finished:
                return
            self.writes.setdefault(db_name, []).append(line)
            self._write_bytes += len(line) + 1
            if self._write_bytes >= min(WRITE_CHUNK_BYTES, self._chunk_cap):
                self._send_chunk()

    def _send_chunk(self) -> None:
        writes, self.writes, self._write_bytes = self.writes, {}, 0
        chunk = {db: "\n".join(lines).encode("utf-8") for db, lines in writes.items()}
        del writes
        try:
            self.host_request(WRITE_CHUNK, {Field.WRITES: chunk})
        except (HostError, ConnectionClosed) as exc:
            raise Exception(f"error queueing writes to {', '.join(chunk)}: {exc}") from None

    def take_writes(self) -> dict[str, list[str]]:
        """The lines not sent as chunks yet (the call result's ``writes``); later writes are dropped."""
        with self._write_lock:
            self._finished = True
            writes, self.writes, self._write_bytes = self.writes, {}, 0
        return writes


def _build_line(line_builder: Any) -> str:
    line = line_builder.build()
    if not isinstance(line, str):
        raise TypeError(f"'{type(line).__name__}' object cannot be converted to 'PyString'")
    return line


def _reject_internal(db_name: str) -> None:
    if db_name == INTERNAL_DB_NAME:
        raise Exception("Python plugins cannot write to the _internal database")


def _rows_from_result(result: Any, columns: Any = None) -> list[Any]:
    if isinstance(result, list):
        return result
    if not isinstance(result, dict):
        return []
    rows = result.get(Field.ROWS) or []
    columns = result.get(Field.COLUMNS, columns)
    if columns is not None:
        return [dict(zip(columns, row)) for row in rows]
    return rows


def _query_pages(ctx: "CallContext", first: Any) -> list[Any]:
    """All rows of a query: the first answer, then ``query_next`` pages while the host names a cursor."""
    rows = _rows_from_result(first)
    cursor = first.get(Field.CURSOR) if isinstance(first, dict) else None
    columns = first.get(Field.COLUMNS) if isinstance(first, dict) else None
    try:
        while cursor is not None:
            page = ctx.host_request(QUERY_NEXT, {Field.CURSOR: cursor})
            rows.extend(_rows_from_result(page, columns))
            cursor = page.get(Field.CURSOR) if isinstance(page, dict) else None
    except BaseException:
        if cursor is not None:
            try:
                ctx.connection.notify(QUERY_CLOSE, {Field.CALL_ID: ctx.call_id, Field.CURSOR: cursor})
            except Exception:  # noqa: BLE001 - the host closes a call's cursors when the call ends anyway
                pass
        raise
    return rows


def fetch_parts(ctx: "CallContext", key: str, value: dict[str, Any]) -> list[Any]:
    """A call parameter the host sent in parts (``{"$parts": n}``, protocol version 2): each ``$/part`` answer
    is ``{items: [...]}``, one slice of the list, fetched in order and joined."""
    count = value.get(Field.PARTS)
    if not isinstance(count, int) or count < 0:
        raise ValueError(f"parted parameter {key} has an invalid part count {count!r}")
    items: list[Any] = []
    for index in range(count):
        part = ctx.host_request(PART, {Field.KEY: key, Field.INDEX: index})
        items.extend(part.get(Field.ITEMS) or [] if isinstance(part, dict) else [])
    return items


def api_context(api: "PluginApi") -> "CallContext":
    return _STATE[api]


_STATE: "weakref.WeakKeyDictionary[PluginApi, CallContext]" = weakref.WeakKeyDictionary()


class PluginApi:
    """The ``influxdb3_local`` object (public names asserted by upstream's surface test)."""

    __slots__ = ("__weakref__",)

    def __init__(self, ctx: CallContext) -> None:
        _STATE[self] = ctx

    def info(self, *args: Any) -> None:
        _STATE[self].log("INFO", args)

    def warn(self, *args: Any) -> None:
        _STATE[self].log("WARN", args)

    def error(self, *args: Any) -> None:
        _STATE[self].log("ERROR", args)

    def query(self, query: Any, args: Any = None, database: Any = None) -> list[Any]:
        ctx = _STATE[self]
        check_str("query", query)
        if args is not None:
            if not isinstance(args, dict):
                raise pyo3_type_error("args", args, "PyDict")
            for key, value in args.items():
                check_str("args", key)
                check_str("args", value)
        if database is not None:
            check_str("database", database)
        ctx.check_cancelled()
        db_name = ctx.database if database is None else database
        problem = database_name_error(db_name)
        if problem is not None:
            raise QueryError(f"invalid database name provided: {problem}")
        params = {Field.QUERY: query, Field.ARGS: dict(args) if args is not None else None,
                  Field.DATABASE: db_name}
        try:
            result = ctx.host_request(QUERY, params)
            return _query_pages(ctx, result)
        except HostError as exc:
            if exc.error_type == HostErrorType.VALUE_ERROR:
                raise ValueError(exc.message) from None
            raise QueryError(exc.message) from None
        except ConnectionClosed as exc:
            raise QueryError(f"connection to the server closed: {exc}") from None

    def write(self, line_builder: Any) -> None:
        ctx = _STATE[self]
        self.write_to_db(ctx.database, line_builder)

    def write_to_db(self, db_name: Any, line_builder: Any) -> None:
        ctx = _STATE[self]
        check_str("db_name", db_name)
        ctx.check_cancelled()
        _reject_internal(db_name)
        line = _build_line(line_builder)
        ctx.queue_write(db_name, line)

    def write_sync(self, line_builder: Any, no_sync: Any) -> None:
        ctx = _STATE[self]
        self.write_sync_to_db(ctx.database, line_builder, no_sync)

    def write_sync_to_db(self, db_name: Any, line_builder: Any, no_sync: Any) -> None:
        ctx = _STATE[self]
        check_str("db_name", db_name)
        if not isinstance(no_sync, bool):
            raise pyo3_type_error("no_sync", no_sync, "PyBool")
        ctx.check_cancelled()
        _reject_internal(db_name)
        line = _build_line(line_builder)
        problem = database_name_error(db_name)
        if problem is not None:
            raise Exception(
                f"error writing line protocol to {db_name}: invalid database name: {problem}")
        try:
            ctx.host_request(WRITE_SYNC, {Field.DATABASE: db_name, Field.LINES: line, Field.NO_SYNC: no_sync})
        except (HostError, ConnectionClosed) as exc:
            raise Exception(f"error writing line protocol to {db_name}: {exc}") from None

    @property
    def cache(self) -> PluginCache:
        return _STATE[self].cache
