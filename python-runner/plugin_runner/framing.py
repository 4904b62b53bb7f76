"""Length-prefixed frames over a pair of binary file descriptors.

A frame is a 4-byte big-endian unsigned length followed by that many payload bytes.
A length above the cap is a protocol error raised at once, so a corrupt or hostile
stream can never make the reader wait for (or allocate) gigabytes.
"""

from __future__ import annotations

import io
import os
import struct
import threading
from typing import BinaryIO, Iterator, Union

from .errors import FrameTooLargeError, ProtocolError

HEADER = struct.Struct(">I")
HEADER_SIZE = HEADER.size
DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024
# The header can express at most 2**32 - 1 bytes, whatever the cap says.
ABSOLUTE_MAX_FRAME_BYTES = 0xFFFFFFFF


def encode_header(length: int, max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES) -> bytes:
    """Header for a payload of ``length`` bytes; refuses payloads above the cap."""
    if length > min(max_frame_bytes, ABSOLUTE_MAX_FRAME_BYTES):
        raise FrameTooLargeError(length, max_frame_bytes)
    return HEADER.pack(length)


def encode_frame(payload: bytes, max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES) -> bytes:
    """One whole frame as bytes (header + payload); used by tests and small writers."""
    return encode_header(len(payload), max_frame_bytes) + bytes(payload)


class FrameReader:
    """Reads frames from a binary stream or a raw file descriptor.

    ``read_frame`` returns the payload, or ``None`` on a clean end of stream (EOF exactly
    at a frame boundary). A stream that ends inside a frame, or announces a frame above
    the cap, raises ``ProtocolError``/``FrameTooLargeError``.
    """

    def __init__(self, source: Union[int, BinaryIO], max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES,
                 buffer_size: int = 1 << 16) -> None:
        if isinstance(source, int):
            source = io.BufferedReader(io.FileIO(source, "rb", closefd=False), buffer_size)
        self._stream = source
        self.max_frame_bytes = max_frame_bytes

    def _read_exactly(self, n: int, what: str) -> bytes | None:
        chunks = []
        remaining = n
        while remaining > 0:
            chunk = self._stream.read(remaining)
            if not chunk:
                if remaining == n and what == "header":
                    return None
                raise ProtocolError(
                    f"unexpected end of stream inside a frame {what} "
                    f"({n - remaining} of {n} bytes read)")
            chunks.append(chunk)
            remaining -= len(chunk)
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    def read_frame(self) -> bytes | None:
        header = self._read_exactly(HEADER_SIZE, "header")
        if header is None:
            return None
        (length,) = HEADER.unpack(header)
        if length > self.max_frame_bytes:
            raise FrameTooLargeError(length, self.max_frame_bytes)
        if length == 0:
            return b""
        return self._read_exactly(length, "payload")

    def __iter__(self) -> Iterator[bytes]:
        while True:
            frame = self.read_frame()
            if frame is None:
                return
            yield frame


class FrameWriter:
    """Writes whole frames to a raw file descriptor; safe to share between threads."""

    def __init__(self, fd: int, max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES) -> None:
        self._fd = fd
        self._lock = threading.Lock()
        self._closed = False
        self.max_frame_bytes = max_frame_bytes

    def write_frame(self, payload: bytes) -> None:
        header = encode_header(len(payload), self.max_frame_bytes)
        view = memoryview(payload)
        with self._lock:
            if self._closed:
                raise BrokenPipeError("frame writer is closed")
            self._write_all([header, view])

    def close(self, timeout: float = 5.0) -> None:
        """Refuse further frames, after any frame being written has gone out whole."""
        acquired = self._lock.acquire(timeout=timeout)
        self._closed = True
        if acquired:
            self._lock.release()

    def _write_all(self, parts: list[Union[bytes, memoryview]]) -> None:
        total = sum(len(p) for p in parts)
        written = os.writev(self._fd, parts) if hasattr(os, "writev") else None
        if written is None:
            for part in parts:
                self._write_buffer(memoryview(part))
            return
        if written == total:
            return
        # Partial write: finish byte by byte-range, never re-sending what went out.
        joined = memoryview(b"".join(bytes(p) for p in parts))
        self._write_buffer(joined[written:])

    def _write_buffer(self, view: memoryview) -> None:
        while len(view):
            n = os.write(self._fd, view)
            view = view[n:]
