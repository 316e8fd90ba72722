"""Bound the time and memory that checking one file may take (limits.yaml).

A few kilobytes can be crafted to take minutes or gigabytes to check; a file that does is
stopped and refused with a sentence, and the process that checked it goes on serving others.
Time is bounded with a real-time timer (main thread only: elsewhere the caller's own
timeout applies), memory with the soft address-space limit, raised by the allowance above
what the process already uses and restored afterwards.
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import threading
from collections.abc import Iterator

from schemas.contract import Limits


class TooSlow(Exception):
    """Checking a file took longer than limits.yaml's validation_seconds."""


@contextlib.contextmanager
def bounded(limits: Limits) -> Iterator[None]:
    """Run the body within the limits; TooSlow or MemoryError when it goes beyond them."""
    with _time_limit(limits.validation_seconds), _memory_limit(limits.validation_memory_mb):
        yield


@contextlib.contextmanager
def _time_limit(seconds: int) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGALRM"):
        yield
        return

    def stop(_signum: int, _frame: object) -> None:
        raise TooSlow(seconds)

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def _memory_limit(megabytes: int) -> Iterator[None]:
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        used = _address_space()
    except (OSError, ValueError):  # not Linux, or /proc unavailable: no bound here
        yield
        return
    allowed = used + megabytes * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        allowed = min(allowed, hard)
    if soft != resource.RLIM_INFINITY:
        allowed = min(allowed, soft)
    resource.setrlimit(resource.RLIMIT_AS, (allowed, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _address_space() -> int:
    """The process's virtual memory size in bytes (/proc/self/statm, first field, pages)."""
    with open("/proc/self/statm", encoding="ascii") as fh:
        pages = int(fh.read().split()[0])
    return pages * os.sysconf("SC_PAGE_SIZE")
