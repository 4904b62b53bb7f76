import unittest

import support  # noqa: F401  (puts plugin_runner on sys.path)
from support import make_api

from plugin_runner.errors import SHUTDOWN_MESSAGE, QueryError
from plugin_runner.host_api import database_name_error
from plugin_runner.line_builder import InvalidLineError, LineBuilder

PUBLIC = {"info", "warn", "error", "query", "write", "write_to_db", "write_sync",
          "write_sync_to_db", "cache"}


class SurfaceTest(unittest.TestCase):
    def test_api_surface_scenario_8(self):
        api, *_ = make_api()
        attrs = {name for name in dir(api) if not name.startswith("__")}
        self.assertEqual(attrs, PUBLIC)
        self.assertFalse(hasattr(api, "__dict__"))


class LoggingTest(unittest.TestCase):
    def test_args_are_str_joined_with_a_space(self):
        api, ctx, conn = make_api()
        api.info("i", [{"a": 1}], "s2")
        api.warn("w:", 1.5)
        api.error("err", None)
        api.info()
        self.assertEqual(conn.logs(), ["INFO: i [{'a': 1}] s2", "WARN: w: 1.5",
                                       "ERROR: err None", "INFO: "])
        self.assertEqual(conn.notifications[0][1]["call_id"], 7)


class QueryTest(unittest.TestCase):
    def test_query_request_and_rows(self):
        api, ctx, conn = make_api(answer=lambda m, p: {"rows": [{"host": "s2", "usage": 0.89}]})
        rows = api.query("SELECT host, usage FROM cpu WHERE host = $host", {"host": "s2"})
        self.assertEqual(rows, [{"host": "s2", "usage": 0.89}])
        method, params = conn.requests[0]
        self.assertEqual(method, "query")
        self.assertEqual(params, {"query": "SELECT host, usage FROM cpu WHERE host = $host",
                                  "args": {"host": "s2"}, "database": "mydb", "call_id": 7})

    def test_columnar_result_and_other_database(self):
        api, ctx, conn = make_api(answer=lambda m, p: {"columns": ["a", "b"],
                                                       "rows": [[1, None], [2**62, "x"]]})
        self.assertEqual(api.query("SELECT a, b FROM t", database="other"),
                         [{"a": 1, "b": None}, {"a": 2**62, "b": "x"}])
        self.assertEqual(conn.requests[0][1]["database"], "other")
        self.assertIsNone(conn.requests[0][1]["args"])

    def test_non_string_args_are_type_errors(self):
        api, *_ = make_api()
        with self.assertRaises(TypeError):
            api.query("SELECT 1", {"n": 1})
        with self.assertRaises(TypeError):
            api.query("SELECT 1", ["x"])

    def test_bad_database_name_scenario_9(self):
        api, ctx, conn = make_api()
        with self.assertRaises(QueryError) as cm:
            api.query("SELECT 1", database="bad db")
        self.assertEqual(str(cm.exception),
                         "invalid database name provided: database name 'bad db' contains "
                         "invalid character, character number 3 is not allowed")
        self.assertEqual(type(cm.exception).__name__, "QueryError")
        self.assertEqual(conn.requests, [])

    def test_host_error_becomes_query_error(self):
        msg = ("error: error while planning query: Error during planning: table "
               "'public.iox.not_here' not found executing query on foo: SELECT foo FROM not_here")
        api, *_ = make_api(answer=lambda m, p: {"__error__": {"type": "QueryError",
                                                              "message": msg}})
        with self.assertRaises(QueryError) as cm:
            api.query("SELECT foo FROM not_here")
        self.assertEqual(str(cm.exception), msg)

    def test_database_name_rules(self):
        self.assertIsNone(database_name_error("my-example-db_with/slash"))
        self.assertIsNone(database_name_error("a_ã_京"))
        self.assertEqual(database_name_error("example\tdb"),
                         "database name 'example\tdb' contains invalid character, character "
                         "number 7 is not allowed")
        self.assertIn("length must be between 1 and 511 characters", database_name_error(""))
        self.assertIn("length must be between", database_name_error("a" * 512))


class WriteTest(unittest.TestCase):
    def test_queued_writes_build_immediately(self):
        api, ctx, conn = make_api()
        api.write(LineBuilder("a").int64_field("f", 1))
        api.write_to_db("other", LineBuilder("b").int64_field("f", 2))
        api.write(LineBuilder("c").int64_field("f", 3))
        self.assertEqual(ctx.take_writes(), {"mydb": ["a f=1i", "c f=3i"], "other": ["b f=2i"]})
        with self.assertRaises(InvalidLineError) as cm:
            api.write(LineBuilder("some_table"))
        self.assertEqual(str(cm.exception), "At least one field is required: some_table")
        self.assertEqual(conn.requests, [])

    def test_internal_database_is_refused(self):
        api, *_ = make_api()
        for call in (lambda: api.write_to_db("_internal", LineBuilder("a").int64_field("f", 1)),
                     lambda: api.write_sync_to_db("_internal",
                                                  LineBuilder("a").int64_field("f", 1), False)):
            with self.assertRaises(Exception) as cm:
                call()
            self.assertEqual(str(cm.exception),
                             "Python plugins cannot write to the _internal database")

    def test_write_sync(self):
        api, ctx, conn = make_api()
        api.write_sync(LineBuilder("a").int64_field("f", 1), True)
        api.write_sync_to_db("db2", LineBuilder("b").int64_field("f", 1), False)
        self.assertEqual(conn.requests, [
            ("write_sync", {"database": "mydb", "lines": "a f=1i", "no_sync": True,
                            "call_id": 7}),
            ("write_sync", {"database": "db2", "lines": "b f=1i", "no_sync": False,
                            "call_id": 7})])
        with self.assertRaises(TypeError):
            api.write_sync(LineBuilder("a").int64_field("f", 1))  # no_sync is required
        with self.assertRaises(TypeError):
            api.write_sync(LineBuilder("a").int64_field("f", 1), 1)

    def test_write_sync_failure_message(self):
        api, *_ = make_api(answer=lambda m, p: {"__error__": {"type": "WriteError",
                                                              "message": "parse error"}})
        with self.assertRaises(Exception) as cm:
            api.write_sync_to_db("db2", LineBuilder("b").int64_field("f", 1), False)
        self.assertEqual(str(cm.exception), "error writing line protocol to db2: parse error")
        with self.assertRaises(Exception) as cm:
            api.write_sync_to_db("bad db", LineBuilder("b").int64_field("f", 1), False)
        self.assertTrue(str(cm.exception).startswith(
            "error writing line protocol to bad db: invalid database name: database name"))


class CancellationTest(unittest.TestCase):
    def test_after_cancel_log_query_write_raise_but_cache_works(self):
        api, ctx, conn = make_api()
        ctx.cancel()
        self.assertEqual(conn.cancelled_calls, [7])
        line = LineBuilder("a").int64_field("f", 1)
        for call in (lambda: api.info("x"), lambda: api.warn("x"), lambda: api.error("x"),
                     lambda: api.query("SELECT 1"), lambda: api.write(line),
                     lambda: api.write_to_db("d", line), lambda: api.write_sync(line, False),
                     lambda: api.write_sync_to_db("d", line, False)):
            with self.assertRaises(KeyboardInterrupt) as cm:
                call()
            self.assertEqual(str(cm.exception), SHUTDOWN_MESSAGE)
        api.cache.put("k", 1)
        self.assertEqual(api.cache.get("k"), 1)
        self.assertTrue(api.cache.delete("k"))
        api.cache.get("g", use_global=True)  # global cache calls are exempt too
        self.assertEqual(conn.notifications, [])


if __name__ == "__main__":
    unittest.main()
