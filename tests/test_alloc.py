"""tfedu keeps freed array memory for reuse (glibc thresholds), unless told not to."""

import os
import subprocess
import sys

import pytest

from tfedu import _alloc


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt is Linux-only")
def test_tuning_is_applied_and_can_be_switched_off():
    code = "import tfedu._alloc as a; print(a.tune_malloc())"
    on = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                        env=dict(os.environ, TFEDU_MALLOC_TUNING="1"))
    off = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=dict(os.environ, TFEDU_MALLOC_TUNING="0"))
    assert on.stdout.strip() == "True", on.stderr
    assert off.stdout.strip() == "False", off.stderr


def test_thresholds_stay_within_glibc_limits():
    assert _alloc.MMAP_THRESHOLD <= 32 << 20  # glibc's cap for M_MMAP_THRESHOLD on 64-bit
    assert _alloc.TRIM_THRESHOLD >= _alloc.MMAP_THRESHOLD
