import numpy as np
import pytest
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from skorch.helper import SliceDict

from mmalign_sk.datasets import make_interaction_dataset
from mmalign_sk.estimators import AlignedContrastiveClassifier, make_modality_scorer
from mmalign_sk.features import PerModalityTransformer
from mmalign_sk.metrics import make_alignment_scorer


@pytest.fixture
def X():
    rng = np.random.default_rng(0)
    return SliceDict(a=rng.normal(3.0, 2.0, (50, 4)), b=rng.normal(size=(50, 6)), c=rng.normal(size=(50, 2)))


def test_each_modality_gets_its_own_fitted_transformer(X):
    pre = PerModalityTransformer([("a", StandardScaler()), ("b", PCA(n_components=2)), ("c", "drop")])
    Xt = pre.fit_transform(X)
    assert isinstance(Xt, SliceDict) and sorted(Xt) == ["a", "b"]
    expected_a = (X["a"] - X["a"].mean(axis=0)) / X["a"].std(axis=0)
    np.testing.assert_allclose(Xt["a"], expected_a)
    centred = X["b"] - X["b"].mean(axis=0)
    top = np.linalg.svd(centred, full_matrices=False)[2][:2]
    np.testing.assert_allclose(np.abs(Xt["b"]), np.abs(centred @ top.T), atol=1e-10)


def test_remainder(X):
    kept = PerModalityTransformer([("a", StandardScaler())]).fit_transform(X)
    assert sorted(kept) == ["a", "b", "c"] and kept["b"] is X["b"]
    only = PerModalityTransformer([("a", StandardScaler())], remainder="drop").fit_transform(X)
    assert sorted(only) == ["a"]


def test_nested_params_and_clone(X):
    pre = PerModalityTransformer([("a", StandardScaler()), ("b", "passthrough")])
    params = pre.get_params()
    assert params["a__with_mean"] is True and params["b"] == "passthrough"
    pre.set_params(a__with_mean=False)
    assert pre.transformers[0][1].with_mean is False
    twin = clone(pre)
    assert twin.get_params()["a__with_mean"] is False and twin.transformers[0][1] is not pre.transformers[0][1]
    np.testing.assert_allclose(pre.fit_transform(X)["a"], X["a"] / X["a"].std(axis=0))


def test_bad_input(X):
    with pytest.raises(TypeError, match="list of \\(modality, transformer\\) tuples"):
        PerModalityTransformer({"a": StandardScaler()}).fit(X)
    with pytest.raises(ValueError, match="'passthrough' or 'drop'"):
        PerModalityTransformer([("a", "scale")]).fit(X)
    with pytest.raises(TypeError, match="no transform method"):
        PerModalityTransformer([("a", object())]).fit(X)
    with pytest.raises(ValueError, match="remainder"):
        PerModalityTransformer([("a", StandardScaler())], remainder="keep").fit(X)
    with pytest.raises(ValueError, match="has no modality 'z'"):
        PerModalityTransformer([("z", StandardScaler())]).fit(X)
    with pytest.raises(TypeError, match="mapping"):
        PerModalityTransformer([("a", StandardScaler())]).fit(X["a"])
    with pytest.raises(NotFittedError):
        PerModalityTransformer([("a", StandardScaler())]).transform(X)
    with pytest.raises(ValueError, match="every modality was dropped"):
        PerModalityTransformer([("a", "drop")], remainder="drop").fit_transform(X)


def test_pipeline_grid_search_tunes_preprocessing_and_alignment_weight():
    data = make_interaction_dataset(kind="redundancy", n_samples=512, random_state=0)
    pipe = Pipeline([
        ("pre", PerModalityTransformer([("x1", StandardScaler()), ("x2", StandardScaler())])),
        ("net", AlignedContrastiveClassifier(modalities=("x1", "x2"), max_epochs=2, batch_size=128,
                                             device="cpu", random_state=0)),
    ])
    grid = {"net__alignment_weight": [0.0, 1.0], "pre__x1__with_mean": [True, False]}
    scoring = {"acc": make_modality_scorer("accuracy", "x1"), "align": make_alignment_scorer("mutual_knn")}
    search = GridSearchCV(pipe, grid, cv=2, scoring=scoring, refit="acc", error_score="raise").fit(data.X, data.y)
    assert len(search.cv_results_["params"]) == 4
    assert np.isfinite(search.cv_results_["mean_test_align"]).all()
    assert search.best_estimator_.named_steps["pre"].transformers_["x1"].with_mean == search.best_params_[
        "pre__x1__with_mean"
    ]
