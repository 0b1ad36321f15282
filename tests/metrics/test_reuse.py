"""reuse_representations: each matrix's preprocessing and kNN lists computed once, same values."""

import numpy as np
import pytest
import torch

import mmalign_sk.metrics._knn_search as search
from mmalign_sk.metrics import get_metric, knn_indices, reuse_representations

KNN_NAMES = ["mutual_knn", "cycle_knn", "lcs_knn", "edit_distance_knn", "cknna"]


@pytest.fixture
def count_searches(monkeypatch):
    calls = []
    original = search._knn

    def counting(X, topk, include_self, block_size, precision):
        calls.append((X.shape, topk, include_self))
        return original(X, topk, include_self, block_size, precision)

    monkeypatch.setattr(search, "_knn", counting)
    return calls


def pair(seed=0):
    rng = np.random.default_rng(seed)
    Z = rng.normal(size=(120, 3))
    return Z @ rng.normal(size=(3, 10)) + rng.normal(size=(120, 10)), rng.normal(size=(120, 6))


def test_knn_lists_computed_once_per_matrix_and_values_unchanged(count_searches):
    A, B = pair()
    separate = {name: get_metric(name, topk=5)(A, B) for name in KNN_NAMES}
    assert len(count_searches) == 2 * len(KNN_NAMES)
    count_searches.clear()
    with reuse_representations():
        shared = {name: get_metric(name, topk=5)(A, B) for name in KNN_NAMES}
        # block_size does not change kNN lists, so it does not stop the reuse
        shared["mutual_knn_blocks"] = get_metric("mutual_knn", topk=5, block_size=7)(A, B)
    assert shared.pop("mutual_knn_blocks") == separate["mutual_knn"]
    assert shared == separate
    assert len(count_searches) == 2


def test_different_settings_are_not_shared(count_searches):
    A, B = pair(1)
    with reuse_representations():
        a = get_metric("mutual_knn", topk=5)(A, B)
        b = get_metric("mutual_knn", topk=6)(A, B)  # another topk
        c = get_metric("mutual_knn", topk=5, clip_quantile=None)(A, B)  # other preprocessing
    assert len(count_searches) == 6
    assert (a, b, c) == (
        get_metric("mutual_knn", topk=5)(A, B),
        get_metric("mutual_knn", topk=6)(A, B),
        get_metric("mutual_knn", topk=5, clip_quantile=None)(A, B),
    )


def test_in_place_change_of_a_tensor_is_seen(count_searches):
    X = torch.nn.functional.normalize(torch.randn(50, 4, generator=torch.Generator().manual_seed(0)))
    with reuse_representations():
        first = knn_indices(X, 3)
        assert knn_indices(X, 3) is first
        X.mul_(-1.0)  # new version of the tensor: the lists are computed again
        again = knn_indices(X, 3)
    assert len(count_searches) == 2
    assert torch.equal(again, knn_indices(X, 3))


def test_nothing_is_kept_after_the_block_and_blocks_nest(count_searches):
    A, B = pair(2)
    with reuse_representations():
        with reuse_representations():
            get_metric("lcs_knn", topk=4)(A, B)
        get_metric("mutual_knn", topk=4)(A, B)  # shares the inner block's lists
    assert len(count_searches) == 2
    get_metric("mutual_knn", topk=4)(A, B)
    assert len(count_searches) == 4


def test_clipping_shared_by_metrics_with_and_without_normalisation(monkeypatch):
    import mmalign_sk.metrics._base as base

    calls = []
    original = base.preprocess

    def counting(X, clip_quantile=0.95, normalize=True):
        calls.append((clip_quantile, normalize))
        return original(X, clip_quantile, normalize)

    monkeypatch.setattr(base, "preprocess", counting)
    A, B = pair(3)
    separate = [get_metric(name)(A, B) for name in ("cmd", "cmd_unnorm", "cka")]
    calls.clear()
    with reuse_representations():
        shared = [get_metric(name)(A, B) for name in ("cmd", "cmd_unnorm", "cka")]
    assert shared == separate
    # per matrix: one clipping (normalize=False) and one normalisation (clip_quantile=None)
    assert sorted(calls, key=repr) == sorted([(0.95, False), (None, True)] * 2, key=repr)


def test_every_metric_unchanged_in_one_block_and_shared_work_done_once(monkeypatch):
    import mmalign_sk.metrics._kernel as kernel
    import mmalign_sk.metrics._validation as validation
    from mmalign_sk.metrics import list_metrics

    counts = {"centre": 0, "check": 0}
    centre, check = kernel.centre_columns, validation._check_embedding

    def counting_centre(X):
        counts["centre"] += 1
        return centre(X)

    def counting_check(X, name):
        counts["check"] += 1
        return check(X, name)

    monkeypatch.setattr(kernel, "centre_columns", counting_centre)
    monkeypatch.setattr(validation, "_check_embedding", counting_check)
    rng = np.random.default_rng(4)
    A, B = rng.normal(size=(150, 16)), rng.normal(size=(150, 12))  # svcca needs 10 features
    separate = {name: get_metric(name)(A, B) for name in list_metrics()}
    counts.update(centre=0, check=0)
    with reuse_representations():
        shared = {name: get_metric(name)(A, B) for name in list_metrics()}
    assert shared == separate
    # cka, unbiased_cka and cmd_centered share the centred normalised matrices, and
    # cmd_centered_unnorm centres the clipped ones: four centrings in all
    assert counts["centre"] == 4
    assert counts["check"] == 2  # A and B are validated once each
