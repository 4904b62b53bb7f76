"""Turning a ``process_request`` return value into (status, headers, body) as upstream does.

The checks run in upstream's order: duck-typed Flask response, tuple of
1-3 items, ``str``, ``dict``/``list``, any other iterable, else an error.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Mapping
from typing import Any, Optional

from .errors import PluginError
from .protocol import ErrorType, Field

DEFAULT_MIMETYPE = "text/html"
_I64_MIN, _I64_MAX = -(2 ** 63), 2 ** 63 - 1


def _extract_str(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"'{type(value).__name__}' object cannot be converted to 'PyString'"
                        f" ({what})")
    return value


def _extract_headers(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise TypeError(f"'{type(value).__name__}' object cannot be converted to 'PyDict'")
    return {_extract_str(k, "header name"): _extract_str(v, "header value")
            for k, v in value.items()}


def _is_flask_response(result: Any) -> bool:
    method = getattr(result, "__flask_response__", None)
    if method is None or not callable(method):
        return False
    try:
        return method() is True
    except Exception:  # noqa: BLE001 - upstream treats any failure as "not a Flask response"
        return False


def _body_part(part: Any) -> tuple[str, dict[str, str]]:
    if isinstance(part, str):
        return part, {"Content-Type": "text/html"}
    if isinstance(part, (dict, list)):
        return json.dumps(part), {"Content-Type": "application/json"}
    return str(part), {"Content-Type": "text/plain"}


def _as_i64(value: Any) -> Optional[int]:
    """The value as upstream's ``extract::<i64>()`` sees it, or None when that fails."""
    if isinstance(value, float):
        return None
    try:
        number = operator.index(value)
    except TypeError:
        return None
    return number if _I64_MIN <= number <= _I64_MAX else None


def map_response(result: Any) -> tuple[int, dict[str, str], str]:
    if _is_flask_response(result):
        status = operator.index(result.status_code)
        if not 0 <= status <= 65535:
            raise OverflowError("out of range integral type conversion attempted")
        body = _extract_str(result.get_data(), "get_data() result")
        return status, _extract_headers(result.headers), body

    if isinstance(result, tuple) and 1 <= len(result) <= 3:
        body, headers = _body_part(result[0])
        status = 200
        if len(result) >= 2:
            second = result[1]
            code = _as_i64(second)
            if code is not None:
                status = code if 0 <= code <= 65535 else 500
            elif isinstance(second, dict):
                headers.update(_extract_headers(second))
            if len(result) == 3:
                third = result[2]
                if not isinstance(third, dict):
                    raise PluginError("expected a dictionary in header item", ErrorType.RESPONSE_ERROR)
                headers.update(_extract_headers(third))
        return status, headers, body

    if isinstance(result, str):
        return 200, {"Content-Type": DEFAULT_MIMETYPE}, result

    if isinstance(result, (dict, list)):
        return 200, {"Content-Type": "application/json"}, json.dumps(result)

    if hasattr(result, "__iter__"):
        parts = []
        for item in result:
            if isinstance(item, str):
                parts.append(item)
            elif isinstance(item, bytes):
                try:
                    parts.append(item.decode("utf-8"))
                except UnicodeDecodeError:
                    pass
        return 200, {"Content-Type": DEFAULT_MIMETYPE}, "".join(parts)

    raise PluginError("Unsupported return type from Python function", ErrorType.RESPONSE_ERROR)


def response_result(result: Any) -> dict[str, Any]:
    """The wire form: ``{status, headers, body}`` with the body as UTF-8 bytes."""
    status, headers, body = map_response(result)
    return {Field.STATUS: status, Field.HEADERS: headers, Field.BODY: body.encode("utf-8")}
