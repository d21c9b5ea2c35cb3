"""The per-rule conda environments, checked without conda (channels are out of reach).

Every env file parses, uses conda-forge only, pins every package exactly,
names exactly the packages its rule's code imports, and pins the versions
that requirements.txt installs with pip.
"""

import re
import sys
from pathlib import Path

import pytest
import yaml

from physics_dnn.code_version import imported_modules

REPO = Path(__file__).resolve().parents[1]

# Import name -> conda-forge package; None: the standard library or our package.
CONDA_NAMES = {
    "numpy": "numpy",
    "pandas": "pandas",
    "pyarrow": "pyarrow",
    "isal": "python-isal",
    "matplotlib": "matplotlib-base",
    "sklearn": "scikit-learn",
    # scikit-learn depends on threadpoolctl, so its env has it.
    "threadpoolctl": "scikit-learn",
    "scipy": "scipy",
    "keras": "keras",
    "tensorflow": "tensorflow",
    "yaml": "pyyaml",
}
# Other Keras backends: imported only when KERAS_BACKEND selects them.
OPTIONAL = {"jax", "torch"}
# conda-forge name -> the pip name in requirements.txt.
PIP_NAMES = {
    "python-isal": "isal",
    "matplotlib-base": "matplotlib",
    "tensorflow": "tensorflow-cpu",
}
PIN = re.compile(r"^(?P<name>[a-z0-9_.-]+) =(?P<version>\d+(\.\d+)+)$")


def rules_and_envs() -> dict[str, tuple[Path, Path]]:
    """Rule name -> (its script, its env file), read from the rule files."""
    found = {}
    for smk in (REPO / "workflow" / "rules").glob("*.smk"):
        # Named rules, and rules defined in a loop (`rule:` with `name:`).
        for block in re.split(r"^\s*rule\b", smk.read_text(), flags=re.M)[1:]:
            named = re.match(r"\s*(\w+):", block)
            name = (
                named.group(1)
                if named
                else re.search(r'name:\s*f?"([^"]+)"', block).group(1)
            )
            conda = re.search(r'conda:\s*"([^"]+)"', block)
            script = re.search(r'script:\s*"([^"]+)"', block)
            if script:
                assert conda, f"rule {name} has a script but no conda env"
                found[name] = (
                    (smk.parent / script.group(1)).resolve(),
                    (smk.parent / conda.group(1)).resolve(),
                )
    return found


RULES = rules_and_envs()


def conda_packages(script: Path) -> set[str]:
    packages = set()
    for module in imported_modules(script) - OPTIONAL:
        if module in sys.stdlib_module_names or module == "snakemake":
            continue
        assert module in CONDA_NAMES, f"{script.name} imports {module}: map it above"
        packages.add(CONDA_NAMES[module])
    return packages


def pinned(env_file: Path) -> dict[str, str]:
    env = yaml.safe_load(env_file.read_text())
    assert env["channels"] == ["conda-forge", "nodefaults"], env_file.name
    pins = {}
    for dependency in env["dependencies"]:
        match = PIN.match(dependency)
        assert match, f"{env_file.name}: {dependency!r} is not an exact pin"
        pins[match["name"]] = match["version"]
    return pins


def requirements() -> dict[str, str]:
    pins = {}
    for line in (REPO / "requirements.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[re.sub(r"\[.*\]", "", name).lower()] = version
    return pins


def test_every_rule_script_has_its_own_env():
    assert len(RULES) >= 10
    env_files = [env for _, env in RULES.values()]
    assert len(set(env_files)) == len(env_files), "rules share an env file"
    assert set(env_files) == set((REPO / "envs").glob("*.yaml")), "unused env files"


@pytest.mark.parametrize("rule", sorted(RULES))
def test_env_pins_exactly_what_the_rule_imports(rule):
    script, env_file = RULES[rule]
    pins = pinned(env_file)
    assert pins.pop("python") == "3.11"
    assert set(pins) == conda_packages(script)


@pytest.mark.parametrize("rule", sorted(RULES))
def test_env_versions_match_the_pip_requirements(rule):
    wanted = requirements()
    for package, version in pinned(RULES[rule][1]).items():
        if package != "python":
            assert wanted[PIP_NAMES.get(package, package)] == version, package
