"""Record the configuration a run used, so the report can show it."""

from pathlib import Path

import yaml

from .atomic import atomic_path


def write_config(config: dict, path: str | Path) -> None:
    """Write ``config`` as YAML, keys in the order the config file gave them."""
    with atomic_path(path) as tmp:
        tmp.write_text(yaml.safe_dump(_plain(config), sort_keys=False))


def _plain(value):
    """Snakemake hands the config over in its own mapping types; YAML wants dicts."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value
