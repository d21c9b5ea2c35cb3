"""Run a command in a child process and measure its wall time and peak memory."""

import os
import subprocess
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Measurement:
    seconds: float
    peak_rss_bytes: int
    returncode: int


def measure(command: list[str], **popen_options) -> Measurement:
    """Wall time and peak resident memory of ``command`` (and only of it)."""
    started = time.perf_counter()
    child = subprocess.Popen(command, **popen_options)
    # wait4 gives this child's own resource usage; Linux reports ru_maxrss in KiB.
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    return Measurement(seconds, usage.ru_maxrss * 1024, child.returncode)
