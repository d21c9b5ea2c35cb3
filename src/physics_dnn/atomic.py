"""Write outputs so that a failure never leaves a partial file behind."""

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str = ".tmp") -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` on success.

    The temporary file lives in the same directory so the final rename is
    atomic. ``suffix`` ends the temporary name, for writers that insist on an
    extension (Keras wants ``.keras``). On any exception the temporary file is
    removed and ``path`` is left as it was.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    # A fresh name, not a file: writers create it with the usual permissions
    # (mkstemp would make it private to the owner).
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(6)}{suffix}")
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
