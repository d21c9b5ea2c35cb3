"""What made a result: a digest of its settings, input files and code."""

import hashlib
import json
from pathlib import Path


def result_fingerprint(settings: dict, inputs: list[str | Path], code: str) -> str:
    """sha256 of ``settings``, the contents of the ``inputs`` files and
    ``code`` (a digest of the code that computes the result)."""
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True).encode())
    digest.update(code.encode())
    for path in inputs:
        with open(path, "rb") as file:
            digest.update(hashlib.file_digest(file, "sha256").digest())
    return digest.hexdigest()
