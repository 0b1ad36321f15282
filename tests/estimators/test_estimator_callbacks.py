import numpy as np
import pytest
from skorch.callbacks import EarlyStopping, LRScheduler
from skorch.dataset import ValidSplit
from torch.optim.lr_scheduler import StepLR

from mmalign_sk.estimators import AlignedContrastiveClassifier, UnimodalRegressor
from estimator_testing import one_torch_thread, data  # noqa: F401 (fixtures)

SMALL = dict(encoder__depth=2, batch_size=64, random_state=0)


def test_early_stopping_on_the_seeded_validation_split(data):
    X, y = data
    # lr=0: the validation loss never improves, so training stops after patience + 1 epochs
    est = AlignedContrastiveClassifier(
        lr=0.0, max_epochs=20, train_split=ValidSplit(0.25, random_state=0),
        callbacks=[EarlyStopping(patience=2)], **SMALL).fit(X, y)
    assert len(est.history_) == 3
    assert {"valid_loss", "valid_acc", "valid_align_loss"} <= set(est.history_[-1])
    # valid_acc is the accuracy of the default prediction on the held-out quarter
    assert 0.0 <= est.history_[-1]["valid_acc"] <= 1.0


def test_valid_acc_matches_an_independent_computation(data):
    X, y = data
    labels = np.array([10, 20, 30, 40])[y]  # labels that are not class indices
    split = ValidSplit(0.25, stratified=True, random_state=0)
    est = AlignedContrastiveClassifier(lr=1e-2, max_epochs=2, train_split=split,
                                       **SMALL).fit(X, labels)
    _, valid = split(np.arange(len(labels)), labels)
    idx = np.asarray(valid.indices)
    expected = np.mean(est.predict(X[idx]) == labels[idx])
    assert est.history_[-1]["valid_acc"] == pytest.approx(expected)


def test_lr_scheduler_changes_the_learning_rate(data):
    X, y = data
    est = AlignedContrastiveClassifier(
        lr=0.1, max_epochs=4, callbacks=[LRScheduler(policy=StepLR, step_size=1, gamma=0.5)],
        **SMALL).fit(X, y)
    assert est.optimizer_.param_groups[0]["lr"] == pytest.approx(0.1 * 0.5 ** 4)


def test_progress_bar_and_verbose_output(data, capsys):
    X, y = data
    UnimodalRegressor(modality="x1", max_epochs=2, progress_bar=True, verbose=1,
                      **SMALL).fit(X, y.astype(float))
    captured = capsys.readouterr()
    assert "train_loss" in captured.out  # skorch's per-epoch table
    assert "it/s" in captured.err or "%" in captured.err  # tqdm's bar
    UnimodalRegressor(modality="x1", max_epochs=2, **SMALL).fit(X, y.astype(float))
    quiet = capsys.readouterr()
    assert quiet.out == "" and quiet.err == ""
