"""A WAL flush as ``process_writes`` gets it: the wire's table fragments turned into upstream's ``table_batches``.

On the wire (protocol version 3) a fragment is ``{table_name, columns, rows: [[value, ...]]}`` (one run of rows with
the same columns, in that order) or ``{table_name, rows: [{column: value}]}``; adjacent fragments of one table are
joined. Every row becomes a plain ``dict`` of its own, keys in the row's column order, as upstream's rows.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Iterable

from .protocol import Field

Rows = Callable[[Iterable[Any]], list[dict[str, Any]]]

# Wider rows are built with dict(zip()) instead of a generated comprehension.
MAX_GENERATED_COLUMNS = 256


@functools.lru_cache(maxsize=64)
def _factory(width: int) -> Callable[..., Rows]:
    """``factory(*columns)`` returns a function turning value sequences of ``width`` items into dicts with a dict
    display (BUILD_MAP), about twice as fast as ``dict(zip(columns, values))``. Only the width is in the generated
    source: the column names are the factory's arguments."""
    keys = [f"k{i}" for i in range(width)]
    values = [f"v{i}" for i in range(width)]
    display = ", ".join(f"{k}: {v}" for k, v in zip(keys, values))
    source = (f"def factory({', '.join(keys)}):\n"
              f"    def build(rows):\n"
              f"        return [{{{display}}} for ({', '.join(values)},) in rows]\n"
              f"    return build\n")
    namespace: dict[str, Any] = {}
    exec(compile(source, f"<table_batches rows of {width}>", "exec"), namespace)  # noqa: S102 - generated from an int
    factory: Callable[..., Rows] = namespace["factory"]
    return factory


def rows_of(columns: Any, values: Iterable[Any]) -> list[dict[str, Any]]:
    """One run's value sequences as dicts keyed by ``columns``."""
    width = len(columns)
    if width == 0:
        return [{} for _ in values]
    if width > MAX_GENERATED_COLUMNS:
        return [dict(zip(columns, row)) for row in values]
    return _factory(width)(*columns)(values)


def _rows(fragment: dict[str, Any]) -> list[Any]:
    rows = fragment.get(Field.ROWS) or ()
    columns = fragment.get(Field.COLUMNS)
    if columns is not None:
        return rows_of(columns, rows)
    return rows if isinstance(rows, list) else list(rows)


def from_wire(fragments: Iterable[Any]) -> list[Any]:
    """Table fragments (one list, or the joined slices of a parted flush) as upstream's ``table_batches``."""
    batches: list[Any] = []
    last_name: Any = None
    for fragment in fragments:
        if not isinstance(fragment, dict):
            batches.append(fragment)
            last_name = None
            continue
        name = fragment.get(Field.TABLE_NAME)
        rows = _rows(fragment)
        if batches and last_name is not None and name == last_name:
            batches[-1][Field.ROWS].extend(rows)
            continue
        batches.append({Field.TABLE_NAME: name, Field.ROWS: rows})
        last_name = name
    return batches
