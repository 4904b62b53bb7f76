"""``influxdb3_local.cache``: the per-trigger namespace lives here, the global one in the host.

Local namespaces hold live objects (by reference, as upstream). So that the host can
persist them across runner restarts, every key a call touched (``get``, ``put``,
``delete``, expiry) is re-pickled after the call and compared, by digest, with what the
host last received; the differences travel back as ``cache_changes``. A value mutated in
place without ``get``/``put`` during a call is not noticed until its key is touched again.
"""

from __future__ import annotations

import hashlib
import math
import pickle
import time
import weakref
from typing import Any, Callable, Optional

from .protocol import CACHE_DELETE, CACHE_GET, CACHE_PUT, Field

PICKLE_PROTOCOL = 5
SWEEP_INTERVAL_S = 10.0
TEST_DEFAULT_TTL_S = 30 * 60.0
_MAX_EXPIRY_S = (2 ** 63 - 1) / 1e9  # upstream keeps expiry as i64 nanoseconds

_NEGATIVE = "cannot convert float seconds to Duration: value is negative"
_TOO_BIG = "cannot convert float seconds to Duration: value is either too big or NaN"


def pyo3_type_error(arg: str, value: Any, target: str) -> TypeError:
    return TypeError(
        f"argument '{arg}': '{type(value).__name__}' object cannot be converted to '{target}'")


def check_str(arg: str, value: Any) -> str:
    if not isinstance(value, str):
        raise pyo3_type_error(arg, value, "PyString")
    return value


def check_optional_bool(arg: str, value: Any) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise pyo3_type_error(arg, value, "PyBool")
    return value


def ttl_seconds(ttl: Any) -> Optional[float]:
    """Validate a ``ttl`` argument the way upstream's ``Duration::try_from_secs_f64`` does."""
    if ttl is None:
        return None
    kind = type(ttl)
    if not (hasattr(kind, "__float__") or hasattr(kind, "__index__")) or isinstance(ttl, str):
        raise TypeError(f"argument 'ttl': must be real number, not {kind.__name__}")
    seconds = float(ttl)
    if seconds < 0:
        raise ValueError(_NEGATIVE)
    if math.isnan(seconds) or math.isinf(seconds) or seconds >= 2.0 ** 64:
        raise ValueError(_TOO_BIG)
    return seconds


def expiry_for(ttl: Optional[float], now: float, default_ttl: Optional[float]) -> Optional[float]:
    if ttl is None:
        ttl = default_ttl
    if ttl is None:
        return None
    expires_at = now + ttl
    if expires_at >= _MAX_EXPIRY_S:
        raise ValueError(_TOO_BIG)
    return expires_at


def dumps(value: Any) -> bytes:
    return pickle.dumps(value, protocol=PICKLE_PROTOCOL)


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


class Namespace:
    """One in-child namespace: key -> [value, expires_at (unix seconds) | None]."""

    def __init__(self, name: Optional[str] = None, default_ttl: Optional[float] = None,
                 clock: Callable[[], float] = time.time, persist: bool = True) -> None:
        self.name = name
        self.default_ttl = default_ttl
        self.clock = clock
        self.persist = persist
        self.entries: dict[str, list[Any]] = {}
        self._touched: set[str] = set()
        self._shipped: dict[str, tuple[bytes, Optional[float]]] = {}

    def _touch(self, key: str) -> None:
        if self.persist:
            self._touched.add(key)

    def put(self, key: str, value: Any, ttl: Optional[float]) -> None:
        self.entries[key] = [value, expiry_for(ttl, self.clock(), self.default_ttl)]
        self._touch(key)

    def get(self, key: str) -> tuple[bool, Any]:
        entry = self.entries.get(key)
        if entry is None:
            return False, None
        if entry[1] is not None and entry[1] <= self.clock():
            del self.entries[key]
            self._touch(key)
            return False, None
        self._touch(key)
        return True, entry[0]

    def delete(self, key: str) -> bool:
        existed = self.entries.pop(key, None) is not None
        if existed:
            self._touch(key)
        return existed

    def sweep(self) -> None:
        now = self.clock()
        expired = [k for k, (_, exp) in self.entries.items() if exp is not None and exp <= now]
        for key in expired:
            del self.entries[key]
            self._touch(key)

    def restore(self, snapshot: Optional[dict[str, Any]]) -> list[str]:
        """Replace the contents with a host snapshot; returns the keys that failed to load."""
        self.entries.clear()
        self._touched.clear()
        self._shipped.clear()
        failed: list[str] = []
        now = self.clock()
        for key, item in (snapshot or {}).items():
            try:
                data = item[Field.VALUE]
                expires_at = item.get(Field.EXPIRES_AT)
                if expires_at is not None and expires_at <= now:
                    continue
                self.entries[key] = [pickle.loads(data), expires_at]
                self._shipped[key] = (_digest(bytes(data)), expires_at)
            except Exception:  # noqa: BLE001 - one bad entry must not lose the others
                failed.append(key)
        return failed

    def collect_changes(self) -> Optional[dict[str, Any]]:
        """What changed for the host since the last collection, or None when nothing did."""
        if not self.persist or not self._touched:
            return None
        changed: dict[str, dict[str, Any]] = {}
        deleted: list[str] = []
        unpicklable: list[str] = []
        for key in self._touched:
            entry = self.entries.get(key)
            if entry is not None:
                try:
                    data = dumps(entry[0])
                except Exception:  # noqa: BLE001 - unpicklable values stay in memory only
                    unpicklable.append(key)
                else:
                    state = (_digest(data), entry[1])
                    if self._shipped.get(key) != state:
                        self._shipped[key] = state
                        changed[key] = {Field.VALUE: data, Field.EXPIRES_AT: entry[1]}
                    continue
            if self._shipped.pop(key, None) is not None:
                deleted.append(key)
        self._touched.clear()
        if not (changed or deleted or unpicklable):
            return None
        return {Field.CACHE_NAME: self.name, Field.SET: changed, Field.DELETED: sorted(deleted),
                Field.UNPICKLABLE: sorted(unpicklable)}


class CacheStore:
    """The child's local namespaces: the trigger's own, plus test-local ones by cache name."""

    def __init__(self, clock: Callable[[], float] = time.time, persist: bool = True,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.monotonic = monotonic
        self.persist = persist
        self.local = Namespace(None, None, clock, persist)
        self.tests: dict[str, Namespace] = {}
        self._last_sweep = monotonic()

    def namespace(self, cache_name: Optional[str]) -> Namespace:
        if cache_name is None:
            return self.local
        ns = self.tests.get(cache_name)
        if ns is None:
            ns = Namespace(cache_name, TEST_DEFAULT_TTL_S, self.clock, self.persist)
            self.tests[cache_name] = ns
        return ns

    def maybe_sweep(self) -> None:
        now = self.monotonic()
        if now - self._last_sweep < SWEEP_INTERVAL_S:
            return
        self._last_sweep = now
        for ns in [self.local, *self.tests.values()]:
            ns.sweep()


class GlobalCacheClient:
    """Global-namespace operations, forwarded to the host (values travel pickled)."""

    def __init__(self, request: Callable[[str, dict[str, Any]], Any], cache_name: Optional[str]) -> None:
        self._request = request
        self._cache_name = cache_name

    def put(self, key: str, value: Any, ttl: Optional[float]) -> None:
        if ttl is None and self._cache_name is not None:
            ttl = TEST_DEFAULT_TTL_S
        expiry_for(ttl, time.time(), None)  # same range check as the local namespace
        self._request(CACHE_PUT, {Field.KEY: key, Field.VALUE: dumps(value), Field.TTL: ttl,
                                  Field.CACHE_NAME: self._cache_name})

    def get(self, key: str) -> tuple[bool, Any]:
        result = self._request(CACHE_GET, {Field.KEY: key, Field.CACHE_NAME: self._cache_name}) or {}
        if not result.get(Field.FOUND):
            return False, None
        return True, pickle.loads(result[Field.VALUE])

    def delete(self, key: str) -> bool:
        result = self._request(CACHE_DELETE, {Field.KEY: key, Field.CACHE_NAME: self._cache_name}) or {}
        return bool(result.get(Field.DELETED))


_STATE: "weakref.WeakKeyDictionary[PluginCache, tuple[Namespace, GlobalCacheClient]]" = weakref.WeakKeyDictionary()


class PluginCache:
    """The object plugins see as ``influxdb3_local.cache``: only put, get and delete."""

    __slots__ = ("__weakref__",)

    def __init__(self, local: Namespace, remote: GlobalCacheClient) -> None:
        _STATE[self] = (local, remote)

    def put(self, key: Any, value: Any, ttl: Any = None, use_global: Any = None) -> None:
        check_str("key", key)
        seconds = ttl_seconds(ttl)
        local, remote = _STATE[self]
        if check_optional_bool("use_global", use_global):
            remote.put(key, value, seconds)
        else:
            local.put(key, value, seconds)

    def get(self, key: Any, default: Any = None, use_global: Any = None) -> Any:
        check_str("key", key)
        local, remote = _STATE[self]
        target: "Namespace | GlobalCacheClient" = remote if check_optional_bool("use_global", use_global) else local
        found, value = target.get(key)
        return value if found else default

    def delete(self, key: Any, use_global: Any = None) -> bool:
        check_str("key", key)
        local, remote = _STATE[self]
        target: "Namespace | GlobalCacheClient" = remote if check_optional_bool("use_global", use_global) else local
        return target.delete(key)
