"""Keep large freed arrays' memory in the process instead of returning it at once.

glibc gives arrays above a few hundred kilobytes their own mapping and unmaps them on free, or
trims the heap as soon as 2x the largest freed block is spare. A training step allocates and
frees the same few megabyte-sized arrays every step, so each step page-faults all of them in
again: on these machines that is about half of a small conv net's step. TensorFlow avoids it
with its own allocator; tfedu asks glibc to serve arrays up to 32 MB from its heap and to keep
up to 256 MB of freed memory for reuse. Set `TFEDU_MALLOC_TUNING=0` to leave malloc as it is.
"""

from __future__ import annotations

import os
import sys

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 << 20
TRIM_THRESHOLD = 256 << 20


def tune_malloc() -> bool:
    """Apply the thresholds on Linux with glibc; returns whether they were set."""
    if os.environ.get("TFEDU_MALLOC_TUNING", "1") == "0" or not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl, another libc)
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) \
        and bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
