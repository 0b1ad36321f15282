import math

import numpy as np
import pytest
import torch

from mmalign_sk.estimators import multimodal_info_nce, symmetric_info_nce
from estimator_testing import one_torch_thread  # noqa: F401 (fixtures)


def _naive_directional(A, B, temperature):
    """-mean_i log( exp(<a_i, b_i>/t) / sum_j exp(<a_i, b_j>/t) ) with plain Python loops."""
    n = len(A)
    total = 0.0
    for i in range(n):
        sims = [sum(A[i][k] * B[j][k] for k in range(len(A[i]))) / temperature for j in range(n)]
        total += -(sims[i] - math.log(sum(math.exp(s) for s in sims)))
    return total / n


def _normalised_rows(X):
    return [[v / math.sqrt(sum(u * u for u in row)) for v in row] for row in X]


def _naive_symmetric(a, b, temperature):
    A, B = _normalised_rows(a.tolist()), _normalised_rows(b.tolist())
    return 0.5 * (_naive_directional(A, B, temperature) + _naive_directional(B, A, temperature))


@pytest.mark.parametrize("temperature", [0.07, 0.5, 2.0])
def test_matches_a_naive_loop(temperature):
    rng = np.random.RandomState(0)
    a, b = rng.randn(7, 5), rng.randn(7, 5)
    got = symmetric_info_nce(torch.tensor(a), torch.tensor(b), temperature=temperature)
    assert float(got) == pytest.approx(_naive_symmetric(a, b, temperature), rel=1e-10)


def test_perfectly_aligned_pairs_approach_zero_loss():
    z = torch.eye(4, dtype=torch.float64)
    assert float(symmetric_info_nce(z, z, temperature=0.01)) < 1e-30
    # uniform similarities: the loss is log(n)
    ones = torch.ones(5, 3, dtype=torch.float64)
    assert float(symmetric_info_nce(ones, ones)) == pytest.approx(math.log(5))


def test_three_modalities_average_the_pairs():
    rng = np.random.RandomState(1)
    z = {m: rng.randn(6, 4) for m in ("a", "b", "c")}
    got = multimodal_info_nce({m: torch.tensor(v) for m, v in z.items()}, temperature=0.3)
    want = np.mean([_naive_symmetric(z[p], z[q], 0.3) for p, q in (("a", "b"), ("a", "c"),
                                                                    ("b", "c"))])
    assert float(got) == pytest.approx(want, rel=1e-10)


def test_gradients_flow_to_both_sides():
    a = torch.randn(5, 3, requires_grad=True)
    b = torch.randn(5, 3, requires_grad=True)
    symmetric_info_nce(a, b).backward()
    assert a.grad.abs().sum() > 0 and b.grad.abs().sum() > 0


@pytest.mark.parametrize("temperature, error", [(0, ValueError), (-1.0, ValueError),
                                                ("0.1", TypeError)])
def test_bad_temperature(temperature, error):
    with pytest.raises(error, match="temperature must be a float > 0"):
        symmetric_info_nce(torch.ones(2, 2), torch.ones(2, 2), temperature=temperature)


def test_shape_mismatch_and_single_modality():
    with pytest.raises(ValueError, match="same shape"):
        symmetric_info_nce(torch.ones(3, 2), torch.ones(4, 2))
    with pytest.raises(ValueError, match="at least two modalities"):
        multimodal_info_nce({"a": torch.ones(3, 2)})
