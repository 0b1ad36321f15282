"""HSIC, CKA and CKNNA against naive dense float64 implementations."""

import pickle

import numpy as np
import pytest
import torch

from mmalign_sk.metrics import (
    CKA, CKNNA, alignment_score, cka, cknna, get_metric, hsic, layerwise_alignment, unbiased_cka,
)

RAW = {"clip_quantile": None, "normalize": False}
# (n, d_A, d_B): feature-space route (d < n), Gram route (d >= n) and mixed.
SHAPES = [(40, 5, 7), (20, 30, 3), (16, 24, 40)]


# -- naive references --------------------------------------------------------------------------
def naive_hsic(K, L, unbiased):
    n = K.shape[0]
    if not unbiased:
        H = np.eye(n) - np.ones((n, n)) / n
        return np.trace(K @ H @ L @ H)
    Kt, Lt = K.copy(), L.copy()
    np.fill_diagonal(Kt, 0.0)
    np.fill_diagonal(Lt, 0.0)
    # Song et al. (2012), eq. 5, written with explicit loops for the three terms.
    trace = sum(Kt[i, j] * Lt[j, i] for i in range(n) for j in range(n))
    ones = np.ones(n)
    cross = ones @ Kt @ Lt @ ones
    value = trace + Kt.sum() * Lt.sum() / ((n - 1) * (n - 2)) - 2.0 * cross / (n - 2)
    return value / (n * (n - 3))


def linear_kernel(X):
    return X @ X.T


def rbf_kernel(X, sigma):
    sq = ((X[:, None, :] - X[None, :, :]) ** 2).sum(-1)
    return np.exp(-sq / (2.0 * sigma ** 2))


def naive_cka(K, L, unbiased):
    kl, kk, ll = (max(naive_hsic(P, Q, unbiased), 0.0) for P, Q in ((K, L), (K, K), (L, L)))
    return 0.0 if kk * ll == 0 else kl / np.sqrt(kk * ll)


def naive_knn_mask(K, topk, unbiased):
    n = K.shape[0]
    mask = np.zeros((n, n))
    for i in range(n):
        scores = K[i].copy()
        if unbiased:
            scores[i] = -np.inf
        mask[i, np.argsort(-scores, kind="stable")[:topk]] = 1.0
    return mask


def naive_cknna(A, B, topk, unbiased):
    K, L = A @ A.T, B @ B.T
    mask_k, mask_l = naive_knn_mask(K, topk, unbiased), naive_knn_mask(L, topk, unbiased)
    mask = mask_k * mask_l
    kl = naive_hsic(mask * K, mask * L, unbiased)
    kk = naive_hsic(mask_k * K, mask_k * K, unbiased)
    ll = naive_hsic(mask_l * L, mask_l * L, unbiased)
    return 0.0 if kk * ll <= 0 else kl / np.sqrt(kk * ll)


def paired(n, d_a, d_b, seed=0):
    """Two related matrices, rounded to float32 so that both sides see the same numbers."""
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(n, d_a))
    B = A[:, :2] @ rng.normal(size=(2, d_b)) + 0.7 * rng.normal(size=(n, d_b))
    return A.astype(np.float32).astype(np.float64), B.astype(np.float32).astype(np.float64)


def numpy_preprocess(X, q=0.95):
    t = np.quantile(np.abs(X), q)
    X = np.clip(X, -t, t)
    return X / np.linalg.norm(X, axis=1, keepdims=True)


# -- HSIC on explicit kernels -------------------------------------------------------------------
@pytest.mark.parametrize("unbiased", [False, True])
def test_hsic_matches_naive_on_non_symmetric_kernels(unbiased):
    rng = np.random.default_rng(3)
    K, L = rng.normal(size=(9, 9)), rng.normal(size=(9, 9))
    assert hsic(K, L, unbiased=unbiased) == pytest.approx(naive_hsic(K, L, unbiased), rel=1e-10)


def test_hsic_accepts_tensors():
    X = torch.randn(7, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    K = (X @ X.T).numpy()
    assert hsic(torch.as_tensor(K), K) == pytest.approx(naive_hsic(K, K, False), rel=1e-10)


def test_hsic_errors():
    with pytest.raises(ValueError, match="at least 4 samples"):
        hsic(np.eye(3), np.eye(3), unbiased=True)
    with pytest.raises(ValueError, match="square"):
        hsic(np.ones((3, 4)), np.ones((3, 4)))
    with pytest.raises(ValueError, match="same shape"):
        hsic(np.eye(4), np.eye(5))
    with pytest.raises(TypeError, match="unbiased"):
        hsic(np.eye(4), np.eye(4), unbiased=1)


# -- CKA ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("n, d_a, d_b", SHAPES)
@pytest.mark.parametrize("unbiased", [False, True])
def test_linear_cka_matches_naive(n, d_a, d_b, unbiased):
    A, B = paired(n, d_a, d_b)
    expected = naive_cka(linear_kernel(A), linear_kernel(B), unbiased)
    assert cka(A, B, unbiased=unbiased, **RAW) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("n, d_a, d_b", SHAPES)
@pytest.mark.parametrize("unbiased", [False, True])
@pytest.mark.parametrize("sigma", [1.5, 4.0])
def test_rbf_cka_matches_naive(n, d_a, d_b, unbiased, sigma):
    A, B = paired(n, d_a, d_b, seed=1)
    expected = naive_cka(rbf_kernel(A, sigma), rbf_kernel(B, sigma), unbiased)
    got = cka(A, B, kernel="rbf", sigma=sigma, unbiased=unbiased, **RAW)
    assert got == pytest.approx(expected, abs=1e-6)


def test_cka_with_default_preprocessing_matches_naive():
    A, B = paired(50, 6, 9, seed=2)
    Ap, Bp = numpy_preprocess(A), numpy_preprocess(B)
    expected = naive_cka(linear_kernel(Ap), linear_kernel(Bp), False)
    assert cka(A, B) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("sigma", [0.1, 0.5, 20.0])
def test_rbf_cka_on_unit_rows_matches_naive_for_narrow_and_wide_kernels(sigma):
    # After row normalisation squared distances lie in [0, 4]: sigma=20 gives entries within
    # 1% of 1 (stored as K - 1), sigma=0.1 entries far below 1 (stored as K).
    A, B = paired(30, 6, 8, seed=13)
    Ap, Bp = numpy_preprocess(A), numpy_preprocess(B)
    for unbiased in (False, True):
        expected = naive_cka(rbf_kernel(Ap, sigma), rbf_kernel(Bp, sigma), unbiased)
        got = cka(A, B, kernel="rbf", sigma=sigma, unbiased=unbiased)
        assert got == pytest.approx(expected, abs=1e-6)


def test_rbf_cka_blocked_over_rows_matches_unblocked(monkeypatch):
    import mmalign_sk.metrics._kernel as kernel_module

    A, B = paired(37, 4, 6, seed=5)
    expected = naive_cka(rbf_kernel(A, 1.0), rbf_kernel(B, 1.0), True)
    monkeypatch.setattr(kernel_module, "_BLOCK_ENTRIES", 200)  # blocks of a few rows
    got = cka(A, B, kernel="rbf", unbiased=True, **RAW)
    assert got == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("unbiased", [False, True])
@pytest.mark.parametrize("kernel", ["linear", "rbf"])
def test_cka_of_identical_inputs_is_one(kernel, unbiased):
    A, _ = paired(30, 8, 1)
    assert cka(A, A, kernel=kernel, unbiased=unbiased) == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize("unbiased", [False, True])
@pytest.mark.parametrize("n, d", [(40, 6), (12, 20)])
def test_linear_cka_invariant_to_orthogonal_transform_and_scaling(n, d, unbiased):
    rng = np.random.default_rng(4)
    A, B = paired(n, d, 5, seed=4)
    Q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    base = cka(A, B, unbiased=unbiased, **RAW)
    assert cka(5.0 * A @ Q, B, unbiased=unbiased, **RAW) == pytest.approx(base, abs=1e-6)
    assert cka(A, A @ Q * 0.1, unbiased=unbiased, **RAW) == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize("kernel", ["linear", "rbf"])
def test_cka_is_symmetric(kernel):
    A, B = paired(25, 4, 9, seed=6)
    assert cka(A, B, kernel=kernel) == pytest.approx(cka(B, A, kernel=kernel), abs=1e-7)


@pytest.mark.parametrize("unbiased", [False, True])
@pytest.mark.parametrize("kernel", ["linear", "rbf"])
def test_cka_of_constant_matrix_is_zero(kernel, unbiased):
    A = np.full((20, 5), 3.0)
    B = np.random.default_rng(0).normal(size=(20, 4))
    for X, Y in ((A, B), (A, A)):
        value = cka(X, Y, kernel=kernel, unbiased=unbiased)
        assert value == 0.0


def test_unbiased_cka_is_cka_with_unbiased_estimator():
    A, B = paired(30, 5, 5, seed=7)
    assert unbiased_cka(A, B) == pytest.approx(cka(A, B, unbiased=True), abs=1e-12)
    metric = get_metric("unbiased_cka", kernel="rbf", sigma=2.0)
    assert isinstance(metric, CKA) and metric.unbiased and metric.name == "unbiased_cka"
    assert alignment_score(A, B, metric="unbiased_cka") == pytest.approx(unbiased_cka(A, B))
    # Parameters round-trip through the registry and pickling (joblib workers).
    for name in ("cka", "unbiased_cka", "cknna"):
        metric = get_metric(name)
        assert get_metric(name, **metric.get_params()).get_params() == metric.get_params()
        assert pickle.loads(pickle.dumps(metric)).get_params() == metric.get_params()


def test_cka_layerwise_prepares_each_layer_once_and_matches_pairs():
    A, B = paired(30, 5, 6, seed=8)
    result = layerwise_alignment([A, B], [B, A], metric="cka")
    assert result.scores[0, 1] == pytest.approx(1.0, abs=1e-6)
    assert result.scores[0, 0] == pytest.approx(cka(A, B), abs=1e-12)


def test_cka_errors():
    A = np.random.default_rng(0).normal(size=(3, 4))
    with pytest.raises(ValueError, match="at least 4 samples"):
        cka(A, A, unbiased=True)
    with pytest.raises(ValueError, match="kernel"):
        cka(A, A, kernel="poly")
    with pytest.raises(ValueError, match="sigma"):
        cka(A, A, kernel="rbf", sigma=0.0)
    with pytest.raises(ValueError, match="sigma"):
        CKA(sigma=-1.0)
    with pytest.raises(TypeError, match="unbiased"):
        CKA(unbiased="yes")
    with pytest.raises(ValueError, match="same number of rows"):
        cka(A, np.ones((4, 4)))


# -- CKNNA -------------------------------------------------------------------------------------
@pytest.mark.parametrize("n, d_a, d_b", SHAPES)
@pytest.mark.parametrize("unbiased", [True, False])
@pytest.mark.parametrize("topk", [2, 5])
def test_cknna_matches_naive(n, d_a, d_b, unbiased, topk):
    A, B = paired(n, d_a, d_b, seed=9)
    expected = naive_cknna(A, B, topk, unbiased)
    got = cknna(A, B, topk=topk, unbiased=unbiased, **RAW)
    assert got == pytest.approx(expected, abs=1e-6)


def test_cknna_with_default_preprocessing_matches_naive():
    A, B = paired(60, 8, 5, seed=10)
    expected = naive_cknna(numpy_preprocess(A), numpy_preprocess(B), 10, True)
    assert cknna(A, B) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("unbiased", [True, False])
def test_cknna_pairs_looked_up_in_chunks_matches_naive(monkeypatch, unbiased):
    import mmalign_sk.metrics._kernel as kernel

    monkeypatch.setattr(kernel, "_PAIR_CHUNK", 7)  # many chunks, the last one partial
    A, B = paired(60, 8, 5, seed=12)
    expected = naive_cknna(A, B, 5, unbiased)
    assert cknna(A, B, topk=5, unbiased=unbiased, **RAW) == pytest.approx(expected, abs=1e-6)


def test_cknna_identical_and_symmetric():
    A, B = paired(40, 6, 6, seed=11)
    assert cknna(A, A, topk=5) == pytest.approx(1.0, abs=1e-6)
    # The biased estimator is symmetric; the unbiased one is not for masked (non-symmetric) kernels.
    assert cknna(A, B, topk=5, unbiased=False) == pytest.approx(
        cknna(B, A, topk=5, unbiased=False), abs=1e-7)


def test_cknna_errors():
    A = np.random.default_rng(0).normal(size=(10, 4))
    with pytest.raises(ValueError, match="topk must be >= 2"):
        cknna(A, A, topk=1)
    with pytest.raises(ValueError, match="topk must be < n_samples"):
        cknna(A, A, topk=10)
    with pytest.raises(ValueError, match="at least 4 samples"):
        cknna(A[:3], A[:3], topk=2)
    with pytest.raises(TypeError, match="unbiased"):
        CKNNA(unbiased=None)
    assert isinstance(get_metric("cknna", topk=3), CKNNA)


# -- devices -----------------------------------------------------------------------------------
@pytest.mark.gpu
@pytest.mark.parametrize("name, params", [
    ("cka", {}), ("cka", {"unbiased": True}), ("cka", {"kernel": "rbf", "sigma": 0.8}),
    ("unbiased_cka", {"kernel": "rbf"}), ("cknna", {"topk": 5}), ("cknna", {"unbiased": False}),
])
def test_cpu_and_cuda_agree(name, params):
    A, B = paired(300, 24, 16, seed=12)
    cpu = alignment_score(A, B, metric=name, device="cpu", **params)
    cuda = alignment_score(A, B, metric=name, device="cuda", **params)
    assert cuda == pytest.approx(cpu, abs=1e-5)


def test_knn_entries_across_row_blocks_against_float64():
    from mmalign_sk.metrics._kernel import _knn_entries

    gen = torch.Generator().manual_seed(5)
    X = torch.randn(2500, 9, generator=gen)  # more rows than one block of 1024
    idx = torch.randint(0, 2500, (2500, 4), generator=gen)
    X64 = X.double().numpy()
    expected = np.einsum("nd,nkd->nk", X64, X64[idx.numpy()])
    got = _knn_entries(X, idx)
    np.testing.assert_allclose(got.double().numpy(), expected, rtol=0, atol=1e-5)
