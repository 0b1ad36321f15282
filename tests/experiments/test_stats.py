import math

import numpy as np
import pytest

from mmalign_sk.experiments._stats import (
    correlation,
    grouped_correlation,
    partial_correlation,
    spread,
)
from mmalign_sk.experiments import StudyTable

from naive_stats import naive_partial, naive_pearson, naive_ranks, naive_spearman


@pytest.fixture
def data():
    rng = np.random.RandomState(3)
    z = rng.randint(0, 4, size=40).astype(float)  # with ties, like heterogeneity depths
    w = rng.normal(size=40)
    x = 2 * z + rng.normal(size=40)
    y = -z + 0.5 * x + rng.normal(size=40) + 0.3 * w
    return x.tolist(), y.tolist(), z.tolist(), w.tolist()


def test_pearson_and_spearman_match_naive(data):
    x, y, z, _ = data
    assert correlation(x, y, "pearson") == pytest.approx(naive_pearson(x, y), abs=1e-12)
    assert correlation(x, y, "spearman") == pytest.approx(naive_spearman(x, y), abs=1e-12)
    # ties in z
    assert correlation(z, y) == pytest.approx(naive_spearman(z, y), abs=1e-12)
    assert correlation(x, y) == correlation(np.exp(x), y)  # ranks only


def test_partial_correlation_one_covariate_closed_form(data):
    x, y, z, _ = data
    rxy, rxz, ryz = naive_pearson(x, y), naive_pearson(x, z), naive_pearson(y, z)
    expected = (rxy - rxz * ryz) / math.sqrt((1 - rxz**2) * (1 - ryz**2))
    assert partial_correlation(x, y, z, "pearson") == pytest.approx(expected, abs=1e-10)
    rx, ry, rz = naive_ranks(x), naive_ranks(y), naive_ranks(z)
    assert partial_correlation(x, y, z) == pytest.approx(naive_partial(rx, ry, [rz]), abs=1e-10)


def test_partial_correlation_two_covariates(data):
    x, y, z, w = data
    got = partial_correlation(x, y, np.column_stack([z, w]), "pearson")
    assert got == pytest.approx(naive_partial(x, y, [z, w]), abs=1e-10)
    rx, ry, rz, rw = map(naive_ranks, (x, y, z, w))
    got = partial_correlation(x, y, np.column_stack([z, w]), "spearman")
    assert got == pytest.approx(naive_partial(rx, ry, [rz, rw]), abs=1e-10)


def test_partial_correlation_removes_a_shared_cause():
    # x and y both follow z and are otherwise independent: correlated, but not given z
    rng = np.random.RandomState(0)
    z = np.repeat(np.arange(5.0), 200)
    x, y = z + 0.3 * rng.normal(size=z.size), z + 0.3 * rng.normal(size=z.size)
    assert correlation(x, y, "pearson") > 0.9
    assert abs(partial_correlation(x, y, z, "pearson")) < 0.1


def test_undefined_correlations_are_nan():
    assert math.isnan(correlation([1, 2], [3, 4]))
    assert math.isnan(correlation([1, 1, 1], [1, 2, 3]))
    assert math.isnan(correlation([1, 2, 3], [5, 5, 5], "pearson"))
    # y is a function of z alone: nothing is left once z is removed
    z = [0, 1, 2, 3, 4, 5]
    assert math.isnan(partial_correlation([3, 1, 4, 1, 5, 9], [2 * v for v in z], z, "pearson"))
    # too few rows beyond the intercept and the covariate
    assert math.isnan(partial_correlation([1, 2, 3, 5], [2, 1, 4, 3], [0, 1, 0, 1]))


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: correlation([1, 2, 3], [1, 2], "pearson"), "same length"),
        (lambda: correlation([1, 2, 3], [1, 2, 3], "kendall"), "method"),
        (lambda: correlation([[1, 2, 3]], [1, 2, 3]), "x must be 1-D"),
        (lambda: partial_correlation([1, 2, 3, 4], [1, 2, 3, 4], [1, 2]), "covariates"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_grouped_correlation_and_spread():
    rows = [dict(g=g, x=i, y=(i if g == "a" else -i) + (0.5 if i == 2 else 0)) for g in "ab"
            for i in range(4)]
    rows.append(dict(g="c", x=1, y=1))
    got = grouped_correlation(StudyTable(rows), "x", "y", ("g",), "spearman")
    assert list(got) == [("a",), ("b",), ("c",)]
    assert got[("a",)] == (1.0, 4) and got[("b",)] == (-1.0, 4)
    assert math.isnan(got[("c",)][0]) and got[("c",)][1] == 1
    mean, sd, n = spread([v for v, _ in got.values()])
    assert (mean, sd, n) == (0.0, 1.0, 2)
    assert all(math.isnan(v) for v in spread([float("nan")])[:2])
