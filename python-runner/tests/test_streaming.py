"""Protocol version 2: queued writes stream in chunks, query results arrive in pages, big params in parts."""

from __future__ import annotations

import os
import unittest
from unittest import mock

from support import RunnerProcess, TempDirCase, make_api, write_file  # noqa: F401  (support sets sys.path)

from plugin_runner import host_api
from plugin_runner.protocol import PROTOCOL_VERSION
from plugin_runner.calls import merge_table_batches
from plugin_runner.line_builder import LineBuilder


def line(i: int) -> LineBuilder:
    return LineBuilder("m").tag("host", f"h{i}").int64_field("v", i).time_ns(i)


class WriteChunkTest(unittest.TestCase):
    def test_writes_go_out_in_chunks_in_order_and_the_rest_stays_for_the_result(self):
        api, ctx, conn = make_api()
        with mock.patch.object(host_api, "WRITE_CHUNK_BYTES", 200):
            for i in range(40):
                api.write(line(i))
                if i % 10 == 0:
                    api.write_to_db("other", line(i))
        chunks = [p for m, p in conn.requests if m == "write_chunk"]
        self.assertGreater(len(chunks), 3)
        for params in chunks:
            self.assertEqual(params["call_id"], 7)
            for data in params["writes"].values():
                self.assertIsInstance(data, bytes)
        sent = {"mydb": [], "other": []}
        for params in chunks:
            for db, data in params["writes"].items():
                sent[db].extend(data.decode().split("\n"))
        rest = ctx.take_writes()
        for db, lines in rest.items():
            sent[db].extend(lines)
        self.assertEqual(sent["mydb"], [f"m,host=h{i} v={i}i {i}" for i in range(40)])
        self.assertEqual(sent["other"], [f"m,host=h{i} v={i}i {i}" for i in range(0, 40, 10)])

    def test_small_writes_stay_in_the_result(self):
        api, ctx, conn = make_api()
        api.write(line(1))
        self.assertEqual([m for m, _ in conn.requests], [])
        self.assertEqual(ctx.take_writes(), {"mydb": ["m,host=h1 v=1i 1"]})

    def test_writes_after_the_call_returned_are_dropped(self):
        api, ctx, conn = make_api()
        ctx.take_writes()
        with mock.patch.object(host_api, "WRITE_CHUNK_BYTES", 1):
            api.write(line(1))
        self.assertEqual(conn.requests, [])
        self.assertEqual(ctx.take_writes(), {})

    def test_a_refused_chunk_raises_in_the_plugin(self):
        api, _, _ = make_api(lambda m, p: {"__error__": {"type": "OSError", "message": "disk full"}})
        with mock.patch.object(host_api, "WRITE_CHUNK_BYTES", 1):
            with self.assertRaisesRegex(Exception, "error queueing writes to mydb: disk full"):
                api.write(line(1))


class QueryPagesTest(unittest.TestCase):
    def test_pages_are_joined_into_one_list(self):
        pages = {1: {"rows": [[3, "c"]], "cursor": 1}, 2: {"rows": [[4, "d"]]}}
        seen = []

        def answer(method, params):
            seen.append((method, params.get("cursor")))
            if method == "query":
                return {"columns": ["n", "s"], "rows": [[1, "a"], [2, "b"]], "cursor": 1}
            return pages[len(seen) - 1]

        api, _, _ = make_api(answer)
        rows = api.query("SELECT n, s FROM t")
        self.assertEqual(rows, [{"n": 1, "s": "a"}, {"n": 2, "s": "b"}, {"n": 3, "s": "c"}, {"n": 4, "s": "d"}])
        self.assertEqual(seen, [("query", None), ("query_next", 1), ("query_next", 1)])

    def test_a_failed_page_closes_the_cursor(self):
        def answer(method, params):
            if method == "query":
                return {"columns": ["n"], "rows": [[1]], "cursor": 5}
            return {"__error__": {"type": "QueryError", "message": "error: boom"}}

        api, _, conn = make_api(answer)
        with self.assertRaisesRegex(Exception, "error: boom"):
            api.query("SELECT n FROM t")
        self.assertIn(("query_close", {"call_id": 7, "cursor": 5}), conn.notifications)


class MergeTest(unittest.TestCase):
    def test_adjacent_fragments_of_a_table_are_joined(self):
        merged = merge_table_batches([
            {"table_name": "a", "rows": [1, 2]}, {"table_name": "a", "rows": [3]},
            {"table_name": "b", "rows": []}, {"table_name": "c", "rows": [4]}, {"table_name": "c", "rows": [5]}])
        self.assertEqual(merged, [{"table_name": "a", "rows": [1, 2, 3]}, {"table_name": "b", "rows": []},
                                  {"table_name": "c", "rows": [4, 5]}])


PARTS_PLUGIN = """
def process_writes(influxdb3_local, table_batches, args=None):
    for batch in table_batches:
        influxdb3_local.info(batch["table_name"], len(batch["rows"]), batch["rows"][-1]["v"] if batch["rows"] else None)
"""

BIG_WRITE_PLUGIN = """
def process_scheduled_call(influxdb3_local, call_time, args=None):
    n = int(args["n"])
    for i in range(n):
        influxdb3_local.write(LineBuilder("m").tag("host", "h" + str(i % 7)).int64_field("v", i).time_ns(i))
    rows = influxdb3_local.query("SELECT v FROM m")
    influxdb3_local.info("rows", len(rows), rows[-1]["v"])
"""


class StreamingEndToEndTest(TempDirCase, unittest.TestCase):
    def setUp(self):
        super().setUp()
        self.runner = RunnerProcess(extra_args=("--max-frame-bytes", str(1024 * 1024)))

    def tearDown(self):
        self.runner.close()
        super().tearDown()

    def load(self, code):
        path = write_file(os.path.join(self.tmp, "plugin.py"), code)
        reply = self.runner.call("load", {"plugin_path": path, "database": "foo"})
        self.assertIn("result", reply, reply)

    def test_hello_announces_protocol_version_3(self):
        self.assertEqual(PROTOCOL_VERSION, 3)
        self.assertEqual(self.runner.hello["params"]["protocol_version"], 3)

    def test_parted_table_batches_are_fetched_and_joined(self):
        self.load(PARTS_PLUGIN)
        parts = [
            [{"table_name": "cpu", "rows": [{"v": i} for i in range(0, 3)]}],
            [{"table_name": "cpu", "rows": [{"v": i} for i in range(3, 5)]}, {"table_name": "mem", "rows": [{"v": 9}]}],
            [{"table_name": "mem", "rows": [{"v": 10}]}],
        ]
        asked = []

        def on_request(msg):
            self.assertEqual(msg["method"], "$/part")
            asked.append((msg["params"]["key"], msg["params"]["index"], msg["params"]["call_id"]))
            return {"items": parts[msg["params"]["index"]]}

        msg_id = self.runner.request("process_writes", {"table_batches": {"$parts": 3}})
        reply = self.runner.wait_response(msg_id, on_request=on_request)
        self.assertIn("result", reply, reply)
        self.assertEqual(asked, [("table_batches", i, msg_id) for i in range(3)])
        self.assertEqual(self.runner.logs(), ["INFO: cpu 5 4", "INFO: mem 2 10"])

    def test_a_large_write_and_query_stay_under_a_1_mib_frame_cap(self):
        self.load(BIG_WRITE_PLUGIN)
        n = 200_000
        stored = []
        frames = []

        def on_request(msg):
            method = msg["method"]
            if method == "write_chunk":
                data = msg["params"]["writes"]["foo"]
                frames.append(len(data))
                stored.extend(data.decode().split("\n"))
                return {}
            if method == "query":
                return {"columns": ["v"], "rows": [[i] for i in range(0, 50_000)], "cursor": 1}
            self.assertEqual(method, "query_next")
            start = 50_000 * (len([f for f in asked if f == "query_next"]) + 1)
            asked.append("query_next")
            page = {"rows": [[i] for i in range(start, start + 50_000)]}
            if start + 50_000 < n:
                page["cursor"] = 1
            return page

        asked = []
        reply = self.runner.call("process_scheduled_call", {"call_time": 0, "args": {"n": str(n)}},
                                 on_request=on_request, timeout=60)
        self.assertIn("result", reply, reply)
        stored.extend(reply["result"]["writes"].get("foo", []))
        self.assertEqual(len(stored), n)
        self.assertEqual(stored[-1], f"m,host=h{(n - 1) % 7} v={n - 1}i {n - 1}")
        self.assertGreater(len(frames), 1)
        self.assertTrue(all(size <= host_api.WRITE_CHUNK_BYTES + 100 for size in frames))
        self.assertEqual(self.runner.logs(), [f"INFO: rows {n} {n - 1}"])


if __name__ == "__main__":
    unittest.main()
