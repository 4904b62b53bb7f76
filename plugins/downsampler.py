"""Downsampler: average a source table into fixed time windows, on a schedule.

Trigger kind: schedule (``every:<duration>`` or ``cron:<6-field expression>``); entry point
``process_scheduled_call``.

On every run the plugin takes the complete windows (those that ended before the scheduled time)
that are not in the target table yet, averages the chosen fields per window and per tag combination
with ``date_bin``/``avg``, and writes one row per window and series to the target table, timestamped
with the window start:

    cpu,host=a usage=1.5,n=3i 1735689600      (source, one row every few seconds)
    cpu_1m,host=a usage=2.25,n=4.0 1735689600  (target, one row per minute)

Where to start is read from the target table (its newest window), so a run that finds nothing new
writes nothing, and a restart neither skips nor repeats a window. ``lookback`` bounds how far back a
run reaches: the first run backfills that much, and after a pause the oldest missed windows beyond it
are left out. Points that arrive after their window was written are not counted.

Trigger arguments:
    source_table     table to read (required)
    target_table     table to write (default ``<source_table>_<window>``, e.g. ``cpu_1m``)
    fields           numeric fields to average, separated by ``;`` (default: every numeric field)
    tags             tags to group by, separated by ``;`` (default: every tag of the source table);
                     ``tags=`` with nothing after it averages all series together
    window           window size: a number and a unit in ms, s, m, h, d or w (default ``1m``)
    lookback         how far back a run may reach, same format (default ``10m``)
    target_database  write to this database instead of the trigger's own (optional)

A source table that does not exist yet, or has no rows in the lookback, is not an error: the run logs
it and ends.
"""

import datetime
import re

# Multipliers to seconds for the duration units accepted in `window` and `lookback`.
UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
NUMERIC_TYPES = ("Int64", "UInt64", "Float64")


def parse_duration(text, name):
    """'90s', '1m', '1.5h' -> seconds (float). Raises ValueError naming the argument."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*", text or "")
    if not match:
        raise ValueError(f"{name}={text!r} is not a duration such as 30s, 1m, 1h or 1d")
    seconds = float(match.group(1)) * UNIT_SECONDS[match.group(2)]
    if seconds < 0.001:
        raise ValueError(f"{name}={text!r} must be at least 1ms")
    return seconds


def split_list(text):
    """'usage; n' -> ['usage', 'n']. Accepts ';' (CLI-safe), ',' and whitespace as separators."""
    return [item for item in re.split(r"[;,\s]+", text or "") if item]


def quote_ident(name):
    """Quote a table or column name for SQL: my"col -> "my""col"."""
    return '"' + name.replace('"', '""') + '"'


def rfc3339(epoch_ns):
    """Nanoseconds since the epoch -> '2025-01-01T00:00:00Z' (a timestamp literal in SQL)."""
    seconds, ns = divmod(epoch_ns, 1_000_000_000)
    moment = datetime.datetime.fromtimestamp(seconds, tz=datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + (f".{ns:09d}Z" if ns else "Z")


def newest_window(influxdb3_local, table, database):
    """Start time (ns) of the newest row in `table`, or None if it has none or does not exist yet."""
    try:
        rows = influxdb3_local.query(f"SELECT max(time) AS newest FROM {quote_ident(table)}", None, database)
    except Exception:  # QueryError: table (or database) not found; it is created by our first write
        return None
    return rows[0]["newest"] if rows else None


def process_scheduled_call(influxdb3_local, call_time, args=None):
    args = args or {}
    source = args.get("source_table", "").strip()
    if not source:
        influxdb3_local.error("downsampler: the source_table trigger argument is required")
        return
    try:
        window_s = parse_duration(args.get("window", "1m"), "window")
        lookback_s = parse_duration(args.get("lookback", "10m"), "lookback")
    except ValueError as e:
        influxdb3_local.error(f"downsampler: {e}")
        return
    window_label = re.sub(r"\s+", "", args.get("window", "1m"))
    target = args.get("target_table", "").strip() or f"{source}_{window_label}"
    target_db = args.get("target_database", "").strip() or None
    if target == source and target_db is None:
        influxdb3_local.error("downsampler: target_table must differ from source_table")
        return

    # 1. Look the source table up: a missing table is a normal state (nothing written yet), not an error.
    #    information_schema gives the Arrow type of each column: tags are Dictionary(Int32, Utf8).
    columns = influxdb3_local.query(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'iox' AND table_name = $table",
        {"table": source},
    )
    if not columns:
        influxdb3_local.info(f"downsampler: source table {source} does not exist yet; nothing to do")
        return
    types = {c["column_name"]: c["data_type"] for c in columns}

    numeric = [name for name, kind in types.items() if kind in NUMERIC_TYPES]
    fields = split_list(args["fields"]) if "fields" in args else numeric
    unknown = [f for f in fields if f not in numeric]
    if unknown or not fields:
        influxdb3_local.error(
            f"downsampler: {source} has no numeric field(s) {unknown}; numeric fields are {numeric}"
            if unknown else f"downsampler: no fields to average; numeric fields of {source} are {numeric}"
        )
        return
    all_tags = [name for name, kind in types.items() if kind.startswith("Dictionary")]
    tags = split_list(args["tags"]) if "tags" in args else all_tags
    unknown = [t for t in tags if t not in all_tags]
    if unknown:
        influxdb3_local.error(f"downsampler: {source} has no tag(s) {unknown}; its tags are {all_tags}")
        return

    # 2. The time range: only complete windows, ending at the last window boundary before call_time,
    #    starting after the newest window already written (at most `lookback` back).
    #    call_time is a naive datetime in the server's local time, so .timestamp() gives the right instant.
    window_ns = int(window_s * 1_000_000_000)
    now_ns = int(call_time.timestamp()) * 1_000_000_000
    end_ns = now_ns - now_ns % window_ns
    start_ns = end_ns - max(int(lookback_s * 1_000_000_000) // window_ns, 1) * window_ns
    newest = newest_window(influxdb3_local, target, target_db)
    if newest is not None:
        start_ns = max(start_ns, newest - newest % window_ns + window_ns)
    if start_ns >= end_ns:
        influxdb3_local.info(f"downsampler: {target} is up to date (windows before {rfc3339(end_ns)})")
        return

    # 3. One query does the work: date_bin() puts every row in its window, avg() per window and series.
    if window_ns % 1_000_000_000 == 0:
        interval = f"{window_ns // 1_000_000_000} seconds"
    else:
        interval = f"{window_ns // 1_000_000} milliseconds"
    bucket = f"date_bin(INTERVAL '{interval}', time)"
    tag_cols = "".join(f", {quote_ident(t)}" for t in tags)
    averages = ", ".join(f"avg({quote_ident(f)}) AS {quote_ident(f)}" for f in fields)
    sql = (
        f"SELECT {bucket} AS _window{tag_cols}, {averages} "
        f"FROM {quote_ident(source)} "
        f"WHERE time >= '{rfc3339(start_ns)}' AND time < '{rfc3339(end_ns)}' "
        f"GROUP BY {bucket}{tag_cols} ORDER BY _window{tag_cols}"
    )
    try:
        rows = influxdb3_local.query(sql)
    except Exception as e:  # QueryError cannot be imported by name; the table may have just been deleted
        influxdb3_local.warn(f"downsampler: query on {source} failed: {e}")
        return
    if not rows:
        influxdb3_local.info(f"downsampler: no rows in {source} between {rfc3339(start_ns)} and {rfc3339(end_ns)}")
        return

    # 4. One line per window and series, stamped with the window start.
    written = 0
    for row in rows:
        line = LineBuilder(target)
        for tag in tags:
            if row.get(tag) is not None:  # a series without this tag has NULL here
                line.tag(tag, row[tag])
        values = {f: row.get(f) for f in fields if row.get(f) is not None}
        if not values:  # every chosen field was empty in this window: nothing to write
            continue
        for field, value in values.items():
            line.float64_field(field, value)
        line.time_ns(row["_window"])
        if target_db:
            influxdb3_local.write_to_db(target_db, line)
        else:
            influxdb3_local.write(line)
        written += 1

    windows = len({row["_window"] for row in rows})
    influxdb3_local.info(
        f"downsampler: wrote {written} row(s) to {target} from {windows} window(s) of {source} "
        f"between {rfc3339(start_ns)} and {rfc3339(end_ns)}"
    )
