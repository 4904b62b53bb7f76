"""``LineBuilder``: the line-protocol builder injected into every plugin's builtins.

Output must match upstream byte for byte, including its quirks:
tag keys are validated but not escaped, measurement names escape only ``,`` and space,
and ``float64_field`` renders integral floats as ``<int>.0``.
"""

from __future__ import annotations

from types import ModuleType
from typing import Optional


class InfluxDBError(Exception):
    """Base class of the errors LineBuilder raises."""


class InvalidMeasurementError(InfluxDBError):
    """The measurement name is not usable."""


class InvalidKeyError(InfluxDBError):
    """A tag or field key is empty or holds a space, comma or equals sign."""


class InvalidLineError(InfluxDBError):
    """The line cannot be built (no field was set)."""


def _escape_measurement(name: str) -> str:
    return name.replace(",", "\\,").replace(" ", "\\ ")


def _escape_tag_value(value: str) -> str:
    return (value.replace("\\", "\\\\").replace(",", "\\,")
            .replace("=", "\\=").replace(" ", "\\ "))


# Field keys are escaped exactly like tag values upstream.
_escape_field_key = _escape_tag_value


def _check_key(key: str, kind: str) -> None:
    if not key:
        raise InvalidKeyError(f"{kind} key cannot be empty")
    for char, what in ((" ", "spaces"), (",", "commas"), ("=", "equals signs")):
        if char in key:
            raise InvalidKeyError(f"{kind} key '{key}' cannot contain {what}")


class LineBuilder:
    """Builds one line of line protocol; every setter returns ``self`` so calls chain."""

    def __init__(self, measurement: str):
        if " " in measurement:
            raise InvalidMeasurementError("Measurement name cannot contain spaces")
        self.measurement = measurement
        self.tags: "dict[str, str]" = {}
        self.fields: "dict[str, str]" = {}
        self._timestamp_ns: Optional[int] = None

    def tag(self, key: str, value: str) -> "LineBuilder":
        _check_key(key, "tag")
        self.tags[key] = str(value)
        return self

    def int64_field(self, key: str, value: int) -> "LineBuilder":
        _check_key(key, "field")
        self.fields[key] = f"{value}i"
        return self

    def uint64_field(self, key: str, value: int) -> "LineBuilder":
        _check_key(key, "field")
        if value < 0:
            raise ValueError(f"uint64 field '{key}' cannot be negative")
        self.fields[key] = f"{value}u"
        return self

    def float64_field(self, key: str, value: float) -> "LineBuilder":
        _check_key(key, "field")
        self.fields[key] = f"{int(value)}.0" if value % 1 == 0 else str(value)
        return self

    def string_field(self, key: str, value: str) -> "LineBuilder":
        _check_key(key, "field")
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        self.fields[key] = f'"{escaped}"'
        return self

    def bool_field(self, key: str, value: bool) -> "LineBuilder":
        _check_key(key, "field")
        self.fields[key] = "t" if value else "f"
        return self

    def time_ns(self, timestamp_ns: int) -> "LineBuilder":
        self._timestamp_ns = timestamp_ns
        return self

    def build(self) -> str:
        line = _escape_measurement(self.measurement)
        if self.tags:
            line += "," + ",".join(
                f"{key}={_escape_tag_value(value)}" for key, value in self.tags.items())
        if not self.fields:
            raise InvalidLineError(f"At least one field is required: {line}")
        line += " " + ",".join(
            f"{_escape_field_key(key)}={value}" for key, value in self.fields.items())
        if self._timestamp_ns is not None:
            line += f" {self._timestamp_ns}"
        return line


# Upstream defines these in ``__main__``; so do we (tracebacks print ``InvalidLineError: ...``
# and pickle finds them there, where ``install`` puts them).
for _cls in (LineBuilder, InfluxDBError, InvalidMeasurementError, InvalidKeyError,
             InvalidLineError):
    _cls.__module__ = "__main__"
del _cls

EXPORTED = {
    "LineBuilder": LineBuilder,
    "InfluxDBError": InfluxDBError,
    "InvalidMeasurementError": InvalidMeasurementError,
    "InvalidKeyError": InvalidKeyError,
    "InvalidLineError": InvalidLineError,
}


def install(main_module: Optional[ModuleType] = None) -> None:
    """Put LineBuilder into builtins, and the builder and its errors into ``__main__``."""
    import builtins
    import sys

    setattr(builtins, "LineBuilder", LineBuilder)
    main_module = main_module or sys.modules.get("__main__")
    if main_module is not None:
        for name, value in EXPORTED.items():
            setattr(main_module, name, value)
