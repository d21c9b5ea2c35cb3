"""Which modules of this package a rule script runs, and a digest of their code.

The rule scripts in workflow/scripts are thin adapters: the code that does the
work lives here, in the package. Snakemake reruns a job when its script
changes, not when a module the script imports changes, so the workflow gives
every scripted rule a ``code`` param, the digest of the package modules its
script uses, directly or through other modules: a change to one of them makes
that rule's jobs outdated, and only those.

The imports are read from the source (``ast``), nothing is imported: the
walk also serves the tests that check each rule's conda environment.
"""

import ast
import functools
import hashlib
from collections.abc import Iterator
from pathlib import Path

PACKAGE = __name__.split(".")[0]
PACKAGE_DIR = Path(__file__).resolve().parent


def _imported_names(path: Path, package_dir: Path) -> Iterator[str]:
    """Dotted names ``path`` imports; relative imports as names in this package."""
    # The package of the module at ``path``: a relative import of level n
    # starts from it and goes n - 1 packages up.
    if path.is_relative_to(package_dir):
        parts = [PACKAGE, *path.relative_to(package_dir).parent.parts]
    else:
        parts = [PACKAGE]  # a rule script: only absolute imports are expected
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parent = parts[: len(parts) - node.level + 1]
                base = ".".join(filter(None, [*parent, node.module]))
            else:
                base = node.module
            # `from a import b`: b is a name in a or its submodule a.b.
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def _module_file(parts: list[str], package_dir: Path) -> Path | None:
    """The file of module PACKAGE.<parts>, or None where it is no module."""
    candidate = package_dir.joinpath(*parts)
    if candidate.is_dir():
        candidate = candidate / "__init__.py"
    else:
        candidate = candidate.with_suffix(".py")
    return candidate if candidate.is_file() else None


def _walk(path: Path, package_dir: Path) -> tuple[set[str], set[Path]]:
    """Other top-level modules and package module files that ``path`` uses."""
    modules: set[str] = set()
    files: set[Path] = set()
    pending, seen = [Path(path).resolve()], set()
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        for name in _imported_names(current, package_dir):
            top, *parts = name.split(".")
            if top != PACKAGE:
                modules.add(top)
                continue
            # Importing PACKAGE.a.b runs PACKAGE/__init__.py, a and a.b.
            for depth in range(len(parts) + 1):
                module = _module_file(parts[:depth], package_dir)
                if module is not None:
                    files.add(module)
                    pending.append(module)
    return modules, files


def imported_modules(path: Path, package_dir: Path = PACKAGE_DIR) -> set[str]:
    """Top-level modules ``path`` imports, itself or through this package's modules.

    This package is left out; its modules are followed instead.
    """
    return _walk(path, Path(package_dir).resolve())[0]


def package_modules(path: Path, package_dir: Path = PACKAGE_DIR) -> set[Path]:
    """The files of this package's modules that ``path`` imports, transitively."""
    return _walk(path, Path(package_dir).resolve())[1]


@functools.cache
def code_digest(script: Path, package_dir: Path = PACKAGE_DIR) -> str:
    """sha256 (16 hex digits) of the package modules ``script`` uses.

    It covers each module's path in the package and its contents, nothing
    else: editing a module the script does not import leaves it unchanged.
    Cached: each script's modules are read once per workflow run.
    """
    package_dir = Path(package_dir).resolve()
    digest = hashlib.sha256()
    for module in sorted(package_modules(script, package_dir)):
        contents = module.read_bytes()
        name = module.relative_to(package_dir).as_posix()
        digest.update(f"{name}\0{len(contents)}\0".encode())
        digest.update(contents)
    return digest.hexdigest()[:16]
