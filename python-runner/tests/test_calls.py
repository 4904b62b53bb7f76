import datetime
import time
import os
import unittest

import msgpack

import support  # noqa: F401  (puts plugin_runner on sys.path)
from support import FakeConnection, TempDirCase, write_file

from plugin_runner import line_builder
from plugin_runner.calls import CallFailed, Runtime

line_builder.install()

SCENARIO_1 = '''
def process_writes(influxdb3_local, table_batches, args=None):
    influxdb3_local.info("arg1: " + args["arg1"])

    for table_batch in table_batches:
        influxdb3_local.info("table: " + table_batch["table_name"])

        for row in table_batch["rows"]:
            influxdb3_local.info("row: " + str(row))

    line = LineBuilder("some_table")\\
        .tag("tag1", "tag1_value")\\
        .tag("tag2", "tag2_value")\\
        .int64_field("field1", 1)\\
        .float64_field("field2", 2.0)\\
        .string_field("field3", "number three")
    influxdb3_local.write(line)

    other_line = LineBuilder("other_table")
    other_line.int64_field("other_field", 1)
    other_line.float64_field("other_field2", 3.14)
    other_line.time_ns(1302)

    influxdb3_local.write_to_db("mytestdb", other_line)

    influxdb3_local.info("done")
'''

BATCHES = [
    {"table_name": "cpu", "rows": [{"host": "A", "region": "west", "usage": 1,
                                    "system": 23.2, "time": 100}]},
    {"table_name": "mem", "rows": [{"host": "B", "user": 43.1, "time": 120}]},
]


class RuntimeCase(TempDirCase):
    def runtime(self, code, answer=None, database="_testdb", name="plugin.py", **load):
        path = write_file(os.path.join(self.tmp, name), code)
        conn = FakeConnection(answer)
        rt = Runtime(conn)
        rt.load({"plugin_path": path, "database": database, **load})
        return rt, conn, path

    def call(self, rt, method, params, call_id=1):
        ctx = rt.new_context(call_id, params)
        return rt.call(method, params, ctx)

    def failed_call(self, rt, method, params):
        with self.assertRaises(CallFailed) as cm:
            self.call(rt, method, params)
        return cm.exception.error.to_wire()


class WalCallTest(RuntimeCase, unittest.TestCase):
    def test_scenario_1(self):
        rt, conn, _ = self.runtime(SCENARIO_1)
        result = self.call(rt, "process_writes", {"table_batches": BATCHES,
                                                  "args": {"arg1": "val1"}})
        self.assertEqual(conn.logs(), [
            "INFO: arg1: val1", "INFO: table: cpu",
            "INFO: row: {'host': 'A', 'region': 'west', 'usage': 1, 'system': 23.2, 'time': 100}",
            "INFO: table: mem", "INFO: row: {'host': 'B', 'user': 43.1, 'time': 120}",
            "INFO: done"])
        self.assertEqual(result, {"writes": {
            "_testdb": ['some_table,tag1=tag1_value,tag2=tag2_value field1=1i,field2=2.0,'
                        'field3="number three"'],
            "mytestdb": ["other_table other_field=1i,other_field2=3.14 1302"]}})

    def test_batches_may_arrive_pre_encoded(self):
        rt, conn, _ = self.runtime(
            "def process_writes(influxdb3_local, table_batches, args=None):\n"
            "    influxdb3_local.info(table_batches[0]['rows'][0]['time'], args)\n")
        blob = msgpack.packb([{"table_name": "t", "rows": [{"time": 2**63 - 1}]}],
                             use_bin_type=True)
        self.call(rt, "process_writes", {"table_batches": blob, "args": None})
        self.assertEqual(conn.logs(), [f"INFO: {2**63 - 1} None"])

    def test_args_none_vs_empty(self):
        rt, conn, _ = self.runtime(
            "def process_writes(influxdb3_local, table_batches, args=None):\n"
            "    influxdb3_local.info(repr(args))\n")
        self.call(rt, "process_writes", {"table_batches": []})
        self.call(rt, "process_writes", {"table_batches": [], "args": {}})
        self.assertEqual(conn.logs(), ["INFO: None", "INFO: {}"])

    def test_error_table_scenario_5(self):
        query_error = ("error: error while planning query: Error during planning: table "
                       "'public.iox.not_here' not found executing query on foo: "
                       "SELECT foo FROM not_here")
        cases = [
            ("x = 1\n    y = 2\n", "IndentationError",
             "IndentationError: unexpected indent (<string>, line 2)", "load"),
            ("def not_process_writes(influxdb3_local, table_batches, args=None):\n    pass\n",
             "MissingEntryPointError",
             "the process_writes function is not present in the plugin. Should be defined as: "
             "process_writes(influxdb3_local, table_batches, args=None)", "load"),
            ("def process_writes(influxdb3_local, table_batches):\n    pass\n", "TypeError",
             "TypeError: process_writes() takes 2 positional arguments but 3 were given", "call"),
            ("def process_writes(influxdb3_local, args=None):\n    pass\n", "TypeError",
             "TypeError: process_writes() takes from 1 to 2 positional arguments but 3 were "
             "given", "call"),
            ("def process_writes(table_batches, args=None):\n    pass\n", "TypeError",
             "TypeError: process_writes() takes from 1 to 2 positional arguments but 3 were "
             "given", "call"),
            ("def process_writes(influxdb3_local, table_batches, args=None):\n"
             "    influxdb3_local.write(LineBuilder('some_table'))\n", "InvalidLineError",
             "InvalidLineError: At least one field is required: some_table", "call"),
            ("def process_writes(influxdb3_local, table_batches, args=None):\n"
             "    influxdb3_local.query('SELECT foo FROM not_here')\n", "QueryError",
             f"QueryError: {query_error}", "call"),
        ]
        answer = lambda m, p: {"__error__": {"type": "QueryError", "message": query_error}}
        for code, error_type, message, phase in cases:
            with self.subTest(message=message):
                rt, _, path = self.runtime(code, answer)
                error = self.failed_call(rt, "process_writes", {"table_batches": [], "args": None})
                self.assertEqual((error["type"], error["message"], error["phase"]),
                                 (error_type, message, phase))
                if phase == "call" and error_type != "TypeError":
                    self.assertIn(f'File "{path}"', error["traceback"])
                    self.assertNotIn("plugin_runner", error["traceback"], error["traceback"])

    def test_failed_call_drops_queued_writes_but_keeps_cache_changes(self):
        rt, _, _ = self.runtime(
            "def process_writes(influxdb3_local, table_batches, args=None):\n"
            "    influxdb3_local.write(LineBuilder('a').int64_field('f', 1))\n"
            "    influxdb3_local.cache.put('k', 1)\n"
            "    raise ValueError('nope')\n")
        error = self.failed_call(rt, "process_writes", {"table_batches": []})
        self.assertEqual(error["message"], "ValueError: nope")
        self.assertNotIn("writes", error)
        self.assertEqual(list(error["cache_changes"]["set"]), ["k"])

    def test_not_loaded(self):
        rt = Runtime(FakeConnection())
        ctx = rt.new_context(1, {})
        with self.assertRaises(CallFailed) as cm:
            rt.call("process_writes", {}, ctx)
        self.assertEqual(cm.exception.error.type, "NotLoaded")

    def test_load_missing_file(self):
        rt = Runtime(FakeConnection())
        with self.assertRaises(CallFailed) as cm:
            rt.load({"plugin_path": "/nonexistent/x.py", "database": "db"})
        self.assertEqual(cm.exception.error.message, "Plugin not found: /nonexistent/x.py")

    def test_wal_cache_across_test_runs_scenario_21(self):
        code = ("def process_writes(influxdb3_local, table_batches, args=None):\n"
                "    n = sum(len(b['rows']) for b in table_batches)\n"
                "    prev = influxdb3_local.cache.get('count')\n"
                "    if prev is None:\n"
                "        influxdb3_local.info('First run, initializing count')\n"
                "        prev = 0\n"
                "    else:\n"
                "        influxdb3_local.info(f'Previous count: {prev}')\n"
                "    influxdb3_local.cache.put('count', prev + n)\n"
                "    influxdb3_local.info(f'Updated count: {prev + n}')\n")
        rows = lambda n: [{"table_name": "t", "rows": [{"time": i} for i in range(n)]}]
        rt1, conn1, _ = self.runtime(code)
        first = self.call(rt1, "process_writes", {"table_batches": rows(3),
                                                  "cache_name": "test_cache"})
        changes = first["cache_changes"]
        self.assertEqual(changes["cache_name"], "test_cache")
        # A second, fresh runner gets the host's snapshot of "test-local test_cache".
        rt2, conn2, _ = self.runtime(code)
        self.call(rt2, "process_writes", {"table_batches": rows(2), "cache_name": "test_cache",
                                          "cache_snapshot": changes["set"]})
        self.assertEqual(conn1.logs(), ["INFO: First run, initializing count",
                                        "INFO: Updated count: 3"])
        self.assertEqual(conn2.logs(), ["INFO: Previous count: 3", "INFO: Updated count: 5"])

    def test_load_restores_local_snapshot(self):
        from plugin_runner.cache import dumps
        rt, conn, _ = self.runtime(
            "def process_writes(influxdb3_local, table_batches, args=None):\n"
            "    influxdb3_local.info(influxdb3_local.cache.get('k'))\n",
            cache_snapshot={"k": {"value": dumps([1, 2]), "expires_at": None}})
        self.assertEqual(rt.cache_store.local.entries["k"][0], [1, 2])
        result = self.call(rt, "process_writes", {"table_batches": []})
        self.assertEqual(conn.logs(), ["INFO: [1, 2]"])
        self.assertNotIn("cache_changes", result)

    def test_sparse_query_rows_scenario_29(self):
        rt, conn, _ = self.runtime(
            "def process_writes(influxdb3_local, table_batches, args=None):\n"
            "    for row in influxdb3_local.query('SELECT * FROM m0'):\n"
            "        influxdb3_local.info(str(row.get('f')))\n",
            answer=lambda m, p: {"rows": [{"f": 1, "time": 1}, {"f": None, "time": 2},
                                          {"time": 3}]})
        self.call(rt, "process_writes", {"table_batches": []})
        self.assertEqual(conn.logs(), ["INFO: 1", "INFO: None", "INFO: None"])


class ScheduleCallTest(RuntimeCase, unittest.TestCase):
    def test_call_time_is_naive_local_datetime(self):
        rt, conn, _ = self.runtime(
            "def process_scheduled_call(influxdb3_local, call_time, args=None):\n"
            "    influxdb3_local.info(repr(call_time), call_time.tzinfo, args)\n")
        self.call(rt, "process_scheduled_call", {"call_time": 1767225605,
                                                 "args": {"region": "us-east"}})
        expected = datetime.datetime.fromtimestamp(1767225605)
        self.assertEqual(conn.logs(), [f"INFO: {expected!r} None {{'region': 'us-east'}}"])

    def test_start_at_ns_delays_the_entry_point_until_the_planned_time(self):
        rt, conn, _ = self.runtime(
            "import time\n"
            "def process_scheduled_call(influxdb3_local, call_time, args=None):\n"
            "    influxdb3_local.info(time.time_ns())\n")
        start_at = time.time_ns() + 80_000_000
        self.call(rt, "process_scheduled_call", {"call_time": start_at // 10**9, "start_at_ns": start_at})
        entered = int(conn.logs()[0].split(": ")[1])
        self.assertGreaterEqual(entered, start_at)

    def test_start_at_ns_in_the_past_or_absurdly_far_does_not_hang(self):
        rt, conn, _ = self.runtime(
            "def process_scheduled_call(influxdb3_local, call_time, args=None):\n"
            "    influxdb3_local.info('ran')\n")
        self.call(rt, "process_scheduled_call", {"call_time": 0, "start_at_ns": 1})
        before = time.monotonic()
        self.call(rt, "process_scheduled_call", {"call_time": 0, "start_at_ns": time.time_ns() + 3600 * 10**9})
        self.assertLess(time.monotonic() - before, 3.0)
        self.assertEqual(conn.logs(), ["INFO: ran", "INFO: ran"])

    def test_missing_function(self):
        rt, _, _ = self.runtime("def process_writes(a, b, c):\n    pass\n")
        error = self.failed_call(rt, "process_scheduled_call", {"call_time": 0})
        self.assertTrue(error["message"].startswith(
            "the process_scheduled_call function is not present in the plugin."))


class RequestCallTest(RuntimeCase, unittest.TestCase):
    def test_inputs_and_response(self):
        rt, conn, _ = self.runtime(
            "import json\n"
            "def process_request(influxdb3_local, query_parameters, request_headers, "
            "request_body, args=None):\n"
            "    influxdb3_local.write(LineBuilder('request_data').tag('tag1', 'tag1_value')"
            ".int64_field('field1', 1))\n"
            "    return {'q': query_parameters, 'h': request_headers,\n"
            "            'body': json.loads(request_body), 'bt': type(request_body).__name__,\n"
            "            'args': args}, 201\n")
        result = self.call(rt, "process_request", {
            "query_parameters": {"q1": "whatevs"}, "request_headers": {"content-type": "x"},
            "request_body": b'{"a": 1}', "args": {"test_arg": "hello"}})
        self.assertEqual(result["status"], 201)
        self.assertEqual(result["headers"], {"Content-Type": "application/json"})
        self.assertEqual(result["body"],
                         b'{"q": {"q1": "whatevs"}, "h": {"content-type": "x"}, '
                         b'"body": {"a": 1}, "bt": "bytes", "args": {"test_arg": "hello"}}')
        self.assertEqual(result["writes"],
                         {"_testdb": ["request_data,tag1=tag1_value field1=1i"]})

    def test_phases(self):
        rt, _, _ = self.runtime(
            "def process_request(influxdb3_local, query_parameters, request_headers, "
            "request_body, args=None):\n"
            "    if query_parameters.get('raise'):\n        raise KeyError('x')\n"
            "    return None\n")
        error = self.failed_call(rt, "process_request", {"query_parameters": {"raise": "1"}})
        self.assertEqual((error["phase"], error["message"]), ("call", "KeyError: 'x'"))
        error = self.failed_call(rt, "process_request", {"query_parameters": {}})
        self.assertEqual((error["phase"], error["message"]),
                         ("response", "Unsupported return type from Python function"))


if __name__ == "__main__":
    unittest.main()
