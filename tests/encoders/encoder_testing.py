"""Shared fixture of the encoder tests (imported by the test modules)."""

import pytest
import torch


@pytest.fixture(autouse=True)
def seeded_single_thread():
    """Seed torch for the test without changing the caller's random state; one thread."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        yield
    torch.set_num_threads(before)
