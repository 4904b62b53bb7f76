"""Webhook: accept points as JSON over HTTP and write them to the database.

Trigger kind: HTTP request (``request:<path>``, served at ``/api/v3/engine/<path>``); entry point
``process_request``.

The request body is one point or a list of points:

    {"measurement": "home", "tags": {"room": "kitchen"}, "fields": {"temp": 21.5, "hum": 40}, "time": 1735689600000000000}

- ``measurement``: the table (required, a non-empty string)
- ``tags``: object of tag names to values (optional; numbers are written as strings)
- ``fields``: object of field names to values (required, at least one)
- ``time``: nanoseconds since the epoch (optional; the server's current time when left out)

Field types: when the table already has the column, its type wins, so ``21`` sent for a float column
is written as ``21.0`` (JSON cannot tell 21 from 21.0). A new column takes its type from the JSON
value: ``true``/``false`` -> bool, a whole number -> int64, any other number -> float64, a string ->
string. A value that does not fit the column (text for a number, 1.5 for an integer) is refused.

The whole body is checked before anything is written, so a bad point means nothing is written.
Answers (JSON):
    200 {"written": 2}
    400 {"error": "item 1: 'fields' must be a non-empty object", "item": 1}   (item = 0-based index)

Trigger arguments (all optional):
    database  write to this database instead of the trigger's own
"""

import json
import math

MAX_POINTS = 10_000  # refuse absurdly large bodies with a clear message instead of a slow run
INT64_RANGE = range(-(2**63), 2**63)
UINT64_RANGE = range(0, 2**64)


class BadPoint(ValueError):
    """A point that cannot be written; `item` is its 0-based position in the body."""

    def __init__(self, item, message):
        super().__init__(f"item {item}: {message}")
        self.item = item


def check_text(item, what, text):
    """Names and tag values end up unquoted in line protocol: refuse control characters such as a
    newline, which would otherwise start a new line (and let a caller write arbitrary data)."""
    if any(ord(c) < 32 for c in text):
        raise BadPoint(item, f"{what} {text!r} contains a control character")


def add_field(item, line, key, value, column_type):
    """Add one field to `line`, typed by the existing column (Arrow type name) or by the JSON value.
    Returns the column type used."""
    if value is None or isinstance(value, (dict, list)):
        kind = "null" if value is None else type(value).__name__
        raise BadPoint(item, f"field {key!r} has unsupported type {kind}")
    if isinstance(value, float) and not math.isfinite(value):
        raise BadPoint(item, f"field {key!r} must be a finite number")
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)  # True is an int too

    if column_type is None:  # a new column: the JSON type decides
        column_type = {bool: "Boolean", int: "Int64", float: "Float64", str: "Utf8"}[type(value)]

    if column_type == "Float64" and is_number:
        line.float64_field(key, float(value))
    elif column_type == "Int64" and is_number and value == int(value) and int(value) in INT64_RANGE:
        line.int64_field(key, int(value))
    elif column_type == "UInt64" and is_number and value == int(value) and int(value) in UINT64_RANGE:
        line.uint64_field(key, int(value))
    elif column_type == "Boolean" and isinstance(value, bool):
        line.bool_field(key, value)
    elif column_type == "Utf8" and isinstance(value, str):
        line.string_field(key, value)
    elif column_type.startswith("Dictionary"):
        raise BadPoint(item, f"{key!r} is a tag of this measurement, not a field")
    else:
        raise BadPoint(item, f"field {key!r}: {value!r} does not fit the column type {column_type}")
    return column_type


def to_line(item, point, schema_of):
    """Validate one JSON point and turn it into a LineBuilder. Raises BadPoint.

    `schema_of(measurement)` returns {column name: Arrow type name} for an existing table, else {}.
    """
    if not isinstance(point, dict):
        raise BadPoint(item, f"expected an object, got {type(point).__name__}")
    unknown = set(point) - {"measurement", "tags", "fields", "time"}
    if unknown:
        raise BadPoint(item, f"unknown key(s) {sorted(unknown)}; expected measurement, tags, fields, time")

    measurement = point.get("measurement")
    if not isinstance(measurement, str) or not measurement:
        raise BadPoint(item, "'measurement' must be a non-empty string")
    check_text(item, "measurement", measurement)
    if measurement.startswith("#"):
        raise BadPoint(item, "'measurement' must not start with '#' (a comment in line protocol)")
    tags = point.get("tags", {})
    if not isinstance(tags, dict):
        raise BadPoint(item, "'tags' must be an object")
    fields = point.get("fields")
    if not isinstance(fields, dict) or not fields:
        raise BadPoint(item, "'fields' must be a non-empty object")

    columns = schema_of(measurement)
    try:
        # LineBuilder checks names (no spaces in the measurement, no empty or ',', '=', ' ' in keys)
        # and raises InvalidMeasurementError / InvalidKeyError with a readable message.
        line = LineBuilder(measurement)
        for key, value in tags.items():
            if not isinstance(value, (str, int, float)) or isinstance(value, bool):
                raise BadPoint(item, f"tag {key!r} must be a string or a number")
            check_text(item, "tag key", key)
            check_text(item, f"tag {key!r} value", str(value))
            if str(value) == "":
                raise BadPoint(item, f"tag {key!r} must not be empty")
            if key in columns and not columns[key].startswith("Dictionary"):
                raise BadPoint(item, f"{key!r} is a field of this measurement, not a tag")
            line.tag(key, value)
            columns.setdefault(key, "Dictionary(Int32, Utf8)")  # later points see the new tag
        for key, value in fields.items():
            check_text(item, "field key", key)
            if key == "time":
                raise BadPoint(item, "'time' cannot be a field; put the timestamp in 'time' at the top level")
            # Remember the type of a new column, so a later point in this body must agree with it.
            columns[key] = add_field(item, line, key, value, columns.get(key))
    except BadPoint:
        raise
    except Exception as e:  # InvalidMeasurementError, InvalidKeyError (cannot be imported by name)
        raise BadPoint(item, str(e)) from e

    if "time" in point:
        ts = point["time"]
        if not isinstance(ts, int) or isinstance(ts, bool) or ts not in INT64_RANGE:
            raise BadPoint(item, "'time' must be an integer (nanoseconds since the epoch)")
        line.time_ns(ts)
    return line


def process_request(influxdb3_local, query_parameters, request_headers, request_body, args=None):
    args = args or {}
    database = args.get("database", "").strip() or None

    # request_body is bytes (already gunzipped by the server if it was sent gzipped).
    if not request_body or not request_body.strip():
        return {"error": "empty body: send a JSON object or a list of objects"}, 400
    try:
        body = json.loads(request_body)
    except ValueError as e:  # json.JSONDecodeError and UnicodeDecodeError are both ValueErrors
        return {"error": f"body is not valid JSON: {e}"}, 400

    points = body if isinstance(body, list) else [body]
    if not points:
        return {"error": "empty list: nothing to write"}, 400
    if len(points) > MAX_POINTS:
        return {"error": f"too many points ({len(points)}); send at most {MAX_POINTS} per request"}, 400

    # Column types of the tables we write to, one query per measurement and request.
    schemas = {}

    def schema_of(measurement):
        if measurement not in schemas:
            try:
                rows = influxdb3_local.query(
                    "SELECT column_name, data_type FROM information_schema.columns "
                    "WHERE table_schema = 'iox' AND table_name = $table",
                    {"table": measurement},
                    database,
                )
            except Exception:  # e.g. the target database does not exist yet: everything is new
                rows = []
            schemas[measurement] = {r["column_name"]: r["data_type"] for r in rows}
        return schemas[measurement]

    # Check every point first, so a bad item means nothing was written.
    try:
        lines = [to_line(i, p, schema_of) for i, p in enumerate(points)]
    except BadPoint as e:
        influxdb3_local.warn(f"webhook: rejected request: {e}")
        return {"error": str(e), "item": e.item}, 400

    for line in lines:
        # write() queues the line; the engine writes the queue when this function returns.
        if database:
            influxdb3_local.write_to_db(database, line)
        else:
            influxdb3_local.write(line)

    influxdb3_local.info(f"webhook: queued {len(lines)} point(s)")
    return {"written": len(lines)}
