"""The msgpack codec the runner uses: the ``msgpack`` package (C, fast) when it can be imported, otherwise
the runner's own pure-Python codec, so a bare ``python3`` can run plugins.

``INFLUXDB3_RUNNER_NO_MSGPACK=1`` forces the pure-Python codec (tests, and comparing the two).
"""

from __future__ import annotations

import importlib
import os
import sys
from types import ModuleType
from typing import Any, Optional

NAME: str
VERSION: str

_msgpack: Optional[ModuleType] = None
if os.environ.get("INFLUXDB3_RUNNER_NO_MSGPACK", "") not in ("", "0"):
    _why = "INFLUXDB3_RUNNER_NO_MSGPACK is set"
else:
    try:
        _msgpack = importlib.import_module("msgpack")
        _why = ""
    except Exception as exc:  # noqa: BLE001 - any import failure means: use the fallback
        _why = f"{type(exc).__name__}: {exc}"

if _msgpack is not None:
    NAME = "msgpack"
    VERSION = ".".join(str(p) for p in _msgpack.version)
    _packb = _msgpack.packb
    _unpackb = _msgpack.unpackb

    def packb(obj: Any) -> bytes:
        packed: bytes = _packb(obj, use_bin_type=True)
        return packed

    def unpackb(data: Any) -> Any:
        return _unpackb(data, raw=False, strict_map_key=False)

    def unpackb_tuples(data: Any) -> Any:
        """Arrays as tuples: cheaper to build than lists, and the garbage collector stops tracking tuples of plain
        values (WAL rows)."""
        return _unpackb(data, raw=False, strict_map_key=False, use_list=False)

else:
    from . import msgpack_fallback as _fallback

    NAME = "fallback"
    VERSION = "pure-python"
    packb = _fallback.packb

    def unpackb(data: Any) -> Any:
        return _fallback.unpackb(data)

    unpackb_tuples = unpackb

    try:
        sys.stderr.write(
            "plugin_runner: WARN using the pure-Python msgpack codec (" + _why + "); the C codec is faster: "
            "install python3-msgpack (or pip install msgpack into the plugin venv)\n")
        sys.stderr.flush()
    except Exception:  # noqa: BLE001 - a closed stderr must not stop the runner
        pass
