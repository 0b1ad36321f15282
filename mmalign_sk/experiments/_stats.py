"""Statistics of the studies' summaries: Pearson or Spearman correlations (within groups of a
table, partial ones that remove the linear effect of covariates), paired differences with their
standard errors, and NaN-aware means."""

import numpy as np

from .._checks import check_option

METHODS = ("spearman", "pearson")


def _as_vector(values, name):
    values = np.asarray(values, dtype=float)
    if values.ndim != 1:
        raise ValueError(f"{name} must be 1-D; got shape {values.shape}.")
    return values


def _pearson(x, y):
    x, y = x - x.mean(), y - y.mean()
    denom = np.sqrt((x @ x) * (y @ y))
    if denom == 0:
        return float("nan")
    return float(np.clip((x @ y) / denom, -1.0, 1.0))


def correlation(x, y, method="spearman"):
    """Pearson's or Spearman's correlation of two sequences.

    NaN when there are fewer than 3 pairs or either sequence is constant (the correlation is
    undefined there). Spearman's rho is Pearson's correlation of the ranks (ties get their mean
    rank).

    Parameters
    ----------
    x, y : array-like of shape (n,)
    method : {"spearman", "pearson"}, default="spearman"

    Returns
    -------
    float
    """
    check_option(method, "method", METHODS)
    x, y = _as_vector(x, "x"), _as_vector(y, "y")
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same length; got {x.size} and {y.size}.")
    if x.size < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return float("nan")
    if method == "spearman":
        from scipy.stats import rankdata

        x, y = rankdata(x), rankdata(y)
    return _pearson(x, y)


def partial_correlation(x, y, covariates, method="spearman"):
    """Correlation of ``x`` and ``y`` once the linear effect of ``covariates`` is removed.

    Both are regressed on the covariates (least squares with an intercept) and the residuals are
    correlated (Pearson). With ``method="spearman"`` x, y and every covariate are replaced by
    their ranks first (the rank partial correlation). NaN when fewer than 3 pairs remain beyond
    the fitted coefficients or a residual is constant.

    Parameters
    ----------
    x, y : array-like of shape (n,)
    covariates : array-like of shape (n,) or (n, k)
    method : {"spearman", "pearson"}, default="spearman"

    Returns
    -------
    float
    """
    check_option(method, "method", METHODS)
    x, y = _as_vector(x, "x"), _as_vector(y, "y")
    z = np.asarray(covariates, dtype=float)
    z = z[:, None] if z.ndim == 1 else z
    if z.ndim != 2 or len(z) != x.size or y.size != x.size:
        raise ValueError(
            f"x, y and the rows of covariates must have the same length; got {x.size}, {y.size} "
            f"and covariates of shape {np.shape(covariates)}."
        )
    if method == "spearman":
        from scipy.stats import rankdata

        x, y = rankdata(x), rankdata(y)
        z = np.column_stack([rankdata(column) for column in z.T]) if z.size else z
    design = np.column_stack([np.ones(x.size), z])
    if x.size - np.linalg.matrix_rank(design) < 3:
        return float("nan")
    xy = np.column_stack([x, y])
    coef, *_ = np.linalg.lstsq(design, xy, rcond=None)
    residuals = xy - design @ coef
    # a variable the covariates explain entirely leaves rounding noise, not a residual
    left = np.linalg.norm(residuals, axis=0) / np.maximum(np.linalg.norm(xy - xy.mean(0), axis=0), 1e-300)
    if np.any(left < 1e-10):
        return float("nan")
    return _pearson(residuals[:, 0], residuals[:, 1])


def grouped_correlation(table, x, y, by, method="spearman"):
    """``{group key: (correlation of columns x and y over the group's rows, n rows)}``.

    Groups are the distinct values of the columns ``by`` (a tuple key, in order of first
    appearance).
    """
    groups = {}
    for row in table:
        groups.setdefault(tuple(row[k] for k in by), []).append((row[x], row[y]))
    return {
        key: (correlation(*np.asarray(pairs, dtype=float).T, method=method), len(pairs))
        for key, pairs in groups.items()
    }


def spread(values):
    """``(mean, standard deviation, number)`` of the non-NaN values (NaNs when there are none;
    the deviation is 0 for one value)."""
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    if not values.size:
        return float("nan"), float("nan"), 0
    return float(values.mean()), float(values.std()), int(values.size)


def spearman(x, y):
    """Spearman's rank correlation of two sequences; NaN when either is constant or too short."""
    return correlation(x, y, "spearman")


def nan_mean(values):
    """Mean of the non-NaN values; NaN (without a warning) when there are none."""
    return spread(values)[0]


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


def paired_difference(a, b):
    """Mean and standard error of the paired differences ``a - b`` (one pair per replicate).

    ``se = sd(a - b) / sqrt(n)`` with the sample standard deviation (``ddof=1``); NaN with fewer
    than two pairs. Pairing removes what the two sides share (here: the replicate's sample of
    data and its initialisation), so it is the right error for "is lambda better than 0".

    Examples
    --------
    >>> from mmalign_sk.experiments._stats import paired_difference
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
