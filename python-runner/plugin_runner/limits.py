"""Kernel limits the runner sets on itself before any plugin code runs (standard library only).

Every limit is hard (soft = hard), so a plugin cannot raise it again. Failures are reported, never fatal:
another OS, or a hard limit already lower, keeps what it has.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Optional

PR_SET_PDEATHSIG = 1


def _set_hard(name: str, value: int) -> Optional[bool]:
    try:
        import resource
    except ImportError:
        return False
    which = getattr(resource, name, None)
    if which is None:
        return False
    try:
        _soft, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value = min(int(value), hard)
        resource.setrlimit(which, (int(value), int(value)))
        return True
    except (ValueError, OSError):
        return False


def apply_memory_limit(limit: Optional[int]) -> Optional[bool]:
    """Cap the address space (RLIMIT_AS, hard); None when no limit asked."""
    if not limit:
        return None
    return _set_hard("RLIMIT_AS", int(limit))


def apply_file_size_limit(limit: Optional[int]) -> Optional[bool]:
    """Cap the size of any file written (RLIMIT_FSIZE, hard). CPython ignores SIGXFSZ, so a
    write past it raises OSError (EFBIG) instead of killing the runner."""
    if not limit:
        return None
    return _set_hard("RLIMIT_FSIZE", int(limit))


def _tasks_of_uid(uid: int) -> int:
    """Processes and threads of `uid` (what RLIMIT_NPROC counts)."""
    count = 0
    try:
        entries = os.listdir("/proc")
    except OSError:
        return 0
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status", encoding="ascii", errors="replace") as f:
                status = f.read()
        except OSError:
            continue
        real_uid = threads = None
        for line in status.splitlines():
            if line.startswith("Uid:"):
                real_uid = int(line.split()[1])
            elif line.startswith("Threads:"):
                threads = int(line.split()[1])
        if real_uid == uid:
            count += threads or 1
    return count


def apply_process_limit(limit: Optional[int], relative: bool = False) -> Optional[bool]:
    """Cap processes + threads (RLIMIT_NPROC, hard). It counts every task of the real uid: inside
    a user namespace that is the runner's own; outside one, `relative` adds the uid's current count."""
    if not limit:
        return None
    value = int(limit)
    if relative:
        value += _tasks_of_uid(os.getuid())
    return _set_hard("RLIMIT_NPROC", value)


def die_with_parent(parent_pid: Optional[int] = None) -> bool:
    """PR_SET_PDEATHSIG(SIGKILL): the runner dies when the process that started it dies. If that
    parent is already gone (we were re-parented), exit now. False off Linux or without libc."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes
        import ctypes.util
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) != 0:
            return False
    except (OSError, AttributeError):
        return False
    if parent_pid and os.getppid() != parent_pid:
        os._exit(1)
    return True


def apply_start_limits(memory: Optional[int], file_bytes: Optional[int], processes: Optional[int],
                       processes_relative: bool, parent_pid: Optional[int]) -> dict[str, Optional[bool]]:
    """Everything at once, at start; returns what was applied (for the hello and the tests)."""
    return {
        "pdeathsig": die_with_parent(parent_pid),
        "rlimit_as": apply_memory_limit(memory),
        "rlimit_fsize": apply_file_size_limit(file_bytes),
        "rlimit_nproc": apply_process_limit(processes, processes_relative),
    }
