import numpy as np
import pyarrow.parquet as pq
import pytest

from physics_dnn.errors import ConfigError, InputError
from physics_dnn.events import read_events, write_events
from physics_dnn.split import (
    SPLIT_NAMES,
    check_split,
    check_training_sizes,
    split_events,
    split_indices,
    split_sizes,
)
from physics_dnn.susy.columns import FEATURES

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


@pytest.mark.parametrize("settings", [FRACTION, UCI])
def test_split_files_are_nested_prefixes_of_one_shuffled_training_set(
    tmp_path, settings
):
    # Each event's first feature is its row number in the input file.
    row = np.arange(1000)
    features = np.zeros((1000, len(FEATURES)))
    features[:, 0] = row
    write_events(tmp_path / "events.parquet", row % 2, features, FEATURES)
    outputs = {name: tmp_path / f"{name}.parquet" for name in SPLIT_NAMES}
    sizes = split_events(tmp_path / "events.parquet", outputs, settings)
    assert sizes == {"train": 700, "validation": 100, "test": 200}
    train = pq.read_table(outputs["train"]).column(FEATURES[0]).to_numpy()
    test = pq.read_table(outputs["test"]).column(FEATURES[0]).to_numpy()
    assert not set(train) & set(test)
    # The training file is in a shuffled order, not the input's: its first
    # 100 rows are not the 100 earliest training rows of the input.
    assert not np.all(np.diff(train) > 0)
    assert set(train[:100]) != set(np.sort(train)[:100])
    # A training size of n reads the first n rows of that one order (as
    # train.py, metrics.py and boosting.py do), so smaller training sets are
    # the first rows of larger ones, in the same order.
    for n_train in (100, 500, 700):
        x, y = read_events(outputs["train"], "all", n_train)
        np.testing.assert_array_equal(x[:, 0], train[:n_train])
        np.testing.assert_array_equal(y, train[:n_train] % 2)


def test_bad_fraction_names_the_config_key():
    with pytest.raises(ConfigError, match="split.test: expected a fraction"):
        split_indices(100, dict(FRACTION, test=1.5))


def test_too_few_rows_for_uci_split():
    with pytest.raises(InputError, match="300 events leave no training rows"):
        split_indices(300, UCI)


@pytest.mark.parametrize("settings", [FRACTION, UCI])
@pytest.mark.parametrize("n_rows", [301, 1000, 12345])
def test_split_sizes_are_the_sizes_of_the_split(settings, n_rows):
    parts = split_indices(n_rows, settings)
    sizes = split_sizes(n_rows, settings)
    assert sizes == {name: len(parts[name]) for name in SPLIT_NAMES}


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (dict(FRACTION, validation=0.5, test=0.5), r"^config key split: expected validation \+ test fractions below 1 \(the rest is the training set\), got 0.5 \+ 0.5 = 1$"),
        (dict(FRACTION, validation=0.6, test=0.7), "split: expected validation . test fractions below 1"),
        (dict(FRACTION, validation=1), r"^config key split.validation: expected a fraction between 0 and 1 with method 'fraction', got 1$"),
        (dict(FRACTION, test=250), "split.test: expected a fraction between 0 and 1"),
        (dict(UCI, test=0.2), "split.test: expected a positive number of rows with method 'uci'"),
        (dict(FRACTION, method="random"), "split.method: expected 'fraction' or 'uci'"),
    ],
)  # fmt: skip
def test_bad_split_settings_name_the_key(settings, message):
    with pytest.raises(ConfigError, match=message):
        check_split(settings)
    with pytest.raises(ConfigError, match=message):
        split_indices(1000, settings)


def _config(source="simulation", events=1000, split=FRACTION, **studies):
    return {
        "dataset": {"source": source},
        "simulation": {"events": events},
        "split": split,
        "training": {},
        "studies": {name: {} for name in studies},
    }


def _points(**n_trains):
    return {
        study: {f"n_train~{n}": {"n_train": n} for n in values}
        for study, values in n_trains.items()
    }


def test_training_sizes_that_fit_the_split_pass():
    # 1000 events, 10% validation and 20% test: 700 training rows.
    check_training_sizes(_config(activations=1), _points(activations=[100, 700]))


def test_too_large_n_train_names_the_key_point_and_rows():
    config = _config(learning_rate_vs_size=1)
    config["studies"]["learning_rate_vs_size"] = {"grid": {"n_train": [100, 800]}}
    with pytest.raises(ConfigError) as error:
        check_training_sizes(config, _points(learning_rate_vs_size=[100, 800, 750]))
    assert str(error.value) == (
        "config key studies.learning_rate_vs_size.grid.n_train: 800 training "
        "events requested (point 'n_train~800'), but the split leaves 700 of "
        "the 1000 simulated events; lower n_train, raise simulation.events or "
        "shrink split.validation and split.test"
    )


@pytest.mark.parametrize(
    ("study", "shared", "key"),
    [
        ({"training": {"n_train": 900}}, {}, "studies.regularisation.training.n_train"),
        ({}, {"n_train": 900}, "training.n_train"),
        ({}, {}, "training.n_train"),
    ],
)
def test_too_large_n_train_from_a_training_block(study, shared, key):
    config = dict(_config(regularisation=1), training=shared)
    config["studies"]["regularisation"] = study
    with pytest.raises(ConfigError, match=f"^config key {key}: 900 training"):
        check_training_sizes(config, _points(regularisation=[900]))


def test_uci_split_of_simulated_events_leaves_the_rest_for_training():
    config = _config(events=1000, split=UCI, activations=1)
    check_training_sizes(config, _points(activations=[700]))
    with pytest.raises(ConfigError, match="701 training events .* leaves 700 of"):
        check_training_sizes(config, _points(activations=[701]))


def test_too_few_simulated_events_for_the_split_names_simulation_events():
    config = _config(events=300, split=UCI, activations=1)
    with pytest.raises(
        ConfigError,
        match="^config key simulation.events: 300 events leave no training rows "
        "after 100 validation and 200 test rows; simulate more events",
    ):
        check_training_sizes(config, _points(activations=[10]))


@pytest.mark.parametrize("source", ["download", "file"])
def test_training_sizes_of_files_are_checked_when_read(source):
    # The number of rows is unknown before ingest: nothing to check yet.
    check_training_sizes(_config(source, activations=1), _points(activations=[10**9]))
