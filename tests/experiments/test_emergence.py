import numpy as np
import pytest

from mmalign_sk.experiments import emergence_study
from mmalign_sk.datasets import make_redundancy_dataset
from mmalign_sk.experiments import _emergence
from mmalign_sk.experiments._training import split_indices
from mmalign_sk.metrics import layerwise_alignment

TINY = dict(
    seeds=1,
    n_samples=2048,
    lr=[1e-2],
    weight_decay=[0.0],
    max_epochs=15,
    reference_epochs=15,
    metrics=["mutual_knn", "unbiased_cka"],
    progress=False,
    device="cpu",
)


@pytest.fixture(scope="module")
def tiny():
    return emergence_study([0, 8], [0], [1, 2], return_layers=True, **TINY)


def test_table_structure(tiny):
    table, layers = tiny
    assert len(table) == 2 * 1 * 2
    for column in (
        "r",
        "uniqueness",
        "depth",
        "encoder_depth",
        "seed",
        "acc_a",
        "acc_b",
        "lr_b",
        "weight_decay_b",
        "align_mutual_knn",
        "align_unbiased_cka",
        "align_mutual_knn_last",
    ):
        assert column in table.columns
    assert table["uniqueness"].tolist() == [8, 8, 0, 0]
    assert table["encoder_depth"].tolist() == [1, 2, 1, 2]
    # the layer x layer matrices: the reference MLP has 1 layer, the x2 encoders 1 and 2
    assert [np.shape(layers[i]["mutual_knn"]) for i in range(4)] == [(1, 1), (1, 2)] * 2
    for i, row in enumerate(table):
        scores = np.asarray(layers[i]["mutual_knn"])
        assert row["align_mutual_knn"] == pytest.approx(scores.max())
        assert row["align_mutual_knn_last"] == pytest.approx(scores[-1, -1])
    # the reference model is the same for both encoder depths of one r
    assert table["acc_a"][0] == table["acc_a"][1]


def test_alignment_emerges_with_redundancy(tiny):
    table, _ = tiny
    r0 = table.filter(r=0)["align_mutual_knn"].mean()
    r8 = table.filter(r=8)["align_mutual_knn"].mean()
    # seeded; in this run r=0 gives chance-level alignment (~topk/n) and r=8 several times more
    assert r8 > r0 + 0.2
    assert table.filter(r=8)["acc_b"].min() > table.filter(r=0)["acc_b"].max()


def test_alignment_matches_the_metric_on_the_models(monkeypatch):
    models = []
    real_train = _emergence._train

    def keep(*args):
        trained = real_train(*args)
        models.extend(model for model, _ in trained)
        return trained

    monkeypatch.setattr(_emergence, "_train", keep)
    table = emergence_study([8], [0], [2], **{**TINY, "metrics": ["cka"]})
    data = make_redundancy_dataset(8, 0, n_samples=2048, random_state=0)
    test = split_indices(data.y, 0)[2][:512]
    ref, other = models
    h_a = ref.embed_layers(data.X[test])["x1"]
    h_b = other.embed_layers(data.X[test])["x2"]
    assert table["align_cka"][0] == pytest.approx(layerwise_alignment(h_a, h_b, "cka").max)


def test_reference_trained_once_per_r_and_seed(monkeypatch):
    calls = []
    real_train = _emergence._train

    def count(modality, encoder, depth, epochs, seed, data, split, settings):
        calls.append((modality, depth))
        return real_train(modality, encoder, depth, epochs, seed, data, split, settings)

    monkeypatch.setattr(_emergence, "_train", count)
    emergence_study(
        [4],
        [0, 3],
        [1, 2],
        **{**TINY, "max_epochs": 2, "reference_epochs": 2, "metrics": ["mutual_knn"]},
    )
    assert calls.count(("x1", 1)) == 1
    assert sorted(c for c in calls if c[0] == "x2") == [("x2", 1), ("x2", 1), ("x2", 2), ("x2", 2)]


def test_cache_skips_finished_cells(tmp_path, monkeypatch):
    params = dict(TINY, max_epochs=2, reference_epochs=2, metrics=["mutual_knn"])
    first = emergence_study([2], [0, 1], [1], cache_dir=tmp_path, **params)
    # two cells and the reference model they share
    assert len(list(tmp_path.glob("cell-*.json"))) == 3

    def fail(*args, **kwargs):
        raise AssertionError("a finished cell was trained again")

    monkeypatch.setattr(_emergence, "_train", fail)
    again = emergence_study([2], [0, 1], [1], cache_dir=tmp_path, **params)
    assert again.records == first.records
    # a new cell is computed, the old ones are not
    monkeypatch.undo()
    emergence_study([2], [0, 1, 2], [1], cache_dir=tmp_path, **params)
    assert len(list(tmp_path.glob("cell-*.json"))) == 4


def test_validation_grid_candidates_are_models():
    from mmalign_sk.experiments._training import fit_candidates
    from mmalign_sk.estimators import UnimodalClassifier

    data = make_redundancy_dataset(6, -1, n_samples=1024, random_state=0)
    train, val, test = split_indices(data.y, 0)
    est = UnimodalClassifier("x1", max_epochs=3, device="cpu", random_state=0)
    candidates, best = fit_candidates(est, {"lr": [1e-4, 3e-2]}, data.X, data.y, train, val)
    scores = {}
    for lr, candidate in zip((1e-4, 3e-2), candidates):
        alone = UnimodalClassifier("x1", max_epochs=3, device="cpu", random_state=0, lr=lr)
        alone.fit(data.X[train], data.y[train])
        scores[lr] = alone.score(data.X[val], data.y[val])
        assert candidate["params"] == {"lr": lr}
        assert candidate["val_score"] == pytest.approx(scores[lr])
        # the kept candidate is the model trained on the training rows alone
        np.testing.assert_allclose(candidate["model"].predict_proba(data.X[test]),
                                   alone.predict_proba(data.X[test]), rtol=1e-5, atol=1e-6)
    assert candidates[best]["params"]["lr"] == max(scores, key=scores.get)


def test_every_candidate_is_a_row():
    grid = dict(TINY, lr=[3e-3, 3e-2], weight_decay=[0.0, 1e-2], metrics=["mutual_knn"],
                max_epochs=3, reference_epochs=3)
    table = emergence_study([6], [0], [1, 2], **grid)
    assert len(table) == 2 * 4
    assert table["encoder_depth"].tolist() == [1] * 4 + [2] * 4
    assert sorted(zip(table["lr_b"][:4], table["weight_decay_b"][:4])) == [
        (3e-3, 0.0), (3e-3, 1e-2), (3e-2, 0.0), (3e-2, 1e-2)]
    for e in (1, 2):
        sub = table.filter(encoder_depth=e)
        # one selected model per encoder depth: the best validation accuracy (first among ties)
        assert sub["selected"].tolist().count(True) == 1
        assert np.flatnonzero(sub["selected"].astype(bool))[0] == np.argmax(sub["val_acc_b"])
    assert len(set(table["lr_a"].tolist())) == 1  # one reference


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(metrics=["nope"]), "unknown metric"),
        (dict(n_redundant=[9]), "n_redundant"),
        (dict(encoder_depths=[0]), "encoder_depths"),
        (dict(heterogeneity="all"), "heterogeneity"),
        (dict(lr=[0.0]), "lr"),
        (dict(seeds=[]), "seeds"),
    ],
)
def test_bad_arguments(kwargs, match):
    params = {**TINY, **kwargs}
    with pytest.raises(ValueError, match=match):
        emergence_study(
            params.pop("n_redundant", [0]), [0], params.pop("encoder_depths", [1]), **params
        )
