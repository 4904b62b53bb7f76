import json
import unittest

import support  # noqa: F401

from plugin_runner.errors import PluginError, render_exception
from plugin_runner.responses import map_response, response_result


class FlaskLike:
    def __init__(self, status=202, data="flask body", headers=None, dunder=True):
        self.status_code = status
        self._data = data
        self.headers = headers if headers is not None else {
            "Content-Type": "text/custom", "X-Generated-By": "FlaskResponse"}
        self._dunder = dunder

    def __flask_response__(self):
        return self._dunder

    def get_data(self):
        return self._data


class Scenario13Test(unittest.TestCase):
    """Upstream's request-trigger response forms, form by form."""

    def test_str(self):
        self.assertEqual(map_response("Hello, World!"),
                         (200, {"Content-Type": "text/html"}, "Hello, World!"))

    def test_dict(self):
        self.assertEqual(map_response({"message": "Hello", "n": 1}),
                         (200, {"Content-Type": "application/json"},
                          '{"message": "Hello", "n": 1}'))

    def test_tuple_with_status(self):
        self.assertEqual(map_response(("Created successfully", 201)),
                         (201, {"Content-Type": "text/html"}, "Created successfully"))

    def test_tuple_with_headers(self):
        status, headers, body = map_response(
            ("Custom", {"Content-Type": "text/plain", "X-Custom-Header": "test-value"}))
        self.assertEqual(status, 200)
        self.assertEqual(headers, {"Content-Type": "text/plain", "X-Custom-Header": "test-value"})

    def test_tuple_with_status_and_headers(self):
        status, headers, body = map_response(("Not Found", 404, {"X-Error": "1"}))
        self.assertEqual((status, body), (404, "Not Found"))
        self.assertEqual(headers, {"Content-Type": "text/html", "X-Error": "1"})

    def test_list(self):
        self.assertEqual(map_response([1, "two", {"three": 3}]),
                         (200, {"Content-Type": "application/json"},
                          '[1, "two", {"three": 3}]'))

    def test_generator(self):
        def gen():
            for n in range(1, 4):
                yield f"Line {n}\n"
        self.assertEqual(map_response(gen()),
                         (200, {"Content-Type": "text/html"}, "Line 1\nLine 2\nLine 3\n"))

    def test_flask_duck_type(self):
        self.assertEqual(map_response(FlaskLike()),
                         (202, {"Content-Type": "text/custom", "X-Generated-By": "FlaskResponse"},
                          "flask body"))

    def test_json_tuple_with_status(self):
        status, headers, body = map_response(({"error": "Not Found", "code": 404}, 404))
        self.assertEqual(status, 404)
        self.assertEqual(headers, {"Content-Type": "application/json"})
        self.assertEqual(json.loads(body), {"error": "Not Found", "code": 404})


class EdgeCasesTest(unittest.TestCase):
    def test_none_is_unsupported(self):
        with self.assertRaises(PluginError) as cm:
            map_response(None)
        self.assertEqual(render_exception(cm.exception),
                         "Unsupported return type from Python function")
        with self.assertRaises(PluginError):
            map_response(42)

    def test_plain_bytes_give_an_empty_body(self):
        self.assertEqual(map_response(b"hello"), (200, {"Content-Type": "text/html"}, ""))

    def test_iterable_of_mixed_items(self):
        self.assertEqual(map_response(iter(["a", b"b", 3, b"\xff", "c"]))[2], "abc")
        self.assertEqual(map_response(())[2], "")  # empty tuple is just an iterable
        self.assertEqual(map_response(("a", 1, {}, "x"))[2], "ax")  # 4-tuple: iterable too

    def test_bad_third_item(self):
        with self.assertRaises(PluginError) as cm:
            map_response(("body", 200, "not a dict"))
        self.assertEqual(render_exception(cm.exception), "expected a dictionary in header item")

    def test_first_item_fallbacks(self):
        self.assertEqual(map_response((3.5,)), (200, {"Content-Type": "text/plain"}, "3.5"))
        self.assertEqual(map_response((b"x", 200))[1:], ({"Content-Type": "text/plain"}, "b'x'"))

    def test_status_out_of_range_becomes_500(self):
        self.assertEqual(map_response(("x", 70000))[0], 500)
        self.assertEqual(map_response(("x", -1))[0], 500)

    def test_non_int_second_item_is_ignored(self):
        self.assertEqual(map_response(("x", 201.0))[0], 200)
        self.assertEqual(map_response(("x", "201"))[0], 200)

    def test_exact_spelling_overrides_content_type(self):
        _, headers, _ = map_response(("x", {"content-type": "text/plain"}))
        self.assertEqual(headers, {"Content-Type": "text/html", "content-type": "text/plain"})

    def test_flask_needs_true_and_str_data(self):
        with self.assertRaises(PluginError):  # 1 is not True: not Flask, not iterable
            map_response(FlaskLike(dunder=1))
        with self.assertRaises(TypeError):
            map_response(FlaskLike(data=b"bytes"))

    def test_non_string_header_value_fails(self):
        with self.assertRaises(TypeError):
            map_response(("x", 200, {"X-N": 1}))

    def test_wire_form(self):
        self.assertEqual(response_result(("héllo", 201)),
                         {"status": 201, "headers": {"Content-Type": "text/html"},
                          "body": "héllo".encode("utf-8")})


if __name__ == "__main__":
    unittest.main()
