"""Compiled scan of a similarity tile into per-row top-m heaps (numba, compiled on first use).

Every row keeps a min-heap of its ``m`` largest similarities seen so far (values and column
indices; the root is the smallest, i.e. the row's threshold). A tile's columns are split into
``groups`` strided groups of ``W`` columns, column ``c`` belonging to class ``c % W``. The caller
first takes the maximum of every class (one vectorised reduction over the tile, which is still in
cache after the matrix product that wrote it); the scan then reads value by value only the
classes whose maximum beats the row's threshold. On a row's first tile the threshold is the
``m``-th largest class maximum (``m`` distinct values of the tile, so at most its ``m``-th
largest value), which makes even the first tile cost little more than one read.
"""

import numpy as np
from numba import njit


@njit(nogil=True, cache=True, inline="always")
def _sift_down(heap_values, heap_index, row, pos, value, column):
    """Place ``(value, column)`` at ``pos`` of ``row``'s min-heap and sift it down."""
    m = heap_values.shape[1]
    while True:
        child = 2 * pos + 1
        if child >= m:
            break
        if child + 1 < m and heap_values[row, child + 1] < heap_values[row, child]:
            child += 1
        if heap_values[row, child] >= value:
            break
        heap_values[row, pos] = heap_values[row, child]
        heap_index[row, pos] = heap_index[row, child]
        pos = child
    heap_values[row, pos] = value
    heap_index[row, pos] = column


@njit(nogil=True, cache=True)
def _kth_smallest(values, scratch, k):
    """The ``k``-th smallest (0-based) of ``values``, by quickselect on ``scratch`` (no allocation)."""
    n = values.shape[0]
    for i in range(n):
        scratch[i] = values[i]
    lo, hi = 0, n - 1
    while lo < hi:
        pivot = scratch[(lo + hi) // 2]
        i, j = lo, hi
        while i <= j:
            while scratch[i] < pivot:
                i += 1
            while scratch[j] > pivot:
                j -= 1
            if i <= j:
                scratch[i], scratch[j] = scratch[j], scratch[i]
                i += 1
                j -= 1
        if k <= j:
            hi = j
        elif k >= i:
            lo = i
        else:
            break
    return scratch[k]


@njit(nogil=True, cache=True)
def scan_tile(tile, maxima, col_start, heap_values, heap_index, first):
    """Push the values of ``tile`` (rows, groups * W) into the rows' heaps.

    ``maxima`` (rows, W) holds the maximum of every column class of every row (the caller
    computes it with one vectorised reduction, ``tile.view(rows, groups, W).amax(1)``, while the
    tile is in cache); ``col_start`` is the column of ``X`` of the tile's first column; ``first``
    says whether this is the rows' first tile (their heaps hold ``-inf``).
    """
    W = maxima.shape[1]
    groups = tile.shape[1] // W
    m = heap_values.shape[1]
    found_values = np.empty(tile.shape[1], tile.dtype)
    found_index = np.empty(tile.shape[1], np.int64)
    scratch = np.empty(W, tile.dtype)
    for r in range(tile.shape[0]):
        S = tile[r]
        class_max = maxima[r]
        if first and W >= m:
            # the m-th largest class maximum is at most the tile's m-th largest value: every
            # value >= it is collected, the heap is built from the first m and takes the rest
            bar = _kth_smallest(class_max, scratch, W - m)
            found = 0
            for c in range(W):
                if class_max[c] >= bar:
                    for g in range(groups):
                        v = S[g * W + c]
                        if v >= bar:
                            found_values[found] = v
                            found_index[found] = col_start + g * W + c
                            found += 1
            for j in range(m):
                heap_values[r, j] = found_values[j]
                heap_index[r, j] = found_index[j]
            for pos in range(m // 2 - 1, -1, -1):
                _sift_down(heap_values, heap_index, r, pos, heap_values[r, pos],
                           heap_index[r, pos])
            for j in range(m, found):
                if found_values[j] > heap_values[r, 0]:
                    _sift_down(heap_values, heap_index, r, 0, found_values[j], found_index[j])
            continue
        bar = heap_values[r, 0]
        above = 0
        for c in range(W):  # a vectorised count first: most rows have no class above the bar
            above += 1 if class_max[c] > bar else 0
        if above == 0:
            continue
        for c in range(W):
            if class_max[c] > bar:
                for g in range(groups):
                    v = S[g * W + c]
                    if v > heap_values[r, 0]:
                        _sift_down(heap_values, heap_index, r, 0, v, col_start + g * W + c)
                bar = heap_values[r, 0]
