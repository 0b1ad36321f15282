"""Tests of the partial information decomposition (exact, from samples, and estimated)."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from mmalign_sk.information import (
    PIDResult,
    SmallSampleWarning,
    estimate_pid,
    pid,
    pid_from_samples,
)

ATOL = 1e-6  # the solver certifies a duality gap of 1e-7 bits by default


@pytest.fixture(autouse=True)
def _single_thread():
    """KMeans' OpenMP threads oversubscribe a small, shared CI machine; the data here are tiny."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    with threadpoolctl.threadpool_limits(1):
        yield


# ------------------------------------------------------------------------------------------
# naive float64 references, written independently of the package
# ------------------------------------------------------------------------------------------
def naive_mi(pxy):
    """I(A; B) in bits of a 2-D joint table, by the definition."""
    total = 0.0
    pa = pxy.sum(axis=1)
    pb = pxy.sum(axis=0)
    for i in range(pxy.shape[0]):
        for j in range(pxy.shape[1]):
            if pxy[i, j] > 0:
                total += pxy[i, j] * np.log2(pxy[i, j] / (pa[i] * pb[j]))
    return total


def naive_joint_mi(p):
    """I(X1, X2; Y) in bits of a (n1, n2, ny) table."""
    return naive_mi(p.reshape(-1, p.shape[2]))


def gate(function, n_out):
    """p(x1, x2, y) of y = function(x1, x2) with independent uniform binary inputs."""
    p = np.zeros((2, 2, n_out))
    for a in (0, 1):
        for b in (0, 1):
            p[a, b, function(a, b)] += 0.25
    return p


def random_table(shape, seed, sparsity=0.0):
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.full(int(np.prod(shape)), 0.5)).reshape(shape)
    if sparsity:
        p[rng.random(shape) < sparsity] = 0.0
        p[0, 0, 0] += 1e-3  # never empty
    return p / p.sum()


def assert_terms(result, redundancy, unique_1, unique_2, synergy, atol=ATOL):
    got = [result.redundancy, result.unique_1, result.unique_2, result.synergy]
    np.testing.assert_allclose(got, [redundancy, unique_1, unique_2, synergy], atol=atol)


# ------------------------------------------------------------------------------------------
# canonical distributions with known decompositions
# ------------------------------------------------------------------------------------------
def test_pure_redundancy_y_equals_x1_equals_x2():
    p = np.zeros((2, 2, 2))
    p[0, 0, 0] = p[1, 1, 1] = 0.5
    assert_terms(pid(p), 1.0, 0.0, 0.0, 0.0)


def test_unique_y_equals_x1_with_independent_x2():
    p = gate(lambda a, b: a, 2)
    result = pid(p)
    assert_terms(result, 0.0, 1.0, 0.0, 0.0)
    assert result.converged


def test_xor_is_pure_synergy():
    assert_terms(pid(gate(lambda a, b: a ^ b, 2)), 0.0, 0.0, 0.0, 1.0)


def test_copy_is_two_unique_bits():
    assert_terms(pid(gate(lambda a, b: 2 * a + b, 4)), 0.0, 1.0, 1.0, 0.0)


def test_and_gate_matches_published_broja_values():
    # Bertschinger et al. (2014) and Makkeh, Theis & Vicente (2018, BROJA-2PID, Table of
    # examples): AND has no unique information, shared information I(X1; Y) = 0.311 bits and
    # synergy 0.5 bits.  Closed form of I(X1; Y): h(1/4) - 1/2 h(1/2).
    h = lambda x: -x * np.log2(x) - (1 - x) * np.log2(1 - x)  # noqa: E731
    shared = h(0.25) - 0.5 * h(0.5)
    assert shared == pytest.approx(0.311278, abs=1e-6)
    result = pid(gate(lambda a, b: a & b, 2))
    assert_terms(result, shared, 0.0, 0.0, 0.5)


def test_terms_are_independent_of_the_base_unit():
    p = random_table((3, 4, 3), seed=1)
    bits, nats = pid(p), pid(p, base=np.e)
    np.testing.assert_allclose(
        [nats.redundancy, nats.unique_1, nats.unique_2, nats.synergy],
        np.log(2) * np.array([bits.redundancy, bits.unique_1, bits.unique_2, bits.synergy]),
        atol=1e-6,
    )


# ------------------------------------------------------------------------------------------
# identities on random tables
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "shape, sparsity, seed",
    [
        ((2, 2, 2), 0.0, 0),
        ((3, 5, 2), 0.0, 1),
        ((6, 4, 5), 0.3, 2),
        ((8, 8, 3), 0.6, 3),
        ((15, 12, 4), 0.5, 4),
    ],
)
def test_identities_nonnegativity_and_constraints_on_random_tables(shape, sparsity, seed):
    p = random_table(shape, seed, sparsity)
    r = pid(p)
    assert r.converged and r.duality_gap <= 1e-7
    joint = naive_joint_mi(p)
    mi_1 = naive_mi(p.sum(axis=1))
    mi_2 = naive_mi(p.sum(axis=0))
    assert r.mi_joint == pytest.approx(joint, abs=1e-12)
    assert r.redundancy + r.unique_1 + r.unique_2 + r.synergy == pytest.approx(joint, abs=1e-9)
    assert r.redundancy + r.unique_1 == pytest.approx(mi_1, abs=1e-9)
    assert r.redundancy + r.unique_2 == pytest.approx(mi_2, abs=1e-6)
    assert min(r.terms.values()) >= -ATOL
    q = r.optimal_q
    assert np.all(q >= 0)
    assert np.all(q[p.sum(axis=1)[:, None, :] * p.sum(axis=0)[None, :, :] == 0] == 0)
    np.testing.assert_allclose(q.sum(axis=1), p.sum(axis=1), atol=1e-12)
    np.testing.assert_allclose(q.sum(axis=0), p.sum(axis=0), atol=1e-12)
    # The minimum is no larger than the value at p itself and at the conditional product.
    pc = p.sum(axis=1)[:, None, :] * p.sum(axis=0)[None, :, :] / p.sum(axis=(0, 1))
    assert r.mi_joint_min <= naive_joint_mi(pc) + 1e-9
    assert r.mi_joint_min == pytest.approx(naive_joint_mi(q), abs=1e-9)


def brute_force_min_joint_mi(p, n_grid=401):
    """min over Δ_p of I_q(X1, X2; Y) for a 2x2x2 table, by grid search (refined twice).

    For each y, q(., ., y) is a 2x2 coupling of p(., y) over x1 and p(., y) over x2, fixed by
    t_y = q(0, 0, y) in [max(0, a0 - b1), min(a0, b0)].
    """
    a = p.sum(axis=1)  # (x1, y)
    b = p.sum(axis=0)  # (x2, y)
    lo = np.maximum(0.0, a[0] - b[1])
    hi = np.minimum(a[0], b[0])

    def objective(t0, t1):
        q = np.empty(t0.shape + (2, 2, 2))
        for y, t in ((0, t0), (1, t1)):
            q[..., 0, 0, y] = t
            q[..., 0, 1, y] = a[0, y] - t
            q[..., 1, 0, y] = b[0, y] - t
            q[..., 1, 1, y] = a[1, y] - b[0, y] + t
        q = np.clip(q, 0.0, None).reshape(t0.shape + (4, 2))
        px = q.sum(axis=-1, keepdims=True)
        py = q.sum(axis=-2, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(q > 0, q * np.log2(q / (px * py)), 0.0)
        return terms.sum(axis=(-1, -2))

    box = [(lo[0], hi[0]), (lo[1], hi[1])]
    for _ in range(3):
        g0 = np.linspace(*box[0], n_grid)
        g1 = np.linspace(*box[1], n_grid)
        T0, T1 = np.meshgrid(g0, g1, indexing="ij")
        values = objective(T0, T1)
        i, j = np.unravel_index(np.argmin(values), values.shape)
        best = values[i, j]
        step0 = (box[0][1] - box[0][0]) / (n_grid - 1)
        step1 = (box[1][1] - box[1][0]) / (n_grid - 1)
        box = [
            (max(lo[0], g0[i] - 2 * step0), min(hi[0], g0[i] + 2 * step0)),
            (max(lo[1], g1[j] - 2 * step1), min(hi[1], g1[j] + 2 * step1)),
        ]
    return best


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_minimum_matches_brute_force_grid_search_on_2x2x2(seed):
    p = random_table((2, 2, 2), seed)
    r = pid(p)
    brute = brute_force_min_joint_mi(p)
    assert r.mi_joint_min == pytest.approx(brute, abs=1e-7)
    # The certified gap is a true bound: minimum - gap <= true minimum <= grid minimum.
    assert r.mi_joint_min - r.duality_gap <= brute + 1e-12


def test_and_gate_minimum_matches_brute_force():
    p = gate(lambda a, b: a & b, 2)
    assert pid(p).mi_joint_min == pytest.approx(brute_force_min_joint_mi(p), abs=1e-7)


def test_symmetries_swap_relabel_and_padding():
    p = random_table((4, 3, 3), seed=5, sparsity=0.2)
    r = pid(p)
    swapped = pid(p.transpose(1, 0, 2))
    assert_terms(swapped, r.redundancy, r.unique_2, r.unique_1, r.synergy)
    rng = np.random.default_rng(0)
    relabelled = p[rng.permutation(4)][:, rng.permutation(3)][:, :, rng.permutation(3)]
    assert_terms(pid(relabelled), r.redundancy, r.unique_1, r.unique_2, r.synergy)
    padded = np.zeros((6, 3, 5))
    padded[1:5, :, 1:4] = p
    assert_terms(pid(padded), r.redundancy, r.unique_1, r.unique_2, r.synergy)


def test_result_object_fields():
    r = pid(random_table((3, 3, 2), seed=7))
    assert isinstance(r, PIDResult)
    d = r.as_dict()
    assert set(r.terms) == {"redundancy", "unique_1", "unique_2", "synergy"}
    assert d["n_iter"] == r.n_iter > 0
    assert "converged" in r.status
    assert r.constraint_residual < 1e-12


def test_not_converging_warns_and_reports_status():
    p = random_table((6, 6, 4), seed=3)
    with pytest.warns(ConvergenceWarning, match="did not reach tol"):
        r = pid(p, max_iter=2)
    assert not r.converged
    assert r.n_iter == 2
    assert "not converged" in r.status
    assert r.duality_gap > 1e-7
    # Still a feasible point: the identities hold, only the optimum is approximate.
    assert r.redundancy + r.unique_1 + r.unique_2 + r.synergy == pytest.approx(r.mi_joint)


def test_unreachable_tolerance_stops_at_working_precision():
    p = random_table((10, 8, 4), seed=3)
    with pytest.warns(ConvergenceWarning, match="stalled at working precision"):
        r = pid(p, tol=1e-14)
    assert not r.converged and r.n_iter < 200
    reference = pid(p)
    assert r.synergy == pytest.approx(reference.synergy, abs=1e-7)


# ------------------------------------------------------------------------------------------
# bad input
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "p, error, match",
    [
        (np.full((2, 2), 0.25), ValueError, "3-D"),
        (np.full((2, 2, 2), 0.25), ValueError, "sum to 1"),
        (np.array([[[0.5, -0.1], [0.3, 0.3]]] * 1), ValueError, "non-negative"),
        (np.array([[[np.nan, 0.5], [0.25, 0.25]]]), ValueError, "NaN"),
        (np.zeros((0, 2, 2)), ValueError, "empty"),
        ("table", TypeError, "3-D array"),
        (np.array([[["a", "b"]]]), TypeError, "real numbers"),
    ],
)
def test_pid_bad_table(p, error, match):
    with pytest.raises(error, match=match):
        pid(p)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"tol": 0}, ValueError, "tol"),
        ({"max_iter": 0}, ValueError, "max_iter"),
        ({"max_iter": 2.5}, TypeError, "max_iter"),
        ({"base": 1}, ValueError, "base"),
    ],
)
def test_pid_bad_parameters(kwargs, error, match):
    with pytest.raises(error, match=match):
        pid(gate(lambda a, b: a, 2), **kwargs)


# ------------------------------------------------------------------------------------------
# from samples
# ------------------------------------------------------------------------------------------
def test_pid_from_samples_equals_pid_of_counted_table():
    rng = np.random.default_rng(0)
    x1 = rng.integers(0, 3, 500)
    x2 = rng.integers(0, 2, 500)
    y = (x1 + x2 + (rng.random(500) < 0.2)) % 3
    counts = np.zeros((3, 2, 3))
    for a, b, c in zip(x1, x2, y):
        counts[a, b, c] += 1
    expected = pid(counts / counts.sum())
    got = pid_from_samples(x1, x2, y)
    assert_terms(got, expected.redundancy, expected.unique_1, expected.unique_2, expected.synergy)
    assert got.extra["n_samples"] == 500


def test_pid_from_samples_accepts_strings_and_composite_rows():
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]] * 5)
    labels = np.array(["00", "01", "10", "11"] * 5)
    r = pid_from_samples(x, labels, labels)  # x and the labels carry the same two bits
    assert_terms(r, 2.0, 0.0, 0.0, 0.0)


@pytest.mark.parametrize(
    "args, error, match",
    [
        (([0, 1], [0, 1], [0, 1, 1]), ValueError, "same number of samples"),
        (([0.5, 1.0], [0, 1], [0, 1]), ValueError, "discrete"),
        (([], [], []), ValueError, "at least one sample"),
        ((None, [0], [0]), TypeError, "x1"),
        (([0, 1], np.zeros((2, 2, 2)), [0, 1]), ValueError, "x2 must be 1-D"),
    ],
)
def test_pid_from_samples_bad_input(args, error, match):
    with pytest.raises(error, match=match):
        pid_from_samples(*args)


# ------------------------------------------------------------------------------------------
# continuous estimator
# ------------------------------------------------------------------------------------------
def noisy_views(n, seed, noise=0.05):
    """Latents s (shared), u1, u2 (unique) bits; y = (s, u1 XOR u2): R = 1 bit, S = 1 bit."""
    rng = np.random.RandomState(seed)
    s, u1, u2 = rng.randint(0, 2, size=(3, n))
    z1, z2 = 2 * s + u1, 2 * s + u2
    centres1 = rng.normal(scale=3.0, size=(4, 6))
    centres2 = rng.normal(scale=3.0, size=(4, 9))
    X1 = centres1[z1] + rng.normal(scale=noise, size=(n, 6))
    X2 = centres2[z2] + rng.normal(scale=noise, size=(n, 9))
    y = 2 * s + (u1 ^ u2)
    return X1, X2, y, z1, z2


def test_estimate_recovers_the_pid_of_the_discrete_latents():
    X1, X2, y, z1, z2 = noisy_views(2000, seed=0)
    estimated = estimate_pid(X1, X2, y, n_clusters=4, random_state=0)
    plug_in = pid_from_samples(z1, z2, y)
    assert_terms(
        estimated, plug_in.redundancy, plug_in.unique_1, plug_in.unique_2, plug_in.synergy
    )
    # ... and, up to sampling error, the population values R = 1, S = 1 bit.
    assert_terms(estimated, 1.0, 0.0, 0.0, 1.0, atol=0.03)


@pytest.mark.filterwarnings("ignore::mmalign_sk.information.SmallSampleWarning")
def test_estimate_with_pca_and_continuous_label():
    X1, X2, _, z1, z2 = noisy_views(1500, seed=1)
    rng = np.random.RandomState(0)
    y_cont = z1 * 10.0 + rng.uniform(0, 1, size=z1.size)  # continuous label, depends on z1
    r = estimate_pid(X1, X2, y_cont, n_clusters=4, pca_components=3, label_bins=3, random_state=0)
    edges = np.quantile(y_cont, [0, 1 / 3, 2 / 3, 1])
    np.testing.assert_allclose(r.extra["label_edges"], edges)
    y_binned = (y_cont > edges[1]).astype(int) + (y_cont > edges[2])
    expected = pid_from_samples(z1, z2, y_binned)
    assert_terms(r, expected.redundancy, expected.unique_1, expected.unique_2, expected.synergy)
    # Without label_bins a non-integral float label is continuous: 10 quantile bins.
    r10 = estimate_pid(X1, X2, y_cont, n_clusters=4, random_state=0)
    assert len(r10.extra["label_edges"]) == 11


@pytest.mark.filterwarnings("ignore::mmalign_sk.information.SmallSampleWarning")
def test_estimate_is_deterministic_under_random_state():
    X1, X2, y, _, _ = noisy_views(300, seed=2, noise=1.0)
    a = estimate_pid(X1, X2, y, n_clusters=(6, 5), random_state=3)
    b = estimate_pid(X1, X2, y, n_clusters=(6, 5), random_state=np.random.RandomState(3))
    assert a.as_dict() == b.as_dict()
    for la, lb in zip(a.extra["labels"], b.extra["labels"]):
        np.testing.assert_array_equal(la, lb)


def test_estimate_warns_on_small_samples():
    X1, X2, y, _, _ = noisy_views(120, seed=3, noise=1.0)
    with pytest.warns(SmallSampleWarning, match="biased upwards"):
        r = estimate_pid(X1, X2, y, n_clusters=10, random_state=0)
    k1, k2, ky = r.optimal_q.shape
    assert r.extra["plugin_bias"] == pytest.approx((k1 * k2 - 1) * (ky - 1) / (2 * 120 * np.log(2)))
    with warnings.catch_warnings():
        warnings.simplefilter("error", SmallSampleWarning)
        X1, X2, y, _, _ = noisy_views(2000, seed=3)
        estimate_pid(X1, X2, y, n_clusters=4, random_state=0)


@pytest.mark.parametrize(
    "change, error, match",
    [
        ({"X1": np.zeros(50)}, ValueError, "X1 must be 2-D"),
        ({"X2": np.zeros((49, 3))}, ValueError, "same number of rows"),
        ({"y": np.zeros(49)}, ValueError, "one label per sample"),
        ({"n_clusters": 100}, ValueError, "n_clusters"),
        ({"n_clusters": 2.5}, TypeError, "n_clusters"),
        ({"n_clusters": (2, 3, 4)}, ValueError, "pair"),
        ({"pca_components": 7}, ValueError, "pca_components"),
        ({"label_bins": 1}, ValueError, "label_bins"),
        ({"y": np.array(["a", "b"] * 25), "label_bins": 3}, TypeError, "label_bins"),
        ({"X1": np.full((50, 2), np.nan)}, ValueError, "NaN"),
        ({"X1": np.array([["a"]] * 50)}, TypeError, "X1 must hold numbers"),
    ],
)
def test_estimate_bad_input(change, error, match):
    rng = np.random.RandomState(0)
    kwargs = {"X1": rng.normal(size=(50, 2)), "X2": rng.normal(size=(50, 3))}
    kwargs["y"] = np.arange(50) % 2
    kwargs.update(change)
    with pytest.raises(error, match=match):
        estimate_pid(kwargs.pop("X1"), kwargs.pop("X2"), kwargs.pop("y"), n_clusters=kwargs.pop(
            "n_clusters", 3), **kwargs)


# ------------------------------------------------------------------------------------------
# display
# ------------------------------------------------------------------------------------------
def test_pid_display_stacks_the_terms():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from mmalign_sk.plotting import PIDDisplay

    results = {
        "and": pid(gate(lambda a, b: a & b, 2)),
        "copy": pid(gate(lambda a, b: 2 * a + b, 4)),
    }
    fig, ax = plt.subplots()
    display = PIDDisplay.from_pid(results, modality_names=("image", "audio"), ax=ax)
    assert display.ax_ is ax and display.figure_ is fig
    for key in ("redundancy", "unique_1", "unique_2", "synergy"):
        heights = [bar.get_height() for bar in display.bars_[key]]
        expected = [max(getattr(r, key), 0.0) for r in results.values()]
        np.testing.assert_allclose(heights, expected, atol=1e-12)
    # Bars are stacked: each term starts where the previous one ends.
    copy_bars = [display.bars_[k][1] for k in ("redundancy", "unique_1", "unique_2", "synergy")]
    for below, above in zip(copy_bars, copy_bars[1:]):
        assert above.get_y() == pytest.approx(below.get_y() + below.get_height())
    assert [t.get_text() for t in ax.get_xticklabels()] == ["and", "copy"]
    assert "unique to audio" in [t.get_text() for t in ax.get_legend().get_texts()]
    plt.close(fig)


def test_pid_display_bad_input():
    pytest.importorskip("matplotlib")
    from mmalign_sk.plotting import PIDDisplay

    with pytest.raises(TypeError, match="PIDResult"):
        PIDDisplay.from_pid({"a": 1.0})
    with pytest.raises(ValueError, match="shape"):
        PIDDisplay(np.zeros((2, 3))).plot()


@pytest.mark.filterwarnings("ignore::mmalign_sk.information.SmallSampleWarning")
def test_estimated_redundancy_grows_with_the_generators_redundant_bits():
    from mmalign_sk.datasets import make_redundancy_dataset

    redundancy = []
    for r in (0, 4, 8):
        data = make_redundancy_dataset(n_redundant=r, n_samples=8192, random_state=0)
        redundancy.append(estimate_pid(data.X["x1"], data.X["x2"], data.y, n_clusters=16,
                                       random_state=0).redundancy)
    assert redundancy[0] < redundancy[1] < redundancy[2]
    assert redundancy[2] > 2 * redundancy[0]
