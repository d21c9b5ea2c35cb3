"""What made a result: a digest of its settings, input files and code."""

import functools
import hashlib
import json
from pathlib import Path


def result_fingerprint(settings: dict, inputs: list[str | Path], code: str) -> str:
    """sha256 of ``settings``, the contents of the ``inputs`` files and
    ``code`` (a digest of the code that computes the result)."""
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True).encode())
    digest.update(code.encode())
    for path in inputs:
        status = Path(path).stat()
        digest.update(
            _file_digest(
                str(Path(path).resolve()),
                status.st_size,
                status.st_mtime_ns,
                status.st_ino,
            )
        )
    return digest.hexdigest()


@functools.lru_cache(maxsize=64)
def _file_digest(path: str, size: int, mtime_ns: int, inode: int) -> bytes:
    """sha256 of a file, once per process while its size, time and inode stay:
    the points of a pack share their input files (hundreds of MB at full
    scale)."""
    with open(path, "rb") as file:
        return hashlib.file_digest(file, "sha256").digest()
