"""Download the UCI SUSY file: bounded timeouts, retries, resume, checksum.

The transfer goes to ``<destination>.part``. An interrupted transfer resumes
from there with an HTTP Range request, within a run (after a back-off) and
across runs, instead of starting 880 MB over. Only a file whose size and
sha256 match becomes ``destination``.
"""

import hashlib
import os
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from http.client import HTTPException
from pathlib import Path

from .errors import InputError

CHUNK_BYTES = 1 << 20
MIB = 1 << 20

OFFLINE_HELP = (
    "without network access, put a copy of the file on disk and set "
    "dataset.source to 'file' and dataset.path to it, or run the default "
    "config (built-in simulation)"
)


class DownloadError(InputError):
    """The file could not be fetched or does not match its checksum."""


def sha256_of(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def verify_file(path: str | Path, sha256: str | None, size: int | None = None) -> str:
    """Check the size and sha256 of ``path``; return its sha256.

    ``sha256`` None skips the checksum comparison (the hash is still returned).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    actual_size = path.stat().st_size
    if size is not None and actual_size != size:
        raise DownloadError(f"{path}: size {actual_size} bytes, expected {size} bytes")
    actual = sha256_of(path)
    if sha256 is not None and actual != sha256.lower():
        raise DownloadError(
            f"{path}: sha256 mismatch: expected {sha256.lower()}, got {actual}"
        )
    return actual


def download(
    url: str,
    destination: str | Path,
    sha256: str | None,
    size: int | None = None,
    *,
    attempts: int = 5,
    timeout: float = 30.0,
    backoff: float = 2.0,
    progress_interval: float = 10.0,
    log: Callable[[str], None] = print,
) -> None:
    """Fetch ``url`` to ``destination`` and verify it.

    Transient failures (connection errors, timeouts, 5xx) are retried up to
    ``attempts`` times, waiting ``backoff``·2ⁿ seconds, each retry resuming
    where the last stopped. Every network operation times out after
    ``timeout`` seconds, so nothing hangs. A 4xx answer, a checksum mismatch or
    running out of attempts raise DownloadError naming the URL and the reason.
    """
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".part")
    reason = "no attempt made"
    for attempt in range(1, attempts + 1):
        try:
            total = _fetch(url, partial, size, timeout, progress_interval, log)
        except _PermanentError as error:
            raise DownloadError(f"cannot download {url}: {error}") from None
        except (OSError, HTTPException, _TransientError) as error:
            reason = _describe(error)
            if attempt < attempts:
                wait = backoff * 2 ** (attempt - 1)
                log(
                    f"attempt {attempt} of {attempts} failed ({reason}); "
                    f"retrying in {wait:g} s from byte {_size(partial)}"
                )
                time.sleep(wait)
            continue
        expected_size = size if size is not None else total
        try:
            verify_file(partial, sha256, expected_size)
        except DownloadError as error:
            partial.unlink(missing_ok=True)
            raise DownloadError(f"download of {url} rejected: {error}") from None
        os.replace(partial, destination)
        log(f"downloaded {url} to {destination} ({_size(destination)} bytes), verified")
        return
    raise DownloadError(
        f"cannot download {url} after {attempts} attempts ({reason}); {OFFLINE_HELP}"
    )


class _TransientError(Exception):
    """Worth another attempt: a server error or a short transfer."""


class _PermanentError(Exception):
    """Not worth retrying: the server said no."""


def _fetch(url, partial: Path, size, timeout, progress_interval, log) -> int | None:
    """Append the rest of ``url`` to ``partial``; return the total size if known.

    The total is the offset plus Content-Length or, without that header, the
    expected ``size``: a connection closed early is then a short transfer to
    resume, not a complete file to reject.
    """
    offset = _size(partial)
    request = urllib.request.Request(url)
    if offset:
        request.add_header("Range", f"bytes={offset}-")
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        if error.code == 416 and offset:
            # Nothing left to send: the partial file is already complete.
            return offset
        if 400 <= error.code < 500:
            raise _PermanentError(f"HTTP {error.code} {error.reason}") from None
        raise _TransientError(f"HTTP {error.code} {error.reason}") from None
    with response:
        if offset and response.status != 206:
            # The server ignored the Range header: start over.
            log(f"server does not resume (HTTP {response.status}); starting over")
            offset = 0
        length = response.headers.get("Content-Length")
        total = offset + int(length) if length is not None else size
        mode = "ab" if offset else "wb"
        with open(partial, mode) as stream:
            _copy(response, stream, offset, total, progress_interval, log)
    received = _size(partial)
    if total is not None and received < total:
        raise _TransientError(f"connection closed after {received} of {total} bytes")
    return total


def _copy(response, stream, offset, total, progress_interval, log) -> None:
    started = last_report = time.monotonic()
    done = offset
    while chunk := response.read(CHUNK_BYTES):
        stream.write(chunk)
        done += len(chunk)
        now = time.monotonic()
        if now - last_report >= progress_interval:
            log(_progress(done, offset, total, now - started))
            last_report = now
    log(_progress(done, offset, total, time.monotonic() - started))


def _progress(done: int, offset: int, total: int | None, seconds: float) -> str:
    rate = (done - offset) / max(seconds, 1e-9)
    text = f"{done / MIB:.1f} MiB"
    if total:
        text += f" of {total / MIB:.1f} MiB ({100 * done / total:.1f}%)"
    text += f", {rate / MIB:.2f} MiB/s"
    if total and rate > 0:
        text += f", ETA {(total - done) / rate:.0f} s"
    return text


def _describe(error: Exception) -> str:
    if isinstance(error, urllib.error.URLError) and not isinstance(
        error, urllib.error.HTTPError
    ):
        error = error.reason if isinstance(error.reason, Exception) else error
    if isinstance(error, socket.timeout | TimeoutError):
        return "timed out"
    return str(error) or type(error).__name__


def _size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0
