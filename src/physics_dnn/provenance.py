"""What produced a result: package versions, seed, source commit."""

import importlib.metadata
import platform
import subprocess
from pathlib import Path

from . import __version__

PACKAGES = ("numpy", "pyarrow", "scikit-learn")


def provenance(
    seed: int,
    workflow_dir: str | Path | None = None,
    more_versions: dict[str, str] | None = None,
) -> dict:
    """Seed, package versions (plus ``more_versions``) and the git commit."""
    versions = {"python": platform.python_version(), "physics_dnn": __version__}
    for package in PACKAGES:
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = None
    versions.update(more_versions or {})
    return {
        "seed": seed,
        "versions": versions,
        "git_commit": git_commit(workflow_dir) if workflow_dir else None,
    }


def git_commit(directory: str | Path) -> str | None:
    """The commit checked out at ``directory`` (with ``-dirty`` if modified);
    None outside a git checkout or before its first commit.

    The full hash also where a tag names the commit or an earlier one
    (``--exclude``: not ``v1.0`` or ``v1.0-3-g<hash>``), and the full
    SHA-256 hash in a SHA-256 repository (an abbreviation above the hash's
    length is the whole hash).
    """
    try:
        described = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--abbrev=64", "--exclude=*"],
            cwd=directory,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return described.stdout.strip() or None
