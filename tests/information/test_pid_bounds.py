"""PID sizes are bounded by alphabet sizes before allocation; non-finite PIDs are errors."""

import time
import tracemalloc
from dataclasses import replace

import numpy as np
import pytest

from mmalign_sk.information import estimate_pid, pid, pid_from_samples
from mmalign_sk.information import _pid as pid_module
from mmalign_sk.information._pid import MAX_PID_CONSTRAINTS, check_pid_size


def _refused_quickly(call, match):
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(ValueError, match=match):
            call()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # the refused systems would need gigabytes; the check itself only counts values
    assert peak < 64 * 2**20
    return time.perf_counter() - start


def test_bound_is_on_the_order_of_the_newton_system():
    check_pid_size(MAX_PID_CONSTRAINTS // 2 - 1, 1, 2)  # (2047 + 1) * 2 == 4096
    with pytest.raises(ValueError, match=r"4098 exceeds MAX_PID_CONSTRAINTS = 4096"):
        check_pid_size(MAX_PID_CONSTRAINTS // 2, 1, 2)


@pytest.mark.parametrize("n_x, n_y", [(120, 120), (2, 2000), (1000, 1000), (3000, 2)])
def test_samples_with_large_alphabets_are_refused_with_how_to_discretise(n_x, n_y):
    rng = np.random.RandomState(0)
    n = max(n_x, n_y) * 2
    x1, x2 = rng.randint(0, n_x, n), rng.randint(0, n_x, n)
    y = np.arange(n) % n_y
    order = (len(np.unique(x1)) + len(np.unique(x2))) * n_y
    assert order > MAX_PID_CONSTRAINTS
    _refused_quickly(lambda: pid_from_samples(x1, x2, y),
                     rf"x1, x2 and y take .* = {order} exceeds .*KBinsDiscretizer")


def test_composite_samples_count_distinct_rows():
    x = np.repeat(np.eye(40, dtype=int), 3, axis=0)  # 40 distinct rows of 40 columns
    y = np.arange(120) % 60
    # 40 + 40 distinct rows times 60 labels = 4800 > 4096, though each column is binary
    _refused_quickly(lambda: pid_from_samples(x, x, y), r"take 40, 40 and 60 distinct")


def test_table_counts_only_values_of_nonzero_probability():
    # A 3000 x 2 x 2 table whose x1 axis has two used values: the XOR distribution
    p = np.zeros((3000, 2, 2))
    for a in (0, 1):
        for b in (0, 1):
            p[1000 * a, b, a ^ b] = 0.25
    result = pid(p)
    assert result.synergy == pytest.approx(1.0, abs=1e-6)
    assert result.redundancy == pytest.approx(0.0, abs=1e-6)
    dense = np.full((3000, 2, 2), 1 / 12000)
    _refused_quickly(lambda: pid(dense), r"p's axis 0 \(x1\), axis 1 \(x2\) and axis 2 \(y\) "
                                         r"take 3000, 2 and 2 .*Merge rare")


def test_estimate_pid_refuses_a_label_with_many_values_before_clustering():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(2000, 3))
    y = np.arange(2000)  # an integer target: 2000 classes
    elapsed = _refused_quickly(lambda: estimate_pid(X, X, y, random_state=0),
                               r"clusters of X1, X2 and y take 20, 20 and 2000 .*label_bins")
    assert elapsed < 5  # nothing was clustered
    binned = estimate_pid(X, X, y, n_clusters=4, label_bins=4, random_state=0)
    assert binned.extra["label_edges"].size == 5


def test_advisor_refuses_a_target_with_many_values():
    from mmalign_sk.estimators import AlignmentAdvisor

    rng = np.random.RandomState(0)
    X = {"a": rng.normal(size=(2000, 4)), "b": rng.normal(size=(2000, 4))}
    advisor = AlignmentAdvisor(random_state=0)
    _refused_quickly(lambda: advisor.fit(X, np.arange(2000)), r"2000 distinct .*label_bins")
    assert not hasattr(advisor, "recommendation_")


def test_non_finite_solver_output_is_an_error(monkeypatch):
    solve = pid_module._solve_broja

    def broken(*args):
        q, *rest = solve(*args)
        return (np.full_like(q, np.nan), *rest)

    monkeypatch.setattr(pid_module, "_solve_broja", broken)
    p = np.full((2, 2, 2), 1 / 8)
    with pytest.raises(ValueError, match=r"PID of p came out non-finite"):
        pid(p)


@pytest.mark.parametrize("field", ["redundancy", "unique_1", "unique_2", "mi_joint"])
def test_nan_pid_never_becomes_a_recommendation(monkeypatch, field):
    from mmalign_sk.datasets import make_interaction_dataset
    from mmalign_sk.estimators import AlignmentAdvisor, redundancy_share
    from mmalign_sk.estimators import _advisor

    copy = np.zeros((2, 2, 2))
    copy[0, 0, 0] = copy[1, 1, 1] = 0.5
    nan_result = replace(pid(copy), **{field: float("nan")}, extra={"plugin_bias": 0.0})
    with pytest.raises(ValueError, match=rf"finite PID terms .*'{field}': nan"):
        redundancy_share(nan_result)
    monkeypatch.setattr(_advisor, "estimate_pid", lambda *a, **k: nan_result)
    data = make_interaction_dataset("redundancy", n_samples=64, random_state=0)
    advisor = AlignmentAdvisor(random_state=0)
    with pytest.raises(ValueError, match=r"finite PID terms"):
        advisor.fit(data.X, data.y)
    assert not hasattr(advisor, "recommendation_")


@pytest.mark.parametrize("row", [("x", 0.5, float("inf")), ("x", 0.5, float("nan")),
                                 ("x", float("nan"), 0.1), ("x", "half", 0.1), ("x", None, 0.1),
                                 "abc", ("x", 0.5)])
def test_advisor_evidence_must_be_finite(row):
    from mmalign_sk.datasets import make_interaction_dataset
    from mmalign_sk.estimators import AlignmentAdvisor

    data = make_interaction_dataset("redundancy", n_samples=64, random_state=0)
    evidence = [("a", 0.1, 0.0), row]
    with pytest.raises(ValueError, match=r"evidence rows must be .*finite weight"):
        AlignmentAdvisor(evidence=evidence, n_clusters=2).fit(data.X, data.y)
