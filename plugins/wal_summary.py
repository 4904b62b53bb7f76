"""WAL summary: one summary row per table for every batch of writes.

Trigger kind: WAL (``table:<name>`` or ``all_tables``); entry point ``process_writes``.

Every time the server flushes its write-ahead log (once a second by default), it calls
``process_writes`` with the rows written to the trigger's database since the last flush, grouped by
table. For every table in the batch this plugin writes one line to a summary table:

    write_summary,table_name=cpu row_count=3i,min_time=1735689600000000000i,max_time=1735689660000000000i

``min_time``/``max_time`` are the smallest and largest row timestamps (nanoseconds since the epoch) in
the batch. The summary row itself carries no timestamp, so the server stamps it with the time of the
write: each batch adds one row per table.

Trigger arguments (all optional):
    summary_table   table the summaries go to (default ``write_summary``)
    exclude_tables  more tables to skip, separated by ``;`` (the CLI splits arguments on ``,``)

The summary table is always skipped: the plugin's own writes land in the same database, reach the WAL
and would otherwise trigger the plugin again, forever.
"""

DEFAULT_SUMMARY_TABLE = "write_summary"


def process_writes(influxdb3_local, table_batches, args=None):
    # `args` is None when the trigger was created without arguments, else a dict of strings.
    args = args or {}
    summary_table = args.get("summary_table", "").strip() or DEFAULT_SUMMARY_TABLE
    skip = {summary_table}
    skip.update(t.strip() for t in args.get("exclude_tables", "").split(";") if t.strip())

    written = 0
    for batch in table_batches:
        table = batch["table_name"]
        rows = batch["rows"]
        # Never summarise our own output (or tables the user asked us to ignore).
        if table in skip or not rows:
            continue

        # Each row is a dict holding only the columns written on that line; `time` is always there
        # (int nanoseconds).
        times = [row["time"] for row in rows if "time" in row]

        line = LineBuilder(summary_table).tag("table_name", table).int64_field("row_count", len(rows))
        if times:
            line.int64_field("min_time", min(times)).int64_field("max_time", max(times))

        # write() queues the line; the engine writes everything queued once this function returns.
        influxdb3_local.write(line)
        written += 1

    if written:
        influxdb3_local.info(f"wal_summary: wrote {written} summary row(s) to {summary_table}")
