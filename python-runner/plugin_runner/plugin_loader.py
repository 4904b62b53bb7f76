"""Finding a plugin's entry point, as upstream does, with reload on change.

Single-file plugins: compiled once per (path, mtime_ns, size) with the filename
``<string>`` (so messages read like upstream's), then executed in a fresh globals dict on
every call, so top-level code runs each time and nothing survives between calls.

Multi-file plugins (a directory with ``__init__.py``): imported as a package with the
parent directory briefly at ``sys.path[0]``; when any ``*.py`` file under it changes
(mtime or size), the package and its submodules leave ``sys.modules`` and are imported
again on the next call.
"""

from __future__ import annotations

import builtins
import importlib
import linecache
import os
import sys
import threading
from types import CodeType, ModuleType
from typing import Any, Callable, Optional, Union

from .errors import PluginError, render_exception
from .protocol import PROCESS_REQUEST, PROCESS_SCHEDULED_CALL, PROCESS_WRITES, ErrorType

MISSING_ENTRY_POINT = {
    PROCESS_WRITES: (
        "the process_writes function is not present in the plugin. Should be defined as: "
        "process_writes(influxdb3_local, table_batches, args=None)"),
    PROCESS_SCHEDULED_CALL: (
        "the process_scheduled_call function is not present in the plugin. Should be defined "
        "as: process_scheduled_call(influxdb3_local, call_time, args=None)"),
    PROCESS_REQUEST: (
        "the process_request function is not present in the plugin. Should be defined as: "
        "process_request(influxdb3_local, query_parameters, request_headers, request_body, "
        "args=None) -> Tuple[str, Optional[Dict[str, str]]]"),
}

_SYS_PATH_LOCK = threading.Lock()
# Package names this process imported as plugins, with the directory each came from.
_IMPORTED_PACKAGES: dict[str, str] = {}


def missing_entry_point(name: str) -> PluginError:
    return PluginError(MISSING_ENTRY_POINT.get(name, f"the {name} function is not present "
                                                      "in the plugin"),
                       ErrorType.MISSING_ENTRY_POINT)


def not_found(path: str) -> PluginError:
    return PluginError(f"Plugin not found: {path}", ErrorType.PLUGIN_NOT_FOUND)


class SingleFilePlugin:
    kind = "file"

    def __init__(self, path: str, source: Optional[str] = None) -> None:
        self.path = path
        self.source_path = path
        self._fixed_source = source
        self._key: Optional[tuple[str, int, int]] = None
        self._code: Optional[CodeType] = None
        self._text: Optional[str] = None
        self._lines: Optional[tuple[int, None, list[str], str]] = None
        self._codes: set[CodeType] = set()

    def _compile(self, text: str) -> CodeType:
        code: CodeType = compile(text, "<string>", "exec", dont_inherit=True)
        self._text = text
        self._lines = None
        self._codes = _nested_codes(code)
        self._remember_source()
        return code

    def owns_code(self, code: Any) -> bool:
        """True for code objects compiled from this plugin's source (traceback mapping)."""
        return code in self._codes

    def _remember_source(self) -> None:
        # Lets tracebacks show source lines for "<string>" frames (mapped to the real path). The entry is built once
        # per compiled text and put back on every call (another plugin's code may have replaced it).
        if self._text is None:
            return
        entry = self._lines
        if entry is None:
            entry = self._lines = (len(self._text), None, self._text.splitlines(True), "<string>")
        if linecache.cache.get("<string>") is not entry:
            linecache.cache["<string>"] = entry

    def code(self) -> CodeType:
        if self._fixed_source is not None:
            if self._code is None:
                self._code = self._compile(self._fixed_source)
            return self._code
        try:
            st = os.stat(self.path)
            key = (self.path, st.st_mtime_ns, st.st_size)
        except OSError:
            if self._code is not None:
                return self._code
            raise not_found(self.path) from None
        if key != self._key or self._code is None:
            try:
                with open(self.path, encoding="utf-8") as handle:
                    text = handle.read()
            except (OSError, UnicodeDecodeError):
                if self._code is not None:
                    return self._code  # unreadable now: keep running the last good code
                raise not_found(self.path) from None
            self._code = self._compile(text)
            self._key = key
        else:
            self._remember_source()
        return self._code

    def entry_point(self, name: str) -> Callable[..., Any]:
        code = self.code()
        namespace: dict[str, Any] = {}
        exec(code, namespace)  # noqa: S102 - running the plugin is the point
        if name in namespace:
            func: Callable[..., Any] = namespace[name]
            return func
        if hasattr(builtins, name):
            builtin: Callable[..., Any] = getattr(builtins, name)
            return builtin
        raise missing_entry_point(name)


def _nested_codes(code: CodeType) -> set[CodeType]:
    found: set[CodeType] = set()
    stack = [code]
    while stack:
        current = stack.pop()
        if current in found:
            continue
        found.add(current)
        stack.extend(c for c in current.co_consts if isinstance(c, type(code)))
    return found


def _package_fingerprint(root: str) -> tuple[tuple[str, int, int], ...]:
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for filename in filenames:
            if filename.endswith(".py"):
                full = os.path.join(dirpath, filename)
                try:
                    st = os.stat(full)
                except OSError:
                    continue
                found.append((os.path.relpath(full, root), st.st_mtime_ns, st.st_size))
    found.sort()
    return tuple(found)


def _evict(name: str) -> None:
    prefix = name + "."
    for mod_name in [m for m in sys.modules if m == name or m.startswith(prefix)]:
        del sys.modules[mod_name]


class PackagePlugin:
    kind = "package"

    def __init__(self, path: str) -> None:
        self.path = os.path.abspath(path).rstrip(os.sep)
        self.source_path: Optional[str] = None
        self.owns_code: Optional[Callable[[Any], bool]] = None
        self.name = os.path.basename(self.path)
        self.parent = os.path.dirname(self.path)
        self._module: Optional[ModuleType] = None
        self._fingerprint: Optional[tuple[tuple[str, int, int], ...]] = None

    def _import(self) -> ModuleType:
        name = self.name
        with _SYS_PATH_LOCK:
            previous = _IMPORTED_PACKAGES.get(name)
            if previous is not None:
                _evict(name)
            sys.path.insert(0, self.parent)
            try:
                try:
                    module = importlib.import_module(name)
                except ModuleNotFoundError as exc:
                    # Only when the package itself was not found has no plugin code run,
                    # so only then is a retry free of side effects.
                    if exc.name != name:
                        raise
                    importlib.invalidate_caches()
                    module = importlib.import_module(name)
            except BaseException as exc:  # noqa: BLE001 - reported as the plugin's error
                _evict(name)
                _IMPORTED_PACKAGES.pop(name, None)
                raise PluginError(
                    f"Failed to import plugin module '{name}': {render_exception(exc)}\n"
                    "Hint: Check for syntax errors or missing dependencies in Python files.",
                    type(exc).__qualname__, exc) from None
            finally:
                try:
                    sys.path.remove(self.parent)
                except ValueError:
                    pass
            _IMPORTED_PACKAGES[name] = self.path
            return module

    def module(self) -> ModuleType:
        fingerprint: Optional[tuple[tuple[str, int, int], ...]]
        try:
            fingerprint = _package_fingerprint(self.path)
        except OSError:
            fingerprint = self._fingerprint
        stale = (self._module is None or fingerprint != self._fingerprint
                 or sys.modules.get(self.name) is not self._module)
        if stale:
            if self._module is not None:
                _evict(self.name)
                importlib.invalidate_caches()
            self._module = None
            module = self._import()
            self._module = module
            self._fingerprint = fingerprint
            return module
        assert self._module is not None
        return self._module

    def entry_point(self, name: str) -> Callable[..., Any]:
        module = self.module()
        try:
            func: Callable[..., Any] = getattr(module, name)
            return func
        except AttributeError:
            raise missing_entry_point(name) from None
        except Exception as exc:  # noqa: BLE001 - a module __getattr__ may raise anything
            raise PluginError(
                f"Failed to load function '{name}' from plugin module '{self.name}': "
                f"{render_exception(exc)}", type(exc).__qualname__, exc) from None


Plugin = Union[SingleFilePlugin, PackagePlugin]


def load_plugin(path: str, source: Optional[str] = None) -> Plugin:
    """A plugin object for ``path``: a package directory or a single ``.py`` file.

    With ``source``, the file is not read: that text is the plugin (dry runs, ``gh:``).
    """
    if source is not None:
        return SingleFilePlugin(path, source)
    if os.path.isdir(path):
        if not os.path.isfile(os.path.join(path, "__init__.py")):
            raise PluginError(
                f"Plugin not found: {path} (a plugin directory needs an __init__.py)",
                ErrorType.PLUGIN_NOT_FOUND)
        return PackagePlugin(path)
    if os.path.isfile(path):
        return SingleFilePlugin(path)
    raise not_found(path)
