import numpy as np
import pytest
import torch

from mmalign_sk.metrics import alignment_score, layerwise_alignment

RNG = np.random.default_rng(0)
H = RNG.normal(size=(80, 6))


def _layers():
    la = [H, np.tanh(H @ RNG.normal(size=(6, 5))), RNG.normal(size=(80, 3))]
    lb = [RNG.normal(size=(80, 4)), 2.5 * H]
    return la, lb


def test_matrix_equals_pairwise_scores():
    la, lb = _layers()
    result = layerwise_alignment(la, lb, metric="mutual_knn", topk=5)
    expected = np.array([[alignment_score(a, b, "mutual_knn", topk=5) for b in lb] for a in la])
    np.testing.assert_array_equal(result.scores, expected)
    assert result.scores.shape == (3, 2)
    # layer 0 of A equals layer 1 of B up to scale: perfect alignment there
    assert result.max == 1.0 and result.argmax == (0, 1)
    assert result.metric == "mutual_knn"


def test_accepts_dict_single_matrix_and_tensors():
    la, lb = _layers()
    r1 = layerwise_alignment({"l0": la[0], "l1": la[1]}, torch.as_tensor(lb[1]), topk=5)
    assert r1.scores.shape == (2, 1)
    assert r1.scores[0, 0] == 1.0


def test_errors():
    la, lb = _layers()
    with pytest.raises(ValueError, match="at least one layer"):
        layerwise_alignment([], lb)
    with pytest.raises(ValueError, match=r"layers_B\[1\] has 79"):
        layerwise_alignment(la, [lb[0], lb[1][:79]])
    with pytest.raises(TypeError, match="sequence"):
        layerwise_alignment(3, lb)
    with pytest.raises(ValueError, match=r"layers_A\[1\].*2-D"):
        layerwise_alignment([la[0], np.ones(80)], lb)
