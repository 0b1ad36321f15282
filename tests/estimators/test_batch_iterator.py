import pytest
import torch
from skorch.dataset import Dataset
from torch.utils.data import Subset, TensorDataset

from mmalign_sk.estimators import BatchIterator
from estimator_testing import one_torch_thread  # noqa: F401 (fixtures)


def _dataset(n=10):
    return Dataset({"a": torch.arange(n, dtype=torch.float32)[:, None],
                    "b": -torch.arange(n, dtype=torch.float32)[:, None]}, torch.arange(n))


def test_sequential_batches_in_order():
    batches = list(BatchIterator(_dataset(), batch_size=4))
    assert [yb.tolist() for _, yb in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert torch.equal(batches[1][0]["b"][:, 0], -batches[1][1].float())
    assert len(BatchIterator(_dataset(), batch_size=4)) == 3


def test_shuffled_epoch_is_a_permutation_reproducible_from_the_generator():
    def epoch(seed):
        it = BatchIterator(_dataset(), batch_size=3, shuffle=True,
                           generator=torch.Generator().manual_seed(seed))
        return torch.cat([yb for _, yb in it]).tolist()

    order = epoch(0)
    assert sorted(order) == list(range(10)) and order != list(range(10))
    assert epoch(0) == order
    assert epoch(0) == torch.randperm(10, generator=torch.Generator().manual_seed(0)).tolist()


def test_subset_and_drop_last():
    subset = Subset(_dataset(), [7, 2, 5, 9, 0])
    it = BatchIterator(subset, batch_size=2, drop_last=True)
    assert [yb.tolist() for _, yb in it] == [[7, 2], [5, 9]]
    assert len(it) == 2


def test_other_datasets_go_through_a_dataloader():
    ds = TensorDataset(torch.arange(5.0), torch.arange(5))
    got = [yb.tolist() for _, yb in BatchIterator(ds, batch_size=2)]
    assert got == [[0, 1], [2, 3], [4]]


def test_without_targets():
    ds = Dataset({"a": torch.ones(3, 2)}, None)
    (Xb, yb), = list(BatchIterator(ds, batch_size=8))
    assert yb is None and Xb["a"].shape == (3, 2)


@pytest.mark.parametrize("kwargs", [{"num_workers": 2}])
def test_dataloader_only_options_are_rejected_by_name(kwargs):
    with pytest.raises(TypeError, match=r"\[.num_workers.\] \(DataLoader options\)"):
        BatchIterator(_dataset(), **kwargs)
