"""Entry point: protect the frame stream, say hello, then serve the host until shutdown."""

from __future__ import annotations

import argparse
import os
import platform
import signal
import sys
from typing import Optional

from . import __version__, line_builder
from .limits import apply_start_limits
from .dispatch import Server
from .framing import DEFAULT_MAX_FRAME_BYTES, FrameReader, FrameWriter
from .protocol import HELLO, PROTOCOL_VERSION, Field


def _parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="plugin_runner")
    env_cap = os.environ.get("INFLUXDB3_RUNNER_MAX_FRAME_BYTES")
    env_mem = os.environ.get("INFLUXDB3_RUNNER_MEMORY_LIMIT_BYTES")
    parser.add_argument("--max-frame-bytes", type=int,
                        default=int(env_cap) if env_cap else DEFAULT_MAX_FRAME_BYTES)
    parser.add_argument("--memory-limit-bytes", type=int,
                        default=int(env_mem) if env_mem else None)
    # Hard rlimits and the parent-death signal (limits.py); the host passes what applies here.
    parser.add_argument("--max-file-bytes", type=int, default=None)
    parser.add_argument("--max-processes", type=int, default=None)
    parser.add_argument("--max-processes-relative", action="store_true")
    parser.add_argument("--parent-pid", type=int, default=None)
    return parser.parse_args(argv)


PIPE_BYTES = 1 << 20


def _widen_pipes(*fds: int) -> None:
    """Ask Linux for 1 MiB pipe buffers (default 64 KiB): a WAL batch of ~10k rows then fits
    in the pipe whole, so the host can hand it over and go on encoding the next one while
    we decode this one. Best effort: other systems, or a lower pipe-max-size, keep theirs."""
    import fcntl
    setsz = getattr(fcntl, "F_SETPIPE_SZ", None)
    if setsz is None:
        return
    for fd in fds:
        try:
            fcntl.fcntl(fd, setsz, PIPE_BYTES)
        except OSError:
            pass


def _take_stdio() -> tuple[int, int]:
    """Keep private copies of fds 0/1 for frames; plugins get /dev/null and stderr."""
    frames_in = os.dup(0)
    frames_out = os.dup(1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    try:
        sys.stdout.flush()
    except Exception:  # noqa: BLE001 - nothing useful was buffered yet
        pass
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return frames_in, frames_out


def main(argv: Optional[list[str]] = None) -> int:
    opts = _parse_args(sys.argv[1:] if argv is None else argv)
    frames_in, frames_out = _take_stdio()
    _widen_pipes(frames_in, frames_out)
    # The host stops us with $/shutdown; a terminal's Ctrl-C must not hit plugin code.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # No __pycache__ in plugin directories: it would wake the plugin-dir watcher, and a
    # same-second, same-size edit could be served from a stale .pyc.
    sys.dont_write_bytecode = True
    line_builder.install(sys.modules.get("__main__"))
    apply_start_limits(opts.memory_limit_bytes, opts.max_file_bytes, opts.max_processes,
                       opts.max_processes_relative, opts.parent_pid)

    server = Server(FrameReader(frames_in, opts.max_frame_bytes),
                    FrameWriter(frames_out, opts.max_frame_bytes))
    server.connection.notify(HELLO, {
        Field.PID: os.getpid(),
        Field.PYTHON_VERSION: platform.python_version(),
        Field.RUNNER_VERSION: __version__,
        Field.PROTOCOL_VERSION: PROTOCOL_VERSION,
        Field.MAX_FRAME_BYTES: opts.max_frame_bytes,
        Field.EXECUTABLE: sys.executable,
    })
    return server.serve()


if __name__ == "__main__":
    code = main()
    for stream in (sys.stderr, sys.__stderr__):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001
            pass
    # Plugin threads that never end must not keep the process alive.
    os._exit(code)
