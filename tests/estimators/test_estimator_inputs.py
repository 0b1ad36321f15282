import numpy as np
import pytest
from skorch.helper import SliceDict

from mmalign_sk.estimators import (AlignedContrastiveClassifier, AlignedContrastiveRegressor,
                                   UnimodalClassifier, UnimodalRegressor)
from estimator_testing import one_torch_thread, data  # noqa: F401 (fixtures)

FAST = dict(max_epochs=1, random_state=0)


def test_missing_modality(data):
    X, y = data
    with pytest.raises(ValueError, match=r"X has no modality 'audio'; it has \['x1', 'x2'\]"):
        AlignedContrastiveClassifier(modalities=("x1", "audio"), **FAST).fit(X, y)
    with pytest.raises(ValueError, match="X has no modality 'x3'"):
        UnimodalClassifier(modality="x3", **FAST).fit(X, y)
    est = AlignedContrastiveClassifier(**FAST).fit(X, y)
    with pytest.raises(ValueError, match="X has no modality 'x2'"):
        est.predict({"x1": X["x1"]})  # the fused prediction needs every modality


def test_mismatched_numbers_of_samples(data):
    X, y = data
    uneven = {"x1": X["x1"], "x2": X["x2"][:-5]}
    with pytest.raises(ValueError, match=r"same number of samples; got \{'x1': 300, 'x2': 295\}"):
        AlignedContrastiveClassifier(**FAST).fit(uneven, y)
    with pytest.raises(ValueError, match="X and y must have the same number of samples; got 300 "
                                         "and 299"):
        AlignedContrastiveClassifier(**FAST).fit(X, y[:-1])


def test_wrong_kind_of_labels(data):
    X, y = data
    with pytest.raises(ValueError, match="y must hold class labels .* 'continuous' target.*"
                                         "AlignedContrastiveRegressor"):
        AlignedContrastiveClassifier(**FAST).fit(X, y + 0.5)
    with pytest.raises(ValueError, match="y must hold numbers .*AlignedContrastiveClassifier"):
        AlignedContrastiveRegressor(**FAST).fit(X, np.array(["a", "b"])[y % 2])
    with pytest.raises(ValueError, match="y must be 1-D class labels"):
        UnimodalClassifier(modality="x1", **FAST).fit(X, np.stack([y, y], axis=1))
    with pytest.raises(ValueError, match="requires y to be passed, but the target y is None"):
        UnimodalRegressor(modality="x1", **FAST).fit(X, None)
    est = AlignedContrastiveClassifier(classes=[0, 1], **FAST)
    with pytest.raises(ValueError, match=r"labels \[2, 3\] that are not among the classes"):
        est.fit(X, y)


@pytest.mark.parametrize("params, error, match", [
    ({"alignment_weight": -0.1}, ValueError,
     "alignment_weight must be a finite float >= 0; got -0.1"),
    ({"alignment_weight": "1"}, TypeError, "alignment_weight must be a float >= 0"),
    ({"alignment_weight": float("nan")}, ValueError, "alignment_weight must be a finite float"),
    ({"temperature": 0}, ValueError, "temperature must be a float > 0; got 0"),
    ({"temperature": -1.0}, ValueError, "temperature must be a float > 0"),
    ({"projection": "deep"}, ValueError, "projection must be one of"),
    ({"projection_width": 0}, ValueError, "projection_width must be >= 1"),
    ({"fusion": "max"}, ValueError, "fusion must be one of"),
    ({"predict_modality": "x9"}, ValueError, "predict_modality must be None or one of"),
    ({"modalities": ("x1",)}, ValueError, "modalities must name at least 2 modalities"),
    ({"modalities": "x1"}, TypeError, "modalities must be a sequence of modality names"),
    ({"encoder": "resnet"}, ValueError, "encoder must be one of"),
    ({"encoder__x9__depth": 2}, ValueError, "encoder__x9__depth: 'x9' is not a modality"),
    ({"encoder": {"x1": "mlp"}}, ValueError, "without an entry for modality 'x2'"),
    ({"random_state": "seed"}, ValueError, "random_state must be None, an int or a numpy"),
])
def test_bad_hyperparameters(data, params, error, match):
    X, y = data
    with pytest.raises(error, match=match):
        AlignedContrastiveClassifier(**{**FAST, **params}).fit(X, y)


def test_bad_arrays(data):
    X, y = data
    bad = SliceDict(x1=X["x1"].copy(), x2=X["x2"])
    bad["x1"][3, 2] = np.nan
    with pytest.raises(ValueError, match=r"X\['x1'\].*NaN"):
        AlignedContrastiveClassifier(**FAST).fit(bad, y)
    with pytest.raises(TypeError, match="needs X as a mapping"):
        AlignedContrastiveClassifier(**FAST).fit(X["x1"], y)
    with pytest.raises(TypeError, match="modality='x1' needs X to be a mapping"):
        UnimodalClassifier(modality="x1", **FAST).fit(X["x1"], y)
    with pytest.raises(ValueError, match="pass modality=<name>"):
        UnimodalClassifier(**FAST).fit(X, y)
    with pytest.raises(ValueError, match="non-empty str names without '.'"):
        AlignedContrastiveClassifier(**FAST).fit({"a.b": X["x1"], "c": X["x2"]}, y)


def test_predict_checks_the_feature_width(data):
    X, y = data
    est = AlignedContrastiveClassifier(**FAST).fit(X, y)
    narrow = {"x1": X["x1"][:, :5], "x2": X["x2"]}
    with pytest.raises(ValueError, match=r"X\['x1'\] has samples of shape \(5,\), but "
                                         r"AlignedContrastiveClassifier was fitted on .*\(9,\)"):
        est.predict(narrow)
    with pytest.raises(ValueError, match="modality must be one of"):
        est.predict(X, modality="x3")


def test_unknown_fit_keyword(data):
    X, y = data
    with pytest.raises(TypeError, match="unexpected keyword arguments \\['sample_weight'\\]"):
        AlignedContrastiveClassifier(**FAST).fit(X, y, sample_weight=np.ones(len(y)))
