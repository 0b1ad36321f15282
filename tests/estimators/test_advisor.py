import math
import warnings

import numpy as np
import pytest
from skorch.helper import SliceDict
from sklearn.base import clone

from mmalign_sk.datasets import make_interaction_dataset
from mmalign_sk.estimators import (
    DEFAULT_EVIDENCE,
    AlignedContrastiveClassifier,
    AlignmentAdvisor,
    StepRule,
    redundancy_share,
)
from mmalign_sk.information import SmallSampleWarning, estimate_pid, pid

pytestmark = pytest.mark.filterwarnings("ignore::mmalign_sk.information.SmallSampleWarning")


def _table(f):
    """p(x1, x2, y) of uniform binary x1, x2 with y = f(x1, x2)."""
    p = np.zeros((2, 2, 2))
    for a in (0, 1):
        for b in (0, 1):
            p[a, b, f(a, b)] += 0.25
    return p


def test_redundancy_share_of_canonical_tables():
    copy = np.zeros((2, 2, 2))
    copy[0, 0, 0] = copy[1, 1, 1] = 0.5
    assert redundancy_share(pid(copy)) == pytest.approx(1.0, abs=1e-6)  # Y = X1 = X2
    assert redundancy_share(pid(_table(lambda a, b: a ^ b))) == pytest.approx(0.0, abs=1e-6)
    assert redundancy_share(pid(_table(lambda a, b: a))) == pytest.approx(0.0, abs=1e-6)
    # AND: R = 0.311, S = 0.5 of I = 0.811 bits (Bertschinger et al. 2014)
    and_ = pid(_table(lambda a, b: a & b))
    assert redundancy_share(and_) == pytest.approx(and_.redundancy / and_.mi_joint)
    assert redundancy_share(and_) == pytest.approx(0.311 / 0.811, abs=2e-3)


def test_redundancy_share_corrects_the_plugin_bias():
    result = pid(_table(lambda a, b: a & b))
    biased = type(result)(**{**result.__dict__, "extra": {"plugin_bias": 0.3}})
    expected = result.redundancy / max(result.mi_joint - 0.3,
                                       result.redundancy + result.unique_1 + result.unique_2)
    assert redundancy_share(biased) == pytest.approx(expected)
    assert redundancy_share(biased) > redundancy_share(result)


def test_step_rule_is_monotone_and_never_interpolates():
    rule = StepRule().fit([0.1, 0.5, 0.3, 0.8], [0.0, 1.0, 0.0, 2.0])
    np.testing.assert_allclose(rule.predict([0.0, 0.1, 0.29, 0.3, 0.49, 0.5, 0.79, 0.9]),
                               [0, 0, 0, 0, 0, 1, 1, 2])
    # a non-monotone evidence is pooled (isotonic) before the steps are read off
    rule = StepRule().fit([0.1, 0.2, 0.3], [1.0, 0.0, 2.0])
    np.testing.assert_allclose(rule.weights_, [0.5, 0.5, 2.0])


@pytest.fixture(scope="module")
def settings_data():
    return {kind: make_interaction_dataset(kind, n_samples=2048, random_state=0,
                                           **({"n_redundant": r} if r is not None else {}))
            for kind, r in (("redundancy", 8), ("uniqueness", 0), ("synergy", None))}


def test_recommendations_follow_the_information_structure(settings_data):
    advice = {k: AlignmentAdvisor(random_state=0).fit(d.X, d.y) for k, d in settings_data.items()}
    assert advice["redundancy"].recommendation_["align"]
    assert not advice["uniqueness"].recommendation_["align"]
    assert not advice["synergy"].recommendation_["align"]
    shares = {k: a.redundancy_share_ for k, a in advice.items()}
    assert shares["redundancy"] > shares["uniqueness"] > shares["synergy"]
    for a in advice.values():
        rec = a.recommend()
        assert rec["alignment_weight"] == a.rule_.predict([a.redundancy_share_])[0]
        assert rec["redundancy_share"] == a.redundancy_share_ == redundancy_share(a.pid_)
        assert "redundancy share" in rec["why"] and "bits" in rec["why"]


def test_evidence_defines_the_rule(settings_data):
    data = settings_data["uniqueness"]
    always = [("low", 0.0, 2.0), ("high", 1.0, 2.0)]
    advisor = AlignmentAdvisor(evidence=always, random_state=0).fit(data.X, data.y)
    assert advisor.recommendation_ == {**advisor.recommendation_, "align": True,
                                       "alignment_weight": 2.0}
    np.testing.assert_allclose(
        AlignmentAdvisor(random_state=0).fit(data.X, data.y).rule_.shares_,
        sorted(share for _, share, _ in DEFAULT_EVIDENCE))


def test_confirm_runs_a_grid_search(settings_data):
    data = settings_data["redundancy"]
    est = AlignedContrastiveClassifier(max_epochs=2, batch_size=256, device="cpu",
                                       random_state=0)
    advisor = AlignmentAdvisor(confirm=True, estimator=est, cv=2, random_state=0)
    advisor.fit(data.X[:1024], data.y[:1024])
    weight = advisor.recommendation_["alignment_weight"]
    grid = sorted(advisor.search_.cv_results_["param_alignment_weight"].tolist())
    assert grid == sorted({0.0, weight / 3, weight, 3 * weight})
    assert advisor.recommendation_["confirmed_weight"] in grid
    best = int(np.argmax(advisor.search_.cv_results_["mean_test_score"]))
    assert advisor.recommendation_["confirmed_score"] == pytest.approx(
        advisor.search_.cv_results_["mean_test_score"][best])


def test_image_modalities_are_flattened():
    rng = np.random.RandomState(0)
    y = rng.randint(0, 2, 600)
    X = SliceDict(image=(y[:, None, None, None] + 0.1 * rng.randn(600, 1, 4, 4)).astype("float32"),
                  audio=(y[:, None] + 0.1 * rng.randn(600, 3)).astype("float32"))
    advisor = AlignmentAdvisor(n_clusters=2, random_state=0).fit(X, y)
    assert advisor.modalities_ == ("image", "audio")
    assert advisor.pid_.redundancy == pytest.approx(1.0, abs=0.02)


def test_sklearn_behaviour():
    advisor = AlignmentAdvisor(n_clusters=(5, 6), confirm=True, cv=4)
    assert clone(advisor).get_params() == advisor.get_params()
    with pytest.raises(Exception, match="not fitted"):
        advisor.recommend()


def test_bad_input(settings_data):
    data = settings_data["redundancy"]
    with pytest.raises(TypeError, match="mapping"):
        AlignmentAdvisor().fit(data.X["x1"], data.y)
    X3 = SliceDict(a=data.X["x1"], b=data.X["x2"], c=data.X["x1"])
    with pytest.raises(ValueError, match="pass modalities"):
        AlignmentAdvisor().fit(X3, data.y)
    with pytest.raises(ValueError, match=r"modalities \['d'\] are not in X"):
        AlignmentAdvisor(modalities=("a", "d")).fit(X3, data.y)
    with pytest.raises(ValueError, match="two distinct names"):
        AlignmentAdvisor(modalities=("a", "a")).fit(X3, data.y)
    with pytest.raises(ValueError, match="evidence rows"):
        AlignmentAdvisor(evidence=[("x", 1.5, 0), ("y", 0.2, 0)]).fit(data.X, data.y)
    with pytest.raises(ValueError, match="at least two"):
        AlignmentAdvisor(evidence=[("x", 0.5, 0)]).fit(data.X, data.y)
    with pytest.raises(ValueError, match="cv"):
        AlignmentAdvisor(cv=1).fit(data.X, data.y)


def test_documented_example_runs_without_warning_and_reports_the_bias():
    # the example of docs/pid.md, with every warning turned into an error
    data = make_interaction_dataset("redundancy", n_redundant=8, n_samples=2048, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        advisor = AlignmentAdvisor(n_clusters=20, random_state=0).fit(data.X, data.y)
    labels_1, labels_2, y_index = advisor.pid_.extra["labels"]
    cells_x = len(np.unique(labels_1)) * len(np.unique(labels_2))
    # Miller-Madow: (cells of (X1, X2) - 1) (values of Y - 1) / (2 n ln 2) bits
    expected = (cells_x - 1) * (len(np.unique(y_index)) - 1) / (2 * 2048 * math.log(2))
    assert advisor.recommendation_["plugin_bias"] == pytest.approx(expected, rel=1e-12)
    # estimate_pid itself still warns about the same bias
    with pytest.warns(SmallSampleWarning, match=f"{expected:.3f} bits"):
        estimate_pid(data.X["x1"], data.X["x2"], data.y, n_clusters=20, random_state=0)
