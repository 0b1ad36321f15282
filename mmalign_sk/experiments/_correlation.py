"""Correlations for the studies' summaries: Pearson or Spearman, within groups of a table, and
partial correlations that remove the linear effect of covariates."""

import numpy as np
from scipy.stats import rankdata

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
