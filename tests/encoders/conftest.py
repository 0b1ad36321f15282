"""Fixtures of the encoder tests."""

import pytest
import torch


@pytest.fixture(autouse=True)
def seeded_single_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        yield
    torch.set_num_threads(before)
