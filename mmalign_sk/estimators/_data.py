"""Fast mini-batches from in-memory tensors kept on the compute device."""

import math

import torch
from skorch.dataset import Dataset
from torch.utils.data import DataLoader, Subset


def _take(data, index):
    if data is None:
        return None
    if isinstance(data, dict):
        return {key: value[index] for key, value in data.items()}
    return data[index]


def _is_tensor_data(data):
    if isinstance(data, dict):
        return bool(data) and all(isinstance(v, torch.Tensor) for v in data.values())
    return isinstance(data, torch.Tensor)


def _unwrap(dataset):
    """(X, y, indices) of a skorch Dataset of tensors or a Subset of one; None otherwise."""
    indices = None
    if isinstance(dataset, Subset):
        indices = torch.as_tensor(list(dataset.indices), dtype=torch.long)
        dataset = dataset.dataset
    if type(dataset) is not Dataset or not _is_tensor_data(dataset.X):
        return None
    if dataset.y is not None and not isinstance(dataset.y, torch.Tensor):
        return None
    return dataset.X, dataset.y, indices


class BatchIterator:
    """Mini-batches of a dataset of in-memory tensors, cut by indexing whole batches at once.

    A drop-in replacement for ``torch.utils.data.DataLoader`` as skorch's ``iterator_train`` /
    ``iterator_valid`` when the data are tensors already on the compute device (what the
    estimators of this package build): no per-sample ``__getitem__``, no collation, no host to
    device copy per batch. Other datasets are handed to a ``DataLoader``.

    Parameters
    ----------
    dataset : skorch.dataset.Dataset or torch.utils.data.Subset of one
    batch_size : int, default=128
    shuffle : bool, default=False
        Draw a new permutation for every pass, from ``generator``.
    drop_last : bool, default=False
    generator : torch.Generator, optional
        CPU generator used for the permutations (the same permutation on every device).

    Examples
    --------
    >>> import torch
    >>> from skorch.dataset import Dataset
    >>> from mmalign_sk.estimators import BatchIterator
    >>> ds = Dataset({"a": torch.arange(5.0)}, torch.arange(5))
    >>> [yb.tolist() for _, yb in BatchIterator(ds, batch_size=2)]
    [[0, 1], [2, 3], [4]]
    """

    def __init__(self, dataset, batch_size=128, shuffle=False, drop_last=False, generator=None,
                 **dataloader_options):
        if dataloader_options:
            raise TypeError(
                f"BatchIterator does not take {sorted(dataloader_options)} (DataLoader options); "
                "pass iterator_train=torch.utils.data.DataLoader (and/or iterator_valid) to use "
                "them."
            )
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.generator = generator
        self._parts = _unwrap(dataset)

    def _n_samples(self):
        if self._parts is None:
            return len(self.dataset)
        X, _, indices = self._parts
        if indices is not None:
            return len(indices)
        return len(next(iter(X.values()))) if isinstance(X, dict) else len(X)

    def __len__(self):
        n = self._n_samples()
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self):
        if self._parts is None:
            yield from DataLoader(self.dataset, batch_size=self.batch_size, shuffle=self.shuffle,
                                  drop_last=self.drop_last, generator=self.generator)
            return
        X, y, indices = self._parts
        n = self._n_samples()
        stop = n - n % self.batch_size if self.drop_last else n
        if not self.shuffle and indices is None:
            for start in range(0, stop, self.batch_size):
                batch = slice(start, min(start + self.batch_size, n))
                yield _take(X, batch), _take(y, batch)
            return
        order = torch.randperm(n, generator=self.generator) if self.shuffle else torch.arange(n)
        if indices is not None:
            order = indices[order]
        device = (next(iter(X.values())) if isinstance(X, dict) else X).device
        order = order.to(device)
        for start in range(0, stop, self.batch_size):
            batch = order[start:start + self.batch_size]
            yield _take(X, batch), _take(y, batch)
