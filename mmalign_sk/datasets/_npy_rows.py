"""Read rows of a large ``.npy`` file with plain file reads, a block at a time.

A memory map would do the same job, but every page it touches counts in the process's resident
memory; reading blocks keeps the peak at the size of what the caller keeps plus one block.
"""

import os

import numpy as np


class NpyRows:
    """Row-sliceable view of a C-ordered ``.npy`` file: ``rows[lo:hi]`` reads those rows only.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from mmalign_sk.datasets._npy_rows import NpyRows
    >>> path = os.path.join(tempfile.mkdtemp(), "a.npy")
    >>> np.save(path, np.arange(12.0).reshape(4, 3))
    >>> rows = NpyRows(path)
    >>> rows.shape, rows[1:3].tolist()
    ((4, 3), [[3.0, 4.0, 5.0], [6.0, 7.0, 8.0]])
    """

    def __init__(self, path):
        self.path = os.fspath(path)
        with open(self.path, "rb") as f:
            try:
                version = np.lib.format.read_magic(f)
                reader = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                          else np.lib.format.read_array_header_2_0)
                shape, fortran_order, dtype = reader(f)
            except ValueError as exc:
                raise ValueError(f"{self.path} is not a readable .npy file: {exc}") from exc
            self.offset = f.tell()
        if fortran_order or dtype.hasobject or not shape:
            raise ValueError(f"{self.path} must hold a C-ordered numeric array with rows.")
        self.shape, self.dtype = tuple(shape), dtype
        self._row_items = int(np.prod(self.shape[1:], dtype=np.int64))
        expected = self.offset + self.shape[0] * self._row_items * dtype.itemsize
        if os.path.getsize(self.path) < expected:
            raise ValueError(f"{self.path} is truncated: {os.path.getsize(self.path)} bytes, "
                             f"expected {expected}.")

    def __len__(self):
        return self.shape[0]

    @property
    def ndim(self):
        return len(self.shape)

    def __getitem__(self, key):
        if not isinstance(key, slice) or key.step not in (None, 1):
            raise TypeError("NpyRows supports contiguous row slices only, e.g. rows[10:20].")
        lo, hi, _ = key.indices(self.shape[0])
        hi = max(hi, lo)
        data = np.fromfile(self.path, dtype=self.dtype, count=(hi - lo) * self._row_items,
                           offset=self.offset + lo * self._row_items * self.dtype.itemsize)
        return data.reshape((hi - lo, *self.shape[1:]))

    def __array__(self, dtype=None, copy=None):
        out = self[:]
        return out if dtype is None else out.astype(dtype)


def iter_row_blocks(source, rows, block_rows=256):
    """Yield ``(i, source[rows[i:i + k]])`` for sorted ``rows``, reading contiguous spans.

    ``source`` is an array or anything sliceable by contiguous rows (:class:`NpyRows`). A block
    whose rows are far apart is read row by row instead of as one long span.
    """
    for i in range(0, len(rows), block_rows):
        sel = np.asarray(rows[i:i + block_rows])
        lo, hi = int(sel[0]), int(sel[-1]) + 1
        if hi - lo == len(sel):  # contiguous rows: one read, no gather
            yield i, np.asarray(source[lo:hi])
        elif hi - lo <= 4 * len(sel):
            yield i, np.asarray(source[lo:hi])[sel - lo]
        else:
            yield i, np.concatenate([np.asarray(source[r:r + 1]) for r in sel])
