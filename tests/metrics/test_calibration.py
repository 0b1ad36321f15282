"""Permutation calibration: fast nulls against recomputation, validity of the p-values, the chance
level of mutual kNN, the max-aware null of layer pairs, bootstrap draws and bad input."""

import numpy as np
import pytest
import torch
from scipy import stats
from sklearn.utils import check_random_state

from mmalign_sk.metrics import (
    AlignmentMetric,
    alignment_test,
    chance_level,
    get_metric,
    layerwise_alignment,
    list_metrics,
)
from mmalign_sk.metrics._calibration import calibrated_score, draw_seed, p_value, permutations, threshold

KNN = ("mutual_knn", "cycle_knn", "lcs_knn", "edit_distance_knn")


def _cases():
    for name in list_metrics():
        params = {"cca_dim": 4} if name == "svcca" else {}
        if name in KNN or name == "cknna":
            params["topk"] = 5
        yield name, params
        if name in ("cka", "unbiased_cka"):
            yield name, {"kernel": "rbf", "sigma": 0.8}


def _pair(n=50, seed=0):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(n, 8))
    B = np.hstack([A[:, :3], rng.normal(size=(n, 3))]) + 0.5 * rng.normal(size=(n, 6))
    return A, B


def _brute_force_null(name, params, A, B, n_permutations, random_state):
    """K recomputations of the metric on B with its rows permuted by the test's permutations."""
    seed = draw_seed(check_random_state(random_state))
    metric = get_metric(name, **params)
    return np.array([metric(A, B[perm.numpy()])
                     for perm in permutations(A.shape[0], n_permutations, seed)])


@pytest.mark.parametrize("name, params", list(_cases()), ids=lambda v: str(v))
def test_fast_null_equals_recomputation(name, params):
    A, B = _pair()
    result = alignment_test(A, B, name, n_permutations=12, alpha=0.5, random_state=3, **params)
    brute = _brute_force_null(name, params, A, B, 12, 3)
    assert result.score == get_metric(name, **params)(A, B)
    if name in KNN:
        np.testing.assert_array_equal(result.null, brute)  # relabelled lists, no ties: exact
    else:
        np.testing.assert_allclose(result.null, brute, rtol=0, atol=2e-6)


def test_permuting_a_copy_of_a_gives_the_permutation_back():
    """A null draw of (A, A) is the metric of A against A with permuted rows, which only the
    identity permutation makes perfect: no draw of a 40-row test reaches 1."""
    A, _ = _pair(40)
    result = alignment_test(A, A, "mutual_knn", topk=5, n_permutations=50, random_state=0)
    assert result.score == 1.0 and result.null.max() < 0.5 and result.p_value == 1 / 51


def test_threshold_matches_p_value_and_calibrated_formula():
    rng = np.random.default_rng(0)
    for K, alpha in [(19, 0.05), (99, 0.05), (200, 0.1), (50, 0.3)]:
        null = rng.integers(0, 20, K) / 20.0  # with ties
        cut = threshold(null, alpha)
        for score in np.linspace(0.0, 1.0, 41):
            expected_p = (1 + sum(v >= score for v in null)) / (K + 1)
            assert p_value(null, score) == pytest.approx(expected_p)
            assert (score > cut) == (expected_p <= alpha)
            expected = max(0.0, (score - cut) / (1.0 - cut)) if cut < 1.0 else 0.0
            assert calibrated_score(score, cut, 1.0) == pytest.approx(expected)


@pytest.fixture
def one_thread():
    """Thousands of tiny products: one thread avoids waking a pool for each (results unchanged)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.parametrize("name, params", [("cka", {}), ("svcca", {"cca_dim": 2})])
def test_p_values_are_uniform_under_independence(name, params, one_thread):
    """Randomised p-values p - u / (K + 1) (u uniform) are exactly uniform under the null
    (exchangeable draws, no ties); the calibrated score is 0 in at least 1 - alpha of problems
    up to Monte-Carlo error."""
    rng = np.random.default_rng(1)
    K, alpha, problems = 39, 0.05, 150
    p, calibrated = [], []
    for seed in range(problems):
        A, B = rng.normal(size=(20, 4)), rng.normal(size=(20, 3))
        result = alignment_test(A, B, name, n_permutations=K, alpha=alpha, random_state=seed,
                                **params)
        p.append(result.p_value - rng.uniform() / (K + 1))
        calibrated.append(result.calibrated_score)
    assert stats.kstest(p, "uniform").pvalue > 0.01
    zero_share = np.mean(np.array(calibrated) == 0.0)
    # P(calibrated > 0) = P(p <= alpha) = alpha exactly: 3 binomial standard deviations
    assert zero_share >= 1 - alpha - 3 * np.sqrt(alpha * (1 - alpha) / problems)


@pytest.mark.parametrize("name, params", [("mutual_knn", {"topk": 3}), ("unbiased_cka", {})])
def test_p_values_are_valid_under_independence(name, params, one_thread):
    """Mutual kNN scores are discrete and unbiased CKA is 0 whenever the cross HSIC is negative:
    ties with the null make p-values conservative, P(p <= alpha) <= alpha up to Monte-Carlo
    error."""
    rng = np.random.default_rng(2)
    problems, alpha = 120, 0.1
    rejected = [alignment_test(rng.normal(size=(25, 4)), rng.normal(size=(25, 4)), name,
                               n_permutations=19, alpha=alpha, random_state=s, **params).significant
                for s in range(problems)]
    assert np.mean(rejected) <= alpha + 3 * np.sqrt(alpha * (1 - alpha) / problems)


def test_mutual_knn_null_mean_is_topk_over_n_minus_1():
    """Given row i's image under a uniform permutation, its relabelled B-list is a uniform
    k-subset of the other n - 1 rows, so E|N_A(i) & list| = k^2 / (n - 1): the null mean is
    topk / (n - 1). The mean of K draws is within 4 standard errors of it."""
    rng = np.random.default_rng(0)
    n, topk, K = 120, 7, 400
    A, B = rng.normal(size=(n, 6)), np.tanh(rng.normal(size=(n, 5)))
    result = alignment_test(A, B, "mutual_knn", topk=topk, n_permutations=K, random_state=0)
    assert abs(result.null_mean - topk / (n - 1)) < 4 * result.null_std / np.sqrt(K)
    assert chance_level(A, B, "mutual_knn", topk=topk, n_permutations=K, random_state=0) == \
        pytest.approx(result.null_mean)


@pytest.mark.parametrize("name, params", [("mutual_knn", {"topk": 5}), ("unbiased_cka", {}),
                                          ("svcca", {"cca_dim": 3}), ("cknna", {"topk": 5})])
def test_planted_signal_is_detected(name, params):
    A, B = _pair(80, seed=4)
    result = alignment_test(A, B, name, n_permutations=99, random_state=0, **params)
    assert result.p_value == 0.01 and result.significant
    assert result.calibrated_score == pytest.approx(
        (result.score - result.threshold) / (1.0 - result.threshold))
    assert result.score > result.threshold > result.null_mean


def test_lcs_calibrated_score_is_scaled_by_topk():
    A, B = _pair(60, seed=5)
    result = alignment_test(A, B, "lcs_knn", topk=6, n_permutations=49, random_state=0)
    assert result.score_range == (0.0, 6.0)
    assert result.calibrated_score == pytest.approx(
        (result.score - result.threshold) / (6.0 - result.threshold))


def test_random_state_reproduces():
    A, B = _pair(40)
    first = alignment_test(A, B, "cycle_knn", topk=4, n_permutations=30, random_state=7)
    again = alignment_test(A, B, "cycle_knn", topk=4, n_permutations=30, random_state=7)
    other = alignment_test(A, B, "cycle_knn", topk=4, n_permutations=30, random_state=8)
    np.testing.assert_array_equal(first.null, again.null)
    assert not np.array_equal(first.null, other.null)


def test_torch_input_gives_the_numpy_result():
    A, B = _pair(40)
    from_numpy = alignment_test(A, B, "unbiased_cka", n_permutations=20, random_state=0)
    from_torch = alignment_test(torch.from_numpy(A), torch.from_numpy(B), "unbiased_cka",
                                n_permutations=20, random_state=0)
    np.testing.assert_allclose(from_torch.null, from_numpy.null, atol=1e-7)


@pytest.mark.gpu
@pytest.mark.parametrize("name, params", [("mutual_knn", {"topk": 5}), ("cka", {"kernel": "rbf"}),
                                          ("cknna", {"topk": 5}), ("svcca", {"cca_dim": 3})])
def test_cuda_null_equals_cpu_null(name, params):
    A, B = _pair(60)
    cpu = alignment_test(A, B, name, n_permutations=20, random_state=0, device="cpu", **params)
    cuda = alignment_test(torch.from_numpy(A).cuda(), torch.from_numpy(B).cuda(), name,
                          n_permutations=20, random_state=0, **params)
    np.testing.assert_allclose(cuda.null, cpu.null, atol=1e-5)


def test_metric_without_fast_null_is_recomputed():
    class MeanCosine(AlignmentMetric):
        name = "mean_cosine"

        def represent(self, X):
            return X

        def compare(self, rep_a, rep_b):
            return float((rep_a * rep_b).sum(dim=1).mean())

    rng = np.random.default_rng(0)
    A = rng.normal(size=(30, 4))
    B = A + 0.1 * rng.normal(size=(30, 4))
    result = alignment_test(A, B, MeanCosine(), n_permutations=19, random_state=0)
    seed = draw_seed(check_random_state(0))
    expected = [MeanCosine()(A, B[perm.numpy()]) for perm in permutations(30, 19, seed)]
    np.testing.assert_allclose(result.null, expected, rtol=0, atol=1e-7)
    assert result.p_value == 1 / 20


def test_layerwise_null_of_the_maximum():
    rng = np.random.default_rng(0)
    h = rng.normal(size=(60, 6))
    layers_A = [h, np.tanh(h @ rng.normal(size=(6, 6)))]
    layers_B = [rng.normal(size=(60, 4)), h[:, :3] + rng.normal(size=(60, 3)), rng.normal(size=(60, 5))]
    result = layerwise_alignment(layers_A, layers_B, "mutual_knn", topk=5, n_permutations=40,
                                 random_state=2)
    pair_nulls = np.array([[alignment_test(a, b, "mutual_knn", topk=5, n_permutations=40,
                                           random_state=2).null for b in layers_B] for a in layers_A])
    # the same permutation in every pair: the null of the maximum is the maximum of the pairs' nulls
    np.testing.assert_array_equal(result.null_max, pair_nulls.max(axis=(0, 1)))
    assert (result.null_max[None, None, :] >= pair_nulls).all()
    assert result.p_value == p_value(result.null_max, result.max)
    np.testing.assert_allclose(result.p_values, [[p_value(result.null_max, s) for s in row]
                                                 for row in result.scores])
    np.testing.assert_array_equal(result.significant, result.p_values <= 0.05)
    assert result.calibrated_max == calibrated_score(result.max, result.threshold, 1.0)
    assert result.chance_max >= pair_nulls.mean(axis=2).max()


def test_layerwise_without_permutations_has_no_test():
    result = layerwise_alignment([np.eye(5)], [np.eye(5)], "cka")
    with pytest.raises(AttributeError, match="n_permutations"):
        result.p_value


def _boot_rng(random_state):
    rng = check_random_state(random_state)
    draw_seed(rng)  # the permutations' seed comes first
    return np.random.default_rng(draw_seed(rng))


def test_knn_interval_recomputes_on_half_samples():
    A, B = _pair(70, seed=1)
    result = alignment_test(A, B, "mutual_knn", topk=5, n_permutations=19, n_bootstraps=6,
                            random_state=0)
    rng = _boot_rng(0)
    expected = []
    for _ in range(6):
        rows = rng.permutation(70)[:35]
        expected.append(get_metric("mutual_knn", topk=5)(A[rows], B[rows]))
    np.testing.assert_array_equal(result.bootstrap, expected)
    deviations = np.array(expected) - np.mean(expected)
    np.testing.assert_allclose(result.ci, result.score + np.quantile(deviations, [0.025, 0.975]))


def test_cka_interval_recomputes_on_resampled_rows():
    A, B = _pair(50, seed=2)
    result = alignment_test(A, B, "cka", n_permutations=19, n_bootstraps=5, alpha=0.1, random_state=0)
    rng = _boot_rng(0)
    expected = []
    for _ in range(5):
        rows = rng.integers(0, 50, 50)
        expected.append(get_metric("cka")(A[rows], B[rows]))
    np.testing.assert_allclose(result.bootstrap, expected, atol=1e-6)
    deviations = result.bootstrap - result.bootstrap.mean()
    np.testing.assert_allclose(result.ci, result.score + np.quantile(deviations, [0.05, 0.95]))


def test_bad_input():
    A, B = _pair(30)
    with pytest.raises(ValueError, match="n_permutations must be >= 1"):
        alignment_test(A, B, n_permutations=0)
    with pytest.raises(ValueError, match="n_permutations must be >= 19 for alpha=0.05"):
        alignment_test(A, B, n_permutations=10)
    for alpha in (0.0, 1.0, 1.5):
        with pytest.raises(ValueError, match="alpha must be"):
            alignment_test(A, B, n_permutations=100, alpha=alpha)
    with pytest.raises(ValueError, match="at least 3 samples"):
        alignment_test(A[:2], B[:2], "cka", n_permutations=20)
    with pytest.raises(ValueError, match="topk"):
        alignment_test(A[:5], B[:5], "mutual_knn", topk=10, n_permutations=20)
    with pytest.raises(ValueError, match="unknown metric 'nope'"):
        alignment_test(A, B, "nope", n_permutations=20)
    with pytest.raises(ValueError, match="contract='samples'.*undefined"):
        alignment_test(A[:, :6], B, "cmd", contract="samples", n_permutations=20)
    with pytest.raises(ValueError, match="half of the rows .15 of 30.*topk"):
        alignment_test(A, B, "cknna", topk=15, n_permutations=20, n_bootstraps=10)

    class Plain(AlignmentMetric):
        name = "plain"

        def represent(self, X):
            return X

        def compare(self, rep_a, rep_b):
            return 0.0

    with pytest.raises(ValueError, match="plain needs n_bootstraps=0"):
        alignment_test(A, B, Plain(), n_permutations=20, n_bootstraps=10)
    with pytest.raises(ValueError, match="n_bootstraps must be >= 0"):
        alignment_test(A, B, n_permutations=20, n_bootstraps=-1)
    with pytest.raises(ValueError, match="n_permutations must be >= 1"):
        layerwise_alignment([A], [B], n_permutations=0)
