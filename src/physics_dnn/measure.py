"""Run a command in a child process and measure its wall time and peak memory."""

import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

POLL_SECONDS = 0.02


@dataclass(frozen=True)
class Measurement:
    seconds: float
    peak_rss_bytes: int
    returncode: int


def measure(command: list[str], **popen_options) -> Measurement:
    """Wall time and peak resident memory of ``command``'s own process.

    The peak is the kernel's high-water mark of the child's resident memory
    (VmHWM), polled while it runs. ``getrusage`` would not do: its maximum
    includes the parent's memory that the child carried until ``exec``.
    """
    started = time.perf_counter()
    child = subprocess.Popen(command, **popen_options)
    status = Path(f"/proc/{child.pid}/status")
    peak = 0
    while child.poll() is None:
        peak = max(peak, _high_water_mark(status))
        time.sleep(POLL_SECONDS)
    return Measurement(time.perf_counter() - started, peak, child.returncode)


def _high_water_mark(status: Path) -> int:
    try:
        text = status.read_text()
    except (FileNotFoundError, ProcessLookupError):
        return 0  # the child has just exited
    for line in text.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0
