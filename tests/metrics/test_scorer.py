"""The scorers against a tiny estimator implementing the estimator <-> scorer protocol."""
import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import check_scoring
from sklearn.model_selection import GridSearchCV, cross_validate
from skorch.helper import SliceDict

from mmalign_sk.metrics import (
    encoder_alignment,
    layerwise_alignment,
    make_alignment_scorer,
    mutual_knn,
)


class TwoTowerToy(ClassifierMixin, BaseEstimator):
    """Embeds modality "a" by a fixed projection and "b" by the same plus noise of size ``noise``."""

    def __init__(self, noise=0.0, random_state=0):
        self.noise = noise
        self.random_state = random_state

    def fit(self, X, y):
        rng = np.random.default_rng(self.random_state)
        self.W_ = rng.normal(size=(X["a"].shape[1], 5))
        self.clf_ = LogisticRegression().fit(X["a"], y)
        self.classes_ = self.clf_.classes_
        return self

    def predict(self, X):
        return self.clf_.predict(X["a"])

    def embed_layers(self, X):
        h_a = X["a"] @ self.W_
        rng = np.random.default_rng(1)
        h_b = X["b"] @ self.W_ + self.noise * rng.normal(size=h_a.shape)
        return {"a": [X["a"], h_a], "b": [X["b"] + 0, h_b, np.tanh(h_b)]}

    def embed(self, X):
        return {m: layers[-1] for m, layers in self.embed_layers(X).items()}


def _data(n=120, seed=0):
    rng = np.random.default_rng(seed)
    Z = rng.normal(size=(n, 8))
    y = (Z[:, 0] > 0).astype(int)
    return SliceDict(a=Z, b=Z + 0.01 * rng.normal(size=Z.shape)), y


def test_scorer_last_equals_metric_on_embeddings():
    X, y = _data()
    est = TwoTowerToy(noise=0.5).fit(X, y)
    emb = est.embed(X)
    scorer = make_alignment_scorer("mutual_knn", topk=5)
    assert scorer(est, X) == mutual_knn(emb["a"], emb["b"], topk=5)
    assert scorer(est, X, y) == scorer(est, X)


def test_scorer_max_equals_layerwise_max():
    X, y = _data()
    est = TwoTowerToy(noise=0.5).fit(X, y)
    layers = est.embed_layers(X)
    expected = layerwise_alignment(layers["a"], layers["b"], topk=5).max
    assert make_alignment_scorer("mutual_knn", layers="max", topk=5)(est, X) == expected
    # raw inputs a and b are near copies: the best layer pair is perfectly aligned
    assert expected > 0.9


def test_scorer_modalities_selection_and_errors():
    X, y = _data()
    est = TwoTowerToy().fit(X, y)
    s_ab = make_alignment_scorer(modalities=("a", "b"), topk=5)(est, X)
    s_ba = make_alignment_scorer(modalities=("b", "a"), topk=5)(est, X)
    assert s_ab == pytest.approx(s_ba)  # mutual kNN is symmetric
    with pytest.raises(ValueError, match=r"modalities \['c'\] are not among"):
        make_alignment_scorer(modalities=("a", "c"))(est, X)
    with pytest.raises(ValueError, match="pair of modality names"):
        make_alignment_scorer(modalities="ab")
    with pytest.raises(ValueError, match="layers must be one of"):
        make_alignment_scorer(layers="first")
    with pytest.raises(ValueError, match="unknown metric"):
        make_alignment_scorer("nope")


def test_scorer_needs_two_modalities_when_not_given():
    class Three(TwoTowerToy):
        def embed(self, X):
            return {"a": X["a"], "b": X["b"], "c": X["a"]}

    X, y = _data()
    with pytest.raises(ValueError, match="exactly two modalities"):
        make_alignment_scorer(topk=5)(Three().fit(X, y), X)


def test_gridsearch_reports_accuracy_and_alignment():
    X, y = _data(n=150)
    search = GridSearchCV(
        TwoTowerToy(),
        {"noise": [0.0, 3.0]},
        cv=3,
        scoring={"acc": "accuracy", "align": make_alignment_scorer("mutual_knn", topk=5)},
        refit="acc",
    )
    search.fit(X, y)
    res = search.cv_results_
    assert "mean_test_acc" in res and "mean_test_align" in res
    # noise destroys the neighbourhood structure of modality b
    assert res["mean_test_align"][0] > res["mean_test_align"][1] + 0.3


def test_check_scoring_and_cross_validate_accept_the_scorer():
    X, y = _data()
    scorer = make_alignment_scorer(topk=5)
    assert check_scoring(TwoTowerToy(), scoring=scorer) is scorer
    out = cross_validate(TwoTowerToy(), X, y, cv=2, scoring={"align": scorer})
    assert out["test_align"].shape == (2,)


class OneTower(BaseEstimator):
    def __init__(self, modality="a"):
        self.modality = modality

    def fit(self, X, y=None):
        return self

    def embed(self, X):
        return {self.modality: X[self.modality]}

    def embed_layers(self, X):
        return {self.modality: [X[self.modality], np.tanh(X[self.modality])]}


def test_encoder_alignment_of_two_unimodal_estimators():
    X, y = _data()
    ea, eb = OneTower("a").fit(X), OneTower("b").fit(X)
    expected = mutual_knn(X["a"], X["b"], topk=5)
    assert encoder_alignment(ea, X, eb, X, topk=5) == expected
    full = encoder_alignment(ea, X, eb, X, layers="all", topk=5)
    assert full.scores.shape == (2, 2)
    assert encoder_alignment(ea, X, eb, X, layers="max", topk=5) == full.max
    with pytest.raises(ValueError, match="has no modality 'z'"):
        encoder_alignment(ea, X, eb, X, modality_a="z")


def test_scorer_on_a_pipeline_transforms_X_then_embeds():
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    X, y = _data()
    shift = FunctionTransformer(lambda X: {"a": X["a"] * 2.0 + 1.0, "b": X["b"] - 3.0})
    pipe = make_pipeline(shift, TwoTowerToy(noise=0.5)).fit(X, y)
    Xt = shift.transform(X)
    emb = pipe[-1].embed(Xt)
    expected = mutual_knn(emb["a"], emb["b"], topk=5)
    assert make_alignment_scorer("mutual_knn", topk=5)(pipe, X) == pytest.approx(expected)
    layers = pipe[-1].embed_layers(Xt)
    expected_max = max(mutual_knn(a, b, topk=5) for a in layers["a"] for b in layers["b"])
    assert make_alignment_scorer("mutual_knn", layers="max", topk=5)(pipe, X) == pytest.approx(expected_max)


def test_scorer_names_the_missing_protocol():
    X, y = _data()
    with pytest.raises(TypeError, match=r"must implement embed\(X\)"):
        make_alignment_scorer("mutual_knn")(LogisticRegression().fit(X["a"], y), X)


def test_calibrated_scorer_in_grid_search():
    """The calibrated scorer returns alignment_test's calibrated score on each split (same
    permutations for every candidate with an int random_state): 0 for noise that drowns the
    pairing, positive for a faithful copy."""
    from mmalign_sk.metrics import alignment_test

    X, y = _data()
    scorer = make_alignment_scorer("mutual_knn", topk=5, calibrated=True, n_permutations=49,
                                   random_state=0)
    est = TwoTowerToy(noise=0.0).fit(X, y)
    emb = est.embed(X)
    expected = alignment_test(emb["a"], emb["b"], "mutual_knn", topk=5, n_permutations=49,
                              random_state=0).calibrated_score
    assert scorer(est, X) == expected > 0.5
    search = GridSearchCV(TwoTowerToy(), {"noise": [0.0, 100.0]}, cv=2,
                          scoring={"align": scorer, "acc": "accuracy"}, refit="acc").fit(X, y)
    calibrated = search.cv_results_["mean_test_align"]
    assert calibrated[0] > 0.5 and calibrated[1] < 0.2
    layer_scorer = make_alignment_scorer("mutual_knn", topk=5, layers="max", calibrated=True,
                                         n_permutations=49, random_state=0)
    layers = est.embed_layers(X)
    assert layer_scorer(est, X) == layerwise_alignment(
        layers["a"], layers["b"], "mutual_knn", topk=5, n_permutations=49, random_state=0).calibrated_max


def test_calibrated_scorer_checks_its_test_parameters():
    with pytest.raises(ValueError, match="n_permutations must be >= 19"):
        make_alignment_scorer(calibrated=True, n_permutations=5)
    with pytest.raises(ValueError, match="alpha must be"):
        make_alignment_scorer(calibrated=True, alpha=1.0)
    with pytest.raises(TypeError, match="calibrated must be a bool"):
        make_alignment_scorer(calibrated="yes")
