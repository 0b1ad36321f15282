import numpy as np
import torch

from mmalign_sk.estimators import UnimodalClassifier
from mmalign_sk.estimators._threads import (
    SMALL_NETWORK_PARAMETERS,
    n_parameters,
    small_network_threads,
    torch_threads,
)


class _RecordThreads(torch.nn.Linear):
    """A linear encoder that records the intra-op thread count it runs under."""

    seen = []

    def __init__(self):
        super().__init__(4, 6)

    def forward(self, x):
        _RecordThreads.seen.append(torch.get_num_threads())
        return super().forward(x)


def test_torch_threads_restores_the_previous_setting():
    before = torch.get_num_threads()
    with torch_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before


def test_small_networks_on_cpu_get_one_thread_large_ones_are_left_alone():
    small = torch.nn.Linear(10, 10)
    large = torch.nn.Linear(1000, SMALL_NETWORK_PARAMETERS // 1000 + 1)
    assert n_parameters(small) == 110
    assert n_parameters(large) > SMALL_NETWORK_PARAMETERS
    before = torch.get_num_threads()
    with torch_threads(2):
        with small_network_threads(small, "cpu"):
            assert torch.get_num_threads() == 1
        with small_network_threads(large, "cpu"):
            assert torch.get_num_threads() == 2
        with small_network_threads(small, "cuda"):
            assert torch.get_num_threads() == 2
    assert torch.get_num_threads() == before


def test_fit_and_predict_of_a_small_network_run_on_one_thread():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 4)).astype("float32")
    y = (X[:, 0] > 0).astype(int)
    _RecordThreads.seen.clear()
    est = UnimodalClassifier(encoder=_RecordThreads, max_epochs=2, batch_size=16, device="cpu", random_state=0)
    with torch_threads(2):
        est.fit(X, y)
        est.predict(X)
        est.embed_layers(X)
        assert torch.get_num_threads() == 2
    assert _RecordThreads.seen and set(_RecordThreads.seen) == {1}
