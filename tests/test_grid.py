import json

import numpy as np
import pytest

from physics_dnn.errors import ConfigError
from physics_dnn.grid import (
    AXES,
    BASELINE_NAME,
    HIDDEN_ACTIVATIONS,
    TRAINING_DEFAULTS,
    batch_size_for,
    format_value,
    grid_points,
)


def test_cartesian_product_with_readable_names():
    points = grid_points(
        {"epochs": 3}, {"n_train": [1000, 10000], "learning_rate": [1e-4, 0.01, 0.1]}
    )
    assert len(points) == 6
    # Names list the varied axes in the fixed axis order, numbers canonical.
    assert "learning_rate~1e-4__n_train~1000" in points
    point = points["learning_rate~0.01__n_train~10000"]
    assert point["learning_rate"] == 0.01 and point["n_train"] == 10000
    assert point["epochs"] == 3
    assert point["hidden_layers"] == TRAINING_DEFAULTS["hidden_layers"]
    assert set(point) == set(AXES)


def test_points_are_plain_json_values():
    points = grid_points(None, {"hidden_layers": [[300], [300, 300]], "seed": [1, 2]})
    assert json.loads(json.dumps(points)) == points
    assert "hidden_layers~300x300__seed~2" in points


def test_no_grid_gives_one_baseline_point():
    assert list(grid_points(None, None)) == [BASELINE_NAME]


@pytest.mark.parametrize(
    ("value", "text"),
    [(1e-5, "1e-5"), (2.5e-4, "2.5e-4"), (0.001, "0.001"), (0.1, "0.1"),
     (1.0, "1"), (1e5, "1e+5"), ([200, 100], "200x100"), ([], "none"),
     (True, "true"), (None, "none"), ("1%", "1pct"), (1000, "1000")],
)  # fmt: skip
def test_format_value(value, text):
    assert format_value(value) == text


@pytest.mark.parametrize(
    ("training", "grid", "message"),
    [
        ({"learning_rate": "fast"}, None, "training.learning_rate: expected a positive number"),
        (None, {"learning_rate": [0.1, -1.0]}, r"grid.learning_rate\[1\]: expected a positive number"),
        (None, {"n_train": 1000}, "grid.n_train: expected a non-empty list"),
        (None, {"optimizer": ["adadelta"]}, r"grid.optimizer\[0\]: expected one of sgd, sgd_momentum, nesterov, adagrad, rmsprop, adam, nadam"),
        (None, {"features": ["low", "some"]}, r"grid.features\[1\]: expected one of low, high, all"),
        ({"dropout": 1.0}, None, r"training.dropout: expected a number in \[0, 1\)"),
        ({"batch_size": "big"}, None, "training.batch_size: expected a positive integer or a percentage"),
        ({"batch_size": "150%"}, None, r"training.batch_size: expected .* percentage of n_train in \(0%, 100%\] .*, got '150%'"),
        ({"batch_size": "0%"}, None, "training.batch_size: expected a positive integer or a percentage"),
        (None, {"activation": ["relu", "relux"]}, r"grid.activation\[1\]: expected a Keras activation for hidden layers, one of celu, elu, .*, tanh_shrink, got 'relux'"),
        ({"activation": "softmax"}, None, "training.activation: expected a Keras activation for hidden layers"),
        ({"hidden_layers": [200, 0]}, None, "training.hidden_layers: expected a list of positive integers"),
        ({"width": 3}, None, "training.width: expected a training setting"),
        (None, {"seed": [1, 1]}, "point 'seed~1' is listed twice"),
        (None, {"weight_scale": [1.0, 2.0]}, "weight_scale and bias_scale only act with initializer: mean_field"),
        ({"final_momentum": 0.99, "optimizer": "sgd"}, None, "final_momentum only acts with optimizer: sgd_momentum and a momentum above 0"),
        ({"final_momentum": 0.99, "momentum": 0.0}, None, "final_momentum only acts with optimizer: sgd_momentum"),
        ({"learning_rate_decay": 0.5}, None, "training.learning_rate_decay: expected a number >= 1, got 0.5"),
    ],
)  # fmt: skip
def test_bad_values_name_the_config_key(training, grid, message):
    with pytest.raises(ConfigError, match=message):
        grid_points(training, grid)


def test_batch_size_as_percentage_of_training_size():
    assert batch_size_for("1%", 100_000) == 1000
    assert batch_size_for("1%", 50) == 1
    assert batch_size_for(256, 100_000) == 256


def test_batch_size_may_be_the_whole_training_set():
    assert grid_points({"batch_size": "100%"}, None)["baseline"]["batch_size"] == "100%"
    assert batch_size_for("100%", 500) == 500


def test_every_listed_activation_is_a_keras_activation_for_any_layer():
    """The static list must not drift from Keras: each name resolves and acts
    unit by unit (keeps the shape of an odd-width layer)."""
    keras = pytest.importorskip("keras")
    layer = keras.ops.convert_to_tensor(np.linspace(-2, 2, 10).reshape(2, 5))
    for name in HIDDEN_ACTIVATIONS:
        activation = keras.activations.get(name)
        assert callable(activation), name
        assert tuple(activation(layer).shape) == (2, 5), name
    assert set(grid_points(None, {"activation": list(HIDDEN_ACTIVATIONS)})) == {
        f"activation~{name}" for name in HIDDEN_ACTIVATIONS
    }
