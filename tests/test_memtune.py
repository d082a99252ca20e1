"""The allocator settings keep freed file-sized blocks for reuse instead of faulting in new pages."""

from __future__ import annotations

import subprocess
import sys

import pytest

from scanner.memtune import tune_allocator

# Copies of a 4 MB "file", made and dropped the way a scan does; prints the page faults it took.
PROGRAM = """
import resource, sys
from scanner.memtune import tune_allocator
if sys.argv[1] == "tuned":
    assert tune_allocator()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for i in range(40):  # files of 1 to 6 MB: read, decoded, lower-cased, dropped
    raw = b"x" * ((1 + i % 6) << 20)
    text = raw.decode()
    low = text.encode().lower()
    del raw, text, low
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def faults(mode: str) -> int:
    done = subprocess.run([sys.executable, "-c", PROGRAM, mode], capture_output=True, text=True, check=True)
    return int(done.stdout)


@pytest.mark.skipif(not sys.platform.startswith("linux") or "glibc" not in " ".join(__import__("platform").libc_ver()),
                    reason="the settings are glibc's")
def test_tuned_allocator_reuses_freed_blocks_instead_of_faulting_pages_in_again() -> None:
    plain, tuned = faults("plain"), faults("tuned")
    assert plain > 40 * 256  # fresh pages for most copies
    assert tuned < plain / 4


def test_tuning_is_harmless_to_call_twice() -> None:
    first = tune_allocator()
    assert tune_allocator() == first
