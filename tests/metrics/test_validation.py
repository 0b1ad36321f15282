import numpy as np
import pytest
import torch

from mmalign_sk.metrics import alignment_score, get_metric, list_metrics
from mmalign_sk.metrics._backend import resolve_device, to_tensor
from mmalign_sk.metrics._validation import check_embedding, check_paired, check_topk

RNG = np.random.default_rng(0)
A = RNG.normal(size=(20, 4))


@pytest.mark.parametrize(
    "bad, err, match",
    [
        (np.ones(5), ValueError, "2-D"),
        (np.ones((2, 3, 4)), ValueError, "2-D"),
        (np.ones((0, 3)), ValueError, "at least one sample"),
        (np.array([[1.0, np.nan]]), ValueError, "NaN"),
        (np.array([[1.0, np.inf]]), ValueError, "NaN or infinite"),
        (np.array([["a", "b"]]), TypeError, "numbers"),
        (np.ones((3, 2), dtype=complex), TypeError, "real"),
        ("abc", TypeError, "2-D numeric"),
        (torch.tensor([[float("nan")]]), ValueError, "NaN"),
    ],
)
def test_check_embedding_errors_name_the_argument(bad, err, match):
    with pytest.raises(err, match=match) as info:
        check_embedding(bad, "A")
    assert "A" in str(info.value)


def test_check_embedding_accepts_ints_lists_and_tensors():
    assert check_embedding([[1, 2], [3, 4]]).shape == (2, 2)
    t = torch.ones(3, 2)
    assert check_embedding(t) is t


def test_check_paired_mismatched_rows():
    with pytest.raises(ValueError, match="same number of rows.*A with 20 and B with 19"):
        check_paired(A, A[:19])


def test_check_topk_bounds():
    assert check_topk(19, 20) == 19
    assert check_topk(20, 20, include_self=True) == 20
    with pytest.raises(ValueError, match="topk must be < n_samples.*topk=20 with n_samples=20"):
        check_topk(20, 20)
    with pytest.raises(ValueError, match="topk must be >= 1"):
        check_topk(0, 20)
    with pytest.raises(TypeError, match="topk must be an int"):
        check_topk(2.5, 20)


def test_unknown_metric_lists_known_ones():
    with pytest.raises(ValueError, match="unknown metric 'nope'.*mutual_knn"):
        alignment_score(A, A, metric="nope")


def test_get_metric_type_errors():
    with pytest.raises(TypeError, match="metric must be a str"):
        get_metric(3)
    with pytest.raises(TypeError, match="cannot be combined"):
        get_metric(get_metric("mutual_knn"), topk=3)


def test_every_registered_metric_rejects_mismatched_rows():
    for name in list_metrics():
        with pytest.raises(ValueError, match="same number of rows"):
            alignment_score(A, A[:10], metric=name)


def test_every_registered_metric_rejects_nan():
    B = A.copy()
    B[3, 1] = np.nan
    for name in list_metrics():
        with pytest.raises(ValueError, match="NaN"):
            alignment_score(A, B, metric=name)


def test_resolve_device():
    assert resolve_device("cpu").type == "cpu"
    assert resolve_device("auto", like=torch.ones(1)).type == "cpu"
    with pytest.raises(TypeError, match="device"):
        resolve_device(3)
    with pytest.raises(ValueError, match="device"):
        resolve_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            resolve_device("cuda")


def test_to_tensor_no_copy_when_already_right():
    t = torch.ones(4, 3)
    assert to_tensor(t, torch.device("cpu")).data_ptr() == t.data_ptr()  # same storage, no copy
    assert to_tensor(np.ones((2, 2)), torch.device("cpu")).dtype == torch.float32
