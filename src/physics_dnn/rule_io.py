"""Helpers for the workflow's rule scripts: logging and one-line errors."""

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from .errors import InputError


@contextlib.contextmanager
def logged_to(log_path: str | Path) -> Iterator[None]:
    """Send everything the rule prints (Python and C++ alike) to its log file.

    Bad input (InputError) ends the job with its one-line message, in the log
    and on the terminal, and exit status 1; any other error's traceback goes
    to the log, since standard error already points there.
    """
    Path(log_path).parent.mkdir(parents=True, exist_ok=True)
    terminal = os.fdopen(os.dup(2), "w")
    with open(log_path, "w", buffering=1) as log:
        sys.stdout.flush()
        sys.stderr.flush()
        # File-descriptor level, so TensorFlow's C++ messages land here too.
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            yield
        except InputError as error:
            message = f"Error: {error}"
            print(message, file=sys.stderr, flush=True)
            print(message, file=terminal, flush=True)
            raise SystemExit(1) from None
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            terminal.close()
