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
