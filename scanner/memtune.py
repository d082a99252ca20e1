"""Allocator settings for a short-lived scanning process (glibc only; elsewhere nothing happens).

A scan allocates and frees a copy of every file or blob it reads, many of them over glibc's default
mmap threshold (128 KB, raised on the fly up to 32 MB): each such copy was a fresh mmap whose pages
the kernel had to fault in and zero again, and freed heap tops went back to the kernel to be faulted
in on the next file. Serving them from the heap and keeping freed memory for reuse halved the
system time of a filesystem scan (0.65 s -> 0.3 s on the 200 MB benchmark corpus). Peak memory is
unchanged: it is the same high-water mark, no longer handed back in between. Workers forked later
inherit the settings.
"""

from __future__ import annotations

import ctypes
import sys

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 64 << 20  # blocks up to this size come from the heap
TRIM_THRESHOLD = 256 << 20  # free heap top kept up to this size


def tune_allocator() -> bool:
    """Apply the settings; False when this is not glibc (or it refuses)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")  # the glibc soname (no library search: it costs start-up time)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
