"""The runner's side of the protocol against python-runner/protocol.json, the contract the host is tested against
too: a method, field or error type that one side adds and the contract lacks fails here or there."""

import json
import os
import unittest

import support  # noqa: F401  (puts plugin_runner on sys.path)

from plugin_runner import protocol

CONTRACT_PATH = os.path.join(support.RUNNER_DIR, "protocol.json")


def runner_side():
    """The contract as the runner's protocol module states it."""
    methods = {
        name: {
            "direction": spec.direction,
            "kind": spec.kind,
            "params": sorted(spec.params),
            "result": None if spec.result is None else sorted(spec.result),
        }
        for name, spec in protocol.METHODS.items()
    }
    return {
        "protocol_version": protocol.PROTOCOL_VERSION,
        "methods": methods,
        "shapes": {name: sorted(fields) for name, fields in protocol.SHAPES.items()},
        "error_types": {
            "runner": sorted(protocol.constants(protocol.ErrorType).values()),
            "host": sorted(protocol.constants(protocol.HostErrorType).values()),
        },
        "phases": sorted(protocol.constants(protocol.Phase).values()),
    }


class ContractTest(unittest.TestCase):
    def setUp(self):
        with open(CONTRACT_PATH, encoding="utf-8") as handle:
            self.contract = json.load(handle)
        self.runner = runner_side()

    def test_same_methods_with_direction_and_kind(self):
        self.assertEqual(sorted(self.runner["methods"]), sorted(self.contract["methods"]))
        for name, spec in self.contract["methods"].items():
            with self.subTest(method=name):
                mine = self.runner["methods"][name]
                self.assertEqual((mine["direction"], mine["kind"]), (spec["direction"], spec["kind"]))

    def test_same_params_and_result_fields(self):
        for name, spec in self.contract["methods"].items():
            with self.subTest(method=name):
                mine = self.runner["methods"][name]
                self.assertEqual(mine["params"], sorted(spec["params"]))
                self.assertEqual(mine["result"], None if spec["result"] is None else sorted(spec["result"]))

    def test_same_shapes(self):
        self.assertEqual(self.runner["shapes"],
                         {name: sorted(fields) for name, fields in self.contract["shapes"].items()})

    def test_same_error_types_phases_and_version(self):
        self.assertEqual(self.runner["error_types"], {key: sorted(values) for key, values
                                                      in self.contract["error_types"].items()})
        self.assertEqual(self.runner["phases"], sorted(self.contract["phases"]))
        self.assertEqual(self.runner["protocol_version"], self.contract["protocol_version"])

    def test_every_method_constant_and_field_is_in_the_tables(self):
        """A name the runner spells (a module constant or a Field) but the tables lack would escape the check."""
        method_names = {value for name, value in vars(protocol).items()
                        if name.isupper() and isinstance(value, str)
                        and name not in ("HOST_TO_CHILD", "CHILD_TO_HOST", "REQUEST", "NOTIFICATION")}
        self.assertEqual(method_names, set(protocol.METHODS))
        used = {field for spec in protocol.METHODS.values() for field in (*spec.params, *(spec.result or ()))}
        used.update(field for fields in protocol.SHAPES.values() for field in fields)
        self.assertEqual(set(protocol.constants(protocol.Field).values()), used)


if __name__ == "__main__":
    unittest.main()
