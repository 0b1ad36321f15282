"""Tests of the discrete information quantities against brute-force loops and closed forms."""

import itertools
import math
from collections import Counter

import numpy as np
import pytest

from mmalign_sk.information import (
    co_information,
    co_information_from_samples,
    conditional_mutual_information,
    conditional_mutual_information_from_samples,
    entropy,
    entropy_from_samples,
    joint_table,
    mutual_information,
    mutual_information_from_samples,
)


# ------------------------------------------------------------------------------------------
# naive references: explicit loops over every cell, dictionaries for marginals
# ------------------------------------------------------------------------------------------
def naive_marginal(p, axes):
    marg = {}
    for idx in itertools.product(*(range(k) for k in p.shape)):
        key = tuple(idx[a] for a in axes)
        marg[key] = marg.get(key, 0.0) + float(p[idx])
    return marg


def naive_entropy(p, axes, base=2.0):
    h = 0.0
    for prob in naive_marginal(p, axes).values():
        if prob > 0:
            h -= prob * math.log(prob, base)
    return h


def naive_mi(p, a, b):
    """I(A;B) = sum p(a,b) log p(a,b) / (p(a) p(b)), written as a double sum."""
    pab = naive_marginal(p, a + b)
    pa = naive_marginal(p, a)
    pb = naive_marginal(p, b)
    total = 0.0
    for key, prob in pab.items():
        if prob > 0:
            ka, kb = key[: len(a)], key[len(a):]
            total += prob * math.log2(prob / (pa[ka] * pb[kb]))
    return total


def naive_cmi(p, a, b, c):
    """I(A;B|C) = sum p(a,b,c) log p(c) p(a,b,c) / (p(a,c) p(b,c))."""
    pabc = naive_marginal(p, a + b + c)
    pac = naive_marginal(p, a + c)
    pbc = naive_marginal(p, b + c)
    pc = naive_marginal(p, c)
    total = 0.0
    for key, prob in pabc.items():
        if prob > 0:
            ka, kb, kc = key[: len(a)], key[len(a): len(a) + len(b)], key[len(a) + len(b):]
            total += prob * math.log2(pc[kc] * prob / (pac[ka + kc] * pbc[kb + kc]))
    return total


def random_table(rng, shape, sparsity=0.3):
    p = rng.random(shape)
    p[rng.random(shape) < sparsity] = 0.0  # exercise 0 log 0
    return p / p.sum()


GROUPINGS = [
    ((0,), (1,), (2,)),
    ((0, 3), (1,), (2,)),
    ((2,), (0, 1), (3,)),
    ((1, 3), (2,), (0,)),
]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_entropy_matches_loops_on_random_tables(seed):
    rng = np.random.default_rng(seed)
    p = random_table(rng, (2, 3, 4, 2))
    for axes in [(0,), (1,), (0, 2), (1, 2, 3), (0, 1, 2, 3)]:
        assert entropy(p, axes) == pytest.approx(naive_entropy(p, axes), abs=1e-12)
    assert entropy(p) == pytest.approx(naive_entropy(p, (0, 1, 2, 3)), abs=1e-12)
    assert entropy(p, 1, base=np.e) == pytest.approx(naive_entropy(p, (1,), math.e), abs=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("a,b,c", GROUPINGS)
def test_mi_cmi_coinformation_match_loops(seed, a, b, c):
    rng = np.random.default_rng(seed)
    p = random_table(rng, (3, 2, 3, 2))
    assert mutual_information(p, a, b) == pytest.approx(naive_mi(p, a, b), abs=1e-12)
    assert conditional_mutual_information(p, a, b, c) == pytest.approx(
        naive_cmi(p, a, b, c), abs=1e-12
    )
    co = naive_mi(p, a, b) - naive_cmi(p, a, b, c)
    assert co_information(p, a, b, c) == pytest.approx(co, abs=1e-12)
    # co-information is symmetric in its three arguments
    for perm in itertools.permutations((a, b, c)):
        assert co_information(p, *perm) == pytest.approx(co, abs=1e-12)


def test_axes_accept_ints_negative_indices_and_any_order():
    p = random_table(np.random.default_rng(5), (2, 3, 4))
    assert entropy(p, 2) == entropy(p, (2,)) == entropy(p, -1)
    assert entropy(p, (2, 0)) == pytest.approx(entropy(p, (0, 2)))
    assert mutual_information(p, [0], np.array([1, 2])) == pytest.approx(
        mutual_information(p, 0, (1, 2))
    )


def test_empty_conditioning_set_gives_mutual_information():
    p = random_table(np.random.default_rng(6), (3, 3, 2))
    assert conditional_mutual_information(p, 0, 1, ()) == pytest.approx(
        mutual_information(p, 0, 1), abs=1e-12
    )


def test_mutual_information_with_itself_is_entropy():
    p = random_table(np.random.default_rng(7), (4, 3))
    assert mutual_information(p, 0, 0) == pytest.approx(entropy(p, 0), abs=1e-12)


def test_independent_variables_have_zero_information():
    rng = np.random.default_rng(3)
    px, py, pz = (v / v.sum() for v in (rng.random(3), rng.random(4), rng.random(2)))
    p = np.einsum("i,j,k->ijk", px, py, pz)
    assert mutual_information(p, 0, 1) == pytest.approx(0.0, abs=1e-12)
    assert mutual_information(p, 0, (1, 2)) == pytest.approx(0.0, abs=1e-12)
    assert conditional_mutual_information(p, 0, 1, 2) == pytest.approx(0.0, abs=1e-12)
    assert co_information(p, 0, 1, 2) == pytest.approx(0.0, abs=1e-12)
    # and the entropy of the joint is the sum of the entropies
    h = sum(-(q * np.log2(q)).sum() for q in (px, py, pz))
    assert entropy(p) == pytest.approx(h, abs=1e-12)


def xor_table():
    p = np.zeros((2, 2, 2))
    for x1, x2 in itertools.product((0, 1), repeat=2):
        p[x1, x2, x1 ^ x2] = 0.25
    return p


def test_xor_is_pure_synergy():
    p = xor_table()
    assert mutual_information(p, 0, 2) == pytest.approx(0.0, abs=1e-12)
    assert mutual_information(p, 1, 2) == pytest.approx(0.0, abs=1e-12)
    assert mutual_information(p, (0, 1), 2) == pytest.approx(1.0, abs=1e-12)
    assert conditional_mutual_information(p, 0, 2, 1) == pytest.approx(1.0, abs=1e-12)
    assert co_information(p, 0, 1, 2) == pytest.approx(-1.0, abs=1e-12)


def test_copy_is_pure_redundancy():
    p = np.zeros((2, 2, 2))
    p[0, 0, 0] = p[1, 1, 1] = 0.5  # Y = X1 = X2, a fair bit
    assert mutual_information(p, 0, 2) == pytest.approx(1.0, abs=1e-12)
    assert mutual_information(p, 1, 2) == pytest.approx(1.0, abs=1e-12)
    assert mutual_information(p, (0, 1), 2) == pytest.approx(1.0, abs=1e-12)
    assert co_information(p, 0, 1, 2) == pytest.approx(1.0, abs=1e-12)


def test_uniform_entropy_and_base():
    p = np.full(8, 1 / 8)
    assert entropy(p) == pytest.approx(3.0)
    assert entropy(p, base=np.e) == pytest.approx(np.log(8))
    assert entropy(p, base=8) == pytest.approx(1.0)


def test_deterministic_table_has_zero_entropy():
    p = np.zeros((3, 3))
    p[1, 2] = 1.0
    assert entropy(p) == 0.0
    assert mutual_information(p, 0, 1) == 0.0


# ------------------------------------------------------------------------------------------
# samples
# ------------------------------------------------------------------------------------------
def test_joint_table_matches_counting():
    rng = np.random.default_rng(0)
    n = 500
    x = rng.integers(0, 3, n)
    y = rng.choice(np.array(["a", "b"]), n)
    z = rng.integers(0, 2, (n, 2))  # 2-D variable: rows are symbols
    table, values = joint_table(x, y, z)
    assert table.shape == (3, 2, 4)
    np.testing.assert_array_equal(values[0], [0, 1, 2])
    np.testing.assert_array_equal(values[1], ["a", "b"])
    np.testing.assert_array_equal(values[2], [[0, 0], [0, 1], [1, 0], [1, 1]])
    counts = Counter(zip(x.tolist(), y.tolist(), map(tuple, z.tolist())))
    for i, j, k in itertools.product(range(3), range(2), range(4)):
        key = (int(values[0][i]), str(values[1][j]), tuple(values[2][k].tolist()))
        assert table[i, j, k] == pytest.approx(counts.get(key, 0) / n, abs=1e-15)


def test_sample_functions_equal_table_functions_on_the_empirical_table():
    rng = np.random.default_rng(1)
    n = 400
    a = rng.integers(0, 3, n)
    b = (a + rng.integers(0, 2, n)) % 3
    c = rng.integers(0, 2, (n, 2))
    table, _ = joint_table(a, b, c)
    assert entropy_from_samples(a, b) == pytest.approx(entropy(table, (0, 1)), abs=1e-12)
    assert mutual_information_from_samples(a, b) == pytest.approx(
        mutual_information(table, 0, 1), abs=1e-12
    )
    assert conditional_mutual_information_from_samples(a, b, c) == pytest.approx(
        conditional_mutual_information(table, 0, 1, 2), abs=1e-12
    )
    assert co_information_from_samples(a, b, c) == pytest.approx(
        co_information(table, 0, 1, 2), abs=1e-12
    )


def test_stacked_columns_form_a_group():
    rng = np.random.default_rng(2)
    x = rng.integers(0, 2, (256, 2))
    y = x[:, 0] ^ x[:, 1]
    table, _ = joint_table(x[:, 0], x[:, 1], y)
    assert mutual_information_from_samples(x, y) == pytest.approx(
        mutual_information(table, (0, 1), 2), abs=1e-12
    )
    assert mutual_information_from_samples(x, y) == pytest.approx(entropy_from_samples(y))


# ------------------------------------------------------------------------------------------
# errors
# ------------------------------------------------------------------------------------------
def test_negative_entries_are_rejected():
    with pytest.raises(ValueError, match="p must be non-negative"):
        entropy(np.array([1.2, -0.2]))


def test_table_not_summing_to_one_is_rejected():
    with pytest.raises(ValueError, match="p must sum to 1.*0.9"):
        mutual_information(np.full((3, 3), 0.1), 0, 1)


def test_non_finite_and_non_numeric_tables_are_rejected():
    with pytest.raises(ValueError, match="NaN"):
        entropy(np.array([np.nan, 1.0]))
    with pytest.raises(TypeError, match="p must hold real numbers"):
        entropy(np.array(["a", "b"]))
    with pytest.raises(ValueError, match="non-empty"):
        entropy(np.array(1.0))


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        ({"axes_a": 3, "axes_b": 1}, ValueError, "axes_a contains axis 3, out of range"),
        ({"axes_a": 0, "axes_b": (1, -4)}, ValueError, "axes_b contains axis -4"),
        ({"axes_a": (0, 0), "axes_b": 1}, ValueError, "axes_a names the same axis twice"),
        ({"axes_a": (0, -3), "axes_b": 1}, ValueError, "axes_a names the same axis twice"),
        ({"axes_a": (), "axes_b": 1}, ValueError, "axes_a must name at least one axis"),
        ({"axes_a": 0.5, "axes_b": 1}, TypeError, "axes_a must be an int"),
        ({"axes_a": ("x",), "axes_b": 1}, TypeError, "axes_a must contain ints"),
        ({"axes_a": 0, "axes_b": True}, TypeError, "axes_b must be an int"),
    ],
)
def test_bad_axes_are_rejected(kwargs, error, match):
    p = np.full((2, 2, 2), 1 / 8)
    with pytest.raises(error, match=match):
        mutual_information(p, **kwargs)


def test_bad_base_is_rejected():
    with pytest.raises(ValueError, match="base must be a positive real number other than 1"):
        entropy(np.full(2, 0.5), base=1)
    with pytest.raises(ValueError, match="base"):
        entropy(np.full(2, 0.5), base=-2)


def test_mismatched_sample_counts_are_rejected():
    with pytest.raises(ValueError, match="same number of samples; got a has 4, b has 3"):
        mutual_information_from_samples([0, 1, 0, 1], [0, 1, 1])
    with pytest.raises(ValueError, match="variables\\[1\\] has 2"):
        joint_table([0, 1, 1], [0, 1])


def test_bad_samples_are_rejected():
    with pytest.raises(ValueError, match="a contains NaN"):
        mutual_information_from_samples([0.0, np.nan], [0, 1])
    with pytest.raises(ValueError, match="b must have shape"):
        mutual_information_from_samples([0, 1], np.zeros((2, 1, 1)))
    with pytest.raises(ValueError, match="at least one sample"):
        entropy_from_samples([])
    with pytest.raises(ValueError, match="at least one variable"):
        joint_table()
