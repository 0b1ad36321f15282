"""Exact kNN lists of the rows of a matrix, without forming the n x n similarity matrix.

Two strategies share one tie rule (:func:`knn_indices`):

* **tiles** (CPU, float32/float64, from ``_TILE_MIN_N`` rows): rows are taken in blocks of
  ``_TILE_ROWS``, columns in tiles of ``_TILE_COLS``, so that a similarity tile (8 MiB) is still in
  cache when it is read right after the matrix product that wrote it. Each row keeps a heap of
  its ``topk + 8`` best candidates; a tile's columns are split into ``_GROUPS`` strided groups,
  one vectorised maximum over the groups (``torch.amax``) tells which column classes can hold a
  value above the row's threshold, and the compiled scan of ``_knn_kernels`` reads only those few
  value by value.
  Cost: the matrix products plus about one read of every similarity, no sort of wide candidate
  sets. The tile products go to torch's or numpy's BLAS, whichever runs them faster on this CPU
  (measured on the first tiles, see ``_matmul``).
* **row blocks** (CUDA, ``precision="bf16"``, and the rows the tie rule sends back): a block of
  rows against all columns, ``torch.topk`` per row, the block buffer reused.

Memory is O(n * (topk + block)) in both.
"""

import contextlib
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch

from ._base import check_precision
from ._matmul import next_backend, numpy_threads, record, requested_backend, tile_key
from ._reuse import reused
from ._validation import check_int, check_topk

#: Bytes of similarity block allowed when ``block_size`` is None (row-block strategy).
_BLOCK_BYTES = {"cpu": 128 * 2**20, "cuda": 256 * 2**20}
#: Extra top-k candidates kept per row so that short tie runs are resolved without the fallback.
_TIE_MARGIN = 8
#: Tie tolerance in units of the machine epsilon times the row's scale ``||x_i|| * max_j ||x_j||``.
_TIE_ULPS = 16
#: Tile strategy: from this many rows on (below, row blocks cost less than loading the kernel).
_TILE_MIN_N = 4096
#: Tile strategy: rows per tile (when ``block_size`` is None) and columns per tile.
_TILE_ROWS = 1024
_TILE_COLS = 2048
#: Tile strategy: strided column groups whose maxima are tested against the running threshold.
_GROUPS = 16


def knn_indices(X, topk, *, include_self=False, block_size=None, precision="float32"):
    """Indices of the ``topk`` rows with the largest inner product with each row of ``X``.

    Parameters
    ----------
    X : torch.Tensor of shape (n_samples, n_features)
        Float rows, usually preprocessed (clipped and L2-normalised, so that inner products are
        cosine similarities), on any device.
    topk : int
        Number of neighbours per row; ``1 <= topk < n_samples`` (``<= n_samples`` with
        ``include_self=True``).
    include_self : bool, default=False
        Whether a row may be its own neighbour. By default it is excluded.
    block_size : int or None, default=None
        Rows of ``X`` processed at once. On the CPU (float32 or float64, at least 4096 rows) they
        meet columns in tiles of 2048 (``None``: 1024 rows, an 8 MiB tile); elsewhere the block has
        ``block_size x n_samples`` entries (``None``: about 128 MiB on the CPU, 256 MiB on CUDA).
        The result does not depend on it.
    precision : {"float32", "tf32", "bf16"}, default="float32"
        Precision of the Gram products. ``"float32"`` is exact single precision (the dtype of
        ``X`` for other float dtypes). ``"tf32"`` allows TensorFloat-32 matrix products on CUDA
        (no effect on the CPU). ``"bf16"`` forms the products in bfloat16: fastest on recent
        GPUs, but near-equal similarities may swap order or tie.

    Returns
    -------
    torch.LongTensor of shape (n_samples, topk)
        On the device of ``X``. Row ``i`` lists its neighbours by decreasing inner product; tied
        inner products (see Notes) are ordered by increasing row index (the lower index comes
        first and wins the last places), so the result is deterministic.

    Notes
    -----
    **Tie tolerance.** Row ``i``'s similarities are sorted by decreasing value and cut into tie
    groups wherever two consecutive values differ by more than
    ``tol_i = 16 * eps * ||x_i|| * max_j ||x_j||``, with ``eps`` the machine epsilon of the
    dtype of ``X`` (``2**-23`` for float32, so ``tol_i`` is about ``1.9e-6`` for L2-normalised
    rows). Within a group, rows are ordered by increasing index. Rounding of the matrix product
    differs between CPUs, BLAS kernels, thread counts and block sizes by far less than ``tol_i``,
    so equal inner products (duplicated rows, binary data) give the same lists everywhere, while
    similarities that differ by more than ``tol_i`` keep their order. With
    ``precision="bf16"`` the products are rounded to bfloat16 first and only equal rounded
    values are ties.

    **Algorithm.** Every row keeps its ``topk + 8`` best candidates. On the CPU a compiled scan
    (numba, loaded on the first call with at least 4096 rows) reads each similarity tile while it
    is in cache: the maxima of strided column classes (one vectorised reduction per tile) are
    compared with the row's current ``topk + 8``-th value and only the few classes above it are
    read value by value into a heap, so the cost is the matrix products plus about one read of
    every similarity. Elsewhere a block
    of rows against all columns goes through ``torch.topk``. The candidates are then ordered by
    (tie group, index); only rows whose tie group at the ``topk``-th place reaches the last
    candidate are computed again on their full similarity rows, to take the lowest indices of
    that group. Peak memory is ``O(n_samples * (topk + block_size))``.

    **Matrix-product backend (CPU tiles).** The tile products go to torch's BLAS (MKL in the
    x86 wheels) or to numpy's (OpenBLAS), whichever is faster on this CPU: the first tiles of the
    process (three of each, per thread count, dtype and feature width) are formed alternately by
    both and timed, and the faster is kept for the rest of the process. MKL is usually the
    faster on Intel CPUs, OpenBLAS often on AMD CPUs. The environment variable
    ``MMALIGN_CPU_MATMUL`` (``"auto"``, the default, ``"torch"`` or ``"numpy"``; read at every
    call) forces one. numpy's products run single-threaded on ``torch.get_num_threads()`` row
    chunks, so the thread count is torch's either way. The lists are the same with either
    backend: their products differ by rounding only, far below the tie tolerance.

    Examples
    --------
    >>> import torch
    >>> from mmalign_sk.metrics import knn_indices
    >>> X = torch.tensor([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0], [1.0, 0.0]])
    >>> knn_indices(X, 2)
    tensor([[3, 1],
            [0, 3],
            [1, 0],
            [0, 1]])
    """
    if not isinstance(X, torch.Tensor):
        raise TypeError(f"X must be a torch.Tensor; got {type(X).__name__}.")
    if X.ndim != 2 or not X.is_floating_point():
        raise ValueError(
            "X must be a 2-D floating-point tensor; "
            f"got shape {tuple(X.shape)} and dtype {X.dtype}."
        )
    if not isinstance(include_self, bool):
        raise TypeError(f"include_self must be a bool; got {include_self!r}.")
    n = X.shape[0]
    topk = check_topk(topk, n, include_self=include_self)
    precision = check_precision(precision)
    if block_size is not None:
        block_size = check_int(block_size, "block_size", minimum=1)
    if X.device.type == "cpu":
        requested_backend()  # a bad MMALIGN_CPU_MATMUL is an error, whichever strategy runs
    return reused(
        "knn", (X,), (topk, include_self, precision),
        lambda: _knn(X, topk, include_self, block_size, precision),
    )


def _knn(X, topk, include_self, block_size, precision):
    with torch.no_grad():
        tol = _tie_tolerance(X)
        if _use_tiles(X, precision):
            return _tiled_knn(X, topk, include_self, block_size or _TILE_ROWS, tol)
        block = _block_rows(X, block_size, precision)
        return _blocked_knn(X, topk, include_self, block, precision, tol)


def _use_tiles(X, precision):
    """Tiles serve float32/float64 on the CPU from ``_TILE_MIN_N`` rows; else row blocks."""
    return (
        X.device.type == "cpu"
        and precision != "bf16"
        and X.dtype in (torch.float32, torch.float64)
        and X.shape[0] >= _TILE_MIN_N
    )


# --------------------------------------------------------------------------------------------
# row blocks: a block of rows against all columns
# --------------------------------------------------------------------------------------------
def _blocked_knn(X, topk, include_self, block, precision, tol, rows=None):
    """kNN lists of ``rows`` (default: all rows) of ``X``, ``block`` rows at a time."""
    n = X.shape[0]
    rows = torch.arange(n, device=X.device) if rows is None else rows
    gram_X = X.to(torch.bfloat16) if precision == "bf16" else X
    out = torch.empty((rows.numel(), topk), dtype=torch.long, device=X.device)
    buffer = torch.empty((min(block, rows.numel()), n), dtype=gram_X.dtype, device=X.device)
    with _matmul_precision(precision, X.device):
        for start in range(0, rows.numel(), block):
            these = rows[start : start + block]
            S = buffer[: these.numel()]
            torch.matmul(gram_X[these], gram_X.T, out=S)
            if not include_self:
                S[torch.arange(these.numel(), device=X.device), these] = -float("inf")
            out[start : start + these.numel()] = _topk_lowest_index(
                S, topk, available=n - (not include_self), tol=tol[these, None]
            )
    return out


# --------------------------------------------------------------------------------------------
# tiles: running top-m heaps per row, cache-sized similarity tiles
# --------------------------------------------------------------------------------------------
def _tiled_knn(X, topk, include_self, block, tol):
    n = X.shape[0]
    available = n - (not include_self)
    m = min(topk + _TIE_MARGIN, available)
    block = min(block, n)
    buffer = torch.empty((block, _TILE_COLS), dtype=X.dtype)
    maxima = torch.empty((block, -(-_TILE_COLS // _GROUPS)), dtype=X.dtype)
    heap_values = torch.empty((block, m), dtype=X.dtype)
    heap_index = torch.empty((block, m), dtype=torch.long)
    values_np, index_np = heap_values.numpy(), heap_index.numpy()
    X_np = X.detach().numpy()
    out = torch.empty((n, topk), dtype=torch.long)
    reopen = []
    threads = torch.get_num_threads()
    key = tile_key(X, threads)
    with _row_chunks(threads) as in_chunks, numpy_threads(1):
        product = _tile_product(in_chunks, key)
        for start in range(0, n, block):
            stop = min(start + block, n)
            rows = X[start:stop]
            heap_values.fill_(-float("inf"))
            for col_start in range(0, n, _TILE_COLS):
                col_stop = min(col_start + _TILE_COLS, n)
                width = col_stop - col_start
                padded = -(-width // _GROUPS) * _GROUPS
                # the tile is stored contiguously (row stride ``padded``) at the buffer's start
                S = buffer.view(-1)[: (stop - start) * padded].view(stop - start, padded)
                product(rows, X[col_start:col_stop], S[:, :width],
                        (X_np[start:stop], X_np[col_start:col_stop], S.numpy()[:, :width]))
                if padded > width:
                    S[:, width:] = -float("inf")
                if not include_self and col_start < stop and start < col_stop:
                    own = torch.arange(max(start, col_start), min(stop, col_stop))
                    S[own - start, own - col_start] = -float("inf")
                # the maxima of the tile's column classes, one vectorised reduction (contiguous)
                M = maxima.view(-1)[: (stop - start) * (padded // _GROUPS)].view(stop - start, -1)
                torch.amax(S.view(stop - start, _GROUPS, -1), dim=1, out=M)
                in_chunks(_scan_rows, stop - start, S.numpy(), M.numpy(), col_start,
                          values_np, index_np)
            values, order = heap_values[: stop - start].sort(dim=1, descending=True)
            index = heap_index[: stop - start].gather(1, order)
            ordered, group, tied = _order_candidates(values, index, topk, tol[start:stop, None])
            out[start:stop] = ordered[:, :topk]
            if tied and m < available:  # rows whose tie group may go on beyond the candidates
                reopen.append(torch.nonzero(group[:, topk - 1] == group[:, m - 1]).flatten() + start)
    reopen = torch.cat(reopen) if reopen else torch.empty(0, dtype=torch.long)
    if reopen.numel():
        out[reopen] = _blocked_knn(X, topk, include_self, _block_rows(X), "float32", tol,
                                   rows=reopen)
    return out


def _scan_rows(a, b, tile, maxima, col_start, values, index):
    """Scan rows ``a:b`` of a tile into their heaps (the compiled scan releases the GIL)."""
    from ._knn_kernels import scan_tile

    scan_tile(tile[a:b], maxima[a:b], col_start, values[a:b], index[a:b], col_start == 0)


def _tile_product(in_chunks, key):
    """``product(rows, cols, out, arrays)``: ``out = rows @ cols.T`` by the backend of ``key``.

    torch's product runs on torch's threads; numpy's runs single-threaded on each row chunk of
    ``in_chunks`` (``arrays`` are the numpy views of the three tensors), so that one pool of
    threads serves both the product and the scan. While the backend is still being chosen
    (:mod:`._matmul`), each product is timed (wall time; CPU time of this thread with one
    thread) and the two backends alternate.
    """

    def numpy_rows(a, b, rows, cols, out):
        np.matmul(rows[a:b], cols.T, out=out[a:b])

    # on one thread the product runs in this thread, whose CPU time other processes disturb less
    clock = time.thread_time if key[0] <= 1 else time.perf_counter

    def product(rows, cols, out, arrays):
        backend, timed = next_backend(key)
        begin = clock() if timed else 0.0
        if backend == "torch":
            torch.mm(rows, cols.T, out=out)
        else:
            in_chunks(numpy_rows, rows.shape[0], *arrays)
        if timed:
            record(key, backend, 2.0 * out.numel() * rows.shape[1], clock() - begin)

    return product


@contextlib.contextmanager
def _row_chunks(threads):
    """``in_chunks(fn, rows, *args)``: ``fn(a, b, *args)`` on ``threads`` chunks ``[a, b)`` of
    ``range(rows)`` in parallel (one call on the whole range with one thread)."""

    def serial(fn, rows, *args):
        fn(0, rows, *args)

    if threads <= 1:
        yield serial
        return
    with ThreadPoolExecutor(max_workers=threads) as pool:

        def parallel(fn, rows, *args):
            if rows < 2 * threads:
                return serial(fn, rows, *args)
            bounds = [rows * t // threads for t in range(threads + 1)]
            jobs = [pool.submit(fn, a, b, *args) for a, b in zip(bounds[:-1], bounds[1:])]
            for job in jobs:
                job.result()

        yield parallel


# --------------------------------------------------------------------------------------------
# the tie rule
# --------------------------------------------------------------------------------------------
def _tie_tolerance(X):
    """Per-row tie tolerance ``_TIE_ULPS * eps * ||x_i|| * max_j ||x_j||`` (shape (n,), float32)."""
    dtype = X.dtype if X.dtype in (torch.float32, torch.float64) else torch.float32
    norms = torch.linalg.vector_norm(X.to(dtype), dim=1)
    scale = norms * norms.max() if norms.numel() else norms
    return (_TIE_ULPS * torch.finfo(X.dtype).eps * scale).float()


def _block_rows(X, block_size=None, precision="float32"):
    """Rows per similarity block: ``block_size``, or what fits the memory budget of X's device."""
    n = X.shape[0]
    if block_size is not None:
        return min(check_int(block_size, "block_size", minimum=1), n)
    budget = _BLOCK_BYTES.get(X.device.type, _BLOCK_BYTES["cpu"])
    itemsize = 2 if precision == "bf16" else X.element_size()
    return max(1, min(n, budget // (itemsize * n)))


@contextlib.contextmanager
def _matmul_precision(precision, device):
    """Allow TF32 matrix products on CUDA inside the block when asked; restore the flag after."""
    if precision != "tf32" or torch.device(device).type != "cuda":
        yield
        return
    matmul = torch.backends.cuda.matmul
    if hasattr(matmul, "fp32_precision"):
        previous = matmul.fp32_precision
        matmul.fp32_precision = "tf32"
        try:
            yield
        finally:
            matmul.fp32_precision = previous
    else:  # pragma: no cover - older torch
        previous = matmul.allow_tf32
        matmul.allow_tf32 = True
        try:
            yield
        finally:
            matmul.allow_tf32 = previous


def _topk_lowest_index(S, topk, available, tol):
    """Top-``topk`` columns of every row of ``S`` under the tie rule of :func:`knn_indices`.

    ``available`` is the number of columns that may be chosen (self-matches are ``-inf``) and
    ``tol`` the rows' tie tolerances, shape (rows, 1).
    """
    m = min(S.shape[1], topk + _TIE_MARGIN)
    values, index = torch.topk(S, m, dim=1, sorted=True)
    result, group, tied = _order_candidates(values, index, topk, tol)
    if m >= available or not tied:  # the window holds every row's last tie group entirely
        return result[:, :topk].contiguous()
    open_rows = torch.nonzero(group[:, topk - 1] == group[:, m - 1]).flatten()
    result = result[:, :topk].contiguous()
    if open_rows.numel():
        result[open_rows] = _resolve_open_rows(
            S[open_rows], values[open_rows], group[open_rows], result[open_rows], topk,
            tol[open_rows],
        )
    return result


def _order_candidates(values, index, topk, tol):
    """Order candidates (sorted by decreasing value) by (tie group, index).

    Returns the reordered indices, the tie group of each reordered position (non-decreasing) and
    whether any two candidates were tied at all (when not, the value order is kept as is).
    """
    linked = (values[:, :-1] - values[:, 1:]) <= tol  # consecutive values in one tie group
    if not bool(linked.any()):
        group = torch.arange(values.shape[1], device=values.device).expand_as(index)
        return index, group, False
    group = torch.zeros_like(index)
    torch.cumsum(~linked, dim=1, out=group[:, 1:])
    key = group * (int(index.max()) + 1) + index
    key, order = key.sort(dim=1)
    return index.gather(1, order), group.gather(1, order), True


def _resolve_open_rows(S, values, group, ordered, topk, tol):
    """Exact kNN lists of rows whose tie group at the ``topk``-th place reached the window edge.

    ``S`` holds the rows' full similarities, ``values`` their window sorted by decreasing value,
    ``group`` and ``ordered`` the window's tie groups and indices ordered by (group, index). The
    groups before the ``topk``-th place's are complete in the window; the tie group itself is
    the interval ``[low, high]`` of values, with ``low`` found by following the chain of values
    less than ``tol`` apart below the window; its lowest column indices take the remaining places.
    """
    n = S.shape[1]
    key_dtype = torch.int32 if n < 2**31 - 1 else torch.long
    columns = torch.arange(n, dtype=key_dtype, device=S.device)
    chunk = max(1, _BLOCK_BYTES["cpu"] // (12 * n))  # a copy of the rows, their mask and keys
    positions = torch.arange(topk, device=S.device)
    parts = []
    for start in range(0, S.shape[0], chunk):
        rows = slice(start, start + chunk)
        S_r, g, t = S[rows], group[rows], tol[rows]
        last = g[:, topk - 1 : topk]
        n_above = (g[:, :topk] < last).sum(dim=1, keepdim=True)
        # the group's top value: the largest window value in group ``last`` (groups numbered as in
        # _order_candidates, in value order)
        v = values[rows]
        value_group = torch.zeros_like(g)
        torch.cumsum((v[:, :-1] - v[:, 1:]) > t, dim=1, out=value_group[:, 1:])
        high = torch.where(value_group == last, v, -float("inf")).amax(dim=1, keepdim=True)
        low = v[:, -1:]
        while True:  # extend the group downwards along values less than tol apart
            reach = torch.where(S_r >= low - t, S_r, float("inf")).amin(dim=1, keepdim=True)
            new_low = torch.minimum(low, reach)
            if torch.equal(new_low, low):
                break
            low = new_low
        member = (S_r >= low) & (S_r <= high + t / 2)
        n_tied = int((topk - n_above).max())
        key = torch.where(member, columns, n)
        lowest = torch.topk(key, n_tied, dim=1, largest=False, sorted=True).values.long()
        tie_slot = (positions - n_above).clamp(0, n_tied - 1)
        parts.append(torch.where(positions < n_above, ordered[rows], lowest.gather(1, tie_slot)))
    return torch.cat(parts)
