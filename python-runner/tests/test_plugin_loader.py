import os
import sys
import threading
import unittest

import support  # noqa: F401  (puts plugin_runner on sys.path)
from support import TempDirCase, write_file

from plugin_runner.errors import PluginError, error_payload, render_exception
from plugin_runner.plugin_loader import PackagePlugin, SingleFilePlugin, load_plugin


def bump_mtime(path, seconds=2):
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + seconds * 1_000_000_000))


class SingleFileTest(TempDirCase, unittest.TestCase):
    def test_fresh_globals_per_call_scenario_10(self):
        a = write_file(os.path.join(self.tmp, "plugin_a.py"),
                       "def helper_a():\n    return 42\n\n"
                       "def process_writes(influxdb3_local, table_batches, args=None):\n"
                       "    return helper_a()\n")
        b = write_file(os.path.join(self.tmp, "plugin_b.py"),
                       "def helper_b():\n    return 99\n\n"
                       "def process_writes(influxdb3_local, table_batches, args=None):\n"
                       "    import __main__\n"
                       "    return ('helper_a' in dir(__main__), 'helper_b' in dir(__main__),"
                       " helper_b())\n")
        self.assertEqual(SingleFilePlugin(a).entry_point("process_writes")(None, [], None), 42)
        self.assertEqual(SingleFilePlugin(b).entry_point("process_writes")(None, [], None),
                         (False, False, 99))

    def test_module_state_does_not_survive_between_calls(self):
        path = write_file(os.path.join(self.tmp, "p.py"),
                          "import itertools\nCOUNTER = []\n"
                          "def process_writes(a, b, c):\n    COUNTER.append(1)\n"
                          "    return len(COUNTER), __name__\n")
        plugin = SingleFilePlugin(path)
        first = plugin.entry_point("process_writes")(None, [], None)
        second = plugin.entry_point("process_writes")(None, [], None)
        self.assertEqual(first, (1, "builtins"))  # upstream: no __name__ in the fresh dict
        self.assertEqual(second, (1, "builtins"))

    def test_compiled_once_until_the_file_changes(self):
        path = write_file(os.path.join(self.tmp, "p.py"),
                          "def process_writes(a, b, c):\n    return 'v1'\n")
        plugin = SingleFilePlugin(path)
        code1 = plugin.code()
        self.assertIs(plugin.code(), code1)
        write_file(path, "def process_writes(a, b, c):\n    return 'v2!'\n")
        bump_mtime(path)
        self.assertIsNot(plugin.code(), code1)
        self.assertEqual(plugin.entry_point("process_writes")(None, None, None), "v2!")

    def test_last_good_code_is_used_when_the_file_disappears(self):
        path = write_file(os.path.join(self.tmp, "p.py"),
                          "def process_writes(a, b, c):\n    return 'ok'\n")
        plugin = SingleFilePlugin(path)
        plugin.code()
        os.unlink(path)
        self.assertEqual(plugin.entry_point("process_writes")(None, None, None), "ok")

    def test_line_builder_is_a_builtin(self):
        from plugin_runner import line_builder
        line_builder.install()
        path = write_file(os.path.join(self.tmp, "p.py"),
                          "def process_writes(a, b, c):\n"
                          "    return LineBuilder('m').int64_field('f', 1).build()\n")
        self.assertEqual(SingleFilePlugin(path).entry_point("process_writes")(1, 2, 3), "m f=1i")

    def test_syntax_error_text_and_traceback_path(self):
        path = write_file(os.path.join(self.tmp, "bad.py"), "x = 1\n    y = 2\n")
        with self.assertRaises(SyntaxError) as cm:
            SingleFilePlugin(path).entry_point("process_writes")
        self.assertEqual(render_exception(cm.exception),
                         "IndentationError: unexpected indent (<string>, line 2)")
        payload = error_payload(cm.exception, "load", path)
        self.assertEqual(payload.type, "IndentationError")
        self.assertIn(f'File "{path}", line 2', payload.traceback)
        self.assertNotIn("plugin_runner", payload.traceback)

    def test_runtime_traceback_points_at_the_plugin_file(self):
        path = write_file(os.path.join(self.tmp, "boom.py"),
                          "def process_writes(a, b, c):\n    helper()\n\n"
                          "def helper():\n    raise RuntimeError('boom')\n")
        func = SingleFilePlugin(path).entry_point("process_writes")
        try:
            func(None, None, None)
        except RuntimeError as exc:
            payload = error_payload(exc, "call", path)
        self.assertEqual(payload.message, "RuntimeError: boom")
        tb = payload.traceback
        self.assertIn(f'File "{path}", line 2, in process_writes', tb)
        self.assertIn(f'File "{path}", line 5, in helper', tb)
        self.assertIn("raise RuntimeError('boom')", tb)

    def test_missing_entry_points(self):
        path = write_file(os.path.join(self.tmp, "p.py"), "def not_process_writes():\n    pass\n")
        expected = {
            "process_writes": "the process_writes function is not present in the plugin. "
                              "Should be defined as: process_writes(influxdb3_local, "
                              "table_batches, args=None)",
            "process_scheduled_call": "the process_scheduled_call function is not present in "
                                      "the plugin. Should be defined as: process_scheduled_call"
                                      "(influxdb3_local, call_time, args=None)",
            "process_request": "the process_request function is not present in the plugin. "
                               "Should be defined as: process_request(influxdb3_local, "
                               "query_parameters, request_headers, request_body, args=None) "
                               "-> Tuple[str, Optional[Dict[str, str]]]",
        }
        for name, message in expected.items():
            with self.assertRaises(PluginError) as cm:
                SingleFilePlugin(path).entry_point(name)
            self.assertEqual(render_exception(cm.exception), message)

    def test_not_found(self):
        with self.assertRaises(PluginError) as cm:
            load_plugin(os.path.join(self.tmp, "nope.py"))
        self.assertEqual(cm.exception.message, f"Plugin not found: {self.tmp}/nope.py")

    def test_inline_source(self):
        plugin = load_plugin("/virtual/gh_plugin.py",
                             "def process_writes(a, b, c):\n    return 5\n")
        self.assertEqual(plugin.entry_point("process_writes")(1, 2, 3), 5)


class PackageTest(TempDirCase, unittest.TestCase):
    def make_pkg(self, name, init, files=None, parent=None):
        root = os.path.join(parent or self.tmp, name)
        write_file(os.path.join(root, "__init__.py"), init)
        for rel, text in (files or {}).items():
            write_file(os.path.join(root, rel), text)
        return root

    def load_error(self, root, entry="process_scheduled_call"):
        with self.assertRaises(PluginError) as cm:
            PackagePlugin(root).entry_point(entry)
        return render_exception(cm.exception)

    def test_relative_imports_and_reload_after_change(self):
        root = self.make_pkg("pkg_reload_a", "from .utils import value\n"
                             "def process_scheduled_call(a, b, c):\n    return value()\n",
                             {"utils.py": "def value():\n    return 1\n"})
        plugin = load_plugin(root)
        self.assertEqual(plugin.kind, "package")
        self.assertEqual(plugin.entry_point("process_scheduled_call")(1, 2, 3), 1)
        module = sys.modules["pkg_reload_a"]
        # Unchanged: no re-import.
        plugin.entry_point("process_scheduled_call")
        self.assertIs(sys.modules["pkg_reload_a"], module)
        utils = os.path.join(root, "utils.py")
        write_file(utils, "def value():\n    return 2\n")
        bump_mtime(utils)
        self.assertEqual(plugin.entry_point("process_scheduled_call")(1, 2, 3), 2)
        self.assertIsNot(sys.modules["pkg_reload_a"], module)
        self.assertNotIn(self.tmp, sys.path)

    def test_new_submodule_file_triggers_reload(self):
        root = self.make_pkg("pkg_reload_b", "def process_scheduled_call(a, b, c):\n"
                             "    from . import extra\n    return extra.X\n")
        plugin = PackagePlugin(root)
        with self.assertRaises(ImportError):
            plugin.entry_point("process_scheduled_call")(1, 2, 3)
        write_file(os.path.join(root, "extra.py"), "X = 'new'\n")
        self.assertEqual(plugin.entry_point("process_scheduled_call")(1, 2, 3), "new")

    def test_missing_dependency_surfaces_its_name(self):
        root = self.make_pkg("badimport_t", "import totally_missing_dep_xyz\n\n"
                             "def process_scheduled_call(influxdb3_local, call_time, args=None):"
                             "\n    pass\n")
        self.assertEqual(
            self.load_error(root),
            "Failed to import plugin module 'badimport_t': ModuleNotFoundError: No module named "
            "'totally_missing_dep_xyz'\n"
            "Hint: Check for syntax errors or missing dependencies in Python files.")

    def test_module_level_attribute_error_surfaces(self):
        root = self.make_pkg("attrimport_t", "import sys\nsys.this_attr_xyz_missing\n\n"
                             "def process_scheduled_call(influxdb3_local, call_time, args=None):"
                             "\n    pass\n")
        msg = self.load_error(root)
        self.assertIn("this_attr_xyz_missing", msg)
        self.assertIn("AttributeError", msg)
        self.assertNotIn("is not present", msg)

    def test_syntax_error_surfaces(self):
        root = self.make_pkg("syntaxerr_t", "def process_scheduled_call(influxdb3_local, "
                             "call_time, args=None)\n    pass\n")
        msg = self.load_error(root)
        self.assertIn("SyntaxError", msg)
        self.assertNotIn("is not present in the plugin", msg)
        with self.assertRaises(PluginError) as cm:
            PackagePlugin(root).entry_point("process_scheduled_call")
        payload = error_payload(cm.exception, "load")
        self.assertEqual(payload.type, "SyntaxError")
        self.assertIn("__init__.py", payload.traceback)

    def test_package_without_function_gives_generic_message(self):
        root = self.make_pkg("nofunc_t", "def some_other_function():\n    pass\n")
        self.assertIn("process_scheduled_call function is not present", self.load_error(root))

    def test_failing_import_runs_top_level_once(self):
        marker = os.path.join(self.tmp, "top_level_runs.txt")
        root = self.make_pkg("pkg_dep_t", f"with open({marker!r}, 'a') as _f:\n"
                             "    _f.write('x')\nimport missing_dependency_3814\n\n"
                             "def process_scheduled_call(a, b, c):\n    pass\n")
        self.load_error(root)
        with open(marker) as handle:
            self.assertEqual(handle.read(), "x")

    def test_package_added_after_first_import_loads(self):
        first = self.make_pkg("pkg_first_t", "def process_scheduled_call(a, b, c):\n"
                              "    return __name__\n")
        self.assertEqual(PackagePlugin(first).entry_point("process_scheduled_call")(1, 2, 3),
                         "pkg_first_t")
        t_scan = os.stat(self.tmp).st_mtime_ns
        second = self.make_pkg("pkg_second_t", "def process_scheduled_call(a, b, c):\n"
                               "    return __name__\n")
        os.utime(self.tmp, ns=(t_scan, t_scan))
        self.assertEqual(PackagePlugin(second).entry_point("process_scheduled_call")(1, 2, 3),
                         "pkg_second_t")

    def test_twelve_packages_from_distinct_parents(self):
        results = {}

        def load(i):
            parent = os.path.join(self.tmp, f"parent_{i}")
            write_file(os.path.join(parent, f"helper_race_{i}.py"), f"VALUE = {i}\n")
            root = self.make_pkg(f"pkg_race_{i}", f"import time\ntime.sleep(0.02)\n"
                                 f"import helper_race_{i}\n"
                                 "def process_scheduled_call(a, b, c):\n"
                                 f"    return helper_race_{i}.VALUE\n", parent=parent)
            try:
                results[i] = PackagePlugin(root).entry_point("process_scheduled_call")(1, 2, 3)
            except Exception as exc:  # noqa: BLE001
                results[i] = exc

        threads = [threading.Thread(target=load, args=(i,)) for i in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(results, {i: i for i in range(12)})

    def test_directory_without_init_is_refused(self):
        os.makedirs(os.path.join(self.tmp, "noinit"))
        with self.assertRaises(PluginError) as cm:
            load_plugin(os.path.join(self.tmp, "noinit"))
        self.assertIn("__init__.py", cm.exception.message)


if __name__ == "__main__":
    unittest.main()
