"""Spawns ``python -m plugin_runner`` and plays the host over real pipes."""

import os
import pickle
import struct
import sys
import time
import unittest

import support  # noqa: F401  (puts plugin_runner on sys.path)
from support import RunnerProcess, TempDirCase, write_file

from plugin_runner.connection import HostError
from plugin_runner.protocol import ErrorBody

QUERY_PLUGIN = r'''
import os, sys
print("print() from top level goes to stderr")

def process_writes(influxdb3_local, table_batches, args=None):
    print("print() inside the call", [1, 2, 3])
    sys.stdout.write("\x00\x00\x00\x10not a frame\n")
    os.write(1, b"\x00\x00\x00\x05raw fd 1 write\n")
    influxdb3_local.info("arg1: " + args["arg1"])
    for batch in table_batches:
        influxdb3_local.info("table: " + batch["table_name"])
        for row in batch["rows"]:
            influxdb3_local.info("row: " + str(row))
    rows = influxdb3_local.query("SELECT host, region, usage FROM cpu where host = $host",
                                 {"host": args["host"]})
    influxdb3_local.info("query result:", rows)
    influxdb3_local.write(LineBuilder("write_reports").tag("table_name", "cpu")
                          .int64_field("row_count", len(rows)))
    influxdb3_local.write_to_db("other", LineBuilder("x").float64_field("f", 1.5).time_ns(2**62))
    influxdb3_local.cache.put("seen", len(table_batches))
'''

LOOP_PLUGIN = r'''
import time

def process_scheduled_call(influxdb3_local, call_time, args=None):
    influxdb3_local.info("started")
    for i in range(2000):
        time.sleep(0.005)
        influxdb3_local.cache.get("anything")  # cache calls are exempt from cancellation
        if i % 20 == 19:
            influxdb3_local.info(f"tick {i}")
    influxdb3_local.info("finished without being cancelled")
'''


class EndToEndTest(TempDirCase, unittest.TestCase):
    def setUp(self):
        super().setUp()
        self.runner = RunnerProcess()

    def tearDown(self):
        self.runner.close()
        super().tearDown()

    def load(self, code, name="plugin.py", **params):
        path = write_file(os.path.join(self.tmp, name), code)
        reply = self.runner.call("load", {"plugin_path": path, "database": "foo", **params})
        self.assertIn("result", reply, reply)
        return reply["result"]

    def test_hello(self):
        hello = self.runner.hello
        self.assertEqual((hello["type"], hello["method"]), ("notification", "$/hello"))
        params = hello["params"]
        self.assertEqual(params["pid"], self.runner.proc.pid)
        self.assertEqual(params["python_version"].split(".")[:2],
                         [str(sys.version_info[0]), str(sys.version_info[1])])
        self.assertEqual(params["runner_version"], "0.1.0")
        self.assertEqual(params["max_frame_bytes"], 64 * 1024 * 1024)

    def test_process_writes_with_query_and_prints(self):
        loaded = self.load(QUERY_PLUGIN)
        self.assertEqual(loaded["kind"], "file")
        seen_queries = []

        def on_request(msg):
            seen_queries.append(msg)
            self.assertEqual(msg["method"], "query")
            return {"rows": [{"host": "s2", "region": "us-east", "usage": 0.89}]}

        reply = self.runner.call("process_writes", {
            "table_batches": [{"table_name": "cpu", "rows": [
                {"host": "s2", "region": "us-east", "usage": 0.89, "time": 2**63 - 1}]}],
            "args": {"arg1": "arg1_value", "host": "s2"}}, on_request=on_request)
        self.assertIn("result", reply, reply)
        result = reply["result"]
        self.assertEqual(result["writes"], {
            "foo": ["write_reports,table_name=cpu row_count=1i"],
            "other": [f"x f=1.5 {2**62}"]})
        self.assertEqual(pickle.loads(result["cache_changes"]["set"]["seen"]["value"]), 1)
        params = seen_queries[0]["params"]
        self.assertEqual(params, {"query": "SELECT host, region, usage FROM cpu where host = $host",
                                  "args": {"host": "s2"}, "database": "foo",
                                  "call_id": reply["id"]})
        self.assertEqual(self.runner.logs(), [
            "INFO: arg1: arg1_value", "INFO: table: cpu",
            f"INFO: row: {{'host': 's2', 'region': 'us-east', 'usage': 0.89, 'time': {2**63 - 1}}}",
            "INFO: query result: [{'host': 's2', 'region': 'us-east', 'usage': 0.89}]"])
        # A second call still works: the frame stream survived the prints.
        reply = self.runner.call("process_writes", {"table_batches": [], "args": {
            "arg1": "again", "host": "s2"}}, on_request=on_request)
        self.assertIn("result", reply)
        self.runner.call("$/shutdown", {})
        self.assertEqual(self.runner.proc.wait(10), 0)
        stderr = self.runner.stderr
        self.assertIn("print() from top level goes to stderr", stderr)
        self.assertIn("print() inside the call [1, 2, 3]", stderr)
        self.assertIn("not a frame", stderr)
        self.assertIn("raw fd 1 write", stderr)

    def test_query_error_reply(self):
        self.load("def process_writes(influxdb3_local, table_batches, args=None):\n"
                  "    influxdb3_local.query('SELECT foo FROM not_here')\n")

        def on_request(msg):
            raise HostError(ErrorBody("QueryError", "error: table not found"))

        reply = self.runner.call("process_writes", {"table_batches": []}, on_request=on_request)
        error = reply["error"]
        self.assertEqual((error["type"], error["message"], error["phase"]),
                         ("QueryError", "QueryError: error: table not found", "call"))
        self.assertIn("plugin.py\", line 2, in process_writes", error["traceback"])

    def test_cancel_raises_keyboard_interrupt_at_next_log(self):
        self.load(LOOP_PLUGIN)
        call_id = self.runner.request("process_scheduled_call", {"call_time": 1767225600})
        answers = {}

        def on_notification(msg):
            if msg["params"].get("text") == "started" and not answers:
                answers["ping"] = self.runner.request("$/ping", {})
                answers["cancel"] = self.runner.request("$/cancel", {"id": call_id})

        replies = {}
        while True:
            msg = self.runner.next_message()
            if msg["type"] == "notification":
                self.runner.notifications.append(msg)
                on_notification(msg)
            elif msg["type"] == "response":
                replies[msg["id"]] = msg
                if msg["id"] == call_id:
                    break
        self.assertEqual(replies[answers["ping"]]["result"]["busy"], True)
        self.assertEqual(replies[answers["ping"]]["result"]["call_id"], call_id)
        self.assertEqual(replies[answers["cancel"]]["result"],
                         {"cancelled": True, "state": "running"})
        error = replies[call_id]["error"]
        self.assertEqual(error["type"], "KeyboardInterrupt")
        self.assertEqual(error["message"],
                         "KeyboardInterrupt: influxdb3 is shutting down; aborting plugin execution")
        self.assertNotIn("INFO: finished without being cancelled", self.runner.logs())
        # The runner lives on and serves the next call normally.
        self.load("def process_scheduled_call(influxdb3_local, call_time, args=None):\n"
                  "    influxdb3_local.info('next call', call_time.isoformat())\n", name="p2.py")
        reply = self.runner.call("process_scheduled_call", {"call_time": 1767225605})
        self.assertEqual(reply["result"], {"writes": {}})
        self.assertEqual(self.runner.logs()[-1], "INFO: next call 2026-01-01T00:00:05")

    def test_cancel_wakes_a_pending_query(self):
        self.load("def process_writes(influxdb3_local, table_batches, args=None):\n"
                  "    influxdb3_local.query('SELECT 1')\n")
        call_id = self.runner.request("process_writes", {"table_batches": []})
        msg = self.runner.next_message()
        self.assertEqual(msg["method"], "query")
        # Never answer the query; cancel instead.
        self.runner.request("$/cancel", {})
        errors = []
        while not errors:
            msg = self.runner.next_message()
            if msg["type"] == "response" and msg["id"] == call_id:
                errors.append(msg["error"])
        self.assertEqual(errors[0]["type"], "KeyboardInterrupt")

    def test_process_request_and_global_cache(self):
        self.load("def process_request(influxdb3_local, query_parameters, request_headers, "
                  "request_body, args=None):\n"
                  "    influxdb3_local.cache.put('hits', 1, use_global=True)\n"
                  "    return {'status': 'ok', 'q': query_parameters['q1'],\n"
                  "            'len': len(request_body)}, 200, {'X-Custom': 'v'}\n")
        requests = []

        def on_request(msg):
            requests.append(msg)
            return {}

        reply = self.runner.call("process_request", {
            "query_parameters": {"q1": "whatevs"}, "request_headers": {"host": "x"},
            "request_body": b"\x00\x01\x02", "args": None}, on_request=on_request)
        self.assertEqual(reply["result"]["status"], 200)
        self.assertEqual(reply["result"]["headers"],
                         {"Content-Type": "application/json", "X-Custom": "v"})
        self.assertEqual(reply["result"]["body"], b'{"status": "ok", "q": "whatevs", "len": 3}')
        self.assertEqual(requests[0]["method"], "cache_put")
        self.assertEqual(pickle.loads(requests[0]["params"]["value"]), 1)

    def test_unknown_method_and_not_loaded(self):
        reply = self.runner.call("frobnicate", {})
        self.assertEqual(reply["error"]["type"], "MethodNotFound")
        reply = self.runner.call("process_writes", {"table_batches": []})
        self.assertEqual(reply["error"]["type"], "NotLoaded")
        self.assertEqual(self.runner.call("load", {"plugin_path": "x.py"})["error"]["type"],
                         "InvalidParams")
        reply = self.runner.call("load", {"plugin_path": os.path.join(self.tmp, "nope.py"),
                                          "database": "foo"})
        self.assertEqual(reply["error"]["message"],
                         f"Plugin not found: {os.path.join(self.tmp, 'nope.py')}")

    def test_shutdown_during_a_call(self):
        self.load(LOOP_PLUGIN)
        call_id = self.runner.request("process_scheduled_call", {"call_time": 0})
        shutdown_id = queued_id = None
        replies = {}
        while True:
            try:
                msg = self.runner.next_message()
            except EOFError:
                break
            if msg["type"] == "notification" and shutdown_id is None:
                shutdown_id = self.runner.request("$/shutdown", {})
                queued_id = self.runner.request("process_scheduled_call", {"call_time": 0})
            elif msg["type"] == "response":
                replies[msg["id"]] = msg
        self.assertEqual(replies[call_id]["error"]["type"], "KeyboardInterrupt")
        self.assertEqual(replies[shutdown_id]["result"], {})
        self.assertEqual(replies[queued_id]["error"]["type"], "ShuttingDown")
        self.assertEqual(self.runner.proc.wait(10), 0)

    def test_ping_and_cancel_reach_a_call_that_never_waits(self):
        # Pure Python with no API call: nobody waits, so the watchdog reads for the call.
        self.load("import time\n"
                  "def process_scheduled_call(influxdb3_local, call_time, args=None):\n"
                  "    end = time.monotonic() + 1.0\n"
                  "    while time.monotonic() < end:\n"
                  "        sum(range(1000))\n"
                  "    influxdb3_local.info('done')\n")
        call_id = self.runner.request("process_scheduled_call", {"call_time": 0})
        time.sleep(0.2)
        ping = self.runner.request("$/ping", {})
        cancel = self.runner.request("$/cancel", {"id": call_id})
        replies = {}
        while call_id not in replies:
            msg = self.runner.next_message()
            if msg["type"] == "response":
                replies[msg["id"]] = msg
                if msg["id"] == ping:
                    self.assertNotIn(call_id, replies, "the ping was answered during the call")
        self.assertEqual(replies[ping]["result"]["busy"], True)
        self.assertEqual(replies[cancel]["result"], {"cancelled": True, "state": "running"})
        # Cooperative: the plugin's next API call (the info) raises.
        self.assertEqual(replies[call_id]["error"]["type"], "KeyboardInterrupt")

    def test_queries_from_the_plugins_own_threads(self):
        self.load("from concurrent.futures import ThreadPoolExecutor\n"
                  "def process_writes(influxdb3_local, table_batches, args=None):\n"
                  "    with ThreadPoolExecutor(4) as pool:\n"
                  "        rows = list(pool.map(lambda n: influxdb3_local.query('SELECT $n', {'n': str(n)}),\n"
                  "                             range(20)))\n"
                  "    influxdb3_local.info('answers', [r[0]['n'] for r in rows])\n")

        def on_request(msg):
            return {"columns": ["n"], "rows": [[msg["params"]["args"]["n"]]]}

        reply = self.runner.call("process_writes", {"table_batches": []}, on_request=on_request)
        self.assertIn("result", reply, reply)
        self.assertEqual(self.runner.logs()[-1], f"INFO: answers {[str(n) for n in range(20)]}")

    def test_calls_sent_back_to_back_run_in_order(self):
        self.load("def process_scheduled_call(influxdb3_local, call_time, args=None):\n"
                  "    influxdb3_local.query('SELECT 1')\n"
                  "    influxdb3_local.info('call', call_time.second)\n")
        ids = [self.runner.request("process_scheduled_call", {"call_time": n}) for n in range(30)]
        for msg_id in ids:
            reply = self.runner.wait_response(msg_id, on_request=lambda msg: {"columns": [], "rows": []})
            self.assertIn("result", reply, reply)
        self.assertEqual(self.runner.logs(), [f"INFO: call {n}" for n in range(30)])

    def test_stdin_eof_exits_cleanly(self):
        self.runner.proc.stdin.close()
        self.assertEqual(self.runner.proc.wait(10), 0)

    def test_oversized_frame_is_a_protocol_error(self):
        self.runner.send_raw(struct.pack(">I", 0xFFFFFFF0))
        msg = self.runner.next_message()
        self.assertEqual(msg["method"], "$/protocol_error")
        self.assertIn("exceeds the maximum frame size", msg["params"]["message"])
        self.assertEqual(self.runner.proc.wait(10), 2)

    def test_memory_limit(self):
        if not sys.platform.startswith("linux"):
            self.skipTest("RLIMIT_AS is enforced on Linux")
        loaded = self.load("def process_writes(influxdb3_local, table_batches, args=None):\n"
                           "    blob = bytearray(2 * 1024 ** 3)\n",
                           memory_limit_bytes=1024 ** 3)
        self.assertTrue(loaded["memory_limit_applied"])
        reply = self.runner.call("process_writes", {"table_batches": []})
        self.assertEqual(reply["error"]["type"], "MemoryError")


if __name__ == "__main__":
    unittest.main()
