"""Serving the host: whoever waits reads, a watchdog reader for long calls, and a dispatch table.

One thread at a time reads frames (it holds the read token) and dispatches each one: responses
go to the waiting request of the child (by id); ``$/ping``, ``$/cancel`` and ``$/shutdown`` are
answered at once; ``load`` and the ``process_*`` calls go to the inbox, which the main thread
runs one at a time (the main thread, so plugins may install signal handlers).

The reader is whichever thread is waiting: the idle main thread waiting for its next call, or a
thread waiting for the answer to its own request (``query``, ``write_sync``, cache calls). So a
call is read and run by the same thread, with no thread hand-off on the way. A call that runs
pure Python code for a while waits for nothing, so nobody would read: a watchdog thread takes
the token after WATCHDOG_S of that, so pings, cancels and the answers to the requests of the
plugin's own threads are still served. It sleeps for good while no calls come.
"""

from __future__ import annotations

import collections
import enum
import os
import sys
import threading
import time
from typing import Any, Callable, Optional

from . import messages
from .calls import CallFailed, Runtime
from .connection import Connection, ConnectionClosed
from .errors import ProtocolError, SHUTDOWN_MESSAGE, error_payload
from .framing import FrameReader, FrameWriter
from .host_api import CallContext
from .protocol import (CANCEL, LOAD, PING, PROCESS_REQUEST, PROCESS_SCHEDULED_CALL, PROCESS_WRITES, PROTOCOL_ERROR,
                       SHUTDOWN, ErrorBody, ErrorType, Field, Phase)

PROTOCOL_ERROR_EXIT = 2
# How long a call may run without anybody reading before the watchdog reads for it.
WATCHDOG_S = 0.005
# The watchdog sleeps until the next call after this long without one (it ticks every WATCHDOG_S until then).
WATCHDOG_IDLE_S = 0.05


def _stderr(text: str) -> None:
    try:
        sys.stderr.write(f"plugin_runner: {text}\n")
        sys.stderr.flush()
    except Exception:  # noqa: BLE001 - diagnostics must never take the runner down
        pass


class State(enum.IntEnum):
    """The server's lifecycle; it only moves forward."""

    # Calls are queued and run.
    SERVING = 0
    # $/shutdown (or the end of the stream) arrived: new calls are refused and the running one is cancelled.
    SHUTTING_DOWN = 1
    # The main loop ends once the inbox is empty.
    STOPPING = 2
    # The stream ended or broke: nobody reads again.
    CLOSED = 3


Handler = Callable[[messages.Message], Any]


class Server:
    def __init__(self, reader: FrameReader, writer: FrameWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.connection = Connection(writer)
        self.connection.wait_for_event = self.wait_for_event
        self.runtime = Runtime(self.connection)
        # One condition for every wait: the inbox, request answers, the read token, the watchdog.
        self._cv = threading.Condition(threading.Lock())
        self._inbox: "collections.deque[messages.Message]" = collections.deque()
        self._state = State.SERVING
        self._reading = False  # the read token: a thread is inside read_frame()
        self._queued_ids: set[int] = set()
        self._cancelled_ids: set[int] = set()
        self._current_id: Optional[int] = None
        self._current_ctx: Optional[CallContext] = None
        self._calls = 0              # calls started so far (the watchdog tells one call from the next)
        self._watchdog_asleep = False
        self.exit_code = 0
        # Served by the reading thread at once, ahead of queued work.
        self.immediate: dict[str, Handler] = {
            PING: self._ping,
            CANCEL: self._cancel,
            SHUTDOWN: self._shutdown,
        }
        # Run in order by the main thread.
        self.queued: dict[str, Handler] = {
            LOAD: self._load,
            PROCESS_WRITES: self._process,
            PROCESS_SCHEDULED_CALL: self._process,
            PROCESS_REQUEST: self._process,
        }

    # -- lifecycle -------------------------------------------------------------------------
    @property
    def _shutting_down(self) -> bool:
        return self._state >= State.SHUTTING_DOWN

    @property
    def _stopping(self) -> bool:
        return self._state >= State.STOPPING

    @property
    def _closed(self) -> bool:
        return self._state is State.CLOSED

    def _advance(self, state: State) -> bool:
        """Move the lifecycle forward to ``state`` (never back), with ``_cv`` held; True when this began the
        shutdown (the running call is then to be cancelled)."""
        first = self._state < State.SHUTTING_DOWN
        if state > self._state:
            self._state = state
        self._cv.notify_all()
        return first

    # -- immediate handlers ----------------------------------------------------------------
    def _ping(self, msg: messages.Message) -> dict[str, Any]:
        with self._cv:
            return {Field.BUSY: self._current_id is not None, Field.CALL_ID: self._current_id,
                    Field.QUEUED: len(self._queued_ids)}

    def _cancel(self, msg: messages.Message) -> dict[str, Any]:
        target = msg.params.get(Field.ID)
        with self._cv:
            ctx = self._current_ctx
            if ctx is not None and (target is None or target == ctx.call_id):
                ctx.cancel()
                return {Field.CANCELLED: True, Field.STATE: "running"}
            if target is not None and target in self._queued_ids:
                self._cancelled_ids.add(target)
                return {Field.CANCELLED: True, Field.STATE: "queued"}
        return {Field.CANCELLED: False, Field.STATE: "unknown"}

    def _shutdown(self, msg: messages.Message) -> dict[str, Any]:
        self._begin_shutdown(stop_worker=False)  # the worker stops once we have replied
        return {}

    def _begin_shutdown(self, stop_worker: bool = True) -> None:
        with self._cv:
            first = self._advance(State.STOPPING if stop_worker else State.SHUTTING_DOWN)
            if first and self._current_ctx is not None:
                self._current_ctx.cancel()

    # -- queued handlers -------------------------------------------------------------------
    def _load(self, msg: messages.Message) -> dict[str, Any]:
        return self.runtime.load(msg.params)

    def _process(self, msg: messages.Message) -> dict[str, Any]:
        assert msg.id is not None and msg.method is not None
        ctx = self.runtime.new_context(msg.id, msg.params)
        with self._cv:
            self._current_ctx = ctx
            if self._shutting_down or msg.id in self._cancelled_ids:
                ctx.cancel()
        try:
            return self.runtime.call(msg.method, msg.params, ctx)
        finally:
            with self._cv:
                self._current_ctx = None

    # -- reading ---------------------------------------------------------------------------
    def wait_for_event(self, event: threading.Event) -> None:
        """A request's wait for its answer (Connection.wait_for_event)."""
        self.wait_until(event.is_set)

    def wait_until(self, done: Callable[[], bool]) -> None:
        """Return once ``done()`` holds or the stream has ended. While nobody else reads, this thread
        reads and dispatches frames itself; otherwise it waits for the reader to wake it."""
        while True:
            with self._cv:
                while not done() and not self._closed and self._reading:
                    self._cv.wait()
                if done() or self._closed:
                    return
                self._reading = True
            try:
                self._read_until(done)
            finally:
                with self._cv:
                    self._reading = False
                    self._cv.notify_all()

    def _read_until(self, done: Callable[[], bool]) -> None:
        try:
            while not done():
                payload = self.reader.read_frame()
                if payload is None:
                    self._end_of_stream()
                    return
                self._on_frame(payload)
                with self._cv:
                    self._cv.notify_all()
        except ProtocolError as exc:
            self._protocol_error(exc)
        except BaseException as exc:  # noqa: BLE001 - a reader crash is a protocol failure
            if isinstance(exc, KeyboardInterrupt):
                raise
            self._protocol_error(ProtocolError(f"reader failed: {type(exc).__name__}: {exc}"))

    def _end_of_stream(self) -> None:
        with self._cv:
            first = self._advance(State.CLOSED)
        self.connection.close(ConnectionClosed("the host closed the runner's stdin"))
        with self._cv:
            if first and self._current_ctx is not None:
                self._current_ctx.cancel()

    def _watchdog_loop(self) -> None:
        """Reads for a call that has run WATCHDOG_S with nobody reading (pure Python code, or waiting
        for its own threads); sleeps until the next call after WATCHDOG_IDLE_S without one."""
        seen = -1
        quiet_since = time.monotonic()
        while True:
            with self._cv:
                if self._closed:
                    return
                if self._calls == seen and self._current_id is None \
                        and time.monotonic() - quiet_since >= WATCHDOG_IDLE_S:
                    self._watchdog_asleep = True
                    while self._calls == seen and not self._closed:
                        self._cv.wait()
                    self._watchdog_asleep = False
                    quiet_since = time.monotonic()
            time.sleep(WATCHDOG_S)
            with self._cv:
                call, running = self._calls, self._current_id is not None
                stuck = running and call == seen and not self._reading and not self._closed
                if call != seen:
                    seen = call
                    quiet_since = time.monotonic()
            if stuck:
                self.wait_until(lambda: self._calls != call or self._current_id is None or self._closed)

    def _protocol_error(self, exc: ProtocolError) -> None:
        _stderr(f"protocol error: {exc}")
        try:
            self.connection.notify(PROTOCOL_ERROR, {Field.MESSAGE: str(exc)})
        except Exception:  # noqa: BLE001 - the host may be gone already
            pass
        os._exit(PROTOCOL_ERROR_EXIT)

    def _on_frame(self, payload: bytes) -> None:
        try:
            msg = messages.parse(payload)
        except messages.InvalidMessage as exc:
            if exc.msg_id is not None:
                self.connection.respond_error(exc.msg_id, ErrorBody.simple(ErrorType.INVALID_REQUEST, str(exc)))
            else:
                _stderr(f"ignored invalid message: {exc}")
            return
        if msg.kind == messages.RESPONSE:
            if not self.connection.deliver(msg):
                _stderr(f"ignored response to unknown request id {msg.id}")
            return
        if msg.kind == messages.NOTIFICATION:
            return
        assert msg.id is not None and msg.method is not None
        handler = self.immediate.get(msg.method)
        if handler is not None:
            self._reply(msg, handler)
            if msg.method == SHUTDOWN:
                with self._cv:
                    self._advance(State.STOPPING)
            return
        if msg.method not in self.queued:
            self.connection.respond_error(msg.id, ErrorBody.simple(
                ErrorType.METHOD_NOT_FOUND, f"unknown method '{msg.method}'"))
            return
        with self._cv:
            refuse = self._shutting_down
            if not refuse:
                self._queued_ids.add(msg.id)
                self._inbox.append(msg)
        if refuse:
            self._refuse_shutting_down(msg)

    # -- main thread -----------------------------------------------------------------------
    def _next_call(self) -> Optional[messages.Message]:
        """The next queued call, read by this thread itself while nobody else reads; None to stop."""
        self.wait_until(lambda: bool(self._inbox) or self._stopping)
        with self._cv:
            if self._inbox:
                return self._inbox.popleft()
            return None

    def work_loop(self) -> None:
        while True:
            msg = self._next_call()
            if msg is None:
                break
            assert msg.id is not None and msg.method is not None
            with self._cv:
                self._queued_ids.discard(msg.id)
                cancelled = msg.id in self._cancelled_ids
                self._cancelled_ids.discard(msg.id)
                refuse = self._shutting_down
                self._current_id = msg.id
                self._calls += 1
                if self._watchdog_asleep:
                    self._cv.notify_all()
            try:
                if refuse:
                    self._refuse_shutting_down(msg)
                elif cancelled:
                    self.connection.respond_error(msg.id, ErrorBody.simple(
                        ErrorType.CANCELLED, f"call {msg.id} was cancelled before it started"))
                else:
                    self._reply(msg, self.queued[msg.method])
            except OSError as exc:
                _stderr(f"cannot write to the host, exiting: {exc}")
                self.exit_code = 1
                return
            finally:
                with self._cv:
                    self._current_id = None
        # Anything still queued after the stop is refused.
        with self._cv:
            left = list(self._inbox)
            self._inbox.clear()
        for msg in left:
            try:
                self._refuse_shutting_down(msg)
            except OSError:
                return

    def _refuse_shutting_down(self, msg: messages.Message) -> None:
        assert msg.id is not None
        self.connection.respond_error(msg.id, ErrorBody.simple(ErrorType.SHUTTING_DOWN, SHUTDOWN_MESSAGE))

    def _reply(self, msg: messages.Message, handler: Handler) -> None:
        assert msg.id is not None
        try:
            result = handler(msg)
        except CallFailed as exc:
            self.connection.respond_error(msg.id, exc.error)
            return
        except BaseException as exc:  # noqa: BLE001 - a handler bug is still an answer
            self.connection.respond_error(msg.id, error_payload(exc, Phase.INTERNAL))
            return
        self.connection.respond(msg.id, result)

    def serve(self) -> int:
        watchdog = threading.Thread(target=self._watchdog_loop, name="plugin-runner-watchdog", daemon=True)
        watchdog.start()
        self.work_loop()
        # Wait for a frame the reader may be writing, so exiting never cuts one in half.
        self.writer.close()
        return self.exit_code
