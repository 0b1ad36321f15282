"""SVCCA against a textbook CCA (whitening) in float64."""

import numpy as np
import pytest

from mmalign_sk.metrics import SVCCA, alignment_score, get_metric, svcca

RAW = {"clip_quantile": None, "normalize": False}


def inv_sqrt(C):
    w, V = np.linalg.eigh(C)
    return V @ np.diag(1.0 / np.sqrt(w)) @ V.T


def naive_svcca(A, B, cca_dim):
    """Standardise, reduce with numpy's SVD, then CCA by whitening the two covariance blocks."""
    reduced = []
    for X in (A, B):
        X = X - X.mean(0)
        std = X.std(0)
        X = X / np.where(std > 0, std, 1.0)
        U, s, _ = np.linalg.svd(X, full_matrices=False)
        reduced.append(U[:, :cca_dim] * s[:cca_dim])
    X, Y = (Z - Z.mean(0) for Z in reduced)
    Cxx, Cyy, Cxy = X.T @ X, Y.T @ Y, X.T @ Y
    rho = np.linalg.svd(inv_sqrt(Cxx) @ Cxy @ inv_sqrt(Cyy), compute_uv=False)
    return float(np.mean(np.clip(rho, 0.0, 1.0)))


def paired(n, d_a, d_b, seed=0):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(n, d_a)) * rng.uniform(0.5, 3.0, size=d_a)
    B = A[:, :3] @ rng.normal(size=(3, d_b)) + 0.8 * rng.normal(size=(n, d_b))
    return A.astype(np.float32).astype(np.float64), B.astype(np.float32).astype(np.float64)


@pytest.mark.parametrize("n, d_a, d_b, cca_dim", [
    (80, 12, 9, 5), (60, 20, 20, 10), (15, 40, 30, 10), (12, 30, 8, 8),
])
def test_svcca_matches_textbook_cca(n, d_a, d_b, cca_dim):
    A, B = paired(n, d_a, d_b)
    expected = naive_svcca(A, B, cca_dim)
    assert svcca(A, B, cca_dim=cca_dim, **RAW) == pytest.approx(expected, abs=1e-6)


def test_svcca_with_default_preprocessing():
    A, B = paired(70, 10, 6, seed=1)
    Ap, Bp = [], []
    for X, out in ((A, Ap), (B, Bp)):
        t = np.quantile(np.abs(X), 0.95)
        X = np.clip(X, -t, t)
        out.append(X / np.linalg.norm(X, axis=1, keepdims=True))
    expected = naive_svcca(Ap[0], Bp[0], 4)
    assert svcca(A, B, cca_dim=4) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("n, d", [(50, 6), (10, 25)])
def test_svcca_invariant_to_invertible_maps(n, d):
    rng = np.random.default_rng(2)
    A = rng.normal(size=(n, d))
    R = rng.normal(size=(d, d)) + 3 * np.eye(d)
    k = d if d < n else n - 1  # the whole column space; centring removes one direction when d >= n
    assert svcca(A, A @ R, cca_dim=k, **RAW) == pytest.approx(1.0, abs=1e-6)


def test_svcca_symmetric_and_bounded():
    A, B = paired(40, 8, 7, seed=3)
    ab, ba = svcca(A, B, cca_dim=5), svcca(B, A, cca_dim=5)
    assert ab == pytest.approx(ba, abs=1e-9)
    assert 0.0 <= ab <= 1.0


def test_svcca_constant_matrix_gives_zero_not_nan():
    A = np.ones((20, 5))
    B = np.random.default_rng(0).normal(size=(20, 5))
    assert svcca(A, B, cca_dim=3) == 0.0
    assert svcca(A, A, cca_dim=3) == 0.0


def test_svcca_rank_deficient_counts_missing_directions_as_zero():
    rng = np.random.default_rng(4)
    A = rng.normal(size=(40, 2)) @ rng.normal(size=(2, 6))  # rank 2
    # Two perfectly correlated directions out of four requested: mean = 2 / 4.
    assert svcca(A, A, cca_dim=4, **RAW) == pytest.approx(0.5, abs=1e-6)


def test_svcca_errors():
    A = np.random.default_rng(0).normal(size=(20, 6))
    with pytest.raises(ValueError, match="cca_dim must be <= .* B of 4 features"):
        svcca(A, A[:, :4], cca_dim=5)
    with pytest.raises(ValueError, match="n_samples=20"):
        svcca(np.ones((20, 30)), np.ones((20, 30)), cca_dim=25)
    with pytest.raises(ValueError, match="cca_dim must be >= 1"):
        SVCCA(cca_dim=0)
    with pytest.raises(TypeError, match="cca_dim must be an int"):
        SVCCA(cca_dim=2.5)
    assert alignment_score(A, A, metric="svcca", cca_dim=6) == pytest.approx(1.0, abs=1e-6)
    assert isinstance(get_metric("svcca"), SVCCA)


@pytest.mark.gpu
def test_svcca_cpu_and_cuda_agree():
    A, B = paired(200, 12, 9, seed=5)
    cpu = svcca(A, B, cca_dim=6, device="cpu")
    assert svcca(A, B, cca_dim=6, device="cuda") == pytest.approx(cpu, abs=1e-6)


def test_default_cca_dim_is_ten_or_fewer_features():
    rng = np.random.default_rng(3)
    A, B = rng.normal(size=(60, 12)), rng.normal(size=(60, 6))
    assert svcca(A, B) == pytest.approx(svcca(A, B, cca_dim=6), abs=1e-12)
    C = rng.normal(size=(60, 15))
    assert svcca(A, C) == pytest.approx(svcca(A, C, cca_dim=10), abs=1e-12)
    assert svcca(A[:8], C[:8]) == pytest.approx(svcca(A[:8], C[:8], cca_dim=8), abs=1e-12)
