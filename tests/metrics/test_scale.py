"""Any finite input gives the right value: metrics invariant to scaling a whole matrix are computed
on it divided by a power of two, so values beyond float32 or tiny ones do not overflow/underflow."""

import numpy as np
import pytest
import torch

from mmalign_sk.metrics import (
    clip_outliers,
    cka,
    cmd,
    get_metric,
    list_metrics,
    mutual_knn,
    normalize_rows,
    preprocess,
    svcca,
)


def _data(n=60, seed=0):
    rng = np.random.default_rng(seed)
    Z = rng.normal(size=(n, 4))
    A = Z @ rng.normal(size=(4, 12)) + 0.5 * rng.normal(size=(n, 12))
    B = np.tanh(Z @ rng.normal(size=(4, 8))) + 0.5 * rng.normal(size=(n, 8))
    return A, B


def naive_linear_cka(A, B):
    """Biased linear CKA from the n x n Gram matrices, in float64."""
    n = A.shape[0]
    H = np.eye(n) - 1.0 / n
    K, L = A @ A.T, B @ B.T
    hsic = lambda K, L: np.trace(K @ H @ L @ H)  # noqa: E731
    return hsic(K, L) / np.sqrt(hsic(K, K) * hsic(L, L))


def naive_rbf_cka(A, B, sigma):
    n = A.shape[0]
    H = np.eye(n) - 1.0 / n

    def kernel(X):
        d = ((X[:, None, :] - X[None, :, :]) ** 2).sum(-1)
        return np.exp(-d / (2 * sigma ** 2))

    K, L = kernel(A), kernel(B)
    hsic = lambda K, L: np.trace(K @ H @ L @ H)  # noqa: E731
    return hsic(K, L) / np.sqrt(hsic(K, K) * hsic(L, L))


def naive_preprocess(X, q=0.95):
    t = np.quantile(np.abs(X), q)
    X = np.clip(X, -t, t)
    return X / np.linalg.norm(X, axis=1, keepdims=True)


def naive_mutual_knn(A, B, k):
    def knn(X):
        S = X @ X.T
        np.fill_diagonal(S, -np.inf)
        return [set(np.argsort(-row, kind="stable")[:k]) for row in S]

    return float(np.mean([len(a & b) / k for a, b in zip(knn(A), knn(B))]))


def naive_svcca(A, B, k):
    def basis(X):
        X = X - X.mean(0)
        X = X / X.std(0)
        return np.linalg.svd(X, full_matrices=False)[0][:, :k]

    return float(np.linalg.svd(basis(A).T @ basis(B), compute_uv=False).mean())


@pytest.mark.parametrize("factor", [1e30, 1e-30])
def test_cka_of_scaled_float32_matrix_without_preprocessing(factor):
    A, B = _data()
    expected = naive_linear_cka(A, B)
    A32 = (A * factor).astype(np.float32)
    assert np.isfinite(A32).all()
    got = cka(A32, B, clip_quantile=None, normalize=False)
    assert got == pytest.approx(expected, abs=1e-5)


@pytest.mark.parametrize("factor", [1e39, 1e-39, 1e300, 1e-300])
def test_float64_input_beyond_float32_range(factor):
    A, B = _data()
    assert cka(A * factor, B, clip_quantile=None, normalize=False) == pytest.approx(
        naive_linear_cka(A, B), abs=1e-5)
    Ap, Bp = naive_preprocess(A), naive_preprocess(B)
    assert cka(A * factor, B) == pytest.approx(naive_linear_cka(Ap, Bp), abs=1e-5)
    assert mutual_knn(A * factor, B, topk=5) == pytest.approx(naive_mutual_knn(Ap, Bp, 5),
                                                              abs=1e-12)
    assert svcca(A * factor, B, cca_dim=4) == pytest.approx(naive_svcca(Ap, Bp, 4), abs=1e-5)


def test_tiny_matrix_rows_are_not_clamped():
    # row norms around 1e-30: normalisation must still give unit rows
    A, B = _data()
    Ap, Bp = naive_preprocess(A), naive_preprocess(B)
    assert cka(A * 1e-30, B) == pytest.approx(naive_linear_cka(Ap, Bp), abs=1e-5)
    rows = normalize_rows(torch.tensor([[3e-30, 4e-30], [0.0, 0.0]], dtype=torch.float32))
    np.testing.assert_allclose(rows.numpy(), [[0.6, 0.8], [0.0, 0.0]], rtol=1e-6)
    rows = normalize_rows(torch.tensor([[3e-41, 4e-41]], dtype=torch.float32))  # subnormal
    assert float(rows.norm()) == pytest.approx(1.0, rel=1e-3)


@pytest.mark.parametrize("name", list_metrics())
@pytest.mark.parametrize("factor", [2.0 ** 130, 1e-35])
def test_every_metric_is_scale_invariant(name, factor):
    A, B = _data(n=40, seed=1)
    params = {"topk": 5} if "knn" in name else {}
    if name == "svcca":
        params = {"cca_dim": 4}
    metric = get_metric(name, **params)
    expected = metric(A, B)
    assert metric(A * factor, B) == pytest.approx(expected, abs=1e-5)
    assert metric(A, B * factor) == pytest.approx(expected, abs=1e-5)


def test_cmd_and_torch_float64_tensor_beyond_float32():
    A, B = _data()
    At = torch.as_tensor(A * 1e39)
    assert cmd(At, B, normalize=False, clip_quantile=None) == pytest.approx(
        cmd(A, B, normalize=False, clip_quantile=None), abs=1e-6)
    assert cka(At, torch.as_tensor(B), device="cpu") == pytest.approx(cka(A, B), abs=1e-6)


def test_rbf_cka_scales_with_its_bandwidth():
    # the RBF kernel of unnormalised rows depends on scale only through X / sigma
    A, B = _data(n=30)
    expected = naive_rbf_cka(A, B, sigma=3.0)
    big = [(X * 1e18).astype(np.float32) for X in (A, B)]  # squared distances beyond float32
    got = cka(*big, kernel="rbf", sigma=3e18, normalize=False, clip_quantile=None)
    assert got == pytest.approx(expected, abs=1e-5)
    got = cka(A * 1e-30, B * 1e-30, kernel="rbf", sigma=3e-30, normalize=False,
              clip_quantile=None)
    assert got == pytest.approx(expected, abs=1e-5)


def test_scale_dependent_metric_refuses_values_beyond_float32():
    A, B = _data()
    with pytest.raises(ValueError, match=r"A holds values up to .*beyond the range of torch.float32"):
        cka(A * 1e39, B, kernel="rbf", normalize=False)
    # with normalised rows the RBF kernel is scale invariant again
    assert cka(A * 1e39, B, kernel="rbf") == pytest.approx(cka(A, B, kernel="rbf"), abs=1e-6)


def test_ragged_nested_list_names_the_argument():
    with pytest.raises(ValueError, match="B must be a 2-D numeric array"):
        cka([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], [[1.0, 2.0], [3.0], [1.0, 1.0]])


def test_preprocessing_functions_accept_numpy_arrays():
    X = np.random.default_rng(2).normal(size=(30, 6))
    t = np.quantile(np.abs(X), 0.9)
    np.testing.assert_allclose(clip_outliers(X, 0.9), np.clip(X, -t, t), atol=1e-12)
    np.testing.assert_allclose(normalize_rows(X), X / np.linalg.norm(X, axis=1, keepdims=True),
                               atol=1e-12)
    np.testing.assert_allclose(preprocess(X), naive_preprocess(X), atol=1e-12)
    assert isinstance(preprocess(X), np.ndarray)
    with pytest.raises(ValueError, match="X contains NaN"):
        preprocess(np.array([[1.0, np.nan]]))
    with pytest.raises(TypeError, match="X must hold numbers"):
        clip_outliers(np.array([["a", "b"]]))


@pytest.mark.gpu
@pytest.mark.parametrize("factor", [1e39, 1e-39])
def test_cuda_tensor_beyond_float32_range(factor):
    A, B = _data()
    Ap, Bp = naive_preprocess(A), naive_preprocess(B)
    At = torch.as_tensor(A * factor, device="cuda")  # float64 on the device
    assert cka(At, B) == pytest.approx(naive_linear_cka(Ap, Bp), abs=1e-5)
    assert mutual_knn(At, B, topk=5) == pytest.approx(naive_mutual_knn(Ap, Bp, 5), abs=1e-12)
