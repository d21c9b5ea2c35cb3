"""The optimiser study: its config, the per-optimiser choice, the target loss
and the time to it, its table and figures, from hand-made runs; and the
optimisers themselves on a convex toy problem."""

import json

import keras
import numpy as np
import pandas as pd
import pytest
import yaml
from tiny_workflow import REPO

from physics_dnn.errors import ConfigError, InputError
from physics_dnn.grid import OPTIMIZERS
from physics_dnn.optimizer_study import (
    chosen_runs,
    chosen_settings,
    optimizer_table,
    read_run,
    target_loss,
    time_to_target,
)
from physics_dnn.studies import grid_edge_warnings, selected_studies, statistical_error
from physics_dnn.study_plots import plot_optimizer_curves, plot_optimizer_ranking
from physics_dnn.train import build_model, make_optimizer

STUDY = {
    "grid": {"optimizer": ["sgd", "adam"], "seed": [0, 1]},
    "learning_rates": {"sgd": [0.01, 0.1], "adam": [1e-3]},
}


def points(study: dict) -> dict[str, dict]:
    config = {"training": {"epochs": 3}, "studies": {"optimizers": study}}
    return selected_studies(config)["optimizers"]


def test_each_optimizer_trains_at_its_own_learning_rates():
    expanded = points(STUDY)
    assert list(expanded) == [
        "learning_rate~0.01__optimizer~sgd__seed~0",
        "learning_rate~0.01__optimizer~sgd__seed~1",
        "learning_rate~0.1__optimizer~sgd__seed~0",
        "learning_rate~0.1__optimizer~sgd__seed~1",
        "learning_rate~0.001__optimizer~adam__seed~0",
        "learning_rate~0.001__optimizer~adam__seed~1",
    ]
    point = expanded["learning_rate~0.001__optimizer~adam__seed~1"]
    assert (point["optimizer"], point["learning_rate"], point["seed"]) == (
        "adam",
        1e-3,
        1,
    )
    assert point["epochs"] == 3  # the shared training block


def test_the_default_study_gives_every_optimizer_three_rates():
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    expanded = selected_studies(config)["optimizers"]
    assert len(expanded) == len(OPTIMIZERS) * 3 * 2
    for name in OPTIMIZERS:
        rates = sorted(
            {p["learning_rate"] for p in expanded.values() if p["optimizer"] == name}
        )
        assert len(rates) == 3
        assert rates[1] == pytest.approx(10 * rates[0])
        assert rates[2] == pytest.approx(10 * rates[1])


KEY = "config key studies.optimizers"
BAD_STUDIES = {
    "rates_missing": (
        dict(STUDY, learning_rates={"sgd": [0.1]}),
        f"{KEY}.learning_rates: no learning rates for optimizer 'adam' of "
        "studies.optimizers.grid.optimizer",
    ),
    "rates_for_an_optimizer_not_in_the_grid": (
        dict(STUDY, learning_rates=dict(STUDY["learning_rates"], nadam=[1e-3])),
        f"{KEY}.learning_rates.nadam: 'nadam' is not in "
        "studies.optimizers.grid.optimizer",
    ),
    "learning_rate_in_the_grid": (
        dict(STUDY, grid=dict(STUDY["grid"], learning_rate=[0.1])),
        f"{KEY}.grid.learning_rate: this study takes each optimizer's learning "
        "rates from studies.optimizers.learning_rates",
    ),
    "bad_rate": (
        dict(STUDY, learning_rates={"sgd": [0.1], "adam": [1e-3, "fast"]}),
        f"{KEY}.learning_rates.adam[1]: expected a positive number, got 'fast'",
    ),
    "rates_not_a_list": (
        dict(STUDY, learning_rates={"sgd": 0.1, "adam": [1e-3]}),
        f"{KEY}.learning_rates.sgd: expected a non-empty list of values, got 0.1",
    ),
    "no_optimizer_axis": (
        dict(STUDY, grid={"seed": [0]}),
        f"{KEY}.grid.optimizer: expected a non-empty list of values, got None",
    ),
    "unknown_optimizer": (
        dict(STUDY, grid={"optimizer": ["sgd", "adamw"]}),
        f"{KEY}.grid.optimizer[1]: expected one of sgd, sgd_momentum",
    ),
    "target_loss": (
        dict(STUDY, target_loss=-0.4),
        f"{KEY}.target_loss: expected auto or a positive number, got -0.4",
    ),
}


@pytest.mark.parametrize("case", list(BAD_STUDIES))
def test_a_bad_optimizer_study_names_its_key(case):
    study, message = BAD_STUDIES[case]
    with pytest.raises(ConfigError) as error:
        points(study)
    assert str(error.value).startswith(message)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize("block", ["learning_rates", "target_loss"])
def test_the_study_blocks_belong_to_the_optimizer_study(block):
    config = {"studies": {"activations": {block: "auto"}}}
    with pytest.raises(ConfigError) as error:
        selected_studies(config)
    assert str(error.value) == (
        f"config key studies.activations.{block}: only the optimizers study uses it"
    )


def summary() -> pd.DataFrame:
    """sgd's best rate is its largest (the grid's edge), adam's its middle one;
    adam is the better optimiser. Two seeds each."""
    rows = [
        ("sgd", 0.01, 0.52),
        ("sgd", 0.1, 0.48),
        ("sgd", 1.0, 0.47),
        ("adam", 1e-4, 0.49),
        ("adam", 1e-3, 0.46),
        ("adam", 1e-2, 0.465),
    ]
    table = pd.DataFrame(
        rows, columns=["optimizer", "learning_rate", "val_log_loss_mean"]
    )
    return table.assign(
        val_log_loss_std=0.002,
        log_loss_mean=table["val_log_loss_mean"] - 0.003,
        log_loss_std=0.001,
        accuracy_mean=0.78,
        accuracy_std=0.002,
        roc_auc_mean=0.85,
        roc_auc_std=0.001,
        seeds=2,
        n_events=60000,
        n_signal=27480,
        points=[
            f"lr~{lr}__{name}__seed~0 lr~{lr}__{name}__seed~1" for name, lr, _ in rows
        ],
    )


def test_each_optimizer_gets_the_rate_of_its_lowest_validation_loss():
    chosen = chosen_settings(summary())
    assert list(chosen["optimizer"]) == ["adam", "sgd"]  # ranked: best first
    assert list(chosen["learning_rate"]) == [1e-3, 1.0]


def test_the_grid_edge_is_checked_per_optimizer():
    warnings = grid_edge_warnings(summary(), "log_loss", group="optimizer")
    assert warnings == [
        "optimizer sgd: the best validation log loss lies at learning_rate = 1, "
        "the edge of the grid: the optimum may lie beyond the grid; extend "
        "learning_rate above 1 (next: 10)"
    ]
    # Without the groups, adam's best is the study's, inside the grid.
    assert grid_edge_warnings(summary(), "log_loss") == []


def run(losses, seconds) -> pd.DataFrame:
    epochs = np.arange(1, len(losses) + 1)
    return pd.DataFrame(
        {"epoch": epochs, "val_loss": losses, "seconds": np.cumsum(seconds)}
    )


RUNS = {
    # Fast per epoch, slow to converge; its second seed gets least far.
    "sgd": [
        run([0.60, 0.52, 0.49, 0.48], [1.0, 0.5, 0.5, 0.5]),
        run([0.62, 0.55, 0.51, 0.50], [1.2, 0.5, 0.5, 0.5]),
    ],
    "adam": [
        run([0.50, 0.47, 0.46, 0.47], [1.5, 1.0, 1.0, 1.0]),
        run([0.49, 0.48, 0.46, 0.46], [1.5, 1.0, 1.0, 1.0]),
    ],
}


def test_the_automatic_target_is_reached_by_every_run():
    target = target_loss({}, RUNS)
    assert target == 0.50  # the highest of the runs' lowest losses
    assert target_loss({"target_loss": "auto"}, RUNS) == target
    assert target_loss({"target_loss": 0.3}, RUNS) == 0.3
    for runs in RUNS.values():
        for one in runs:
            assert not np.isnan(time_to_target(one, target)[0])


def test_time_to_target_counts_to_the_end_of_the_first_epoch_at_or_below_it():
    sgd, adam = RUNS["sgd"][1], RUNS["adam"][0]
    assert time_to_target(sgd, 0.50) == (4.0, 2.7)
    assert time_to_target(adam, 0.50) == (1.0, 1.5)
    assert time_to_target(adam, 0.47) == (2.0, 2.5)
    assert np.isnan(time_to_target(sgd, 0.45)).all()


def test_the_table_ranks_the_optimizers_with_errors_and_times():
    chosen = chosen_settings(summary())
    table = optimizer_table(chosen, RUNS, 0.48).set_index("optimizer")
    adam, sgd = table.loc["adam"], table.loc["sgd"]
    assert (adam["rank"], sgd["rank"]) == (1, 2)
    assert (adam["learning_rate"], sgd["learning_rate"]) == (1e-3, 1.0)
    assert adam["val_log_loss_mean"] == 0.46 and adam["val_log_loss_std"] == 0.002
    assert adam["roc_auc_stat_error"] == statistical_error(
        "roc_auc", 0.85, 60000, 27480
    )
    assert adam["accuracy_stat_error"] == pytest.approx(np.sqrt(0.78 * 0.22 / 60000))
    assert "log_loss_stat_error" not in table  # none is known
    # Adam's seeds reach 0.48 after epochs 2 and 2 (2.5 s each)...
    assert adam["seeds_reaching_target"] == 2
    assert (adam["epochs_to_target_mean"], adam["epochs_to_target_std"]) == (2, 0)
    assert adam["seconds_to_target_mean"] == pytest.approx(2.5)
    # ...sgd's first at epoch 4, its second never: no mean that flatters it.
    assert sgd["seeds_reaching_target"] == 1
    assert np.isnan(sgd["epochs_to_target_mean"])
    assert np.isnan(sgd["seconds_to_target_mean"])
    assert (table["target_loss"] == 0.48).all()


def test_runs_are_read_with_their_epoch_seconds(tmp_path):
    names = {}
    for optimizer, losses in (("sgd", [0.6, 0.5]), ("adam", [0.5, 0.45])):
        folder = tmp_path / f"lr~1__{optimizer}__seed~0"
        folder.mkdir()
        pd.DataFrame({"epoch": [1, 2], "val_loss": losses}).to_csv(
            folder / "history.csv", index=False
        )
        training = {"epoch_seconds": [1.5, 0.5]}
        (folder / "metrics.json").write_text(json.dumps({"training": training}))
        names[optimizer] = folder
    chosen = pd.DataFrame(
        {
            "optimizer": ["adam", "sgd"],
            "points": ["lr~1__adam__seed~0", "lr~1__sgd__seed~0"],
        }
    )
    runs = chosen_runs(
        chosen,
        [str(folder / "history.csv") for folder in names.values()],
        [str(folder / "metrics.json") for folder in names.values()],
    )
    assert list(runs) == ["adam", "sgd"]
    (adam,) = runs["adam"]
    assert adam["seconds"].tolist() == [1.5, 2.0]
    assert adam["val_loss"].tolist() == [0.5, 0.45]

    (names["sgd"] / "metrics.json").write_text(json.dumps({"training": {}}))
    with pytest.raises(InputError, match="no key 'training.epoch_seconds'"):
        read_run(names["sgd"] / "history.csv", names["sgd"] / "metrics.json")
    short = {"training": {"epoch_seconds": [1.0]}}
    (names["sgd"] / "metrics.json").write_text(json.dumps(short))
    with pytest.raises(InputError, match="1 epoch_seconds for the 2 epochs"):
        read_run(names["sgd"] / "history.csv", names["sgd"] / "metrics.json")


@pytest.mark.parametrize("target", [0.48, 0.3])  # 0.3: reached by none
def test_the_figures_are_written(tmp_path, target):
    table = optimizer_table(chosen_settings(summary()), RUNS, target)
    curves = [tmp_path / "curves.png", tmp_path / "curves.pdf"]
    plot_optimizer_curves(table, RUNS, curves)
    ranking = [tmp_path / "ranking.png", tmp_path / "ranking.pdf"]
    plot_optimizer_ranking(table, ranking, ["optimizer sgd: the best ... edge"])
    for png, pdf in (curves, ranking):
        assert png.read_bytes()[:4] == b"\x89PNG"
        assert pdf.read_bytes()[:4] == b"%PDF"


def test_momentum_and_adaptive_steps_outpace_plain_sgd_on_a_convex_problem():
    """Logistic regression (no hidden layer: a convex loss), every optimiser
    at the same learning rate 0.01. Momentum 0.9 (plain or Nesterov) makes
    the steps about ten times longer, and RMSprop, Adam and Nadam take steps
    of about the learning rate whatever the gradient's size: they reach the
    loss plain SGD ends at in a fraction of its epochs. Adagrad's steps
    shrink as its squared gradients add up: it falls behind plain SGD."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2000, 18)).astype("float32")
    labels = rng.random(2000) < 1 / (1 + np.exp(-x @ rng.normal(size=18)))
    y = labels.astype("float32")[:, None]
    epochs = 20

    def losses(name: str) -> np.ndarray:
        keras.utils.set_random_seed(0)
        model = build_model(18, [])
        model.compile(
            optimizer=make_optimizer(name, 0.01, momentum=0.9),
            loss="binary_crossentropy",
        )
        fit = model.fit(x, y, batch_size=100, epochs=epochs, shuffle=False, verbose=0)
        return np.array(fit.history["loss"])

    curves = {name: losses(name) for name in OPTIMIZERS}
    target = curves["sgd"][-1]
    for name in ("sgd_momentum", "nesterov", "rmsprop", "adam", "nadam"):
        reached = np.flatnonzero(curves[name] <= target)
        assert reached.size and reached[0] + 1 <= epochs // 4, name
    assert curves["adagrad"][-1] > target
