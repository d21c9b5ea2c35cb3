import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from susy_dnn.errors import ConfigError, InputError
from susy_dnn.split import SPLIT_NAMES, split_events, split_indices

FRACTION = {"method": "fraction", "validation": 0.1, "test": 0.2, "seed": 7}
UCI = {"method": "uci", "validation": 100, "test": 200, "seed": 7}


@pytest.mark.parametrize("settings", [FRACTION, UCI])
def test_parts_partition_the_rows(settings):
    parts = split_indices(1000, settings)
    everything = np.concatenate([parts[name] for name in SPLIT_NAMES])
    assert sorted(everything.tolist()) == list(range(1000))
    assert (len(parts["validation"]), len(parts["test"])) == (100, 200)


def test_uci_convention_holds_out_the_last_rows():
    parts = split_indices(1000, UCI)
    assert parts["test"].tolist() == list(range(800, 1000))
    assert parts["validation"].tolist() == list(range(700, 800))
    assert sorted(parts["train"].tolist()) == list(range(700))


@pytest.mark.parametrize("settings", [FRACTION, UCI])
def test_same_seed_same_split_other_seed_other_split(settings):
    first = split_indices(1000, settings)
    again = split_indices(1000, settings)
    other = split_indices(1000, dict(settings, seed=8))
    for name in SPLIT_NAMES:
        np.testing.assert_array_equal(first[name], again[name])
    assert not np.array_equal(first["train"], other["train"])


def test_training_rows_are_shuffled():
    train = split_indices(1000, UCI)["train"]
    assert not np.array_equal(train, np.sort(train))


def test_split_files_are_nested_prefixes_of_one_shuffled_training_set(tmp_path):
    events = pa.table({"label": np.arange(1000) % 2, "x": np.arange(1000.0)})
    pq.write_table(events, tmp_path / "events.parquet")
    outputs = {name: tmp_path / f"{name}.parquet" for name in SPLIT_NAMES}
    sizes = split_events(tmp_path / "events.parquet", outputs, FRACTION)
    assert sizes == {"train": 700, "validation": 100, "test": 200}
    train = pq.read_table(outputs["train"]).column("x").to_numpy()
    test = pq.read_table(outputs["test"]).column("x").to_numpy()
    assert not set(train) & set(test)
    # The first 100 training rows are inside the first 500: nested subsets.
    assert set(train[:100]) <= set(train[:500])


def test_bad_fraction_names_the_config_key():
    with pytest.raises(ConfigError, match="split.test: expected a fraction"):
        split_indices(100, dict(FRACTION, test=1.5))


def test_too_few_rows_for_uci_split():
    with pytest.raises(InputError, match="300 events leave no training rows"):
        split_indices(300, UCI)
