"""Serving the host: a reader thread, a worker, and a dispatch table of method handlers.

The reader thread decodes every frame. Responses go to the waiting request of the child
(by id); ``$/ping``, ``$/cancel`` and ``$/shutdown`` are answered on the reader thread at
once, even while a plugin runs; ``load`` and the ``process_*`` calls are queued and run
one at a time by the worker (the main thread, so plugins may install signal handlers).
"""

from __future__ import annotations

import os
import queue
import sys
import threading
from typing import Callable, Optional

from . import messages
from .calls import CallFailed, Runtime
from .connection import Connection, ConnectionClosed
from .errors import ProtocolError, SHUTDOWN_MESSAGE, error_payload
from .framing import FrameReader, FrameWriter
from .host_api import CallContext

PROTOCOL_ERROR_EXIT = 2
_STOP = object()


def _stderr(text: str) -> None:
    try:
        sys.stderr.write(f"plugin_runner: {text}\n")
        sys.stderr.flush()
    except Exception:  # noqa: BLE001 - diagnostics must never take the runner down
        pass


class Server:
    def __init__(self, reader: FrameReader, writer: FrameWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.connection = Connection(writer)
        self.runtime = Runtime(self.connection)
        self._queue: "queue.Queue" = queue.Queue()
        self._lock = threading.Lock()
        self._queued_ids: set[int] = set()
        self._cancelled_ids: set[int] = set()
        self._current_id: Optional[int] = None
        self._current_ctx: Optional[CallContext] = None
        self._shutting_down = False
        self.exit_code = 0
        # Served on the reader thread, ahead of queued work.
        self.immediate: dict[str, Callable[[messages.Message], dict]] = {
            messages.PING: self._ping,
            messages.CANCEL: self._cancel,
            messages.SHUTDOWN: self._shutdown,
        }
        # Run in order on the worker.
        self.queued: dict[str, Callable[[messages.Message], dict]] = {
            messages.LOAD: self._load,
            messages.PROCESS_WRITES: self._process,
            messages.PROCESS_SCHEDULED_CALL: self._process,
            messages.PROCESS_REQUEST: self._process,
        }

    # -- immediate handlers ----------------------------------------------------------------
    def _ping(self, msg: messages.Message) -> dict:
        with self._lock:
            return {"busy": self._current_id is not None, "call_id": self._current_id,
                    "queued": len(self._queued_ids)}

    def _cancel(self, msg: messages.Message) -> dict:
        target = msg.params.get("id")
        with self._lock:
            ctx = self._current_ctx
            if ctx is not None and (target is None or target == ctx.call_id):
                ctx.cancel()
                return {"cancelled": True, "state": "running"}
            if target is not None and target in self._queued_ids:
                self._cancelled_ids.add(target)
                return {"cancelled": True, "state": "queued"}
        return {"cancelled": False, "state": "unknown"}

    def _shutdown(self, msg: messages.Message) -> dict:
        self._begin_shutdown(stop_worker=False)  # the worker stops once we have replied
        return {}

    def _begin_shutdown(self, stop_worker: bool = True) -> None:
        with self._lock:
            first = not self._shutting_down
            self._shutting_down = True
            if first and self._current_ctx is not None:
                self._current_ctx.cancel()
        if stop_worker:
            self._queue.put(_STOP)

    # -- queued handlers -------------------------------------------------------------------
    def _load(self, msg: messages.Message) -> dict:
        return self.runtime.load(msg.params)

    def _process(self, msg: messages.Message) -> dict:
        ctx = self.runtime.new_context(msg.id, msg.params)
        with self._lock:
            self._current_ctx = ctx
            if self._shutting_down or msg.id in self._cancelled_ids:
                ctx.cancel()
        try:
            return self.runtime.call(msg.method, msg.params, ctx)
        finally:
            with self._lock:
                self._current_ctx = None

    # -- reader thread ---------------------------------------------------------------------
    def read_loop(self) -> None:
        try:
            for payload in self.reader:
                self._on_frame(payload)
        except ProtocolError as exc:
            self._protocol_error(exc)
            return
        except BaseException as exc:  # noqa: BLE001 - a reader crash is a protocol failure
            self._protocol_error(ProtocolError(f"reader failed: {type(exc).__name__}: {exc}"))
            return
        self.connection.close(ConnectionClosed("the host closed the runner's stdin"))
        self._begin_shutdown()

    def _protocol_error(self, exc: ProtocolError) -> None:
        _stderr(f"protocol error: {exc}")
        try:
            self.connection.notify("$/protocol_error", {"message": str(exc)})
        except Exception:  # noqa: BLE001 - the host may be gone already
            pass
        os._exit(PROTOCOL_ERROR_EXIT)

    def _on_frame(self, payload: bytes) -> None:
        try:
            msg = messages.parse(payload)
        except messages.InvalidMessage as exc:
            if exc.msg_id is not None:
                self.connection.respond_error(
                    exc.msg_id, messages.simple_error("InvalidRequest", f"InvalidRequest: {exc}"))
            else:
                _stderr(f"ignored invalid message: {exc}")
            return
        if msg.kind == messages.RESPONSE:
            if not self.connection.deliver(msg):
                _stderr(f"ignored response to unknown request id {msg.id}")
            return
        if msg.kind == messages.NOTIFICATION:
            return
        handler = self.immediate.get(msg.method)
        if handler is not None:
            self._reply(msg, handler)
            if msg.method == messages.SHUTDOWN:
                self._queue.put(_STOP)
            return
        if msg.method not in self.queued:
            self.connection.respond_error(msg.id, messages.simple_error(
                "MethodNotFound", f"MethodNotFound: unknown method '{msg.method}'"))
            return
        with self._lock:
            refuse = self._shutting_down
            if not refuse:
                self._queued_ids.add(msg.id)
        if refuse:
            self._refuse_shutting_down(msg)
            return
        self._queue.put(msg)

    # -- worker ----------------------------------------------------------------------------
    def work_loop(self) -> None:
        while True:
            msg = self._queue.get()
            if msg is _STOP:
                break
            with self._lock:
                self._queued_ids.discard(msg.id)
                cancelled = msg.id in self._cancelled_ids
                self._cancelled_ids.discard(msg.id)
                refuse = self._shutting_down
                self._current_id = msg.id
            try:
                if refuse:
                    self._refuse_shutting_down(msg)
                elif cancelled:
                    self.connection.respond_error(msg.id, messages.simple_error(
                        "Cancelled", f"Cancelled: call {msg.id} was cancelled before it started"))
                else:
                    self._reply(msg, self.queued[msg.method])
            except OSError as exc:
                _stderr(f"cannot write to the host, exiting: {exc}")
                self.exit_code = 1
                return
            finally:
                with self._lock:
                    self._current_id = None
        # Anything still queued after the stop marker is refused.
        while True:
            try:
                msg = self._queue.get_nowait()
            except queue.Empty:
                break
            if msg is not _STOP:
                try:
                    self._refuse_shutting_down(msg)
                except OSError:
                    return

    def _refuse_shutting_down(self, msg: messages.Message) -> None:
        self.connection.respond_error(msg.id, messages.simple_error(
            "ShuttingDown", f"ShuttingDown: {SHUTDOWN_MESSAGE}"))

    def _reply(self, msg: messages.Message, handler) -> None:
        try:
            result = handler(msg)
        except CallFailed as exc:
            self.connection.respond_error(msg.id, exc.error)
            return
        except BaseException as exc:  # noqa: BLE001 - a handler bug is still an answer
            self.connection.respond_error(msg.id, error_payload(exc, "internal"))
            return
        self.connection.respond(msg.id, result)

    def serve(self) -> int:
        thread = threading.Thread(target=self.read_loop, name="plugin-runner-reader", daemon=True)
        thread.start()
        self.work_loop()
        # Wait for a frame the reader may be writing, so exiting never cuts one in half.
        self.writer.close()
        return self.exit_code
