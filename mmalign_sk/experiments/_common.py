"""Pieces shared by the studies: progress bars, splits, model selection on a validation split,
rank correlations and cell keys."""

import numbers

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.metrics import check_scoring
from sklearn.model_selection import ParameterGrid, PredefinedSplit

from .._checks import check_int
from ..datasets import paper_split
from ._correlation import correlation


def progress_bar(total, desc, enabled):
    """A tqdm bar over ``total`` study cells (a silent stand-in when ``enabled`` is False)."""
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="cell", disable=not enabled, dynamic_ncols=True)


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


def cache_settings(settings):
    """The settings that change a cell's result (what a cache key holds): all but where it runs."""
    return {k: v for k, v in settings.items() if k not in ("device", "n_jobs")}


def fit_candidates(estimator, grid, X, y, train, val, scoring="accuracy", n_jobs=None):
    """Every candidate of ``grid`` fitted on the rows ``train`` and scored on the rows ``val``.

    This is what :class:`~sklearn.model_selection.GridSearchCV` does on a one-fold
    :class:`~sklearn.model_selection.PredefinedSplit` (train on ``train``, score on ``val``), but
    the fitted candidates are kept: each is a model in its own right (the winner needs no refit,
    it was trained on ``train`` alone), and the test rows are never seen.

    Parameters
    ----------
    estimator : estimator
        Cloned for every candidate.
    grid : dict or list of dict
        A :class:`~sklearn.model_selection.ParameterGrid` specification.
    X, y : indexable
    train, val : array of int
        Row indices.
    scoring : str or callable, default="accuracy"
        As in :func:`~sklearn.metrics.check_scoring`.
    n_jobs : int, optional
        Candidates fitted in parallel (joblib).

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


def spearman(x, y):
    """Spearman's rank correlation of two sequences; NaN when either is constant or too short."""
    return correlation(x, y, "spearman")


def nan_mean(values):
    """Mean of the non-NaN values; NaN (without a warning) when there are none."""
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    return float(values.mean()) if values.size else float("nan")


def nan_min(values):
    """Smallest non-NaN value; NaN (without a warning) when there are none."""
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    return float(values.min()) if values.size else float("nan")


def mean_by(table, keys, column):
    """``{key tuple: mean of column}`` over the rows of ``table`` grouped by ``keys``."""
    groups = {}
    for row in table:
        groups.setdefault(tuple(row[k] for k in keys), []).append(row[column])
    return {k: float(np.mean(v)) for k, v in groups.items()}


def check_values(values, name, check):
    """A non-empty list of the values, each passed through ``check(value, name)``."""
    if isinstance(values, (str, bytes)) or not np.iterable(values):
        values = [values]
    values = [check(v, name) for v in values]
    if not values:
        raise ValueError(f"{name} must not be empty.")
    return values


def check_seed_list(seeds, name="seeds"):
    """Seeds as a list of non-negative ints (an int n means ``range(n)``)."""
    if isinstance(seeds, numbers.Integral) and not isinstance(seeds, bool):
        return list(range(check_int(seeds, name, 1)))
    return check_values(seeds, name, lambda v, n: check_int(v, n, 0))


def check_positive_floats(values, name, allow_zero=True):
    """A non-empty list of finite floats > 0 (>= 0 with ``allow_zero``)."""

    def check(value, n):
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"{n} must hold real numbers; got {value!r}.")
        value = float(value)
        if not np.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
            bound = ">= 0" if allow_zero else "> 0"
            raise ValueError(f"{n} must hold finite numbers {bound}; got {value}.")
        return value

    return check_values(values, name, check)


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


def paired_difference(a, b):
    """Mean and standard error of the paired differences ``a - b`` (one pair per replicate).

    ``se = sd(a - b) / sqrt(n)`` with the sample standard deviation (``ddof=1``); NaN with fewer
    than two pairs. Pairing removes what the two sides share (here: the replicate's sample of
    data and its initialisation), so it is the right error for "is lambda better than 0".

    Examples
    --------
    >>> from mmalign_sk.experiments._common import paired_difference
    >>> paired_difference([0.70, 0.72, 0.74], [0.68, 0.71, 0.70])
    (0.0233..., 0.0088...)
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.ndim != 1 or a.shape != b.shape or a.size == 0:
        raise ValueError(
            f"a and b must be equally long non-empty sequences; got shapes {a.shape} and {b.shape}."
        )
    d = a - b
    se = float(d.std(ddof=1) / np.sqrt(d.size)) if d.size > 1 else float("nan")
    return float(d.mean()), se
