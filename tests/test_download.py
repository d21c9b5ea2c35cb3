"""Download against a real HTTP server on 127.0.0.1."""

import gzip
import hashlib

import pytest
from http_server import serving
from uci_format import uci_lines

from physics_dnn.download import DownloadError, download, verify_file

BODY = gzip.compress(("\n".join(uci_lines(3000)) + "\n").encode())
SHA256 = hashlib.sha256(BODY).hexdigest()


def fetch(url, destination, sha256=SHA256, **options):
    messages = []
    options = {"attempts": 3, "timeout": 1.0, "backoff": 0.01, **options}
    download(url, destination, sha256, log=messages.append, **options)
    return messages


def test_download_verifies_and_logs_progress(tmp_path):
    target = tmp_path / "SUSY.csv.gz"
    with serving(BODY) as server:
        messages = fetch(server.url, target, size=len(BODY))
    assert target.read_bytes() == BODY
    assert not (tmp_path / "SUSY.csv.gz.part").exists()
    assert any("(100.0%)" in message and "MiB/s" in message for message in messages)


def test_wrong_checksum_shows_both_hashes_and_leaves_nothing(tmp_path):
    target = tmp_path / "SUSY.csv.gz"
    with serving(BODY) as server, pytest.raises(DownloadError) as error:
        fetch(server.url, target, sha256="0" * 64)
    assert "0" * 64 in str(error.value) and SHA256 in str(error.value)
    assert server.url in str(error.value)
    assert list(tmp_path.iterdir()) == []


def test_not_found_fails_at_once_naming_the_url(tmp_path):
    with serving(BODY) as server, pytest.raises(DownloadError) as error:
        fetch(server.url.replace("SUSY", "MISSING"), tmp_path / "SUSY.csv.gz")
    assert "HTTP 404" in str(error.value) and "MISSING.csv.gz" in str(error.value)
    assert len(server.requests) == 1  # a 404 is not retried


def test_dropped_connection_resumes_with_a_range_request(tmp_path):
    target = tmp_path / "SUSY.csv.gz"
    with serving(BODY, mode="drop") as server:
        messages = fetch(server.url, target)
    assert target.read_bytes() == BODY
    assert server.requests == [None, f"bytes={len(BODY) // 2}-"]
    assert any(f"from byte {len(BODY) // 2}" in message for message in messages)


def test_partial_file_from_an_earlier_run_is_resumed(tmp_path):
    target = tmp_path / "SUSY.csv.gz"
    (tmp_path / "SUSY.csv.gz.part").write_bytes(BODY[:1000])
    with serving(BODY) as server:
        fetch(server.url, target)
    assert target.read_bytes() == BODY
    assert server.requests == ["bytes=1000-"]


def test_server_that_ignores_range_is_downloaded_from_the_start(tmp_path):
    (tmp_path / "SUSY.csv.gz.part").write_bytes(BODY[:1000])
    with serving(BODY, mode="no_range") as server:
        fetch(server.url, tmp_path / "SUSY.csv.gz")
    assert (tmp_path / "SUSY.csv.gz").read_bytes() == BODY


def test_silent_server_times_out_with_advice(tmp_path):
    with serving(BODY, mode="silent") as server, pytest.raises(DownloadError) as error:
        fetch(server.url, tmp_path / "SUSY.csv.gz", attempts=2, timeout=0.5)
    message = str(error.value)
    assert "after 2 attempts (timed out)" in message and server.url in message
    assert "dataset.path" in message and "\n" not in message


def test_unreachable_host_names_the_reason(tmp_path):
    # Port 9 on 127.0.0.1: nothing listens there, so the connection is refused.
    with pytest.raises(DownloadError, match="Connection refused"):
        fetch("http://127.0.0.1:9/SUSY.csv.gz", tmp_path / "SUSY.csv.gz")


def test_verify_file_checks_size_and_hash(tmp_path):
    path = tmp_path / "SUSY.csv.gz"
    path.write_bytes(BODY)
    assert verify_file(path, SHA256, len(BODY)) == SHA256
    with pytest.raises(DownloadError, match=f"size {len(BODY)} bytes, expected 5"):
        verify_file(path, SHA256, 5)
    with pytest.raises(DownloadError, match="sha256 mismatch"):
        verify_file(path, "f" * 64)
