"""Training the studies' models on a validation split: every candidate of a grid kept
(:func:`fit_candidates`), or trained to convergence, with early stopping on the validation split,
best weights restored, and the learning rate and weight decay chosen on the same split
(:func:`fit_converged`).

A fixed number of epochs is not a fair budget for a sweep of the alignment weight: a strong
alignment loss slows the task down (its InfoNCE term starts near ln(batch size), several times the
cross-entropy), so a budget that suits independent training stops strongly aligned models before
they have learned the task, while a budget that suits them lets the independent baseline overfit.
Every model of the strategic study therefore trains until the mean of its modalities' own
cross-entropies on a validation split has not improved for ``patience`` epochs (skorch's
``EarlyStopping`` with ``load_best=True``: the weights of the best epoch are restored), and every
alignment weight, 0 included, gets the same choice of learning rate and weight decay by that
validation loss.

Why the task loss and not the accuracy: a strongly aligned model can sit for dozens of epochs on
an accuracy plateau while its cross-entropy still falls, and then learn the task; stopping on the
accuracy ends such fits on the plateau (measured: at R = 4, lambda = 2, two of three seeds
stopped at 0.37 and 0.49 accuracy with a patience of 25 epochs, and reached 0.65 and 0.64 when
stopped on the loss). The alignment term is left out of the monitored loss, so every weight is
judged by the same quantity.
"""

import numpy as np
import torch
import torch.nn.functional as F
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.metrics import check_scoring
from sklearn.model_selection import ParameterGrid, PredefinedSplit
from skorch.callbacks import Callback, EarlyStopping
from skorch.dataset import ValidSplit

from .._checks import check_int
from ..datasets import paper_split

def split_indices(y, random_state):
    """Row indices of the 70 / 15 / 15 stratified split of :func:`~mmalign_sk.datasets.paper_split`."""
    index = np.arange(len(y))
    train, val, test, *_ = paper_split(index, y, random_state=random_state)
    return train, val, test


def train_then_validate(train, val):
    """``(rows, fold)``: the rows ``train`` then ``val``, and the one-fold
    :class:`~sklearn.model_selection.PredefinedSplit` that trains on the first and scores the second."""
    rows = np.concatenate([train, val])
    fold = PredefinedSplit(np.r_[np.full(len(train), -1), np.zeros(len(val), dtype=int)])
    return rows, fold


def fit_candidates(estimator, grid, X, y, train, val, scoring="accuracy", n_jobs=None):
    """Every candidate of ``grid`` fitted on the rows ``train`` and scored on the rows ``val``.

    This is what :class:`~sklearn.model_selection.GridSearchCV` does on a one-fold
    :class:`~sklearn.model_selection.PredefinedSplit` (train on ``train``, score on ``val``), but
    the fitted candidates (clones of ``estimator``, one per point of the
    :class:`~sklearn.model_selection.ParameterGrid` ``grid``) are kept: each is a model in its own
    right (the winner needs no refit), and the test rows are never seen. ``scoring`` is as in
    :func:`~sklearn.metrics.check_scoring`; ``n_jobs`` fits candidates in parallel (joblib).

    Returns
    -------
    candidates : list of dict
        ``{"params", "model", "val_score"}`` in the grid's order.
    best : int
        Index of the best validation score (the first among ties, as GridSearchCV ranks them).
    """
    scorer = check_scoring(estimator, scoring=scoring)

    def fit(params):
        model = clone(estimator).set_params(**params).fit(X[train], y[train])
        return model, float(scorer(model, X[val], y[val]))

    params = list(ParameterGrid(grid))
    if n_jobs in (None, 1) or len(params) == 1:
        fitted = [fit(p) for p in params]
    else:
        fitted = Parallel(n_jobs=n_jobs)(delayed(fit)(p) for p in params)
    candidates = [
        {"params": {k: _plain(v) for k, v in p.items()}, "model": model, "val_score": score}
        for p, (model, score) in zip(params, fitted)
    ]
    scores = np.array([c["val_score"] for c in candidates])
    best = int(np.flatnonzero(scores == np.nanmax(scores))[0]) if np.any(~np.isnan(scores)) else 0
    return candidates, best


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


#: The history column that the early stopping and the choice of hyper-parameters read.
MONITOR = "valid_unimodal_loss"
#: The history column of the mean unimodal validation accuracy.
ACCURACY = "valid_unimodal_acc"


class ValidUnimodalScores(Callback):
    """Record the modalities' mean validation cross-entropy and mean validation accuracy.

    Both come from the outputs of skorch's validation pass (no extra forward pass): for every
    modality ``m``, the cross-entropy of head ``m`` and the share of validation samples it
    classifies correctly; their means over the modalities go to
    ``history[:, "valid_unimodal_loss"]`` and ``history[:, "valid_unimodal_acc"]``.
    Classification only; needs a ``train_split``.
    """

    def on_epoch_begin(self, net, **kwargs):
        self.correct_, self.loss_, self.count_ = None, 0.0, 0

    def on_batch_end(self, net, batch=None, training=False, y_pred=None, **kwargs):
        if training or y_pred is None:
            return
        outputs = list(y_pred["output"].values())
        y = torch.as_tensor(batch[1]).to(outputs[0].device).long()
        correct = torch.stack([(out.argmax(dim=1) == y).sum() for out in outputs])
        self.correct_ = correct if self.correct_ is None else self.correct_ + correct
        self.loss_ += float(sum(F.cross_entropy(out.double(), y, reduction="sum")
                                for out in outputs)) / len(outputs)
        self.count_ += len(y)

    def on_epoch_end(self, net, **kwargs):
        if self.count_:
            net.history.record(MONITOR, self.loss_ / self.count_)
            net.history.record(ACCURACY, float(self.correct_.double().mean()) / self.count_)


def early_stopping_callbacks(patience):
    """The callbacks of a converged fit: validation scores and early stopping on the loss.

    ``EarlyStopping`` stops when the mean unimodal validation cross-entropy has not improved
    (strictly) for ``patience`` epochs and restores the weights of its best epoch (the first one,
    on ties).
    """
    patience = check_int(patience, "patience", 1)
    return [
        ("valid_unimodal", ValidUnimodalScores()),
        ("early_stopping", EarlyStopping(monitor=MONITOR, lower_is_better=True,
                                         patience=patience, threshold=0.0, load_best=True,
                                         sink=_silent)),
    ]


def _silent(*args, **kwargs):
    """EarlyStopping's message sink: say nothing (a module-level function pickles)."""


def fit_converged(estimator, X, y, train, val, grid, patience):
    """Train ``estimator`` to convergence for each candidate of ``grid``; keep the best on ``val``.

    Each candidate (a :class:`~sklearn.model_selection.ParameterGrid` point, e.g. learning rate
    and weight decay) is a clone of ``estimator`` trained on the rows ``train`` with early
    stopping on the rows ``val`` (see :func:`early_stopping_callbacks`); the one whose restored
    weights have the lowest validation loss wins (the first on ties). The test rows are never
    seen.

    Parameters
    ----------
    estimator : skorch estimator of mmalign_sk
        Its ``max_epochs`` is the cap of every fit.
    X : mapping of str to array
    y : array of shape (n,)
    train, val : array of int
        Row indices.
    grid : dict of str to list
        Hyper-parameter candidates (``{"lr": [...], "optimizer__weight_decay": [...]}``).
    patience : int

    Returns
    -------
    model : fitted estimator
        The winning candidate.
    info : dict
        ``params`` (the winner's), ``valid_loss`` and ``valid_acc`` (of its restored weights),
        ``epochs`` (trained), ``best_epoch`` (restored), ``stopped`` (``"patience"`` or
        ``"max_epochs"``: whether the cap ended the fit before the patience ran out) and
        ``candidates`` (the validation loss of every candidate, in grid order).
    """
    rows, fold = train_then_validate(np.asarray(train), np.asarray(val))
    X_fit, y_fit = X[rows], y[rows]
    best, best_info, scores = None, None, []
    for params in ParameterGrid(grid):
        model = clone(estimator).set_params(
            **params,
            train_split=ValidSplit(fold),
            callbacks=early_stopping_callbacks(patience),
            callbacks__valid_acc=None,  # the fused accuracy is not what we select on
        )
        model.fit(X_fit, y_fit)
        info = convergence_info(model, patience)
        scores.append(info["valid_loss"])
        if best is None or info["valid_loss"] < best_info["valid_loss"]:
            best, best_info = model, {"params": dict(params), **info}
    best_info["candidates"] = scores
    return best, best_info


def convergence_info(model, patience):
    """Validation loss and accuracy of the best epoch, epochs trained, best epoch, why it stopped.

    The best epoch is the first with the lowest validation loss: the one ``EarlyStopping``
    (threshold 0, strict improvement) restored.
    """
    losses = np.asarray(model.history[:, MONITOR], dtype=float)
    best_epoch = int(np.argmin(losses)) + 1
    epochs = len(losses)
    stopped = "patience" if epochs - best_epoch >= patience else "max_epochs"
    return {"valid_loss": float(losses[best_epoch - 1]),
            "valid_acc": float(model.history[best_epoch - 1, ACCURACY]),
            "epochs": epochs, "best_epoch": best_epoch, "stopped": stopped}
