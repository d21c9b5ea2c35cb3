"""Download against a real HTTP server on 127.0.0.1.

The socket timeout is generous (nothing here waits for it but the silent
server's test), so a slow scheduler on a loaded machine cannot turn a slow
answer into a retry. Asserts are about what reached the disk and which bytes
the server sent, not about exact request counts.
"""

import gzip
import hashlib

import pytest
from http_server import serving
from uci_format import uci_lines

from physics_dnn.download import DownloadError, download, verify_file

BODY = gzip.compress(("\n".join(uci_lines(3000)) + "\n").encode())
SHA256 = hashlib.sha256(BODY).hexdigest()
TIMEOUT = 30.0


def fetch(url, destination, sha256=SHA256, messages=None, **options):
    messages = [] if messages is None else messages
    options = {"attempts": 3, "timeout": TIMEOUT, "backoff": 0.01, **options}
    download(url, destination, sha256, log=messages.append, **options)
    return messages


def assert_sent_once_from(server, offset):
    """The server sent every byte from ``offset`` on exactly once, none before.

    Holds however many requests the client needed, and fails if any request
    re-fetched bytes the client already had on disk.
    """
    pieces = sorted((a.start, a.sent) for a in server.answers if a.sent)
    end = offset
    for start, sent in pieces:
        assert start == end, f"sent from byte {start}, expected {end}: {pieces}"
        end += sent
    assert end == len(BODY), f"sent up to byte {end} of {len(BODY)}: {pieces}"


def test_download_verifies_and_logs_progress(tmp_path):
    target = tmp_path / "SUSY.csv.gz"
    with serving(BODY) as server:
        messages = fetch(server.url, target, size=len(BODY))
    assert target.read_bytes() == BODY
    assert not (tmp_path / "SUSY.csv.gz.part").exists()
    assert any("(100.0%)" in message and "MiB/s" in message for message in messages)
    assert_sent_once_from(server, 0)


def test_wrong_checksum_shows_both_hashes_and_leaves_nothing(tmp_path):
    target = tmp_path / "SUSY.csv.gz"
    with serving(BODY) as server, pytest.raises(DownloadError) as error:
        fetch(server.url, target, sha256="0" * 64)
    assert "0" * 64 in str(error.value) and SHA256 in str(error.value)
    assert server.url in str(error.value)
    assert list(tmp_path.iterdir()) == []


def test_not_found_fails_at_once_naming_the_url(tmp_path):
    messages = []
    with serving(BODY) as server, pytest.raises(DownloadError) as error:
        fetch(
            server.url.replace("SUSY", "MISSING"),
            tmp_path / "SUSY.csv.gz",
            messages=messages,
            attempts=5,
        )
    assert "HTTP 404" in str(error.value) and "MISSING.csv.gz" in str(error.value)
    assert "attempts" not in str(error.value)
    # A 404 is not retried: no retry names it, the server answered it once.
    assert not any("HTTP 404" in message for message in messages)
    assert [answer.status for answer in server.answers] == [404]


def test_dropped_connection_resumes_with_a_range_request(tmp_path):
    target = tmp_path / "SUSY.csv.gz"
    half = len(BODY) // 2
    with serving(BODY, mode="drop") as server:
        messages = fetch(server.url, target)
    assert target.read_bytes() == BODY
    assert server.requests[0] is None and f"bytes={half}-" in server.requests
    assert_sent_once_from(server, 0)
    assert any(f"from byte {half}" in message for message in messages)


def test_partial_file_from_an_earlier_run_is_resumed(tmp_path):
    target = tmp_path / "SUSY.csv.gz"
    (tmp_path / "SUSY.csv.gz.part").write_bytes(BODY[:1000])
    with serving(BODY) as server:
        fetch(server.url, target)
    assert target.read_bytes() == BODY
    assert set(server.requests) == {"bytes=1000-"}
    assert_sent_once_from(server, 1000)


def test_server_that_ignores_range_is_downloaded_from_the_start(tmp_path):
    (tmp_path / "SUSY.csv.gz.part").write_bytes(BODY[:1000])
    with serving(BODY, mode="no_range") as server:
        messages = fetch(server.url, tmp_path / "SUSY.csv.gz")
    assert (tmp_path / "SUSY.csv.gz").read_bytes() == BODY
    assert any("starting over" in message for message in messages)


@pytest.mark.parametrize("size", [len(BODY), None], ids=["size", "no_size"])
def test_complete_partial_file_answered_416_is_verified_not_fetched(tmp_path, size):
    # The earlier run got every byte but stopped before verifying: the server
    # has nothing left to send (416), and the file on disk is the download.
    target = tmp_path / "SUSY.csv.gz"
    (tmp_path / "SUSY.csv.gz.part").write_bytes(BODY)
    with serving(BODY) as server:
        messages = fetch(server.url, target, size=size)
    assert target.read_bytes() == BODY
    assert not (tmp_path / "SUSY.csv.gz.part").exists()
    assert {answer.status for answer in server.answers} == {416}
    assert set(server.requests) == {f"bytes={len(BODY)}-"}
    assert any("verified" in message for message in messages)


@pytest.mark.parametrize("partial", [0, 1000], ids=["fresh", "resumed"])
def test_server_errors_are_retried_then_the_file_completes(tmp_path, partial):
    target = tmp_path / "SUSY.csv.gz"
    if partial:
        (tmp_path / "SUSY.csv.gz.part").write_bytes(BODY[:partial])
    with serving(BODY, failures=2) as server:
        messages = fetch(server.url, target, size=len(BODY), attempts=5)
    assert target.read_bytes() == BODY
    statuses = [answer.status for answer in server.answers]
    assert statuses[:2] == [503, 503] and statuses[-1] in (200, 206)
    assert any("HTTP 503" in message and "retrying" in message for message in messages)
    # The retries resumed: nothing on disk before the errors was fetched again.
    assert_sent_once_from(server, partial)


def test_server_errors_to_the_end_name_the_error(tmp_path):
    target = tmp_path / "SUSY.csv.gz"
    with serving(BODY, failures=1000) as server, pytest.raises(DownloadError) as error:
        fetch(server.url, target, attempts=3)
    assert "after 3 attempts (HTTP 503 Service Unavailable)" in str(error.value)
    assert {answer.status for answer in server.answers} == {503}
    assert not target.exists()


@pytest.mark.parametrize(
    "stale",
    [
        pytest.param(b"x" * 1000, id="shorter"),
        pytest.param(bytes(255 - b for b in BODY), id="same_size"),
        pytest.param(BODY + b"trailing junk", id="longer"),
    ],
)
def test_stale_partial_file_is_rejected_then_fetched_afresh(tmp_path, stale):
    # A .part that is not a prefix of the file (another version, another
    # file): resuming gives a wrong file, which must never become the target.
    # The download is rejected and the .part removed, so the next run starts
    # from byte 0 and succeeds.
    target = tmp_path / "SUSY.csv.gz"
    partial = tmp_path / "SUSY.csv.gz.part"
    partial.write_bytes(stale)
    with serving(BODY) as server, pytest.raises(DownloadError) as error:
        fetch(server.url, target)
    assert f"download of {server.url} rejected" in str(error.value)
    assert "sha256 mismatch" in str(error.value) and SHA256 in str(error.value)
    assert list(tmp_path.iterdir()) == []
    with serving(BODY) as server:
        fetch(server.url, target)
    assert target.read_bytes() == BODY
    assert server.requests[0] is None
    assert_sent_once_from(server, 0)


@pytest.mark.parametrize("size", [len(BODY), None], ids=["size", "no_size"])
@pytest.mark.parametrize("partial", [0, 1000], ids=["fresh", "resumed"])
def test_answer_without_content_length_completes_and_verifies(tmp_path, size, partial):
    target = tmp_path / "SUSY.csv.gz"
    if partial:
        (tmp_path / "SUSY.csv.gz.part").write_bytes(BODY[:partial])
    with serving(BODY, content_length=False) as server:
        messages = fetch(server.url, target, size=size)
    assert target.read_bytes() == BODY
    assert not (tmp_path / "SUSY.csv.gz.part").exists()
    assert_sent_once_from(server, partial)
    assert any("verified" in message for message in messages)


def test_dropped_answer_without_content_length_resumes_to_the_known_size(tmp_path):
    # Without Content-Length, only the expected size tells a connection closed
    # early from the end of the file: the transfer resumes instead of being
    # thrown away.
    target = tmp_path / "SUSY.csv.gz"
    half = len(BODY) // 2
    with serving(BODY, mode="drop", content_length=False) as server:
        messages = fetch(server.url, target, size=len(BODY))
    assert target.read_bytes() == BODY
    assert f"bytes={half}-" in server.requests
    assert_sent_once_from(server, 0)
    assert any(f"from byte {half}" in message for message in messages)


def test_dropped_answer_without_content_length_or_size_is_rejected(tmp_path):
    # Nothing tells the short file from the whole one but its sha256.
    target = tmp_path / "SUSY.csv.gz"
    with serving(BODY, mode="drop", content_length=False) as server:
        with pytest.raises(DownloadError, match="rejected: .*sha256 mismatch"):
            fetch(server.url, target)
    assert list(tmp_path.iterdir()) == []


def test_silent_server_times_out_with_advice(tmp_path):
    # The one test that waits for the timeout: the server never answers.
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
