import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV

from mmalign_sk.estimators import (AlignedContrastiveClassifier, AlignedContrastiveRegressor,
                                   UnimodalClassifier, UnimodalRegressor, make_modality_scorer)
from mmalign_sk.metrics import make_alignment_scorer, mutual_knn
from estimator_testing import one_torch_thread, data, make_data  # noqa: F401 (fixtures)

SMALL = dict(encoder__depth=2, max_epochs=4, batch_size=64, lr=1e-2)


@pytest.mark.parametrize("fusion", ["mean", "head"])
def test_zero_alignment_weight_is_independent_unimodal_training(data, fusion):
    """Same seed: each branch of the lambda = 0 model equals a separately trained unimodal model,
    bit for bit (the fused head sees detached features, so it cannot change the encoders)."""
    X, y = data
    joint = AlignedContrastiveClassifier(alignment_weight=0, fusion=fusion, random_state=3,
                                         **SMALL).fit(X, y)
    for m in ("x1", "x2"):
        alone = UnimodalClassifier(modality=m, random_state=3, **SMALL).fit(X, y)
        np.testing.assert_array_equal(joint.predict_proba(X, modality=m), alone.predict_proba(X))
        np.testing.assert_array_equal(joint.embed(X)[m], alone.embed(X)[m])


def test_zero_alignment_weight_regressor_is_independent_training(data):
    X, y = data
    target = y.astype(np.float32) + X["x1"][:, 3]
    joint = AlignedContrastiveRegressor(alignment_weight=0, random_state=1, **SMALL).fit(X, target)
    alone = UnimodalRegressor(modality="x2", random_state=1, **SMALL).fit(X, target)
    np.testing.assert_array_equal(joint.predict(X, modality="x2"), alone.predict(X))


def test_alignment_weight_raises_mutual_knn_alignment(make_data):
    """On redundant data the InfoNCE term aligns the encoders far beyond what emerges alone.

    Measured on held-out data over seeds 0-3: mutual kNN 0.18-0.22 at lambda = 0 and 0.64-0.74
    at lambda = 1; the asserted margin 0.25 is well inside that gap.
    """
    X, y = make_data(n=600, seed=0)
    X_test, _ = make_data(n=300, seed=1)
    for seed in (0, 1):
        scores = {}
        for weight in (0.0, 1.0):
            est = AlignedContrastiveClassifier(encoder__depth=2, alignment_weight=weight,
                                               max_epochs=15, lr=1e-2, random_state=seed)
            emb = est.fit(X, y).embed(X_test)
            scores[weight] = mutual_knn(emb["x1"], emb["x2"], topk=10)
        assert scores[1.0] > scores[0.0] + 0.25, scores


def test_grid_search_over_alignment_weight_reports_accuracy_and_alignment(data):
    X, y = data
    est = AlignedContrastiveClassifier(random_state=0, **SMALL)
    scoring = {"acc": "accuracy", "align": make_alignment_scorer("mutual_knn", topk=5),
               "acc_x1": make_modality_scorer("accuracy", "x1")}
    search = GridSearchCV(est, {"alignment_weight": [0, 1.0]}, cv=2, scoring=scoring,
                          refit="acc").fit(X, y)
    res = search.cv_results_
    for key in ("mean_test_acc", "mean_test_align", "mean_test_acc_x1"):
        assert res[key].shape == (2,) and np.all(np.isfinite(res[key]))
    assert np.all((res["mean_test_align"] >= 0) & (res["mean_test_align"] <= 1))
    assert list(res["param_alignment_weight"]) == [0, 1.0]
    best = search.best_estimator_
    assert best.alignment_weight == search.best_params_["alignment_weight"]
    # the per-modality scorer is the modality's own accuracy
    assert scoring["acc_x1"](best, X, y) == pytest.approx(best.score_modality(X, y, "x1"))


def test_loss_components_are_recorded(data):
    X, y = data
    est = AlignedContrastiveClassifier(alignment_weight=2.0, random_state=0, **SMALL).fit(X, y)
    last = est.history_[-1]
    assert last["train_loss"] == pytest.approx(
        last["train_task_loss"] + 2.0 * last["train_align_loss"], rel=1e-5)
    assert "train_align_loss" not in AlignedContrastiveClassifier(
        alignment_weight=0, random_state=0, **SMALL).fit(X, y).history_[-1]


def test_predictions_fused_and_per_modality(data):
    X, y = data
    est = AlignedContrastiveClassifier(random_state=0, **SMALL).fit(X, y)
    p1, p2 = est.predict_proba(X, modality="x1"), est.predict_proba(X, modality="x2")
    np.testing.assert_allclose(est.predict_proba(X), (p1 + p2) / 2, rtol=1e-6)
    np.testing.assert_allclose(p1.sum(axis=1), 1.0, rtol=1e-5)
    # a single modality's prediction does not need the other modality
    only_x1 = {"x1": X["x1"]}
    np.testing.assert_array_equal(est.predict(only_x1, modality="x1"),
                                  est.predict(X, modality="x1"))
    assert est.score_modality(X, y, "x1") == pytest.approx(np.mean(est.predict(X, "x1") == y))
    chosen = AlignedContrastiveClassifier(predict_modality="x2", random_state=0, **SMALL).fit(X, y)
    np.testing.assert_array_equal(chosen.predict(X), chosen.predict(X, modality="x2"))
    fused = AlignedContrastiveClassifier(fusion="head", random_state=0, **SMALL).fit(X, y)
    assert fused.predict_proba(X).shape == (len(y), 4)
    assert fused.module_.fusion_head is not None


def test_string_labels_and_regression_shapes(data):
    X, y = data
    labels = np.array(["a", "b", "c", "d"])[y]
    clf = AlignedContrastiveClassifier(random_state=0, **SMALL).fit(X, labels)
    assert set(clf.predict(X)) <= set(labels) and list(clf.classes_) == ["a", "b", "c", "d"]
    two = np.stack([y, -y], axis=1).astype(float)
    reg = AlignedContrastiveRegressor(random_state=0, **SMALL).fit(X, two)
    assert reg.predict(X).shape == (len(y), 2)
    assert reg.fit(X, two[:, 0]).predict(X).shape == (len(y),)


def test_three_modalities_and_mixed_encoders(make_data):
    X, y = make_data(n=120)
    rng = np.random.RandomState(0)
    X3 = dict(X)
    X3["seq"] = np.repeat(X["x1"][:, None, :4], 5, axis=1) + rng.rand(120, 5, 4).astype("float32")
    est = AlignedContrastiveClassifier(
        encoder={"x1": "mlp", "x2": "mlp", "seq": "gru"}, encoder__x1__depth=3,
        max_epochs=2, random_state=0).fit(X3, y)
    layers = est.embed_layers(X3)
    assert [len(layers[m]) for m in ("x1", "x2", "seq")] == [3, 1, 1]
    assert layers["seq"][0].shape == (120, 4)


def test_transformer_and_cnn_encoders_through_the_estimators(make_data):
    X, y = make_data(n=96)
    rng = np.random.RandomState(0)
    seq = np.repeat(X["x1"][:, None, :], 6, axis=1) + rng.rand(96, 6, 9).astype("float32")
    seq[:48, 4:] = 0.0  # half the sequences are padded
    images = np.repeat(X["x2"][:, None, :8, None], 8, axis=3)  # (96, 1, 8, 8)
    data = {"seq": seq, "img": images.astype("float32")}
    est = AlignedContrastiveClassifier(encoder={"seq": "transformer", "img": "cnn"},
                                       encoder__seq__depth=2, encoder__img__width=4,
                                       max_epochs=2, random_state=0).fit(data, y)
    layers = est.embed_layers(data)
    assert [h.shape for h in layers["seq"]] == [(96, 9), (96, 9)]
    assert [h.shape for h in layers["img"]] == [(96, 4), (96, 8)]
    np.testing.assert_array_equal(est.embed(data)["seq"], layers["seq"][-1])
    # padded sequences of the same length as in fit and shorter ones are accepted
    assert est.predict({"seq": seq[:, :4], "img": data["img"]}).shape == (96,)
