"""Exception classes of the runner and the upstream-compatible rendering of errors.

The host shows users ``<Type>: <message>`` exactly as PyO3 renders a Python exception
(type ``__qualname__``, a colon, ``str(exc)``), so every error reply carries that text,
plus a formatted traceback that points at the plugin's real file.
"""

from __future__ import annotations

import importlib
import os
import traceback
from typing import Any, Callable, Optional

from .protocol import ErrorBody, ErrorType

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
# Import machinery frames say nothing about the plugin; leave them out of tracebacks.
_HIDDEN_DIRS = (_PACKAGE_DIR, os.path.dirname(os.path.abspath(importlib.__file__)))

SHUTDOWN_MESSAGE = "influxdb3 is shutting down; aborting plugin execution"


class ProtocolError(Exception):
    """The frame stream is corrupt or violates the protocol; the connection is unusable."""


class FrameTooLargeError(ProtocolError):
    """A frame above the configured cap (incoming or outgoing)."""

    def __init__(self, length: int, limit: int) -> None:
        super().__init__(f"frame of {length} bytes exceeds the maximum frame size of {limit} bytes")
        self.length = length
        self.limit = limit


class QueryError(Exception):
    """Raised into plugins when the host fails a query (plugins cannot import it by name)."""


QueryError.__module__ = "influxdb3_py_api"


class PluginError(Exception):
    """A failure whose message is shown verbatim, without a ``<Type>:`` prefix.

    Used where upstream reports an ``anyhow`` text rather than a Python exception: missing
    entry points, wrapped import failures and the request return-value mapping.
    ``error_type`` is what the error reply's ``type`` field says.
    """

    def __init__(self, message: str, error_type: str = ErrorType.PLUGIN_ERROR,
                 cause: BaseException | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.error_type = error_type
        self.cause = cause


class CallCancelled(Exception):
    """A queued call that was cancelled, or refused because the runner is shutting down."""


def render_exception(exc: BaseException) -> str:
    """``<Type>: <msg>`` the way PyO3's ``Display for PyErr`` prints it."""
    if isinstance(exc, PluginError):
        return exc.message
    try:
        text = str(exc)
    except Exception:  # noqa: BLE001 - a broken __str__ must not break the reply
        text = "<exception str() failed>"
    return f"{type(exc).__qualname__}: {text}"


def exception_type_name(exc: BaseException) -> str:
    if isinstance(exc, PluginError):
        return exc.error_type
    return type(exc).__qualname__


def _is_internal(filename: str) -> bool:
    if filename.startswith("<frozen importlib"):
        return True
    try:
        return os.path.dirname(os.path.abspath(filename)) in _HIDDEN_DIRS
    except (TypeError, ValueError):
        return False


def format_traceback(exc: BaseException, source_path: Optional[str] = None,
                     owns_code: Optional[Callable[[Any], bool]] = None) -> Optional[str]:
    """The exception's traceback without runner frames.

    Single-file plugin code is compiled with the filename ``<string>`` (so messages look
    like upstream's); its frames, picked out by ``owns_code`` (every ``<string>`` frame
    when it is None), are shown under ``source_path`` so users see the real file.
    """
    if isinstance(exc, PluginError):
        if exc.cause is None:
            return None
        exc = exc.cause
    try:
        te = traceback.TracebackException.from_exception(exc)
        _rewrite(te, exc, source_path, owns_code, set())
        return "".join(te.format())
    except Exception:  # noqa: BLE001 - never fail the reply because of the traceback
        return None


def _rewrite(te: traceback.TracebackException, exc: Optional[BaseException],
             source_path: Optional[str], owns_code: Optional[Callable[[Any], bool]], seen: set[int]) -> None:
    if id(te) in seen:
        return
    seen.add(id(te))
    codes = [frame.f_code for frame, _ in traceback.walk_tb(exc.__traceback__)] if exc else []
    kept = []
    for index, summary in enumerate(te.stack):
        if _is_internal(summary.filename):
            continue
        if source_path and summary.filename == "<string>":
            code = codes[index] if index < len(codes) else None
            if owns_code is None or (code is not None and owns_code(code)):
                summary.line  # noqa: B018 - load the source line before renaming the file
                summary.filename = source_path
        kept.append(summary)
    if len(kept) != len(te.stack):
        te.stack = traceback.StackSummary.from_list(kept)
    if (source_path and isinstance(exc, SyntaxError)
            and getattr(te, "filename", None) == "<string>"):
        te.filename = source_path
    for nested, nested_exc in ((te.__cause__, exc.__cause__ if exc else None),
                               (te.__context__, exc.__context__ if exc else None)):
        if nested is not None:
            _rewrite(nested, nested_exc, source_path, owns_code, seen)


def error_payload(exc: BaseException, phase: str, source_path: Optional[str] = None,
                  owns_code: Optional[Callable[[Any], bool]] = None) -> ErrorBody:
    """The ``error`` of a failed call's response."""
    return ErrorBody(exception_type_name(exc), render_exception(exc),
                     format_traceback(exc, source_path, owns_code), phase)
