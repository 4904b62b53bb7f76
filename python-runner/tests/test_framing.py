import io
import os
import struct
import threading
import unittest

import support  # noqa: F401  (puts plugin_runner on sys.path)

from plugin_runner import messages
from plugin_runner.errors import FrameTooLargeError, ProtocolError
from plugin_runner.framing import FrameReader, FrameWriter, encode_frame, encode_header
from plugin_runner.protocol import ErrorBody


class FramingTest(unittest.TestCase):
    def test_round_trip_over_a_pipe(self):
        rfd, wfd = os.pipe()
        payloads = [b"", b"x", bytes(range(256)) * 10, os.urandom(300_000)]
        writer = FrameWriter(wfd)

        def produce():
            for p in payloads:
                writer.write_frame(p)
            os.close(wfd)

        t = threading.Thread(target=produce)
        t.start()
        got = list(FrameReader(rfd))
        t.join()
        os.close(rfd)
        self.assertEqual(got, payloads)

    def test_header_is_big_endian_length(self):
        self.assertEqual(encode_frame(b"abc"), b"\x00\x00\x00\x03abc")

    def test_clean_eof_returns_none(self):
        self.assertIsNone(FrameReader(io.BytesIO(b"")).read_frame())

    def test_oversized_frame_is_refused_without_waiting_for_payload(self):
        rfd, wfd = os.pipe()
        # Announce 100 MiB and send nothing more: the reader must fail at once, not block.
        os.write(wfd, struct.pack(">I", 100 * 1024 * 1024))
        reader = FrameReader(rfd)
        with self.assertRaises(FrameTooLargeError) as cm:
            reader.read_frame()
        self.assertIn("exceeds the maximum frame size of 67108864 bytes", str(cm.exception))
        self.assertIsInstance(cm.exception, ProtocolError)
        os.close(rfd)
        os.close(wfd)

    def test_custom_cap(self):
        reader = FrameReader(io.BytesIO(encode_frame(b"12345")), max_frame_bytes=4)
        with self.assertRaises(FrameTooLargeError):
            reader.read_frame()
        with self.assertRaises(FrameTooLargeError):
            encode_header(5, max_frame_bytes=4)

    def test_writer_refuses_oversized_payload(self):
        rfd, wfd = os.pipe()
        writer = FrameWriter(wfd, max_frame_bytes=8)
        with self.assertRaises(FrameTooLargeError):
            writer.write_frame(b"123456789")
        writer.write_frame(b"12345678")
        os.close(wfd)
        self.assertEqual(FrameReader(rfd).read_frame(), b"12345678")
        os.close(rfd)

    def test_truncated_frame_is_a_protocol_error(self):
        for data in (b"\x00\x00", encode_frame(b"hello")[:-2]):
            with self.assertRaises(ProtocolError):
                FrameReader(io.BytesIO(data)).read_frame()


class MessagesTest(unittest.TestCase):
    def test_envelopes_round_trip_with_big_ints_and_bytes(self):
        env = messages.request(1, "process_writes", {
            "n": 2 ** 63 - 1, "u": 2 ** 64 - 1, "neg": -(2 ** 63), "body": b"\x00\xff"})
        msg = messages.parse(messages.pack(env))
        self.assertEqual(msg.kind, "request")
        self.assertEqual(msg.params["n"], 2 ** 63 - 1)
        self.assertEqual(msg.params["u"], 2 ** 64 - 1)
        self.assertEqual(msg.params["neg"], -(2 ** 63))
        self.assertEqual(msg.params["body"], b"\x00\xff")

    def test_response_and_error(self):
        ok = messages.parse(messages.pack(messages.response(3, {"rows": []})))
        self.assertEqual((ok.kind, ok.id, ok.result, ok.error), ("response", 3, {"rows": []}, None))
        err = messages.parse(messages.pack(messages.error_response(4, ErrorBody("QueryError", "boom"))))
        self.assertEqual(err.error.message, "boom")

    def test_invalid_envelopes(self):
        with self.assertRaises(ProtocolError):
            messages.parse(b"\xc1")  # never-used msgpack byte
        with self.assertRaises(messages.InvalidMessage):
            messages.parse(messages.pack([1, 2]))
        with self.assertRaises(messages.InvalidMessage) as cm:
            messages.parse(messages.pack({"type": "request", "id": 9, "method": 5}))
        self.assertEqual(cm.exception.msg_id, 9)


if __name__ == "__main__":
    unittest.main()
