"""A change to a package module reruns the jobs whose scripts import it, only those."""

import re
import shutil
from pathlib import Path

import pytest
from tiny_workflow import TINY_CONFIG, make_workdir, run_snakemake

from physics_dnn.code_version import code_digest, imported_modules, package_modules

REPO = Path(__file__).resolve().parents[1]
SCRIPTS = REPO / "workflow" / "scripts"
SPLIT = "results/data/train.parquet"


@pytest.fixture
def package(tmp_path) -> Path:
    """A copy of src/physics_dnn to edit."""
    copy = tmp_path / "physics_dnn"
    shutil.copytree(REPO / "src" / "physics_dnn", copy)
    code_digest.cache_clear()
    yield copy
    code_digest.cache_clear()


def append_comment(module: Path) -> None:
    with module.open("a") as file:
        file.write("# edited\n")


def test_split_script_uses_its_modules_and_their_imports(package):
    used = {path.name for path in package_modules(SCRIPTS / "split_events.py", package)}
    # split.py imports atomic and errors relatively; importing any module runs
    # the package's __init__.py.
    assert {"__init__.py", "rule_io.py", "split.py", "atomic.py", "errors.py"} <= used
    assert not used & {"study_plots.py", "simulation.py", "train.py"}
    modules = imported_modules(SCRIPTS / "split_events.py", package)
    assert {"numpy", "pyarrow"} <= modules and "physics_dnn" not in modules
    assert not modules & {"matplotlib", "keras", "sklearn"}


def test_digest_follows_the_modules_a_script_imports(package):
    script = SCRIPTS / "split_events.py"
    before = code_digest(script, package)
    assert before == code_digest(script, REPO / "src" / "physics_dnn")  # not the path
    assert len(before) == 16 and int(before, 16) >= 0

    append_comment(package / "study_plots.py")  # not imported by split
    code_digest.cache_clear()
    assert code_digest(script, package) == before

    append_comment(package / "atomic.py")  # imported by split.py, not the script
    code_digest.cache_clear()
    assert code_digest(script, package) != before


def test_relative_and_absolute_package_imports_are_followed(tmp_path):
    package = tmp_path / "physics_dnn"
    package.mkdir()
    (package / "__init__.py").write_text("import json\n")
    (package / "a.py").write_text("from . import b\nfrom .c import name\n")
    (package / "b.py").write_text("import numpy.linalg\n")
    (package / "c.py").write_text("from physics_dnn import d\nname = 1\n")
    (package / "d.py").write_text("from yaml import safe_load\n")
    (package / "unused.py").write_text("import pandas\n")
    script = tmp_path / "script.py"
    script.write_text("from physics_dnn.a import b\n")
    assert imported_modules(script, package) == {"json", "numpy", "yaml"}
    assert {path.name for path in package_modules(script, package)} == {
        "__init__.py", "a.py", "b.py", "c.py", "d.py",
    }  # fmt: skip


def test_imports_of_a_data_set_subpackage_resolve_from_its_own_package(tmp_path):
    package = tmp_path / "physics_dnn"
    (package / "ising").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "shared.py").write_text("import json\n")
    (package / "ising" / "__init__.py").write_text("")
    # `..shared` is the top package's module, `.lattice` the subpackage's.
    (package / "ising" / "figures.py").write_text(
        "from ..shared import x\nfrom .lattice import y\n"
    )
    (package / "ising" / "lattice.py").write_text("import numpy\n")
    (package / "lattice.py").write_text("import pandas\n")  # not this one
    script = tmp_path / "script.py"
    script.write_text("from physics_dnn.ising.figures import plot\n")
    assert imported_modules(script, package) == {"json", "numpy"}
    assert {
        path.relative_to(package).as_posix()
        for path in package_modules(script, package)
    } == {"__init__.py", "shared.py", "ising/__init__.py", "ising/figures.py",
          "ising/lattice.py"}  # fmt: skip


def test_every_scripted_rule_hashes_its_own_script():
    """Each rule's `code` param names the script of that rule."""
    checked = set()
    for smk in (REPO / "workflow" / "rules").glob("*.smk"):
        # Named rules, and rules defined in a loop (`rule:` with `name:`).
        for block in re.split(r"^\s*rule\b", smk.read_text(), flags=re.M)[1:]:
            if "    script:" in block:
                script = block.split('"../scripts/')[-1].split('"')[0]
                assert f'code=package_code("{script}")' in block, block[:40]
                checked.add(script)
    assert checked == {path.name for path in SCRIPTS.glob("*.py")}


def test_code_change_reruns_the_jobs_that_import_it(tmp_path):
    workdir = make_workdir(tmp_path, TINY_CONFIG)
    run = run_snakemake(workdir, SPLIT)  # simulate, ingest, split: seconds
    assert run.returncode == 0, run.stderr[-3000:]
    run = run_snakemake(workdir, SPLIT, "--dry-run")
    assert "Nothing to be done" in run.stdout + run.stderr

    # The plots' module: none of the data rules imports it.
    append_comment(workdir / "src/physics_dnn/study_plots.py")
    run = run_snakemake(workdir, SPLIT, "--dry-run")
    assert "Nothing to be done" in run.stdout + run.stderr

    append_comment(workdir / "src/physics_dnn/split.py")
    run = run_snakemake(workdir, SPLIT, "--dry-run")
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    jobs = [job.split(":")[0] for job in output.split("\nrule ")[1:]]
    assert jobs == ["split_events"]
    digest = code_digest(
        workdir / "workflow/scripts/split_events.py", workdir / "src/physics_dnn"
    )
    assert "reason: Params have changed since last execution" in output
    assert f"now: '{digest}'" in output
