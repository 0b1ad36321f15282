"""The CPU matrix-product backends (torch's or numpy's BLAS) and how one is chosen."""

import numpy as np
import pytest
import torch
from threadpoolctl import threadpool_info

import mmalign_sk.metrics._knn_search as search
from mmalign_sk.metrics import _matmul, knn_indices


@pytest.fixture
def fresh(monkeypatch):
    """No backend chosen yet, the choice left to the measurement."""
    monkeypatch.delenv(_matmul.ENV_VAR, raising=False)
    monkeypatch.setattr(_matmul, "_rates", {})
    monkeypatch.setattr(_matmul, "_chosen", {})
    return _matmul


def test_invalid_environment_variable_is_named(fresh, monkeypatch):
    monkeypatch.setenv(_matmul.ENV_VAR, "mkl")
    with pytest.raises(ValueError, match="MMALIGN_CPU_MATMUL.*'mkl'"):
        knn_indices(torch.randn(50, 3), 2)


@pytest.mark.parametrize("value, expected", [("numpy", "numpy"), (" Torch ", "torch"),
                                             ("", "auto"), ("auto", "auto")])
def test_requested_backend(fresh, monkeypatch, value, expected):
    monkeypatch.setenv(_matmul.ENV_VAR, value)
    assert _matmul.requested_backend() == expected


def test_the_faster_backend_is_kept_after_three_samples_each(fresh):
    key = (1, "float32", 8)
    seen = []
    for seconds in ({"torch": 1.0, "numpy": 0.5}, {"torch": 0.8, "numpy": 0.9},
                    {"torch": 2.0, "numpy": 0.7}):
        for _ in range(2):
            backend, timed = fresh.next_backend(key)
            assert timed
            seen.append(backend)
            fresh.record(key, backend, 1e9, seconds[backend])
    assert seen == ["torch", "numpy"] * 3  # alternated
    # best rates: torch 1 / 0.8 = 1.25 GFLOP/s, numpy 1 / 0.5 = 2 GFLOP/s
    assert fresh.next_backend(key) == ("numpy", False)
    assert fresh.choices()[key] == {"backend": "numpy", "gflops": {"torch": 1.25, "numpy": 2.0}}


def test_forced_backend_is_not_measured(fresh, monkeypatch):
    monkeypatch.setenv(_matmul.ENV_VAR, "torch")
    assert fresh.next_backend((1, "float32", 8)) == ("torch", False)
    assert fresh.choices() == {}


def test_tiled_search_chooses_a_backend_and_gives_the_same_lists(fresh, monkeypatch):
    monkeypatch.setattr(search, "_TILE_MIN_N", 1)
    monkeypatch.setattr(search, "_TILE_COLS", 64)
    rng = np.random.default_rng(0)
    X = torch.nn.functional.normalize(torch.as_tensor(rng.normal(size=(500, 12)),
                                                      dtype=torch.float32), dim=1)
    auto = knn_indices(X, 5)  # 8 x 8 tiles: three of each backend are measured, then one kept
    key = _matmul.tile_key(X)
    chosen = fresh.choices()[key]
    assert chosen["backend"] in _matmul.BACKENDS
    assert all(rate > 0 for rate in chosen["gflops"].values())
    for backend in _matmul.BACKENDS:
        monkeypatch.setenv(_matmul.ENV_VAR, backend)
        assert torch.equal(knn_indices(X, 5), auto)
    # the exact lists (float64 similarities of the float32 rows; no near ties in random data)
    S = X.double() @ X.double().T
    S.fill_diagonal_(-np.inf)
    assert torch.equal(auto, torch.topk(S, 5, dim=1).indices)


def numpy_blas_threads():
    found = [lib["num_threads"] for lib in threadpool_info()
             if lib["user_api"] == "blas" and "numpy" in lib["filepath"]]
    if not found:
        pytest.skip("numpy's BLAS is not a library of its own here")
    return found


def test_numpy_threads_follow_the_setting_and_are_restored(fresh):
    before = numpy_blas_threads()
    with _matmul.numpy_threads(1):
        assert set(numpy_blas_threads()) == {1}
    assert numpy_blas_threads() == before
    threads = torch.get_num_threads()
    with _matmul.numpy_threads():
        assert set(numpy_blas_threads()) == {threads}


@pytest.mark.parametrize("backend", ["torch", "numpy"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_products_against_float64(fresh, monkeypatch, backend, dtype):
    monkeypatch.setenv(_matmul.ENV_VAR, backend)
    rng = np.random.default_rng(1)
    X, Y = rng.normal(size=(300, 7)), rng.normal(size=(300, 5))
    Xt, Yt = torch.as_tensor(X, dtype=dtype), torch.as_tensor(Y, dtype=dtype)
    tol = 1e-5 if dtype == torch.float32 else 1e-12
    x, y = Xt.double().numpy(), Yt.double().numpy()  # the rounded inputs, exactly
    gram, cross = _matmul.gram_t(Xt), _matmul.cross_t(Xt, Yt)
    assert gram.dtype == dtype and cross.dtype == dtype
    np.testing.assert_allclose(gram.double().numpy(), x.T @ x, rtol=tol, atol=tol * 300)
    np.testing.assert_allclose(cross.double().numpy(), x.T @ y, rtol=tol, atol=tol * 300)
