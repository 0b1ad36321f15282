import numpy as np
import pytest
import torch

from mmalign_sk.metrics import clip_outliers, normalize_rows, preprocess
from mmalign_sk.metrics._preprocess import abs_quantile


@pytest.mark.parametrize("shape", [(7, 3), (50, 13), (1, 5), (200, 1)])
@pytest.mark.parametrize("q", [0.95, 0.5, 0.01, 1.0])
def test_abs_quantile_matches_numpy(shape, q):
    X = np.random.default_rng(0).normal(size=shape)
    expected = np.quantile(np.abs(X), q)
    got = abs_quantile(torch.as_tensor(X), q)
    assert float(got) == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_clip_outliers_against_numpy_clip():
    X = np.random.default_rng(1).standard_t(df=2, size=(100, 10))
    t = np.quantile(np.abs(X), 0.95)
    got = clip_outliers(torch.as_tensor(X), q=0.95).numpy()
    np.testing.assert_allclose(got, np.clip(X, -t, t), rtol=0, atol=1e-12)
    # 5% of the entries are clipped (quantile interpolation: within one entry)
    assert abs((np.abs(got) >= t).sum() - 0.05 * X.size) <= 2


def test_clip_quantile_one_keeps_data():
    X = torch.randn(20, 4, dtype=torch.float64)
    assert torch.equal(clip_outliers(X, 1.0), X)


@pytest.mark.parametrize("q", [0.0, -0.1, 1.5])
def test_clip_quantile_out_of_range(q):
    with pytest.raises(ValueError, match="clip_quantile"):
        clip_outliers(torch.ones(3, 3), q)


def test_normalize_rows_unit_norm_and_zero_row():
    X = torch.tensor([[3.0, 4.0, 0.0], [0.0, 0.0, 0.0], [1e-3, 0.0, 0.0]], dtype=torch.float64)
    Y = normalize_rows(X)
    np.testing.assert_allclose(Y.norm(dim=1).numpy(), [1.0, 0.0, 1.0], atol=1e-12)
    assert torch.isfinite(Y).all()
    np.testing.assert_allclose(Y[0].numpy(), [0.6, 0.8, 0.0])


def test_preprocess_order_is_clip_then_normalise():
    X = np.random.default_rng(2).normal(size=(30, 6))
    t = np.quantile(np.abs(X), 0.9)
    Xc = np.clip(X, -t, t)
    expected = Xc / np.linalg.norm(Xc, axis=1, keepdims=True)
    got = preprocess(torch.as_tensor(X), clip_quantile=0.9, normalize=True).numpy()
    np.testing.assert_allclose(got, expected, atol=1e-12)
    assert torch.equal(preprocess(torch.as_tensor(X), None, False), torch.as_tensor(X))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_clip_and_preprocess_leave_the_input_unchanged_and_accept_strided_views(dtype):
    X = torch.as_tensor(np.random.default_rng(3).standard_t(df=2, size=(12, 40)), dtype=dtype)
    original = X.clone()
    view = X.T  # not contiguous
    t = np.quantile(np.abs(view.numpy().astype(np.float64)), 0.8)
    clipped = clip_outliers(view, 0.8)
    np.testing.assert_allclose(clipped.numpy(), np.clip(view.numpy(), -t, t), rtol=1e-6)
    out = preprocess(view, 0.8, normalize=True)
    expected = np.clip(view.numpy().astype(np.float64), -t, t)
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-5, atol=1e-7)
    assert torch.equal(X, original)
    # without clipping, normalisation writes a new tensor, never the caller's
    unclipped = preprocess(X, None, normalize=True)
    assert torch.equal(X, original) and unclipped.data_ptr() != X.data_ptr()


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32])
def test_normalize_rows_of_low_precision_tensors_against_float64(dtype):
    X = torch.randn(2000, 7, generator=torch.Generator().manual_seed(4)).to(dtype)
    X[5] = 0.0
    exact = X.double()
    norms = np.sqrt((exact.numpy() ** 2).sum(axis=1, keepdims=True))
    expected = np.divide(exact.numpy(), norms, out=np.zeros_like(exact.numpy()), where=norms > 0)
    got = normalize_rows(X)
    assert got.dtype == dtype
    # float64 norms, one rounding of the quotient to the dtype
    np.testing.assert_allclose(got.double().numpy(), expected, rtol=torch.finfo(dtype).eps, atol=0)


def test_preprocessing_keeps_autograd_for_tensors_that_require_grad():
    X = torch.randn(30, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(6))
    leaf = X.clone().requires_grad_(True)
    for fn in (lambda Z: clip_outliers(Z, 0.9), normalize_rows,
               lambda Z: preprocess(Z, 0.9, normalize=True)):
        got = fn(leaf)
        np.testing.assert_allclose(got.detach().numpy(), fn(X).numpy(), rtol=0, atol=1e-12)
        # d/dX of sum(w * f(X)) against central differences, in float64
        w = torch.randn(30, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(7))
        (grad,) = torch.autograd.grad((w * got).sum(), leaf)
        i, j, h = 3, 2, 1e-6
        up, down = X.clone(), X.clone()
        up[i, j] += h
        down[i, j] -= h
        numeric = float(((w * fn(up)).sum() - (w * fn(down)).sum()) / (2 * h))
        assert float(grad[i, j]) == pytest.approx(numeric, rel=1e-4, abs=1e-6)


def test_normalize_rows_of_float64_rows_whose_squares_overflow_or_underflow():
    X = np.array([[1e200, 1e200, -3e199], [3e-200, 4e-200, 0.0], [5e-324, 0.0, 0.0],
                  [1.7e308, -1.7e308, 1e308], [3.0, 4.0, 12.0], [0.0, 0.0, 0.0]])
    # reference: divide each row by its largest absolute value first (exact enough), then by
    # the norm of the now well-scaled row
    largest = np.abs(X).max(axis=1, keepdims=True)
    Y = np.divide(X, largest, out=np.zeros_like(X), where=largest > 0)
    norms = np.linalg.norm(Y, axis=1, keepdims=True)
    expected = np.divide(Y, norms, out=np.zeros_like(Y), where=norms > 0)
    for got in (normalize_rows(X), normalize_rows(torch.as_tensor(X)).numpy(),
                preprocess(torch.as_tensor(X), 1.0, normalize=True).numpy()):
        assert np.isfinite(got).all()
        np.testing.assert_allclose(got, expected, rtol=4e-16, atol=1e-300)
    np.testing.assert_array_equal(X[4], [3.0, 4.0, 12.0])  # the input is untouched
