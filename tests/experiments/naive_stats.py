"""Float64 reference implementations of the correlations, written out plainly for the tests."""

import math

import numpy as np


def naive_pearson(x, y):
    n = len(x)
    mx, my = sum(x) / n, sum(y) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y))
    sxx = sum((a - mx) ** 2 for a in x)
    syy = sum((b - my) ** 2 for b in y)
    return sxy / math.sqrt(sxx * syy)


def naive_ranks(values):
    """1-based ranks, ties get the mean of the ranks they span."""
    ranks = []
    for v in values:
        below = sum(1 for w in values if w < v)
        equal = sum(1 for w in values if w == v)
        ranks.append(below + (equal + 1) / 2)
    return ranks


def naive_spearman(x, y):
    return naive_pearson(naive_ranks(x), naive_ranks(y))


def naive_partial(x, y, zs):
    """Partial correlation from the inverse of the correlation matrix of (x, y, z1, ...)."""
    variables = [x, y] + list(zs)
    k = len(variables)
    corr = np.array([[naive_pearson(variables[i], variables[j]) for j in range(k)] for i in range(k)])
    precision = np.linalg.inv(corr)
    return -precision[0, 1] / math.sqrt(precision[0, 0] * precision[1, 1])
