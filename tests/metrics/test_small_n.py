"""Two samples force the centred kernel similarities to 1: refused, not reported as 1.0."""

import numpy as np
import pytest

from mmalign_sk.metrics import get_metric


def _naive_centred_cosine(A, B):
    """cos between the centred Gram matrices H A A^T H and H B B^T H, in float64."""
    n = len(A)
    H = np.eye(n) - 1.0 / n
    K, L = H @ A @ A.T @ H, H @ B @ B.T @ H
    return np.sum(K * L) / np.sqrt(np.sum(K * K) * np.sum(L * L))


def _naive_gram_cosine(A, B):
    K, L = A @ A.T, B @ B.T
    return np.sum(K * L) / np.sqrt(np.sum(K * K) * np.sum(L * L))


RAW = dict(clip_quantile=None, normalize=False, device="cpu")


@pytest.mark.parametrize("seed", range(5))
def test_two_samples_force_the_centred_similarity_to_one(seed):
    rng = np.random.RandomState(seed)
    A, B = rng.normal(size=(2, 5)), rng.normal(size=(2, 3))
    assert _naive_centred_cosine(A, B) == pytest.approx(1.0, abs=1e-12)  # whatever A and B


@pytest.mark.parametrize("name, params", [
    ("cka", {}), ("cka", {"kernel": "rbf"}), ("cmd_centered", {}),
    ("cmd_centered_unnorm", {}), ("cmd", {"centered": True}),
])
def test_two_samples_are_refused_with_the_reason(name, params):
    rng = np.random.RandomState(0)
    A, B = rng.normal(size=(2, 5)), rng.normal(size=(2, 3))
    with pytest.raises(ValueError, match=r"at least 3 samples \(rows of A and B\).*"
                                         r"whatever the data; got 2"):
        get_metric(name, **params)(A, B)


@pytest.mark.parametrize("name", ["cka", "cmd_centered"])
def test_three_samples_give_the_naive_value(name):
    rng = np.random.RandomState(1)
    A, B = rng.normal(size=(3, 5)), rng.normal(size=(3, 4))
    expected = _naive_centred_cosine(A, B)
    assert expected < 0.999  # no longer forced
    assert get_metric(name, **RAW)(A, B) == pytest.approx(expected, rel=1e-5)


def test_uncentred_and_sample_contracted_cmd_still_take_two_samples():
    rng = np.random.RandomState(2)
    A, B = rng.normal(size=(2, 4)), rng.normal(size=(2, 4))
    assert get_metric("cmd", **RAW)(A, B) == pytest.approx(_naive_gram_cosine(A, B), rel=1e-5)
    # C = Ac^T Ac is rank one, (a a^T, b b^T): the similarity is cos^2(a, b), not forced to 1
    a, b = A[0] - A.mean(0), B[0] - B.mean(0)
    cos2 = (a @ b) ** 2 / ((a @ a) * (b @ b))
    got = get_metric("cmd_centered", contract="samples", **RAW)(A, B)
    assert got == pytest.approx(cos2, rel=1e-5) and got < 0.999
