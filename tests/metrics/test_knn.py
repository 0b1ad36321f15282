"""Tests of the kNN alignment metrics against a naive float64 reference written here."""

import math

import numpy as np
import pytest
import torch

from mmalign_sk.metrics import (
    CycleKNN,
    EditDistanceKNN,
    LCSKNN,
    MutualKNN,
    cycle_knn,
    edit_distance_knn,
    get_metric,
    knn_indices,
    layerwise_alignment,
    lcs_knn,
    list_metrics,
    mutual_knn,
)

METRICS = {
    "mutual_knn": mutual_knn,
    "cycle_knn": cycle_knn,
    "lcs_knn": lcs_knn,
    "edit_distance_knn": edit_distance_knn,
}


# ------------------------------------------------------------------------------------------------
# naive float64 reference: similarities that do not depend on BLAS (correctly rounded sums of
# exactly rounded products, so equal rows have bitwise equal similarities), per-row loops, the
# documented tie rule, textbook DP
# ------------------------------------------------------------------------------------------------
def ref_preprocess(X, clip_quantile=0.95, normalize=True):
    X = np.asarray(X, dtype=np.float64)
    if clip_quantile is not None:
        t = np.quantile(np.abs(X), clip_quantile)
        X = np.clip(X, -t, t)
    if normalize:
        norms = np.array([math.sqrt(math.fsum(row * row)) for row in X])
        X = X / np.maximum(norms, 1e-12)[:, None]
    return X


def exact_gram(X):
    """``X @ X.T`` with every entry the correctly rounded sum of its products (no BLAS).

    For float32 inputs held in float64 the products are exact, so the entries are the exact inner
    products rounded once; equal rows always get bitwise equal similarities.
    """
    X = np.asarray(X, dtype=np.float64)
    return np.array([[math.fsum(p) for p in X * x] for x in X])


_REF_CACHE = {}


def ref_knn(X, k, include_self=False, eps=2.0**-23):
    """kNN lists under the documented tie rule, from exact similarities (memoised)."""
    X = np.ascontiguousarray(X, dtype=np.float64)
    key = (X.shape, X.tobytes(), k, include_self, eps)
    if key not in _REF_CACHE:
        _REF_CACHE[key] = _ref_knn(X, k, include_self, eps)
    return _REF_CACHE[key]


def _ref_knn(X, k, include_self, eps):
    """kNN lists under the documented tie rule, from exact similarities.

    Each row's similarities are sorted by decreasing value and cut into tie groups where two
    consecutive values differ by more than ``16 * eps * ||x_i|| * max_j ||x_j||`` (``eps`` of
    the data's dtype, float32 by default); rows are ordered by (group, index).
    """
    S = exact_gram(X)
    norms = np.sqrt(np.diag(S))
    tol = 16 * eps * norms * norms.max()
    n = len(X)
    out = []
    for i in range(n):
        cols = sorted((j for j in range(n) if include_self or j != i), key=lambda j: (-S[i, j], j))
        group, groups = 0, []
        for a, b in zip([None] + cols[:-1], cols):
            group += a is not None and S[i, a] - S[i, b] > tol[i]
            groups.append(group)
        out.append([j for _, j in sorted(zip(groups, cols))][:k])
    return np.array(out)


def ref_lcs(a, b):
    L = np.zeros((len(a) + 1, len(b) + 1), dtype=int)
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            if a[i - 1] == b[j - 1]:
                L[i, j] = L[i - 1, j - 1] + 1
            else:
                L[i, j] = max(L[i - 1, j], L[i, j - 1])
    return L[-1, -1]


def ref_levenshtein(a, b):
    D = np.zeros((len(a) + 1, len(b) + 1), dtype=int)
    D[:, 0] = np.arange(len(a) + 1)
    D[0, :] = np.arange(len(b) + 1)
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            substitute = D[i - 1, j - 1] + (a[i - 1] != b[j - 1])
            D[i, j] = min(D[i - 1, j] + 1, D[i, j - 1] + 1, substitute)
    return D[-1, -1]


def ref_metric(name, A, B, k, clip_quantile=0.95, normalize=True):
    ka = ref_knn(ref_preprocess(A, clip_quantile, normalize), k)
    kb = ref_knn(ref_preprocess(B, clip_quantile, normalize), k)
    n = len(ka)
    if name == "mutual_knn":
        return np.mean([len(set(ka[i]) & set(kb[i])) / k for i in range(n)])
    if name == "cycle_knn":
        return np.mean([any(i in ka[j] for j in kb[i]) for i in range(n)])
    if name == "lcs_knn":
        return np.mean([ref_lcs(ka[i], kb[i]) for i in range(n)])
    return 1.0 - np.mean([ref_levenshtein(ka[i], kb[i]) for i in range(n)]) / k


def correlated_pair(n, d1, d2, seed, noise=1.0):
    """Two views of a shared latent, so that their neighbourhoods partly agree."""
    rng = np.random.default_rng(seed)
    Z = rng.normal(size=(n, 4))
    A = Z @ rng.normal(size=(4, d1)) + noise * rng.normal(size=(n, d1))
    B = Z @ rng.normal(size=(4, d2)) + noise * rng.normal(size=(n, d2))
    return A, B


def tied_binary(n, d, n_distinct, seed):
    """Binary rows drawn from a few distinct patterns: massive exact ties of inner products."""
    rng = np.random.default_rng(seed)
    patterns = rng.integers(0, 2, size=(n_distinct, d))
    patterns[:, 0] = 1  # no all-zero row
    return patterns[rng.integers(0, n_distinct, size=n)].astype(np.float64)


@pytest.fixture(params=["row_blocks", "tiles_torch", "tiles_numpy", "narrow_tiles_auto"])
def strategy(request, monkeypatch):
    """Run a test with each kNN search strategy and tile-product backend, on inputs of any size.

    ``tiles_*`` use column tiles of 256 (first-tile thresholds from class maxima) with the tile
    products forced to torch or to numpy; ``narrow_tiles_auto`` tiles of 32 columns (narrower
    than the candidate window) with the backend being chosen, so that the first tiles alternate
    between the two; ``row_blocks`` never uses tiles.
    """
    import mmalign_sk.metrics._knn_search as search
    from mmalign_sk.metrics import _matmul

    if request.param == "row_blocks":
        monkeypatch.setattr(search, "_TILE_MIN_N", 10**12)
    else:
        tiles, backend = request.param.rsplit("_", 1)
        monkeypatch.setattr(search, "_TILE_MIN_N", 1)
        monkeypatch.setattr(search, "_TILE_COLS", 256 if tiles == "tiles" else 32)
        monkeypatch.setenv(_matmul.ENV_VAR, backend)
        monkeypatch.setattr(_matmul, "_rates", {})
        monkeypatch.setattr(_matmul, "_chosen", {})
    return request.param


# ------------------------------------------------------------------------------------------------
# values against the reference
# ------------------------------------------------------------------------------------------------
SHAPES = [(50, 8, 8, 5), (80, 16, 5, 3), (30, 4, 12, 1), (20, 6, 3, 19), (120, 32, 64, 10)]


@pytest.mark.parametrize("name", sorted(METRICS))
@pytest.mark.parametrize("n, d1, d2, k", SHAPES)
def test_matches_naive_reference(name, n, d1, d2, k):
    A, B = correlated_pair(n, d1, d2, seed=n + d1 + d2 + k)
    expected = ref_metric(name, A, B, k)
    assert METRICS[name](A, B, topk=k) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("n, d, k", [(40, 8, 5), (25, 3, 24), (60, 16, 1)])
@pytest.mark.parametrize("include_self", [False, True])
def test_knn_indices_match_naive_reference(n, d, k, include_self, strategy):
    X = ref_preprocess(np.random.default_rng(n * d + k).normal(size=(n, d)))
    got = knn_indices(torch.as_tensor(X, dtype=torch.float32), k, include_self=include_self)
    assert got.dtype == torch.long and got.shape == (n, k)
    np.testing.assert_array_equal(got.numpy(), ref_knn(X, k, include_self))


@pytest.mark.parametrize("k", [1, 4, 17, 59])
@pytest.mark.parametrize("block_size", [None, 1, 7])
@pytest.mark.parametrize("include_self", [False, True])
def test_knn_indices_heavy_ties_follow_lowest_index_rule(k, block_size, include_self, strategy):
    # integer inner products are exact in float32 and float64: ties are real ties in both
    X = tied_binary(60, 6, n_distinct=5, seed=k)
    T = torch.as_tensor(X, dtype=torch.float32)
    got = knn_indices(T, k, include_self=include_self, block_size=block_size)
    np.testing.assert_array_equal(got.numpy(), ref_knn(X, k, include_self))
    again = knn_indices(T, k, include_self=include_self, block_size=block_size)
    assert torch.equal(got, again)


def test_knn_indices_all_rows_identical(strategy):
    X = torch.ones((30, 4))
    expected = np.array([[j for j in range(30) if j != i][:12] for i in range(30)])
    np.testing.assert_array_equal(knn_indices(X, 12).numpy(), expected)


@pytest.mark.parametrize("name", sorted(METRICS))
@pytest.mark.parametrize("k", [3, 25])
def test_metrics_on_heavy_ties_match_reference(name, k, strategy):
    A = tied_binary(70, 8, n_distinct=6, seed=1)
    B = tied_binary(70, 5, n_distinct=4, seed=2)
    params = dict(clip_quantile=None, normalize=False)
    expected = ref_metric(name, A, B, k, **params)
    first = METRICS[name](A, B, topk=k, **params)
    assert first == pytest.approx(expected, abs=1e-12)
    assert METRICS[name](A, B, topk=k, block_size=3, **params) == first


def test_similarities_within_the_tolerance_are_ties(strategy):
    # row 0 is e_0, so its similarities are the first coordinates, exact in float32; the largest
    # norm is about 1.03, so row 0's tolerance is 16 * 2**-23 * 1.03 = 1.97e-6
    ulp = 2.0**-24  # spacing of float32 numbers in [0.5, 1)
    first = {1: 0.5, 2: 0.5 + 16 * ulp, 3: 0.5 + 8 * ulp, 4: 0.9, 5: 0.5 + 2**-12, 6: 0.1}
    X = torch.zeros((7, 2))
    X[0, 0] = 1.0
    for row, value in first.items():
        X[row] = torch.tensor([value, 0.5])
    # 0.5, 0.5 + 8 ulp, 0.5 + 16 ulp are 4.8e-7 apart: one tie group in index order, although
    # 0.5 and 0.5 + 16 ulp (9.5e-7) are chained only through 0.5 + 8 ulp; 0.5 + 2**-12 is 2.4e-4
    # above the group and keeps its place
    assert knn_indices(X, 5)[0].tolist() == [4, 5, 1, 2, 3]
    assert knn_indices(X, 3)[0].tolist() == [4, 5, 1]
    # without the tie, the order is by value
    X[2, 0] = 0.5 + 2**-14
    assert knn_indices(X, 5)[0].tolist() == [4, 5, 2, 1, 3]


@pytest.mark.parametrize("block_size", [None, 1, 7])
def test_long_chain_of_near_ties_beyond_the_candidate_window(block_size, strategy):
    # 60 rows whose similarity with row 0 is 0.5 + c * 2**-23, c = 0..59 in shuffled order: a
    # chain of steps of 1.2e-7 spanning 7e-6, more than the tolerance (1.97e-6) end to end, so
    # the group is found by following the chain past the candidate window
    rng = np.random.default_rng(0)
    n = 64
    values = np.empty(n)
    values[0] = 0.0
    values[1:61] = 0.5 + rng.permutation(60) * 2.0**-23
    values[61:] = [0.9, 0.8, 0.1]
    X = torch.zeros((n, 2))
    X[:, 0] = torch.as_tensor(values, dtype=torch.float32)
    X[:, 1] = 0.5
    X[0] = torch.tensor([1.0, 0.0])
    got = knn_indices(X, 6, block_size=block_size)[0].tolist()
    assert got == [61, 62, 1, 2, 3, 4]


@pytest.mark.parametrize("include_self", [False, True])
def test_duplicated_rows_same_lists_for_every_block_size_and_thread_count(include_self, strategy):
    rng = np.random.default_rng(7)
    base = rng.normal(size=(12, 24))
    rows = torch.as_tensor(base[rng.integers(0, 12, size=300)], dtype=torch.float32)
    X = torch.nn.functional.normalize(rows, dim=1)
    # the reference sees the float32 rows exactly (in float64) and their exact similarities
    expected = ref_knn(X.double().numpy(), 10, include_self)
    threads = torch.get_num_threads()
    try:
        for n_threads in (1, 2):
            torch.set_num_threads(n_threads)
            for block_size in (None, 1, 7, 64, 300):
                got = knn_indices(X, 10, include_self=include_self, block_size=block_size)
                np.testing.assert_array_equal(got.numpy(), expected)
    finally:
        torch.set_num_threads(threads)


@pytest.mark.parametrize("include_self", [False, True])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_many_tiles_random_and_duplicated_rows(include_self, dtype, strategy):
    # 600 rows: random rows, then copies of some of them in shuffled positions, several column
    # tiles and row blocks; the reference sees the float32 rows exactly (float64 inputs hold the
    # same values, so the same exact similarities and lists)
    rng = np.random.default_rng(12)
    base = torch.nn.functional.normalize(torch.as_tensor(rng.normal(size=(450, 6))), dim=1)
    X = base[torch.as_tensor(rng.permutation(np.r_[np.arange(450), rng.integers(0, 450, 150)]))]
    X = X.float().to(dtype)
    expected = ref_knn(X.double().numpy(), 7, include_self, eps=torch.finfo(dtype).eps)
    for block_size in (None, 64, 250):
        got = knn_indices(X, 7, include_self=include_self, block_size=block_size)
        np.testing.assert_array_equal(got.numpy(), expected)


@pytest.mark.parametrize("name", sorted(METRICS))
def test_metrics_on_duplicated_rows_with_preprocessing(name, strategy):
    rng = np.random.default_rng(3)
    A = rng.normal(size=(9, 6))[rng.integers(0, 9, size=50)]
    B = rng.normal(size=(7, 4))[rng.integers(0, 7, size=50)]
    assert METRICS[name](A, B, topk=8) == pytest.approx(ref_metric(name, A, B, 8), abs=1e-12)


# ------------------------------------------------------------------------------------------------
# closed forms and invariances
# ------------------------------------------------------------------------------------------------
def clusters(n_clusters, size, d, seed, spread=1e-3):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(n_clusters, d))
    return np.repeat(centres, size, axis=0) + spread * rng.normal(size=(n_clusters * size, d))


def test_identical_inputs():
    A = np.random.default_rng(0).normal(size=(90, 12))
    assert mutual_knn(A, A, topk=7) == 1.0
    assert lcs_knn(A, A, topk=7) == 7.0
    assert edit_distance_knn(A, A, topk=7) == 1.0
    # kNN is not a symmetric relation, so cycle_knn(A, A) is the fraction of rows that are a
    # neighbour of one of their neighbours; it is 1 when neighbourhoods are closed clusters
    assert cycle_knn(A, A, topk=7) == pytest.approx(ref_metric("cycle_knn", A, A, 7), abs=1e-12)
    C = clusters(12, size=6, d=10, seed=1)
    assert cycle_knn(C, C, topk=5) == 1.0


@pytest.mark.parametrize("name", sorted(METRICS))
def test_invariant_to_positive_row_scaling_and_rotation(name):
    rng = np.random.default_rng(5)
    A, B = correlated_pair(100, 10, 7, seed=5)
    scale = rng.uniform(0.2, 5.0, size=(100, 1))
    Q, _ = np.linalg.qr(rng.normal(size=(10, 10)))
    params = dict(topk=6, clip_quantile=None)  # clipping at a quantile is neither
    base = METRICS[name](A, B, **params)
    assert METRICS[name](scale * A, B, **params) == base
    assert METRICS[name](A @ Q, B, **params) == base


def test_mutual_knn_is_symmetric():
    A, B = correlated_pair(150, 12, 20, seed=9)
    assert mutual_knn(A, B, topk=8) == mutual_knn(B, A, topk=8)


def test_mutual_knn_of_independent_data_is_chance_level():
    # E|kNN_A(i) & kNN_B(i)| = k^2 / (n - 1) for independent rows; the standard deviation of
    # the mean over n = 2000 rows is about sqrt(k^2 / (n - 1) / n) / k ~ 5e-4: allow 5 of them
    rng = np.random.default_rng(11)
    n, k = 2000, 10
    score = mutual_knn(rng.normal(size=(n, 32)), rng.normal(size=(n, 24)), topk=k)
    assert score == pytest.approx(k / (n - 1), abs=2.5e-3)


@pytest.mark.parametrize("name", sorted(METRICS))
def test_block_size_does_not_change_results(name):
    A, B = correlated_pair(77, 9, 6, seed=2)
    results = {METRICS[name](A, B, topk=5, block_size=b) for b in (None, 1, 8, 76, 500)}
    assert len(results) == 1


def test_compare_blocks_do_not_change_results(monkeypatch):
    import mmalign_sk.metrics._knn as knn_module

    A, B = correlated_pair(64, 9, 6, seed=4)
    expected = {name: fn(A, B, topk=6) for name, fn in METRICS.items()}
    monkeypatch.setattr(knn_module, "_COMPARE_ELEMENTS", 49 * 5)  # blocks of 5 rows
    assert {name: fn(A, B, topk=6) for name, fn in METRICS.items()} == expected


@pytest.mark.parametrize("name", sorted(METRICS))
def test_numpy_and_torch_inputs_agree(name):
    A, B = correlated_pair(60, 8, 5, seed=6)
    from_numpy = METRICS[name](A, B, topk=4)
    from_torch = METRICS[name](torch.as_tensor(A), torch.as_tensor(B, dtype=torch.float32), topk=4)
    assert from_numpy == from_torch


def test_bf16_and_tf32_keep_well_separated_neighbourhoods():
    C = clusters(10, size=6, d=16, seed=3, spread=1e-2)
    X = torch.nn.functional.normalize(torch.as_tensor(C, dtype=torch.float32), dim=1)
    exact = knn_indices(X, 5).sort(dim=1).values
    for precision in ("tf32", "bf16"):
        got = knn_indices(X, 5, precision=precision).sort(dim=1).values
        assert torch.equal(got, exact), precision


def test_registry_layerwise_and_classes():
    for name, cls in [
        ("mutual_knn", MutualKNN),
        ("cycle_knn", CycleKNN),
        ("lcs_knn", LCSKNN),
        ("edit_distance_knn", EditDistanceKNN),
    ]:
        assert name in list_metrics()
        metric = get_metric(name, topk=3, block_size=4, precision="bf16")
        assert isinstance(metric, cls)
        assert metric.get_params()["topk"] == 3
    A, B = correlated_pair(40, 6, 5, seed=8)
    scores = layerwise_alignment([A, B], [B], metric="lcs_knn", topk=4).scores
    assert scores[0, 0] == pytest.approx(ref_metric("lcs_knn", A, B, 4), abs=1e-12)
    assert scores[1, 0] == 4.0


# ------------------------------------------------------------------------------------------------
# errors
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(METRICS))
def test_errors(name):
    fn = METRICS[name]
    A = np.random.default_rng(0).normal(size=(10, 3))
    with pytest.raises(ValueError, match="topk must be >= 1"):
        fn(A, A, topk=0)
    with pytest.raises(ValueError, match="topk must be < n_samples"):
        fn(A, A, topk=10)
    for bad in (2.5, "3", True, None):
        with pytest.raises(TypeError, match="topk must be an int"):
            fn(A, A, topk=bad)
    with pytest.raises(ValueError, match="same number of rows"):
        fn(A, A[:9], topk=3)
    nan = A.copy()
    nan[2, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        fn(nan, A, topk=3)
    with pytest.raises(ValueError, match="2-D"):
        fn(A[:, :, None], A, topk=3)
    with pytest.raises(ValueError, match="precision must be one of"):
        fn(A, A, topk=3, precision="fp16")
    with pytest.raises(ValueError, match="block_size must be >= 1"):
        fn(A, A, topk=3, block_size=0)


def test_knn_indices_errors():
    X = torch.randn(8, 3)
    with pytest.raises(TypeError, match="X must be a torch.Tensor"):
        knn_indices(X.numpy(), 2)
    with pytest.raises(ValueError, match="2-D floating-point"):
        knn_indices(torch.ones(8, dtype=torch.long).reshape(4, 2), 2)
    with pytest.raises(ValueError, match="topk must be < n_samples"):
        knn_indices(X, 8)
    assert knn_indices(X, 8, include_self=True).shape == (8, 8)
    with pytest.raises(ValueError, match="precision"):
        knn_indices(X, 2, precision="half")
    with pytest.raises(TypeError, match="include_self"):
        knn_indices(X, 2, include_self=1)


# ------------------------------------------------------------------------------------------------
# CUDA
# ------------------------------------------------------------------------------------------------
@pytest.mark.gpu
def test_cuda_matches_cpu():
    C = clusters(200, size=11, d=64, seed=0, spread=0.05)
    X = torch.nn.functional.normalize(torch.as_tensor(C, dtype=torch.float32), dim=1)
    cpu = knn_indices(X, 10)
    cuda = knn_indices(X.cuda(), 10)
    assert cuda.device.type == "cuda"
    assert torch.equal(cuda.cpu(), cpu)
    A, B = correlated_pair(500, 32, 16, seed=1)
    for name, fn in METRICS.items():
        assert fn(A, B, topk=10, device="cuda") == pytest.approx(fn(A, B, topk=10, device="cpu"))
    previous = torch.backends.cuda.matmul.fp32_precision
    rng = np.random.default_rng(2)
    X = torch.nn.functional.normalize(torch.as_tensor(rng.normal(size=(4000, 128))), dim=1)
    X = X.float().cuda()
    exact = knn_indices(X, 10).sort(dim=1).values
    for precision in ("tf32", "bf16"):
        got = knn_indices(X, 10, precision=precision).sort(dim=1).values
        changed = 1.0 - (got[:, :, None] == exact[:, None, :]).any(2).float().mean().item()
        print(f"{precision}: fraction of neighbours changed vs float32 = {changed:.4f}")
        assert changed < 0.5
    assert torch.backends.cuda.matmul.fp32_precision == previous


def test_tile_kernel_selection_and_heap_against_numpy():
    from mmalign_sk.metrics._knn_kernels import _kth_smallest, scan_tile

    rng = np.random.default_rng(4)
    for values in (rng.normal(size=128), rng.integers(0, 5, size=128).astype(float),
                   np.r_[np.full(60, -np.inf), rng.normal(size=68)], np.ones(16)):
        values = values.astype(np.float32)
        scratch = np.empty_like(values)
        for k in (0, 7, len(values) - 1):
            assert _kth_smallest(values, scratch, k) == np.sort(values)[k]
    # one tile of 64 rows x 256 columns (16 classes of 16), first and a second tile: the heaps
    # hold the 18 largest values of each row seen so far (as multisets)
    tiles = [rng.normal(size=(64, 256)).astype(np.float32) for _ in range(2)]
    tiles[1][:5, :40] = 3.0  # many equal values above everything of the first tile
    heap_values = np.full((64, 18), -np.inf, np.float32)
    heap_index = np.zeros((64, 18), np.int64)
    for t, tile in enumerate(tiles):
        maxima = tile.reshape(64, 16, 16).max(axis=1)  # column c belongs to class c % 16
        scan_tile(tile, maxima, 256 * t, heap_values, heap_index, t == 0)
        seen = np.hstack(tiles[: t + 1])
        np.testing.assert_array_equal(np.sort(heap_values, axis=1),
                                      np.sort(seen, axis=1)[:, -18:])
        np.testing.assert_array_equal(np.take_along_axis(seen, heap_index, 1), heap_values)
