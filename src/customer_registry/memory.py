"""Freed memory given back to the system at once (glibc's allocator; elsewhere, nothing).

glibc gives a large allocation pages of its own, returned when it is freed, but the size it
counts as large rises to the largest such block freed so far (up to 32 MiB), and with it the
free space an arena keeps at its end. After one decoded image, the next ones are carved from
the arenas, and a worker stays near the peak of every burst of uploads: measured with eight
pictures of 13-55 MiB decoded, 43 MB more than before the burst, still there after more
requests (`malloc_trim` does not help: it leaves the free end of a thread's arena). With the
threshold fixed, 2 MB.
"""

from __future__ import annotations

import ctypes

_M_MMAP_THRESHOLD = -3  # mallopt's parameter number (malloc.h)
# Allocations of at least this many bytes get pages of their own: large enough that a
# request's objects seldom do, small enough for an image's blocks of rows.
MMAP_THRESHOLD = 1024 * 1024


def keep_large_blocks_apart() -> None:
    """Give allocations of MMAP_THRESHOLD or more pages of their own, returned as soon as
    they are freed. Called once per worker process, before it serves."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc
        return
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
