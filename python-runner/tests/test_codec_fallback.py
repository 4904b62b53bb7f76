"""The pure-Python msgpack codec against the real ``msgpack`` package: same bytes, same values, same failures;
and the whole runner end-to-end suite again with the fallback forced (INFLUXDB3_RUNNER_NO_MSGPACK=1)."""

import math
import os
import random
import struct
import subprocess
import sys
import unittest

import support  # noqa: F401  (puts plugin_runner on sys.path)
from support import RUNNER_DIR, RunnerProcess, TempDirCase

import msgpack

import test_end_to_end as e2e
from plugin_runner import msgpack_fallback as fb

INT_BOUNDARIES = [
    0, 1, 31, 32, 127, 128, 255, 256, 65535, 65536, 2**32 - 1, 2**32, 2**53, 2**63 - 1, 2**63, 2**64 - 1,
    -1, -31, -32, -33, -127, -128, -129, -32767, -32768, -32769, -2**31 + 1, -2**31, -2**31 - 1, -2**53,
    -2**63 + 1, -2**63,
]
LENGTHS = [0, 1, 15, 16, 31, 32, 255, 256, 65535, 65536]


def c_pack(obj):
    return msgpack.packb(obj, use_bin_type=True)


def c_unpack(data):
    return msgpack.unpackb(data, raw=False, strict_map_key=False)


def random_str(rng, n):
    alphabet = "abcXYZ09 _-\u00e9\u00fc\u4e2d\u6587\U0001f600\n\t\"'\\"
    return "".join(rng.choice(alphabet) for _ in range(n))


def random_int(rng):
    kind = rng.random()
    if kind < 0.3:
        return rng.choice(INT_BOUNDARIES)
    if kind < 0.6:
        return rng.randint(-200, 300)
    bits = rng.choice([8, 16, 32, 53, 63, 64])
    return rng.randint(0, 2**bits - 1) if rng.random() < 0.5 or bits == 64 else -rng.randint(0, 2**bits)


def random_value(rng, depth=0):
    kinds = ["nil", "bool", "int", "float", "str", "bin"] + (["array", "map", "tuple"] if depth < 4 else [])
    kind = rng.choice(kinds)
    if kind == "nil":
        return None
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "int":
        return random_int(rng)
    if kind == "float":
        return rng.choice([0.0, -0.0, 1.5, 2.0, 1e308, -1e-308, float("inf"), float("-inf"), rng.uniform(-1e9, 1e9)])
    if kind == "str":
        return random_str(rng, rng.choice([0, 1, 5, 31, 32, 40, 255, 256, 300]))
    if kind == "bin":
        return bytes(rng.getrandbits(8) for _ in range(rng.choice([0, 1, 5, 255, 256, 300])))
    if kind in ("array", "tuple"):
        items = [random_value(rng, depth + 1) for _ in range(rng.choice([0, 1, 3, 15, 16, 20]))]
        return tuple(items) if kind == "tuple" else items
    out = {}
    for _ in range(rng.choice([0, 1, 3, 15, 16, 20])):
        key = rng.choice([random_str(rng, rng.randint(0, 40)), random_int(rng), None, True, 1.5, b"k"])
        out[key] = random_value(rng, depth + 1)
    return out


def normalise(value):
    """What a value reads back as: tuples become lists."""
    if isinstance(value, (list, tuple)):
        return [normalise(v) for v in value]
    if isinstance(value, dict):
        return {k: normalise(v) for k, v in value.items()}
    return value


class RoundTripAgainstMsgpackTest(unittest.TestCase):
    def check(self, value):
        expected = c_pack(value)
        self.assertEqual(fb.packb(value), expected, repr(value)[:200])
        self.assertEqual(fb.unpackb(expected), c_unpack(expected), repr(value)[:200])
        self.assertEqual(fb.unpackb(expected), normalise(value), repr(value)[:200])

    def test_random_values(self):
        rng = random.Random(20261205)
        for _ in range(3000):
            self.check(random_value(rng))

    def test_int_boundaries(self):
        for v in INT_BOUNDARIES:
            with self.subTest(v=v):
                self.check(v)
                self.check([v, {"k": v}, {v: v}])
                self.assertIs(type(fb.unpackb(c_pack(v))), int)

    def test_ints_beyond_64_bits_overflow_like_msgpack(self):
        for v in (2**64, -2**63 - 1, 10**30):
            with self.subTest(v=v):
                with self.assertRaises(OverflowError):
                    c_pack(v)
                with self.assertRaises(OverflowError):
                    fb.packb(v)

    def test_str_and_bin_lengths(self):
        for n in LENGTHS:
            with self.subTest(n=n):
                self.check("x" * n)
                self.check("\u00e9" * (n // 2))
                self.check(bytes(range(256)) * (n // 256) + bytes(n % 256))
                self.check(bytearray(b"a" * n))
                self.check(memoryview(b"b" * n))

    def test_str32_and_bin32(self):
        for value in ("y" * (2**16 + 5), b"z" * (2**16 + 5)):
            self.check(value)

    def test_array_and_map_sizes(self):
        for n in (0, 1, 15, 16, 17, 65535, 65536):
            with self.subTest(n=n):
                self.check(list(range(n)))
                self.check({str(i): i for i in range(n)})

    def test_floats(self):
        for v in (0.0, -0.0, 1.0, 2.0, 0.1, 1e-320, 1.7976931348623157e308, float("inf"), float("-inf")):
            self.check(v)
        nan = c_pack(float("nan"))
        self.assertEqual(fb.packb(float("nan")), nan)
        self.assertTrue(math.isnan(fb.unpackb(nan)))
        self.assertEqual(fb.unpackb(b"\xca" + struct.pack(">f", 1.5)), 1.5)  # float32 reads too

    def test_wal_rows_as_the_host_sends_them(self):
        rows = [{"host": f"h{i}", "usage": i / 3, "count": i, "ok": i % 2 == 0, "note": None,
                 "time": 1_700_000_000_000_000_000 + i} for i in range(500)]
        self.check([{"table_name": "cpu", "rows": rows}])

    def test_nested(self):
        value = {"a": [{"b": [{"c": [1, [2, [3, [4, {"d": b"\x00"}]]]]}]}]}
        self.check(value)
        deep = []
        for i in range(100):
            deep = [deep, {"k": i}] if i % 2 else {"d": deep}
        self.check(deep)

    def test_subclasses_pack_as_their_base_types(self):
        import collections
        import enum

        class Color(enum.IntEnum):
            RED = 300

        class S(str):
            pass

        value = [Color.RED, S("text"), collections.OrderedDict(a=1), collections.defaultdict(int, b=2), (1, 2), True]
        self.assertEqual(fb.packb(value), c_pack(value))

    def test_unsupported_types_raise_type_error(self):
        import datetime
        for value in (object(), {1, 2}, datetime.datetime(2024, 1, 1), 1j):
            with self.subTest(value=value):
                with self.assertRaises(TypeError):
                    c_pack(value)
                with self.assertRaises(TypeError):
                    fb.packb(value)

    def test_surrogates_cannot_be_packed(self):
        with self.assertRaises(UnicodeEncodeError):
            fb.packb("\udcff")

    def test_timestamp_and_ext_types(self):
        for seconds, nanos in ((0, 0), (1, 0), (2**32 - 1, 0), (2**32, 5), (2**34 - 1, 999_999_999), (2**34, 1), (-1, 0), (-2**40, 7)):
            with self.subTest(seconds=seconds, nanos=nanos):
                packed = c_pack(msgpack.Timestamp(seconds, nanos))
                self.assertEqual(fb.packb(fb.Timestamp(seconds, nanos)), packed)
                ts = fb.unpackb(packed)
                self.assertEqual((ts.seconds, ts.nanoseconds), (seconds, nanos))
                self.assertEqual(ts.to_unix_nano(), seconds * 10**9 + nanos)
        for n in (1, 2, 3, 4, 8, 16, 17, 255, 256, 70000):
            with self.subTest(ext_len=n):
                packed = c_pack(msgpack.ExtType(5, b"e" * n))
                self.assertEqual(fb.packb(fb.ExtType(5, b"e" * n)), packed)
                self.assertEqual(fb.unpackb(packed), fb.ExtType(5, b"e" * n))

    def test_unpack_accepts_buffers(self):
        data = c_pack({"a": [1, b"x"]})
        for buf in (bytearray(data), memoryview(data), memoryview(b"??" + data)[2:]):
            self.assertEqual(fb.unpackb(buf), {"a": [1, b"x"]})

    def test_truncated_input_fails_like_msgpack(self):
        rng = random.Random(7)
        for _ in range(300):
            data = c_pack(random_value(rng))
            cut = rng.randrange(0, len(data)) if len(data) > 1 else 0
            with self.subTest(data=data[:40], cut=cut):
                with self.assertRaises(ValueError):
                    c_unpack(data[:cut])
                with self.assertRaises(ValueError):
                    fb.unpackb(data[:cut])

    def test_extra_data_and_bad_bytes(self):
        with self.assertRaises(fb.ExtraData):
            fb.unpackb(c_pack(1) + b"\x01")
        with self.assertRaises(ValueError):
            fb.unpackb(b"\xc1")
        with self.assertRaises(ValueError):
            fb.unpackb(b"\xa3\xff\xfe\xfd")  # not utf-8
        with self.assertRaises(ValueError):
            fb.unpackb(b"\xdd\xff\xff\xff\xff")  # announces 4G items, has none
        with self.assertRaises(ValueError):
            fb.unpackb(b"\x91" * 2000 + b"\xc0")  # nesting beyond the codec's limit

    def test_random_bytes_never_crash_differently(self):
        rng = random.Random(11)
        for _ in range(2000):
            data = bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 12)))
            try:
                expected = c_unpack(data)
            except Exception:  # noqa: BLE001
                with self.assertRaises(Exception):
                    fb.unpackb(data)
                continue
            self.assertEqual(repr(fb.unpackb(data)), repr(expected), data)


class CodecSelectionTest(unittest.TestCase):
    def run_python(self, code, env):
        full_env = dict(os.environ, PYTHONPATH=RUNNER_DIR, **env)
        return subprocess.run([sys.executable, "-c", code], cwd=RUNNER_DIR, env=full_env,
                              capture_output=True, text=True, timeout=30, check=True)

    def test_msgpack_is_used_when_present(self):
        r = self.run_python("from plugin_runner import codec; print(codec.NAME)", {"INFLUXDB3_RUNNER_NO_MSGPACK": ""})
        self.assertEqual(r.stdout.strip(), "msgpack")
        self.assertEqual(r.stderr, "")

    def test_env_var_forces_the_fallback_with_one_warning(self):
        r = self.run_python("from plugin_runner import codec, messages, calls; print(codec.NAME)",
                            {"INFLUXDB3_RUNNER_NO_MSGPACK": "1"})
        self.assertEqual(r.stdout.strip(), "fallback")
        warnings = [line for line in r.stderr.splitlines() if "WARN" in line]
        self.assertEqual(len(warnings), 1, r.stderr)
        self.assertIn("the C codec is faster", warnings[0])

    def test_missing_msgpack_package_selects_the_fallback(self):
        # A meta path finder that refuses msgpack stands for a Python without the package.
        code = (
            "import sys\n"
            "class Block:\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            "        if name == 'msgpack' or name.startswith('msgpack.'):\n"
            "            raise ModuleNotFoundError(\"No module named 'msgpack'\")\n"
            "sys.meta_path.insert(0, Block())\n"
            "from plugin_runner import codec, messages\n"
            "print(codec.NAME, messages.parse(messages.pack(messages.request(1, 'load', {'x': 2**64 - 1}))).params)\n"
        )
        r = self.run_python(code, {"INFLUXDB3_RUNNER_NO_MSGPACK": ""})
        self.assertEqual(r.stdout.strip(), "fallback {'x': 18446744073709551615}")
        self.assertIn("No module named 'msgpack'", r.stderr)


class EndToEndWithFallbackCodecTest(e2e.EndToEndTest):
    """Every end-to-end runner test again, the runner on the pure-Python codec and the test host on the C one."""

    def setUp(self):
        TempDirCase.setUp(self)
        self.runner = RunnerProcess(env={"INFLUXDB3_RUNNER_NO_MSGPACK": "1"})

    def test_runner_warned_once_about_the_codec(self):
        self.runner.call("$/ping", {})
        self.assertEqual(self.runner.stderr.count("pure-Python msgpack codec"), 1, self.runner.stderr)


if __name__ == "__main__":
    unittest.main()
