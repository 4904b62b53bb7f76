"""WAL rows from the wire (protocol version 3): column lists with value arrays become plain dicts."""

import json
import os
import subprocess
import sys
import unittest

import msgpack

import support  # noqa: F401  (puts plugin_runner on sys.path)

from plugin_runner import codec
from plugin_runner.table_batches import MAX_GENERATED_COLUMNS, from_wire, rows_of


def wire(fragments):
    """What the host sends: a bin holding the fragment list, decoded by the runner into tuples."""
    return codec.unpackb_tuples(msgpack.packb(fragments, use_bin_type=True))


class FromWireTest(unittest.TestCase):
    def test_columns_and_values_become_dicts_with_the_same_types_and_key_order(self):
        batches = from_wire(wire([{"table_name": "cpu", "columns": ["host", "usage", "ok", "n", "time"],
                                   "rows": [["a", 2.0, True, 3, 2**63 - 1], ["b", 0.5, False, -1, 1]]}]))
        self.assertEqual(batches, [{"table_name": "cpu", "rows": [
            {"host": "a", "usage": 2.0, "ok": True, "n": 3, "time": 2**63 - 1},
            {"host": "b", "usage": 0.5, "ok": False, "n": -1, "time": 1}]}])
        row = batches[0]["rows"][0]
        self.assertIs(type(row), dict)
        self.assertEqual(list(row), ["host", "usage", "ok", "n", "time"])
        self.assertEqual([type(v) for v in row.values()], [str, float, bool, int, int])
        self.assertIs(type(batches[0]["rows"]), list)
        self.assertEqual(json.dumps(row), '{"host": "a", "usage": 2.0, "ok": true, "n": 3, "time": 9223372036854775807}')

    def test_adjacent_fragments_of_a_table_join_in_order_whatever_their_form(self):
        batches = from_wire(wire([
            {"table_name": "cpu", "columns": ["v", "time"], "rows": [[1.5, 1], [2.5, 2]]},
            {"table_name": "cpu", "columns": ["w", "time"], "rows": [[3, 3]]},
            {"table_name": "cpu", "rows": [{"time": 4, "v": 4.5}]},
            {"table_name": "empty", "rows": []},
            {"table_name": "mem", "columns": ["u", "time"], "rows": [["x", 5]]},
        ]))
        self.assertEqual(batches, [
            {"table_name": "cpu", "rows": [{"v": 1.5, "time": 1}, {"v": 2.5, "time": 2}, {"w": 3, "time": 3},
                                           {"time": 4, "v": 4.5}]},
            {"table_name": "empty", "rows": []},
            {"table_name": "mem", "rows": [{"u": "x", "time": 5}]},
        ])

    def test_rows_are_independent_dicts(self):
        rows = from_wire(wire([{"table_name": "t", "columns": ["a", "time"], "rows": [[1, 1], [2, 2]]}]))[0]["rows"]
        rows[0]["a"] = 99
        rows[0]["extra"] = True
        del rows[1]["time"]
        self.assertEqual(rows, [{"a": 99, "time": 1, "extra": True}, {"a": 2}])
        again = from_wire(wire([{"table_name": "t", "columns": ["a", "time"], "rows": [[1, 1]]}]))[0]["rows"]
        self.assertEqual(again, [{"a": 1, "time": 1}])

    def test_any_width_lists_or_tuples(self):
        for width in (1, 2, 40, MAX_GENERATED_COLUMNS, MAX_GENERATED_COLUMNS + 1, 600):
            with self.subTest(width=width):
                columns = [f"c{i}" for i in range(width)]
                values = [list(range(width)), tuple(range(1, width + 1))]
                self.assertEqual(rows_of(columns, values), [dict(zip(columns, v)) for v in values])
        self.assertEqual(rows_of([], [(), ()]), [{}, {}])

    def test_a_row_of_the_wrong_width_is_an_error(self):
        with self.assertRaises(ValueError):
            rows_of(["a", "b"], [(1, 2, 3)])

    def test_column_names_are_data_not_code(self):
        columns = ["a}; import os #", "'\"", "k0", "v0"]
        self.assertEqual(rows_of(columns, [(1, 2, 3, 4)]), [dict(zip(columns, (1, 2, 3, 4)))])

    def test_decoding_does_not_depend_on_the_c_codec(self):
        code = ("import msgpack, sys; sys.path.insert(0, sys.argv[1]);"
                "from plugin_runner import codec, table_batches;"
                "b = msgpack.packb([{'table_name': 't', 'columns': ['v', 'time'], 'rows': [[0.5, 7]]}]);"
                "print(codec.NAME, table_batches.from_wire(codec.unpackb_tuples(b)))")
        out = subprocess.run([sys.executable, "-c", code, support.RUNNER_DIR], capture_output=True, text=True,
                             env={**os.environ, "INFLUXDB3_RUNNER_NO_MSGPACK": "1"}, check=True).stdout
        self.assertEqual(out.strip(), "fallback [{'table_name': 't', 'rows': [{'v': 0.5, 'time': 7}]}]")


if __name__ == "__main__":
    unittest.main()
