"""Tests of the synthetic multimodal generators against brute-force enumeration and closed forms."""

import itertools
import math

import numpy as np
import pytest
import torch
from skorch.helper import SliceDict
from sklearn.model_selection import train_test_split

from mmalign_sk.datasets import (
    interaction_pid,
    make_interaction_dataset,
    make_redundancy_dataset,
    make_redundancy_family,
    paper_split,
)

SMALL = dict(n_samples=2000, random_state=0)


# ------------------------------------------------------------------------------------------
# brute force: loop over every latent configuration
# ------------------------------------------------------------------------------------------
def bits_of(k, n):
    return [(k >> (n - 1 - j)) & 1 for j in range(n)]


def naive_label_distribution(weights, temperature, tol=0.01, max_iter=100):
    """softmax(s W / T) for every s (row k = binary digits of k), rebalanced to uniform p(y)."""
    n_bits, n_classes = weights.shape
    table = []
    for k in range(2**n_bits):
        logits = [sum(b * weights[j, c] for j, b in enumerate(bits_of(k, n_bits))) / temperature
                  for c in range(n_classes)]
        m = max(logits)
        e = [math.exp(v - m) for v in logits]
        table.append([v / sum(e) for v in e])
    table = np.array(table)
    for _ in range(max_iter):
        marginal = table.mean(axis=0)
        if np.all(np.abs(marginal - 1 / n_classes) <= tol):
            break
        table = table * (1 / n_classes) / marginal
        table = table / table.sum(axis=1, keepdims=True)
    return table


def naive_information(data):
    """I(X1;Y), I(X2;Y), I(X1,X2;Y), co-information by summing over all latent configurations."""
    prm = data.params
    ns, nu = prm["n_shared"], prm["n_unique"]
    lb = data.label_bits
    p_y_s = naive_label_distribution(data.weights, prm["temperature"])
    n_classes = p_y_s.shape[1]
    p_x1y, p_x2y, p_y, joint = {}, {}, np.zeros(n_classes), []
    p_latent = 1.0 / 2 ** (ns + 2 * nu)
    for c, u1, u2 in itertools.product(range(2**ns), range(2**nu), range(2**nu)):
        xc, xu1, xu2 = bits_of(c, ns), bits_of(u1, nu), bits_of(u2, nu)
        s = ([xc[i] for i in lb["redundant"]] + [xu1[i] for i in lb["unique1"]]
             + [xu2[i] for i in lb["unique2"]]
             + [xu1[a] ^ xu2[b] for a, b in zip(lb["synergy1"], lb["synergy2"])])
        k = int("".join(map(str, s)), 2) if s else 0
        for y in range(n_classes):
            pr = p_latent * p_y_s[k, y]
            p_x1y[(c, u1, y)] = p_x1y.get((c, u1, y), 0.0) + pr
            p_x2y[(c, u2, y)] = p_x2y.get((c, u2, y), 0.0) + pr
            p_y[y] += pr
            joint.append((pr, y))
    p_x1 = 1.0 / 2 ** (ns + nu)  # each modality is uniform on its 2**(ns + nu) values

    def mi(pairs):
        return sum(pr * math.log2(pr / (p_x * p_y[y])) for pr, p_x, y in pairs if pr > 0)

    mi_x1_y = mi((pr, p_x1, key[2]) for key, pr in p_x1y.items())
    mi_x2_y = mi((pr, p_x1, key[2]) for key, pr in p_x2y.items())
    mi_x1x2_y = mi((pr, p_latent, y) for pr, y in joint)
    # chain rule: I(X1;Y|X2) = I(X1,X2;Y) - I(X2;Y)
    co_info = mi_x1_y - (mi_x1x2_y - mi_x2_y)
    return dict(mi_x1_y=mi_x1_y, mi_x2_y=mi_x2_y, mi_x1x2_y=mi_x1x2_y, co_information=co_info,
                p_y=p_y)


def assert_info_matches_brute_force(data):
    ref = naive_information(data)
    for key in ("mi_x1_y", "mi_x2_y", "mi_x1x2_y", "co_information"):
        assert data.info[key] == pytest.approx(ref[key], abs=1e-9), key
    np.testing.assert_allclose(data.info["p_y"], ref["p_y"], atol=1e-12)
    # the modalities share exactly the n_shared uniform bits
    assert data.info["mi_x1_x2"] == pytest.approx(data.params["n_shared"], abs=1e-9)


def test_information_matches_brute_force_at_paper_size():
    data = make_redundancy_dataset(3, n_samples=100, random_state=0)
    assert_info_matches_brute_force(data)


@pytest.mark.parametrize("r", [0, 1, 2, 3, 4])
def test_information_matches_brute_force_small_generator(r):
    data = make_redundancy_dataset(
        r, n_shared=4, n_unique=2, n_label_bits=4, n_classes=3, temperature=0.2,
        n_samples=100, random_state=0,
    )
    assert_info_matches_brute_force(data)


def test_synergy_information_matches_brute_force_and_closed_form():
    data = make_interaction_dataset("synergy", n_shared=3, n_unique=3, n_samples=100,
                                    random_state=0)
    assert_info_matches_brute_force(data)
    assert data.info["mi_x1_y"] == pytest.approx(0.0, abs=1e-12)
    assert data.info["mi_x2_y"] == pytest.approx(0.0, abs=1e-12)
    assert data.info["co_information"] == pytest.approx(-data.info["mi_x1x2_y"], abs=1e-12)
    assert data.info["mi_x1x2_y"] > 0.5


def test_synergy_with_some_redundancy():
    data = make_interaction_dataset("synergy", n_redundant=1, n_synergistic=2, n_shared=3,
                                    n_unique=2, n_samples=100, random_state=0)
    assert_info_matches_brute_force(data)
    assert data.params["n_label_bits"] == 3
    assert data.info["co_information"] < 0 < data.info["mi_x1_y"]


def naive_full_table(data):
    """p(x1, x2, y) over the full modalities X1 = (x_c, x_u1), X2 = (x_c, x_u2), by brute force."""
    prm = data.params
    ns, nu = prm["n_shared"], prm["n_unique"]
    lb = data.label_bits
    p_y_s = naive_label_distribution(data.weights, prm["temperature"])
    table = np.zeros((2 ** (ns + nu), 2 ** (ns + nu), p_y_s.shape[1]))
    for c, u1, u2 in itertools.product(range(2**ns), range(2**nu), range(2**nu)):
        xc, xu1, xu2 = bits_of(c, ns), bits_of(u1, nu), bits_of(u2, nu)
        s = ([xc[i] for i in lb["redundant"]] + [xu1[i] for i in lb["unique1"]]
             + [xu2[i] for i in lb["unique2"]]
             + [xu1[a] ^ xu2[b] for a, b in zip(lb["synergy1"], lb["synergy2"])])
        k = int("".join(map(str, s)), 2) if s else 0
        table[c * 2**nu + u1, c * 2**nu + u2] += p_y_s[k] / 2 ** (ns + 2 * nu)
    return table


@pytest.mark.parametrize("kind, params", [
    ("synergy", dict(n_redundant=1, n_synergistic=2)),
    ("synergy", dict(n_redundant=0, n_synergistic=2)),
    ("uniqueness", dict(n_redundant=1, n_label_bits=4)),
    ("mixed", dict(n_redundant=2, n_label_bits=4)),
])
def test_interaction_pid_equals_the_pid_of_the_full_modalities(kind, params):
    from mmalign_sk.information import pid

    data = make_interaction_dataset(kind, **params, n_shared=3, n_unique=2, n_classes=3,
                                    temperature=0.3, n_samples=100, random_state=0)
    reduced = interaction_pid(data)
    full = pid(naive_full_table(data))
    for term in ("redundancy", "unique_1", "unique_2", "synergy", "mi_joint"):
        assert getattr(reduced, term) == pytest.approx(getattr(full, term), abs=1e-5), term
    assert reduced.mi_1 == pytest.approx(data.info["mi_x1_y"], abs=1e-9)


def test_interaction_pid_of_the_strategic_synergy_setting():
    data = make_interaction_dataset("synergy", n_synergistic=4, n_redundant=2, n_samples=100,
                                    random_state=0)
    result = interaction_pid(data)
    # each modality alone knows the two redundant bits only, and both know the same thing
    assert result.unique_1 == pytest.approx(0.0, abs=1e-6)
    assert result.unique_2 == pytest.approx(0.0, abs=1e-6)
    assert result.redundancy == pytest.approx(data.info["mi_x1_y"], abs=1e-6)
    assert result.synergy == pytest.approx(data.info["mi_x1x2_y"] - data.info["mi_x1_y"], abs=1e-6)
    assert result.synergy > 2 * result.redundancy > 0


# ------------------------------------------------------------------------------------------
# properties stated by the papers
# ------------------------------------------------------------------------------------------
def test_full_redundancy_gives_equal_informations():
    info = make_redundancy_dataset(8, **SMALL).info
    assert info["mi_x1_y"] == pytest.approx(info["mi_x1x2_y"], abs=1e-10)
    assert info["mi_x2_y"] == pytest.approx(info["mi_x1x2_y"], abs=1e-10)
    assert info["co_information"] == pytest.approx(info["mi_x1x2_y"], abs=1e-10)


def test_total_information_is_invariant_across_r_but_the_split_is_not():
    infos = [make_redundancy_dataset(r, n_samples=50, random_state=0).info for r in range(9)]
    total = [info["mi_x1x2_y"] for info in infos]
    np.testing.assert_allclose(total, total[0], atol=1e-10)
    co = [info["co_information"] for info in infos]
    assert np.all(np.diff(co) > 0)  # more redundant bits, more redundancy (net)
    assert co[0] < 0 < co[-1]
    # ...and it changes with the temperature
    hot = make_redundancy_dataset(4, n_samples=50, temperature=0.5, random_state=0).info
    assert hot["mi_x1x2_y"] < total[0] - 0.1


def test_reference_total_information():
    # The reference generator (seeds: transforms 0, features 1, weights 2; T = 0.05) names its
    # data files "mi=1.159", I(X1,X2;Y) in nats.
    info = make_redundancy_dataset(0, n_samples=50, random_state=0).info
    assert info["mi_x1x2_y"] * math.log(2) == pytest.approx(1.159, abs=5e-4)


def test_classes_are_balanced():
    data = make_redundancy_dataset(5, n_samples=65536, random_state=1)
    np.testing.assert_allclose(data.info["p_y"], 0.25, atol=0.01)
    freq = np.bincount(data.y, minlength=4) / len(data.y)
    np.testing.assert_allclose(freq, 0.25, atol=0.02)  # 0.01 + sampling noise (sd 0.0017)


def test_labels_follow_the_label_distribution():
    data = make_redundancy_dataset(4, n_samples=65536, random_state=2)
    lb = data.label_bits
    s = np.concatenate([data.latents["shared"][:, lb["redundant"]],
                        data.latents["unique1"][:, lb["unique1"]],
                        data.latents["unique2"][:, lb["unique2"]]], axis=1)
    k = s.astype(int) @ (1 << np.arange(7, -1, -1))
    # empirical p(y) predicted by p(y|s) averaged over the sampled s
    expected = data.p_y_given_bits[k].mean(axis=0)
    freq = np.bincount(data.y, minlength=4) / len(data.y)
    np.testing.assert_allclose(freq, expected, atol=0.01)
    # nearly deterministic at T = 0.05: the most likely class is the label most of the time
    top = data.p_y_given_bits[k].argmax(axis=1)
    assert np.mean(top == data.y) == pytest.approx(data.p_y_given_bits[k].max(axis=1).mean(),
                                                   abs=0.01)


def test_label_bit_counts():
    for r in range(9):
        lb = make_redundancy_dataset(r, n_samples=50, random_state=0).label_bits
        u1 = (8 - r) // 2
        assert (len(lb["redundant"]), len(lb["unique1"]), len(lb["unique2"])) == (r, u1, 8 - r - u1)
        assert len(set(lb["redundant"].tolist())) == r and set(lb["redundant"]) <= set(range(8))


# ------------------------------------------------------------------------------------------
# data format
# ------------------------------------------------------------------------------------------
def test_bunch_format_and_modalities_are_the_latents():
    data = make_redundancy_dataset(4, **SMALL)
    assert isinstance(data.X, SliceDict)
    assert data.modalities == ("x1", "x2")
    assert data.X["x1"].dtype == np.float32 and data.X["x1"].shape == (2000, 12)
    assert data.y.dtype == np.int64 and data.y.shape == (2000,)
    lat = data.latents
    np.testing.assert_array_equal(data.X["x1"], np.hstack([lat["shared"], lat["unique1"]]))
    np.testing.assert_array_equal(data.X["x2"], np.hstack([lat["shared"], lat["unique2"]]))
    assert set(np.unique(data.X["x1"])) == {0.0, 1.0}
    assert "redundancy" in data.DESCR
    X, y = make_redundancy_dataset(4, return_X_y=True, **SMALL)
    np.testing.assert_array_equal(X["x2"], data.X["x2"])
    np.testing.assert_array_equal(y, data.y)


def test_train_test_split_and_paper_split():
    data = make_redundancy_dataset(2, **SMALL)
    X_tr, X_te, y_tr, y_te = train_test_split(data.X, data.y, stratify=data.y, random_state=0)
    assert X_tr["x1"].shape[0] == len(y_tr) == 1500
    parts = paper_split(data, random_state=0)
    X_train, X_val, X_test, y_train, y_val, y_test = parts
    assert (len(y_train), len(y_val), len(y_test)) == (1400, 300, 300)
    assert X_val["x2"].shape == (300, 12)
    full = np.bincount(data.y) / len(data.y)
    for part in (y_train, y_val, y_test):
        np.testing.assert_allclose(np.bincount(part, minlength=4) / len(part), full, atol=0.01)
    again = paper_split(data.X, data.y, random_state=0)
    np.testing.assert_array_equal(again[3], y_train)
    np.testing.assert_array_equal(again[1]["x1"], X_val["x1"])


# ------------------------------------------------------------------------------------------
# randomness
# ------------------------------------------------------------------------------------------
def test_determinism_and_global_rng_untouched():
    np_state = np.random.get_state()[1].copy()
    torch_state = torch.get_rng_state().clone()
    a = make_redundancy_dataset(3, 4, **SMALL)
    b = make_redundancy_dataset(3, 4, **SMALL)
    for m in ("x1", "x2"):
        np.testing.assert_array_equal(a.X[m], b.X[m])
    np.testing.assert_array_equal(a.y, b.y)
    c = make_redundancy_dataset(3, 4, n_samples=2000, random_state=1)
    assert not np.array_equal(a.y, c.y)
    np.testing.assert_array_equal(np.random.get_state()[1], np_state)
    assert torch.equal(torch.get_rng_state(), torch_state)
    rs = np.random.RandomState(0)
    d = make_redundancy_dataset(3, 4, n_samples=2000, random_state=rs)
    np.testing.assert_array_equal(d.y, a.y)


def test_latents_are_shared_across_r_and_depth():
    a = make_redundancy_dataset(0, -1, **SMALL)
    b = make_redundancy_dataset(8, 7, heterogeneity="both", **SMALL)
    for key in ("shared", "unique1", "unique2"):
        np.testing.assert_array_equal(a.latents[key], b.latents[key])


def test_seeds_control_subsets_weights_and_transforms():
    base = make_redundancy_dataset(4, 0, **SMALL)
    other_features = make_redundancy_dataset(4, 0, features_seed=5, **SMALL)
    assert any(not np.array_equal(base.label_bits[k], other_features.label_bits[k])
               for k in ("redundant", "unique1", "unique2"))
    np.testing.assert_array_equal(other_features.weights, base.weights)
    other_weights = make_redundancy_dataset(4, 0, weights_seed=5, **SMALL)
    assert not np.allclose(other_weights.weights, base.weights)
    np.testing.assert_allclose(np.linalg.norm(base.weights, axis=1), 1.0)
    assert (base.weights >= 0).all()
    other_transform = make_redundancy_dataset(4, 0, transforms_seed=5, **SMALL)
    assert not np.allclose(other_transform.X["x2"], base.X["x2"])
    np.testing.assert_array_equal(other_transform.y, base.y)


# ------------------------------------------------------------------------------------------
# heterogeneity transforms
# ------------------------------------------------------------------------------------------
def raw(data, m):
    lat = data.latents
    return np.hstack([lat["shared"], lat["unique1" if m == "x1" else "unique2"]]).astype(np.float32)


def test_depth_zero_is_one_linear_layer_with_torch_default_init():
    data = make_redundancy_dataset(4, 0, **SMALL)
    torch.manual_seed(0)
    linear = torch.nn.Linear(12, 12)
    with torch.no_grad():
        expected = linear(torch.from_numpy(raw(data, "x2"))).numpy()
    np.testing.assert_allclose(data.X["x2"], expected, rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(data.X["x1"], raw(data, "x1"))  # "one": x1 untouched


def test_both_modalities_are_transformed_in_order():
    data = make_redundancy_dataset(4, 0, heterogeneity="both", **SMALL)
    torch.manual_seed(0)
    first, second = torch.nn.Linear(12, 12), torch.nn.Linear(12, 12)
    with torch.no_grad():
        np.testing.assert_allclose(data.X["x1"], first(torch.from_numpy(raw(data, "x1"))).numpy(),
                                   rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(data.X["x2"], second(torch.from_numpy(raw(data, "x2"))).numpy(),
                                   rtol=1e-6, atol=1e-6)


def test_deeper_transform_structure_and_values():
    data = make_redundancy_dataset(4, 3, **SMALL)
    net = data.transforms["x2"]
    kinds = [type(layer).__name__ for layer in net]
    assert kinds == ["Linear"] + ["Tanh", "Linear"] * 3
    # a plain float64 forward pass with the same weights
    h = raw(data, "x2").astype(np.float64)
    for layer in net:
        if isinstance(layer, torch.nn.Linear):
            h = h @ layer.weight.double().numpy().T + layer.bias.double().numpy()
        else:
            h = np.tanh(h)
    np.testing.assert_allclose(data.X["x2"], h, rtol=1e-5, atol=1e-5)
    assert data.transforms["x1"] is None
    assert data.info["transform_is_injective"] == {"x1": True, "x2": True}
    # the depth-3 network is the fourth built from the seeded stream
    torch.manual_seed(0)
    for depth in range(4):
        layers = [torch.nn.Linear(12, 12)]
        for _ in range(depth):
            layers += [torch.nn.Tanh(), torch.nn.Linear(12, 12)]
    assert torch.equal(layers[-1].weight, net[-1].weight)


def test_family_equals_individual_datasets():
    family = dict(make_redundancy_family([1, 6], [-1, 0, 2], n_samples=500, random_state=3))
    assert sorted(family) == [(1, -1), (1, 0), (1, 2), (6, -1), (6, 0), (6, 2)]
    for (r, depth) in [(1, 2), (6, -1), (6, 0)]:
        single = make_redundancy_dataset(r, depth, n_samples=500, random_state=3)
        for m in ("x1", "x2"):
            np.testing.assert_array_equal(family[r, depth].X[m], single.X[m])
        np.testing.assert_array_equal(family[r, depth].y, single.y)
        assert family[r, depth].info["mi_x1_y"] == single.info["mi_x1_y"]
    # labels and latents shared across depths
    np.testing.assert_array_equal(family[1, -1].y, family[1, 2].y)
    np.testing.assert_array_equal(family[1, -1].X["x1"], family[1, 2].X["x1"])


def test_family_resolves_a_random_state_instance_once():
    family = dict(make_redundancy_family([0, 8], [0], n_samples=300,
                                         random_state=np.random.RandomState(0)))
    np.testing.assert_array_equal(family[0, 0].latents["shared"], family[8, 0].latents["shared"])


# ------------------------------------------------------------------------------------------
# interaction kinds
# ------------------------------------------------------------------------------------------
def test_interaction_kinds_use_the_redundancy_generator():
    for kind, r in [("redundancy", 8), ("mixed", 4), ("uniqueness", 0)]:
        data = make_interaction_dataset(kind, **SMALL)
        assert data.params["n_redundant"] == r
        np.testing.assert_array_equal(data.y, make_redundancy_dataset(r, **SMALL).y)
    data = make_interaction_dataset("redundancy", n_redundant=6, **SMALL)
    assert data.info["co_information"] > 0
    data = make_interaction_dataset("uniqueness", n_redundant=2, **SMALL)
    assert data.info["co_information"] < 0


# ------------------------------------------------------------------------------------------
# errors
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        ({"n_redundant": 9}, ValueError, "n_redundant must be in 0..8; got 9"),
        ({"n_redundant": -1}, ValueError, "n_redundant must be in 0..8; got -1"),
        ({"n_redundant": 2.5}, TypeError, "n_redundant must be an int"),
        ({"depth": -2}, ValueError, "depth must be >= -1; got -2"),
        ({"n_samples": 3}, ValueError, "n_samples must be at least n_classes=4; got n_samples=3"),
        ({"temperature": 0}, ValueError, "temperature must be a positive"),
        ({"temperature": -1.0}, ValueError, "temperature must be a positive"),
        ({"heterogeneity": "multi"}, ValueError, "heterogeneity must be one of"),
        ({"n_shared": 10, "n_unique": 7}, ValueError, "at most 22"),
        ({"n_unique": 2, "n_redundant": 0}, ValueError, "only n_unique=2 unique bits"),
        ({"transforms_seed": None}, TypeError, "transforms_seed must be an int"),
    ],
)
def test_redundancy_dataset_errors(kwargs, error, match):
    kwargs = {"n_samples": 100, **kwargs}
    with pytest.raises(error, match=match):
        make_redundancy_dataset(**kwargs)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"kind": "noise"}, "kind must be one of"),
        ({"kind": "redundancy", "n_redundant": 4}, "more than half"),
        ({"kind": "uniqueness", "n_redundant": 4}, "less than half"),
        ({"kind": "mixed", "n_redundant": 3}, "exactly half"),
        ({"kind": "redundancy", "n_synergistic": 2}, "n_synergistic applies to kind='synergy'"),
        ({"kind": "synergy", "n_synergistic": 5}, "n_synergistic must be in 1..4"),
        ({"kind": "synergy", "n_redundant": 4}, "n_redundant < n_synergistic"),
        ({"kind": "synergy", "n_label_bits": 8}, "n_label_bits must equal"),
    ],
)
def test_interaction_dataset_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_interaction_dataset(n_samples=100, **kwargs)


def test_family_and_split_errors():
    with pytest.raises(ValueError, match="depths must be >= -1"):
        next(make_redundancy_family([0], [-3], n_samples=100))
    with pytest.raises(ValueError, match="n_redundant must be in 0..8; got 9"):
        next(make_redundancy_family([0, 9], [0], n_samples=100))
    with pytest.raises(ValueError, match="n_redundant must not be empty"):
        next(make_redundancy_family([], [0], n_samples=100))
    data = make_redundancy_dataset(n_samples=100, random_state=0)
    with pytest.raises(ValueError, match="y is required"):
        paper_split(data.X)
    with pytest.raises(ValueError, match="either a dataset Bunch alone"):
        paper_split(data, data.y)


def test_rebalancing_failure_is_reported():
    from sklearn.exceptions import ConvergenceWarning

    with pytest.warns(ConvergenceWarning, match="did not reach a uniform p\\(y\\)"):
        data = make_redundancy_dataset(0, temperature=1e-4, n_samples=100, random_state=0)
    assert data.n_rebalance_iter == 100
    assert np.abs(data.info["p_y"] - 0.25).max() > 0.01


def test_subsets_and_weights_follow_the_reference_draws():
    # reference: np.random.seed(features_seed), then choice(arange(8), r), choice(arange(4), u1),
    # choice(arange(4), u2) without replacement; np.random.seed(weights_seed), uniform(0, 1, (8, 4))
    for r in (0, 3, 8):
        data = make_redundancy_dataset(r, n_samples=50, random_state=0)
        u1 = (8 - r) // 2
        rng = np.random.RandomState(1)
        expected = [rng.choice(np.arange(8), size=r, replace=False),
                    rng.choice(np.arange(4), size=u1, replace=False),
                    rng.choice(np.arange(4), size=8 - r - u1, replace=False)]
        for key, exp in zip(("redundant", "unique1", "unique2"), expected):
            np.testing.assert_array_equal(data.label_bits[key], exp)
        W = np.random.RandomState(2).uniform(0, 1, size=(8, 4))
        np.testing.assert_allclose(data.weights, W / np.sqrt((W**2).sum(axis=1, keepdims=True)))
