import sys

from physics_dnn.measure import measure


def test_peak_memory_is_the_childs_own():
    # A child that holds 300 MB is measured as such, not as its parent's size.
    small = measure([sys.executable, "-c", "import time; time.sleep(0.3)"])
    big = measure(
        [sys.executable, "-c", "import time; b = bytearray(300 << 20); time.sleep(0.3)"]
    )
    assert small.returncode == big.returncode == 0
    assert 250 << 20 < big.peak_rss_bytes - small.peak_rss_bytes < 400 << 20
    assert big.seconds >= 0.3


def test_exit_status_is_reported():
    assert measure([sys.executable, "-c", "raise SystemExit(3)"]).returncode == 3
