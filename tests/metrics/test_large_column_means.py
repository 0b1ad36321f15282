"""Feature-space metrics (CKA, CMD, SVCCA) keep their accuracy when column means are large.

Columns offset by 1e4 to 2e4 make ``X^T Y`` of the raw matrices dominated by the means: a
float32 product of uncentred columns followed by a subtraction of the means would lose every
digit of the centred values. The inputs are float32 and the naive float64 references below see
exactly those float32 values, so they give the exact answers for the same inputs.
"""

import numpy as np
import pytest

from mmalign_sk.metrics import _matmul, get_metric

RAW = dict(clip_quantile=None, normalize=False)


@pytest.fixture(params=["torch", "numpy"])
def backend(request, monkeypatch):
    monkeypatch.setenv(_matmul.ENV_VAR, request.param)
    return request.param


def offset_pair(n=300, d_a=12, d_b=9, seed=0):
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(n, 4))
    A = latent @ rng.normal(size=(4, d_a)) + 0.5 * rng.normal(size=(n, d_a))
    B = latent @ rng.normal(size=(4, d_b)) + 0.5 * rng.normal(size=(n, d_b))
    A += 1e4 * (1.0 + rng.random(d_a))
    B += 1e4 * (1.0 + rng.random(d_b))
    A, B = A.astype(np.float32), B.astype(np.float32)
    return A, B, A.astype(np.float64), B.astype(np.float64)


def centre(X):
    return X - X.mean(axis=0)


def naive_hsic(K, L, unbiased):
    n = K.shape[0]
    if not unbiased:
        H = np.eye(n) - 1.0 / n
        return np.trace(K @ H @ L @ H)
    K, L = K.copy(), L.copy()
    np.fill_diagonal(K, 0.0)
    np.fill_diagonal(L, 0.0)
    one = np.ones(n)
    value = (np.trace(K @ L) + one @ K @ one * (one @ L @ one) / ((n - 1) * (n - 2))
             - 2.0 / (n - 2) * one @ K @ L @ one)
    return value / (n * (n - 3))


def naive_cka(A, B, unbiased):
    K, L = centre(A) @ centre(A).T, centre(B) @ centre(B).T
    return naive_hsic(K, L, unbiased) / np.sqrt(naive_hsic(K, K, unbiased)
                                                * naive_hsic(L, L, unbiased))


def naive_cmd(A, B, centered):
    if centered:
        A, B = centre(A), centre(B)
    C_a, C_b = A @ A.T, B @ B.T
    return np.sum(C_a * C_b) / (np.linalg.norm(C_a) * np.linalg.norm(C_b))


def naive_svcca(A, B, k):
    def basis(X):
        X = centre(X)
        X = X / X.std(axis=0)
        return np.linalg.svd(X, full_matrices=False)[0][:, :k]

    return np.linalg.svd(basis(A).T @ basis(B), compute_uv=False).mean()


@pytest.mark.parametrize("unbiased", [False, True])
def test_cka(backend, unbiased):
    A, B, A64, B64 = offset_pair()
    expected = naive_cka(A64, B64, unbiased)
    assert 0.3 < expected < 0.99  # the centred values carry the answer
    metric = get_metric("unbiased_cka" if unbiased else "cka", **RAW)
    assert metric(A, B) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("centered", [False, True])
def test_cmd(backend, centered):
    A, B, A64, B64 = offset_pair(seed=1)
    expected = naive_cmd(A64, B64, centered)
    got = get_metric("cmd", centered=centered, **RAW)(A, B)
    assert got == pytest.approx(expected, abs=1e-6)
    # the uncentred value differs from 1 only through the centred part: compare the gap too
    if not centered:
        assert 1.0 - got == pytest.approx(1.0 - expected, rel=1e-3, abs=1e-9)


def test_svcca(backend):
    A, B, A64, B64 = offset_pair(seed=2)
    expected = naive_svcca(A64, B64, 4)
    assert get_metric("svcca", cca_dim=4, **RAW)(A, B) == pytest.approx(expected, abs=1e-6)
