"""Shared fixtures of the estimator tests: tiny redundant two-modality data, one torch thread.

Imported by the test modules (a conftest.py here would clash with other test folders' under
``--doctest-modules``).
"""

import numpy as np
import pytest
import torch
from skorch.helper import SliceDict


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Tiny models run fastest (and least disturbed by other jobs) on one thread."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def redundant_data(n=300, n_shared=6, n_unique=3, n_label_bits=2, seed=0):
    """Two modalities = shared bits + own unique bits; the label is read from shared bits only."""
    rng = np.random.RandomState(seed)
    shared = rng.randint(0, 2, (n, n_shared))
    x1 = np.hstack([shared, rng.randint(0, 2, (n, n_unique))]).astype(np.float32)
    x2 = np.hstack([shared, rng.randint(0, 2, (n, n_unique))]).astype(np.float32)
    y = shared[:, :n_label_bits] @ (2 ** np.arange(n_label_bits))
    return SliceDict(x1=x1, x2=x2), y


@pytest.fixture
def data():
    return redundant_data()


@pytest.fixture
def make_data():
    return redundant_data
