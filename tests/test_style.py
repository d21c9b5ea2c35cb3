"""The workflow passes Snakemake's linter, snakefmt and ruff."""

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        command, cwd=REPO, capture_output=True, text=True, timeout=300
    )


def test_snakemake_lint_is_clean():
    result = run(sys.executable, "-m", "snakemake", "--lint")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Lints for" not in output, output
    assert "Congratulations, your workflow is in a good condition!" in output


@pytest.mark.parametrize(
    "command",
    [
        ("snakefmt", "--check", "."),
        ("ruff", "check", "."),
        ("ruff", "format", "--check", "."),
    ],
)
def test_formatters_and_linters_are_clean(command):
    result = run(str(BIN / command[0]), *command[1:])
    assert result.returncode == 0, result.stdout + result.stderr
