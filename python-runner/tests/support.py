"""Helpers shared by the runner tests: import path, a fake connection, a fake host."""

from __future__ import annotations

import os
import queue
import struct
import subprocess
import sys
import tempfile
import threading
import time

RUNNER_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if RUNNER_DIR not in sys.path:
    sys.path.insert(0, RUNNER_DIR)

import msgpack  # noqa: E402

from plugin_runner.cache import CacheStore  # noqa: E402
from plugin_runner.connection import HostError  # noqa: E402
from plugin_runner.protocol import ErrorBody  # noqa: E402
from plugin_runner.host_api import CallContext, PluginApi  # noqa: E402


class FakeConnection:
    """Stands in for ``Connection``: records notifications, answers requests by a function."""

    def __init__(self, answer=None):
        self.notifications = []
        self.requests = []
        self.answer = answer or (lambda method, params: {})
        self.cancelled_calls = []

    def notify(self, method, params):
        self.notifications.append((method, params))

    def request(self, method, params, call_id=None, cancellable=True, abort=None):
        if abort is not None:
            abort()
        self.requests.append((method, dict(params)))
        result = self.answer(method, params)
        if isinstance(result, dict) and "__error__" in result:
            raise HostError(ErrorBody.from_wire(result["__error__"]))
        return result

    def cancel_call(self, call_id, make_exception):
        self.cancelled_calls.append(call_id)
        return 0

    def logs(self):
        return [f"{p['level']}: {p['text']}" for m, p in self.notifications if m == "log"]


def make_api(answer=None, database="mydb", cache_store=None, cache_name=None, call_id=7):
    conn = FakeConnection(answer)
    ctx = CallContext(call_id, database, conn, cache_store or CacheStore(), cache_name)
    return PluginApi(ctx), ctx, conn


def write_file(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path


class TempDirCase:
    """Mixin: ``self.tmp`` is a fresh directory per test."""

    def setUp(self):  # noqa: D401
        self._tmp = tempfile.TemporaryDirectory()
        self.tmp = self._tmp.name

    def tearDown(self):
        self._tmp.cleanup()


class RunnerProcess:
    """Plays the host: spawns ``python -m plugin_runner`` and speaks frames over pipes."""

    def __init__(self, extra_args=(), env=None):
        full_env = dict(os.environ)
        full_env["PYTHONPATH"] = RUNNER_DIR
        full_env["TZ"] = "UTC"
        full_env.update(env or {})
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "plugin_runner", *extra_args], cwd=RUNNER_DIR,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=full_env)
        self.messages: "queue.Queue" = queue.Queue()
        self.stderr_chunks = []
        self.notifications = []
        self._next_id = 1000
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()
        self.hello = self.next_message()

    def _read_stdout(self):
        out = self.proc.stdout
        while True:
            header = out.read(4)
            if len(header) < 4:
                self.messages.put(None)
                return
            (length,) = struct.unpack(">I", header)
            payload = out.read(length)
            self.messages.put(msgpack.unpackb(payload, raw=False, strict_map_key=False))

    def _read_stderr(self):
        for chunk in iter(lambda: self.proc.stderr.read1(4096), b""):
            self.stderr_chunks.append(chunk)

    @property
    def stderr(self):
        return b"".join(self.stderr_chunks).decode("utf-8", "replace")

    def send(self, envelope):
        payload = msgpack.packb(envelope, use_bin_type=True)
        self.send_raw(struct.pack(">I", len(payload)) + payload)

    def send_raw(self, data):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def request(self, method, params):
        self._next_id += 1
        self.send({"type": "request", "id": self._next_id, "method": method, "params": params})
        return self._next_id

    def next_message(self, timeout=10.0):
        msg = self.messages.get(timeout=timeout)
        if msg is None:
            raise EOFError("runner closed its stdout")
        return msg

    def wait_response(self, msg_id, on_request=None, on_notification=None, timeout=10.0):
        """Serve child requests/notifications until the response to ``msg_id`` arrives."""
        deadline = time.monotonic() + timeout
        while True:
            msg = self.next_message(max(0.01, deadline - time.monotonic()))
            if msg["type"] == "response" and msg["id"] == msg_id:
                return msg
            if msg["type"] == "notification":
                self.notifications.append(msg)
                if on_notification:
                    on_notification(msg)
            elif msg["type"] == "request":
                try:
                    result = on_request(msg) if on_request else {}
                    self.send({"type": "response", "id": msg["id"], "result": result})
                except HostError as exc:
                    self.send({"type": "response", "id": msg["id"], "error": exc.error.to_wire()})
            else:
                raise AssertionError(f"unexpected message {msg!r}")

    def call(self, method, params, **kwargs):
        return self.wait_response(self.request(method, params), **kwargs)

    def logs(self):
        return [f"{m['params']['level']}: {m['params']['text']}" for m in self.notifications
                if m["method"] == "log"]

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for stream in (self.proc.stdout, self.proc.stderr, self.proc.stdin):
            try:
                stream.close()
            except (OSError, ValueError):
                pass
