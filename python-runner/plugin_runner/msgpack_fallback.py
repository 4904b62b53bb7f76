"""A pure-Python msgpack codec (standard library only), used when the ``msgpack`` package is missing.

It speaks exactly what the runner and the host exchange (PROTOCOL.md §2), byte for byte as
``msgpack.packb(obj, use_bin_type=True)`` writes it and as ``msgpack.unpackb(data, raw=False,
strict_map_key=False)`` reads it: nil, bool, int (full signed and unsigned 64-bit, smallest
encoding first), float64, str, bin, array, map, the timestamp extension (-1) as ``Timestamp``
and any other extension as ``ExtType``. It is several times slower than the C codec, so the
runner warns once when it has to use it.

Speed comes from precompiled ``struct.Struct`` objects, one ``unpack_from`` per fixed-size
value, slices for str/bin, and the commonest cases of array and map items handled inline
instead of through a call per item.
"""

from __future__ import annotations

import datetime
import struct
from typing import Any, NamedTuple

__all__ = ["packb", "unpackb", "ExtType", "Timestamp", "ExtraData", "FormatError", "StackError"]

MAX_DEPTH = 512


class UnpackValueError(ValueError):
    """The data is not a complete, valid msgpack value."""


class ExtraData(UnpackValueError):
    """A complete value was decoded but bytes follow it."""

    def __init__(self, unpacked: Any, extra: bytes) -> None:
        super().__init__(f"unpack(b) received extra data ({len(extra)} bytes)")
        self.unpacked = unpacked
        self.extra = extra


class FormatError(UnpackValueError):
    """A byte that starts no msgpack type (0xc1)."""


class StackError(UnpackValueError):
    """Nesting deeper than the codec follows."""


class ExtType(NamedTuple):
    """An extension value the runner does not interpret: its type code and raw data."""

    code: int
    data: bytes


class Timestamp:
    """msgpack's timestamp extension (-1), as ``msgpack.Timestamp``: seconds and nanoseconds since the epoch."""

    __slots__ = ("seconds", "nanoseconds")

    def __init__(self, seconds: int, nanoseconds: int = 0) -> None:
        if not isinstance(seconds, int) or not isinstance(nanoseconds, int):
            raise TypeError("seconds and nanoseconds must be integers")
        if not 0 <= nanoseconds < 10**9:
            raise ValueError("nanoseconds must be a non-negative integer less than 999999999.")
        self.seconds = seconds
        self.nanoseconds = nanoseconds

    def __repr__(self) -> str:
        return f"Timestamp(seconds={self.seconds}, nanoseconds={self.nanoseconds})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Timestamp) and type(other) is type(self):
            return self.seconds == other.seconds and self.nanoseconds == other.nanoseconds
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.seconds, self.nanoseconds))

    @staticmethod
    def from_bytes(b: bytes) -> "Timestamp":
        if len(b) == 4:
            return Timestamp(_U32.unpack(b)[0], 0)
        if len(b) == 8:
            data64 = _U64.unpack(b)[0]
            return Timestamp(data64 & 0x3FFFFFFFF, data64 >> 34)
        if len(b) == 12:
            nanoseconds, seconds = _TS96.unpack(b)
            return Timestamp(seconds, nanoseconds)
        raise ValueError("Timestamp type can only be created from 32, 64, or 96-bit byte objects")

    def to_bytes(self) -> bytes:
        if (self.seconds >> 34) == 0:
            data64 = self.nanoseconds << 34 | self.seconds
            if data64 & 0xFFFFFFFF00000000 == 0:
                return _U32.pack(data64)
            return _U64.pack(data64)
        return _TS96.pack(self.nanoseconds, self.seconds)

    @staticmethod
    def from_unix(unix_sec: float) -> "Timestamp":
        seconds = int(unix_sec // 1)
        return Timestamp(seconds, int((unix_sec % 1) * 10**9))

    def to_unix(self) -> float:
        return self.seconds + self.nanoseconds / 1e9

    @staticmethod
    def from_unix_nano(unix_ns: int) -> "Timestamp":
        return Timestamp(*divmod(unix_ns, 10**9))

    def to_unix_nano(self) -> int:
        return self.seconds * 10**9 + self.nanoseconds

    def to_datetime(self) -> datetime.datetime:
        epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
        return epoch + datetime.timedelta(seconds=self.seconds, microseconds=self.nanoseconds // 1000)

    @staticmethod
    def from_datetime(dt: datetime.datetime) -> "Timestamp":
        return Timestamp.from_unix(dt.timestamp())


_U32 = struct.Struct(">I")
_U64 = struct.Struct(">Q")
_TS96 = struct.Struct(">Iq")

# ---------------------------------------------------------------------------------------------
# Packing

_B = struct.Struct(">B").pack
_BB = struct.Struct(">BB").pack
_BH = struct.Struct(">BH").pack
_BI = struct.Struct(">BI").pack
_BQ = struct.Struct(">BQ").pack
_Bb = struct.Struct(">Bb").pack
_Bh = struct.Struct(">Bh").pack
_Bi = struct.Struct(">Bi").pack
_Bq = struct.Struct(">Bq").pack
_Bd = struct.Struct(">Bd").pack
_BBb = struct.Struct(">BBb").pack
_BHb = struct.Struct(">BHb").pack
_BIb = struct.Struct(">BIb").pack
_Bb_ext = struct.Struct(">Bb").pack

# One-byte encodings, prebuilt: positive and negative fixints, fixstr/fixarray/fixmap headers.
_SMALL_INT = {i: bytes((i & 0xFF,)) for i in range(-32, 128)}
_FIXSTR = [bytes((0xA0 | n,)) for n in range(32)]
_FIXARRAY = [bytes((0x90 | n,)) for n in range(16)]
_FIXMAP = [bytes((0x80 | n,)) for n in range(16)]
_NIL, _FALSE, _TRUE = b"\xc0", b"\xc2", b"\xc3"


def _int_bytes(v: int) -> bytes:
    if v >= 0:
        if v < 128:
            return _SMALL_INT[v]
        if v <= 0xFF:
            return _BB(0xCC, v)
        if v <= 0xFFFF:
            return _BH(0xCD, v)
        if v <= 0xFFFFFFFF:
            return _BI(0xCE, v)
        if v <= 0xFFFFFFFFFFFFFFFF:
            return _BQ(0xCF, v)
    else:
        if v >= -32:
            return _SMALL_INT[v]
        if v >= -0x80:
            return _Bb(0xD0, v)
        if v >= -0x8000:
            return _Bh(0xD1, v)
        if v >= -0x80000000:
            return _Bi(0xD2, v)
        if v >= -0x8000000000000000:
            return _Bq(0xD3, v)
    raise OverflowError("Integer value out of range")


def _str_header(n: int) -> bytes:
    if n < 32:
        return _FIXSTR[n]
    if n <= 0xFF:
        return _BB(0xD9, n)
    if n <= 0xFFFF:
        return _BH(0xDA, n)
    if n <= 0xFFFFFFFF:
        return _BI(0xDB, n)
    raise ValueError("String is too large")


def _bin_header(n: int) -> bytes:
    if n <= 0xFF:
        return _BB(0xC4, n)
    if n <= 0xFFFF:
        return _BH(0xC5, n)
    if n <= 0xFFFFFFFF:
        return _BI(0xC6, n)
    raise ValueError("Bytes is too large")


def _array_header(n: int) -> bytes:
    if n < 16:
        return _FIXARRAY[n]
    if n <= 0xFFFF:
        return _BH(0xDC, n)
    if n <= 0xFFFFFFFF:
        return _BI(0xDD, n)
    raise ValueError("list is too large")


def _map_header(n: int) -> bytes:
    if n < 16:
        return _FIXMAP[n]
    if n <= 0xFFFF:
        return _BH(0xDE, n)
    if n <= 0xFFFFFFFF:
        return _BI(0xDF, n)
    raise ValueError("dict is too large")


def _ext_bytes(code: int, data: bytes) -> bytes:
    n = len(data)
    if n == 1:
        head = _Bb_ext(0xD4, code)
    elif n == 2:
        head = _Bb_ext(0xD5, code)
    elif n == 4:
        head = _Bb_ext(0xD6, code)
    elif n == 8:
        head = _Bb_ext(0xD7, code)
    elif n == 16:
        head = _Bb_ext(0xD8, code)
    elif n <= 0xFF:
        head = _BBb(0xC7, n, code)
    elif n <= 0xFFFF:
        head = _BHb(0xC8, n, code)
    elif n <= 0xFFFFFFFF:
        head = _BIb(0xC9, n, code)
    else:
        raise ValueError("EXT data is too large")
    return head + data


def _pack(obj: Any, out: list[bytes], depth: int) -> None:
    # `out` collects byte strings (joined once at the end); `append` is bound by the caller's loop.
    append = out.append
    t = type(obj)
    if t is str:
        b = obj.encode("utf-8")
        n = len(b)
        append(_FIXSTR[n] if n < 32 else _str_header(n))
        append(b)
    elif t is int:
        append(_SMALL_INT[obj] if -32 <= obj < 128 else _int_bytes(obj))
    elif t is float:
        append(_Bd(0xCB, obj))
    elif t is dict:
        if depth >= MAX_DEPTH:
            raise ValueError("recursion limit exceeded")
        n = len(obj)
        append(_FIXMAP[n] if n < 16 else _map_header(n))
        for k, v in obj.items():
            if type(k) is str:
                kb = k.encode("utf-8")
                kn = len(kb)
                append(_FIXSTR[kn] if kn < 32 else _str_header(kn))
                append(kb)
            else:
                _pack(k, out, depth + 1)
            tv = type(v)
            if tv is float:
                append(_Bd(0xCB, v))
            elif tv is int:
                append(_SMALL_INT[v] if -32 <= v < 128 else _int_bytes(v))
            elif tv is str:
                b = v.encode("utf-8")
                n = len(b)
                append(_FIXSTR[n] if n < 32 else _str_header(n))
                append(b)
            elif v is None:
                append(_NIL)
            else:
                _pack(v, out, depth + 1)
    elif t is list or t is tuple:
        if depth >= MAX_DEPTH:
            raise ValueError("recursion limit exceeded")
        n = len(obj)
        append(_FIXARRAY[n] if n < 16 else _array_header(n))
        for v in obj:
            tv = type(v)
            if tv is float:
                append(_Bd(0xCB, v))
            elif tv is int:
                append(_SMALL_INT[v] if -32 <= v < 128 else _int_bytes(v))
            elif tv is str:
                b = v.encode("utf-8")
                bn = len(b)
                append(_FIXSTR[bn] if bn < 32 else _str_header(bn))
                append(b)
            else:
                _pack(v, out, depth + 1)
    elif obj is None:
        append(_NIL)
    elif obj is True:
        append(_TRUE)
    elif obj is False:
        append(_FALSE)
    elif t is bytes:
        append(_bin_header(len(obj)))
        append(obj)
    else:
        _pack_other(obj, out, depth)


def _pack_other(obj: Any, out: list[bytes], depth: int) -> None:
    """Subclasses and the rarer types, in msgpack's order of checks."""
    append = out.append
    if isinstance(obj, bool):
        append(_TRUE if obj else _FALSE)
    elif isinstance(obj, int):
        append(_int_bytes(int(obj)))
    elif isinstance(obj, (bytes, bytearray)):
        append(_bin_header(len(obj)))
        append(bytes(obj))
    elif isinstance(obj, memoryview):
        b = obj.tobytes()
        append(_bin_header(len(b)))
        append(b)
    elif isinstance(obj, str):
        _pack(str(obj), out, depth)
    elif isinstance(obj, float):
        append(_Bd(0xCB, obj))
    elif isinstance(obj, Timestamp):
        append(_ext_bytes(-1, obj.to_bytes()))
    elif isinstance(obj, ExtType):
        code, data = obj
        if not isinstance(code, int) or not 0 <= code <= 127:
            raise ValueError("ext code must be an int in 0..127")
        append(_ext_bytes(code, bytes(data)))
    elif isinstance(obj, (list, tuple)):
        _pack(list(obj), out, depth)
    elif isinstance(obj, dict):
        _pack(dict(obj), out, depth)
    else:
        raise TypeError(f"can not serialize {type(obj).__name__!r} object")


def packb(obj: Any, use_bin_type: bool = True, **_ignored: Any) -> bytes:
    """``msgpack.packb(obj, use_bin_type=True)``; only the binary-type mode the protocol uses exists."""
    if not use_bin_type:
        raise ValueError("the fallback codec packs with use_bin_type=True only")
    out: list[bytes] = []
    _pack(obj, out, 0)
    return b"".join(out)


# ---------------------------------------------------------------------------------------------
# Unpacking

_u8 = struct.Struct(">B").unpack_from
_u16 = struct.Struct(">H").unpack_from
_u32 = struct.Struct(">I").unpack_from
_u64 = struct.Struct(">Q").unpack_from
_i8 = struct.Struct(">b").unpack_from
_i16 = struct.Struct(">h").unpack_from
_i32 = struct.Struct(">i").unpack_from
_i64 = struct.Struct(">q").unpack_from
_f32 = struct.Struct(">f").unpack_from
_f64 = struct.Struct(">d").unpack_from


class _Incomplete(Exception):
    pass


def _ext(code: int, data: bytes) -> Any:
    if code == -1:
        return Timestamp.from_bytes(data)
    if code < 0:
        raise UnpackValueError(f"Unpack failed: reserved extension type {code}")
    return ExtType(code, data)


def _decode(data: bytes, pos: int, depth: int) -> tuple[Any, int]:
    """Decodes the value at ``pos``; returns ``(value, next_pos)``. Short input raises IndexError or struct.error."""
    b = data[pos]
    if b <= 0x7F:
        return b, pos + 1
    if b >= 0xE0:
        return b - 0x100, pos + 1
    if 0xA0 <= b <= 0xBF:
        end = pos + 1 + (b & 0x1F)
        if end > len(data):
            raise _Incomplete
        return data[pos + 1:end].decode("utf-8"), end
    if 0x90 <= b <= 0x9F:
        return _decode_array(data, pos + 1, b & 0x0F, depth)
    if 0x80 <= b <= 0x8F:
        return _decode_map(data, pos + 1, b & 0x0F, depth)
    if b == 0xC0:
        return None, pos + 1
    if b == 0xC2:
        return False, pos + 1
    if b == 0xC3:
        return True, pos + 1
    if b == 0xCB:
        return _f64(data, pos + 1)[0], pos + 9
    if b == 0xCF:
        return _u64(data, pos + 1)[0], pos + 9
    if b == 0xD3:
        return _i64(data, pos + 1)[0], pos + 9
    if b == 0xCC:
        return data[pos + 1], pos + 2
    if b == 0xCD:
        return _u16(data, pos + 1)[0], pos + 3
    if b == 0xCE:
        return _u32(data, pos + 1)[0], pos + 5
    if b == 0xD0:
        return _i8(data, pos + 1)[0], pos + 2
    if b == 0xD1:
        return _i16(data, pos + 1)[0], pos + 3
    if b == 0xD2:
        return _i32(data, pos + 1)[0], pos + 5
    if b == 0xCA:
        return _f32(data, pos + 1)[0], pos + 5
    if b in (0xD9, 0xDA, 0xDB, 0xC4, 0xC5, 0xC6):
        if b == 0xD9 or b == 0xC4:
            n, start = data[pos + 1], pos + 2
        elif b == 0xDA or b == 0xC5:
            n, start = _u16(data, pos + 1)[0], pos + 3
        else:
            n, start = _u32(data, pos + 1)[0], pos + 5
        end = start + n
        if end > len(data):
            raise _Incomplete
        raw = data[start:end]
        return (raw.decode("utf-8") if b >= 0xD9 else raw), end
    if b == 0xDC:
        return _decode_array(data, pos + 3, _u16(data, pos + 1)[0], depth)
    if b == 0xDD:
        return _decode_array(data, pos + 5, _u32(data, pos + 1)[0], depth)
    if b == 0xDE:
        return _decode_map(data, pos + 3, _u16(data, pos + 1)[0], depth)
    if b == 0xDF:
        return _decode_map(data, pos + 5, _u32(data, pos + 1)[0], depth)
    if 0xD4 <= b <= 0xD8:
        n = 1 << (b - 0xD4)
        code = _i8(data, pos + 1)[0]
        start = pos + 2
    elif b == 0xC7:
        n, code, start = data[pos + 1], _i8(data, pos + 2)[0], pos + 3
    elif b == 0xC8:
        n, code, start = _u16(data, pos + 1)[0], _i8(data, pos + 3)[0], pos + 4
    elif b == 0xC9:
        n, code, start = _u32(data, pos + 1)[0], _i8(data, pos + 5)[0], pos + 6
    else:
        raise FormatError(f"Unpack failed: 0x{b:02x} is not a msgpack type byte")
    end = start + n
    if end > len(data):
        raise _Incomplete
    return _ext(code, data[start:end]), end


def _decode_array(data: bytes, pos: int, n: int, depth: int) -> tuple[list[Any], int]:
    if depth >= MAX_DEPTH:
        raise StackError("Unpack failed: nesting is too deep")
    if n > len(data) - pos:
        raise _Incomplete  # every item takes at least one byte
    out: list[Any] = []
    append = out.append
    depth += 1
    for _ in range(n):
        b = data[pos]
        if b <= 0x7F:
            append(b)
            pos += 1
        elif b == 0xCB:
            append(_f64(data, pos + 1)[0])
            pos += 9
        elif 0xA0 <= b <= 0xBF:
            end = pos + 1 + (b & 0x1F)
            if end > len(data):
                raise _Incomplete
            append(data[pos + 1:end].decode("utf-8"))
            pos = end
        elif 0x80 <= b <= 0x8F:
            v, pos = _decode_map(data, pos + 1, b & 0x0F, depth)
            append(v)
        else:
            v, pos = _decode(data, pos, depth)
            append(v)
    return out, pos


def _decode_map(data: bytes, pos: int, n: int, depth: int) -> tuple[dict[Any, Any], int]:
    if depth >= MAX_DEPTH:
        raise StackError("Unpack failed: nesting is too deep")
    if 2 * n > len(data) - pos:
        raise _Incomplete  # every key and value takes at least one byte
    out = {}
    depth += 1
    for _ in range(n):
        b = data[pos]
        if 0xA0 <= b <= 0xBF:
            end = pos + 1 + (b & 0x1F)
            key = data[pos + 1:end].decode("utf-8")
            pos = end
        else:
            key, pos = _decode(data, pos, depth)
        b = data[pos]
        if b == 0xCB:
            out[key] = _f64(data, pos + 1)[0]
            pos += 9
        elif b <= 0x7F:
            out[key] = b
            pos += 1
        elif 0xA0 <= b <= 0xBF:
            end = pos + 1 + (b & 0x1F)
            if end > len(data):
                raise _Incomplete
            out[key] = data[pos + 1:end].decode("utf-8")
            pos = end
        elif b == 0xD3:
            out[key] = _i64(data, pos + 1)[0]
            pos += 9
        elif b == 0xCF:
            out[key] = _u64(data, pos + 1)[0]
            pos += 9
        elif b == 0xC0:
            out[key] = None
            pos += 1
        else:
            out[key], pos = _decode(data, pos, depth)
    return out, pos


def unpackb(packed: Any, raw: bool = False, strict_map_key: bool = False, **_ignored: Any) -> Any:
    """``msgpack.unpackb(packed, raw=False, strict_map_key=False)``: one complete value, nothing after it."""
    if raw or strict_map_key:
        raise ValueError("the fallback codec unpacks with raw=False, strict_map_key=False only")
    data = packed if type(packed) is bytes else bytes(memoryview(packed))
    try:
        value, pos = _decode(data, 0, 0)
    except (_Incomplete, IndexError, struct.error):
        raise UnpackValueError("Unpack failed: incomplete input") from None
    except RecursionError:
        raise StackError("Unpack failed: nesting is too deep") from None
    if pos > len(data):
        raise UnpackValueError("Unpack failed: incomplete input")
    if pos < len(data):
        raise ExtraData(value, data[pos:])
    return value
