import unittest

import support  # noqa: F401

from plugin_runner.line_builder import (InfluxDBError, InvalidKeyError, InvalidLineError,
                                        InvalidMeasurementError, LineBuilder)


class Scenario7Test(unittest.TestCase):
    """Upstream's escaping cases (cli::test_linebuilder_escaping), verbatim lines."""

    def test_escaping_table(self):
        cases = [
            (LineBuilder("metrics").tag("host", "server01").tag("region", "us-west")
             .int64_field("cpu", 42).uint64_field("memory_bytes", 8589934592)
             .float64_field("load", 86.5).string_field("status", "online")
             .bool_field("healthy", True).time_ns(1609459200000000000),
             'metrics,host=server01,region=us-west cpu=42i,memory_bytes=8589934592u,'
             'load=86.5,status="online",healthy=t 1609459200000000000'),
            (LineBuilder("system_metrics").tag("server", "app server 1")
             .tag("datacenter", "us west").int64_field("count", 1),
             r"system_metrics,server=app\ server\ 1,datacenter=us\ west count=1i"),
            (LineBuilder("network").tag("servers", "web,app,db").tag("location", "floor1,rack3")
             .int64_field("connections", 256),
             r"network,servers=web\,app\,db,location=floor1\,rack3 connections=256i"),
            (LineBuilder("formulas").tag("equation", "y=mx+b").tag("result", "a=b=c")
             .float64_field("value", 3.14159),
             r"formulas,equation=y\=mx+b,result=a\=b\=c value=3.14159"),
            (LineBuilder("paths").tag("windows_path", "C:\\Program Files\\App")
             .tag("regex", "\\d+\\w+").string_field("description", "Windows\\Unix paths")
             .int64_field("count", 42),
             r'paths,windows_path=C:\\Program\ Files\\App,regex=\\d+\\w+ '
             r'description="Windows\\Unix paths",count=42i'),
            (LineBuilder("messages").tag("type", "notification")
             .string_field("content", 'User said "Hello World"')
             .string_field("json", '{"key": "value"}').int64_field("priority", 1),
             r'messages,type=notification content="User said \"Hello World\"",'
             r'json="{\"key\": \"value\"}",priority=1i'),
            (LineBuilder("complex,measurement").tag("location", "New York, USA")
             .tag("details", "floor=5, room=3").tag("path", "C:\\Users\\Admin\\Documents")
             .string_field("message", 'Error in line: "x = y + z"')
             .string_field("query", 'SELECT * FROM table WHERE id="abc"')
             .float64_field("value", 123.456).time_ns(1609459200000000000),
             r'complex\,measurement,location=New\ York\,\ USA,details=floor\=5\,\ room\=3,'
             r'path=C:\\Users\\Admin\\Documents message="Error in line: \"x = y + z\"",'
             r'query="SELECT * FROM table WHERE id=\"abc\"",value=123.456 1609459200000000000'),
            (LineBuilder("sensor_data").tag("device", "thermostat").tag("room", "living room")
             .tag("floor", 1).float64_field("temperature", 72.5).int64_field("humidity", 45)
             .string_field("mode", "auto"),
             r'sensor_data,device=thermostat,room=living\ room,floor=1 '
             r'temperature=72.5,humidity=45i,mode="auto"'),
            (LineBuilder("memory_stats").tag("host", "server1").int64_field("usage", 75),
             "memory_stats,host=server1 usage=75i"),
        ]
        for builder, expected in cases:
            with self.subTest(expected=expected):
                self.assertEqual(builder.build(), expected)

    def test_scenario_1_lines(self):
        line = (LineBuilder("some_table").tag("tag1", "tag1_value").tag("tag2", "tag2_value")
                .int64_field("field1", 1).float64_field("field2", 2.0)
                .string_field("field3", "number three"))
        self.assertEqual(line.build(), 'some_table,tag1=tag1_value,tag2=tag2_value '
                                       'field1=1i,field2=2.0,field3="number three"')
        other = LineBuilder("other_table")
        other.int64_field("other_field", 1)
        other.float64_field("other_field2", 3.14)
        other.time_ns(1302)
        self.assertEqual(other.build(), "other_table other_field=1i,other_field2=3.14 1302")


class BehaviourTest(unittest.TestCase):
    def test_float_rendering(self):
        b = LineBuilder("m").float64_field("a", 2.0).float64_field("b", 3).float64_field("c", 1e20)
        self.assertEqual(b.build(), "m a=2.0,b=3.0,c=100000000000000000000.0")
        self.assertEqual(LineBuilder("m").float64_field("x", -0.5).build(), "m x=-0.5")

    def test_overwrite_keeps_insertion_order(self):
        b = LineBuilder("m").tag("a", "1").tag("b", "2").tag("a", "3").int64_field("f", 1)
        self.assertEqual(b.build(), "m,a=3,b=2 f=1i")

    def test_bool_and_uint(self):
        self.assertEqual(LineBuilder("m").bool_field("x", False).uint64_field("u", 0).build(),
                         "m x=f,u=0u")

    def test_field_key_is_escaped_but_tag_key_is_not(self):
        b = LineBuilder("m").tag("a\\b", "v").int64_field("c\\d", 1)
        self.assertEqual(b.build(), "m,a\\b=v c\\\\d=1i")


class ErrorsTest(unittest.TestCase):
    def test_measurement_with_space(self):
        with self.assertRaises(InvalidMeasurementError) as cm:
            LineBuilder("bad name")
        self.assertEqual(str(cm.exception), "Measurement name cannot contain spaces")

    def test_invalid_keys(self):
        for kind, setter in (("tag", lambda b, k: b.tag(k, "v")),
                             ("field", lambda b, k: b.int64_field(k, 1)),
                             ("field", lambda b, k: b.string_field(k, "s"))):
            for key, message in (("", f"{kind} key cannot be empty"),
                                 ("a b", f"{kind} key 'a b' cannot contain spaces"),
                                 ("a,b", f"{kind} key 'a,b' cannot contain commas"),
                                 ("a=b", f"{kind} key 'a=b' cannot contain equals signs")):
                with self.subTest(kind=kind, key=key):
                    with self.assertRaises(InvalidKeyError) as cm:
                        setter(LineBuilder("m"), key)
                    self.assertEqual(str(cm.exception), message)

    def test_negative_uint(self):
        with self.assertRaises(ValueError) as cm:
            LineBuilder("m").uint64_field("u", -1)
        self.assertEqual(str(cm.exception), "uint64 field 'u' cannot be negative")

    def test_no_fields(self):
        with self.assertRaises(InvalidLineError) as cm:
            LineBuilder("some_table").build()
        self.assertEqual(str(cm.exception), "At least one field is required: some_table")
        with self.assertRaises(InvalidLineError) as cm:
            LineBuilder("a,b").tag("t", "x y").build()
        self.assertEqual(str(cm.exception), r"At least one field is required: a\,b,t=x\ y")

    def test_hierarchy(self):
        for cls in (InvalidMeasurementError, InvalidKeyError, InvalidLineError):
            self.assertTrue(issubclass(cls, InfluxDBError))
        self.assertTrue(issubclass(InfluxDBError, Exception))


if __name__ == "__main__":
    unittest.main()
