"""Training to convergence: the validation scores callback, early stopping with the best
weights restored, and the choice of learning rate on the validation rows."""

import numpy as np
import pytest
from sklearn.metrics import accuracy_score

from mmalign_sk.datasets import make_interaction_dataset
from mmalign_sk.estimators import AlignedContrastiveClassifier
from mmalign_sk.experiments._training import (
    ACCURACY,
    MONITOR,
    convergence_info,
    fit_converged,
)

TRAIN, VAL = np.arange(0, 384), np.arange(384, 640)


@pytest.fixture(scope="module")
def data():
    return make_interaction_dataset("mixed", n_samples=640, random_state=3)


def _estimator(**params):
    return AlignedContrastiveClassifier(("x1", "x2"), encoder__depth=2, batch_size=128,
                                        alignment_weight=0.5, device="cpu", random_state=0,
                                        **params)


@pytest.fixture(scope="module")
def converged(data):
    return fit_converged(_estimator(max_epochs=200), data.X, data.y, TRAIN, VAL,
                         {"lr": [1e-3, 3e-2]}, patience=4)


def _valid_scores(model, data):
    """Mean over modalities of the validation cross-entropy (float64) and accuracy."""
    X, y = data.X[VAL], data.y[VAL]
    losses, accs = [], []
    for m in ("x1", "x2"):
        proba = np.asarray(model.predict_proba(X, modality=m), dtype=np.float64)
        losses.append(-np.mean(np.log(proba[np.arange(len(y)), y])))
        accs.append(accuracy_score(y, model.predict(X, modality=m)))
    return np.mean(losses), np.mean(accs)


def test_best_weights_are_restored(converged, data):
    model, info = converged
    history = np.asarray(model.history[:, MONITOR])
    loss, acc = _valid_scores(model, data)
    # the restored model has, on the validation rows, the lowest loss of its history
    assert loss == pytest.approx(history.min(), rel=1e-5)
    assert info["valid_loss"] == history.min()
    assert info["best_epoch"] == int(np.argmin(history)) + 1
    assert acc == info["valid_acc"] == model.history[info["best_epoch"] - 1, ACCURACY]
    # it stopped because the loss had not improved for `patience` epochs, not at the cap
    assert info["stopped"] == "patience"
    assert info["epochs"] - info["best_epoch"] == 4 < 200
    assert np.all(history[info["best_epoch"]:] >= history.min())


def test_the_candidate_with_the_lowest_validation_loss_wins(converged, data):
    model, info = converged
    assert len(info["candidates"]) == 2
    assert info["valid_loss"] == min(info["candidates"])
    winner = int(np.argmin(info["candidates"]))
    assert info["params"] == {"lr": [1e-3, 3e-2][winner]}
    assert model.lr == info["params"]["lr"]
    # each candidate alone, trained the same way, reaches the recorded validation accuracy
    alone, alone_info = fit_converged(_estimator(max_epochs=200), data.X, data.y, TRAIN, VAL,
                                      {"lr": [info["params"]["lr"]]}, patience=4)
    assert alone_info["valid_loss"] == info["valid_loss"]


def test_the_cap_is_reported(data):
    model, info = fit_converged(_estimator(max_epochs=3, lr=1e-3), data.X, data.y, TRAIN, VAL,
                                {"optimizer__weight_decay": [0.0]}, patience=50)
    assert info["epochs"] == 3 and info["stopped"] == "max_epochs"
    assert convergence_info(model, 50) == {k: info[k] for k in ("valid_loss", "valid_acc",
                                                                "epochs", "best_epoch", "stopped")}
    assert model.optimizer__weight_decay == 0.0


def test_bad_patience(data):
    with pytest.raises(ValueError, match="patience"):
        fit_converged(_estimator(max_epochs=2), data.X, data.y, TRAIN, VAL, {"lr": [1e-3]}, 0)
