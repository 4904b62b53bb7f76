"""The child's end of the wire: sends envelopes and waits for answers to its own requests.

Responses from the host are routed to the waiting caller by id (the reader thread calls
``deliver``). Closing the connection, or cancelling a call, wakes every waiter concerned.
"""

from __future__ import annotations

import itertools
import threading
from typing import Any, Callable, Optional

from . import messages
from .errors import FrameTooLargeError
from .framing import FrameWriter
from .protocol import ErrorBody, ErrorType


class HostError(Exception):
    """The host answered one of the child's requests with an error object."""

    def __init__(self, error: ErrorBody) -> None:
        super().__init__(error.message)
        self.error = error
        self.error_type = error.type
        self.message = error.message


class ConnectionClosed(Exception):
    """The host closed the stream while a request was waiting."""


class _Pending:
    __slots__ = ("event", "result", "error", "exception", "call_id", "cancellable")

    def __init__(self, call_id: Optional[int], cancellable: bool) -> None:
        self.event = threading.Event()
        self.result: Any = None
        self.error: Optional[ErrorBody] = None
        self.exception: Optional[BaseException] = None
        self.call_id = call_id
        self.cancellable = cancellable


class Connection:
    def __init__(self, writer: FrameWriter) -> None:
        self._writer = writer
        # How a requesting thread waits until its answer's event is set: by default it just waits (another thread
        # reads and delivers); the server installs one where the waiting thread reads frames itself while nobody
        # else does (dispatch.Server.wait_for_event).
        self.wait_for_event: Callable[[threading.Event], object] = threading.Event.wait
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._pending: dict[int, _Pending] = {}
        self._closed: Optional[BaseException] = None

    @property
    def max_frame_bytes(self) -> int:
        return self._writer.max_frame_bytes

    # -- sending ---------------------------------------------------------------------
    def send(self, envelope: dict[str, Any]) -> None:
        self._writer.write_frame(messages.pack(envelope))

    def notify(self, method: str, params: dict[str, Any]) -> None:
        self.send(messages.notification(method, params))

    def respond(self, msg_id: int, result: Any) -> None:
        try:
            self.send(messages.response(msg_id, result))
        except FrameTooLargeError as exc:
            self.respond_error(msg_id, ErrorBody.simple(ErrorType.FRAME_TOO_LARGE, f"response {exc}"))

    def respond_error(self, msg_id: int, error: ErrorBody) -> None:
        try:
            self.send(messages.error_response(msg_id, error))
        except FrameTooLargeError:
            # A huge traceback or message: keep the type, cut the rest.
            self.send(messages.error_response(msg_id, error.truncated(65536)))

    def request(self, method: str, params: dict[str, Any], call_id: Optional[int] = None,
                cancellable: bool = True, abort: Optional[Callable[[], None]] = None) -> Any:
        """Send a request to the host and block until its response arrives.

        Raises ``HostError`` for an error response, ``ConnectionClosed`` when the stream
        ends first, or the exception given to ``cancel_call`` for this ``call_id``.
        ``abort`` runs once the request is registered and may raise to give up: that
        closes the race with a ``cancel_call`` that ran just before registration.
        """
        msg_id = next(self._ids)
        pending = _Pending(call_id, cancellable)
        with self._lock:
            if self._closed is not None:
                raise ConnectionClosed(str(self._closed))
            self._pending[msg_id] = pending
        try:
            if abort is not None:
                abort()
            self.send(messages.request(msg_id, method, params))
        except BaseException:
            with self._lock:
                self._pending.pop(msg_id, None)
            raise
        self.wait_for_event(pending.event)
        if pending.exception is not None:
            raise pending.exception
        if pending.error is not None:
            raise HostError(pending.error)
        return pending.result

    # -- receiving -------------------------------------------------------------------
    def deliver(self, msg: messages.Message) -> bool:
        """Route a response from the host; False when nobody waits for that id."""
        if msg.id is None:
            return False
        with self._lock:
            pending = self._pending.pop(msg.id, None)
        if pending is None:
            return False
        pending.result = msg.result
        pending.error = msg.error
        pending.event.set()
        return True

    def cancel_call(self, call_id: int, make_exception: Callable[[], BaseException]) -> int:
        """Wake the cancellable requests of one call with an exception; returns how many."""
        with self._lock:
            woken = [(i, p) for i, p in self._pending.items()
                     if p.call_id == call_id and p.cancellable]
            for msg_id, _ in woken:
                del self._pending[msg_id]
        for _, pending in woken:
            pending.exception = make_exception()
            pending.event.set()
        return len(woken)

    def close(self, reason: BaseException) -> None:
        """Fail every waiting request; later requests fail at once."""
        with self._lock:
            self._closed = reason
            waiting = list(self._pending.values())
            self._pending.clear()
        for pending in waiting:
            pending.exception = ConnectionClosed(str(reason))
            pending.event.set()
