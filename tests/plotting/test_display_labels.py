"""Each Display, rendered, says what it shows: axis labels, ticks and legends a reader can use."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402

from mmalign_sk.datasets import make_interaction_dataset  # noqa: E402
from mmalign_sk.estimators import AlignedContrastiveClassifier, make_modality_scorer  # noqa: E402
from mmalign_sk.information import pid  # noqa: E402
from mmalign_sk.metrics import make_alignment_scorer  # noqa: E402
from mmalign_sk.plotting import (  # noqa: E402
    AlignmentCurveDisplay,
    AlignmentScatterDisplay,
    ModelScaleDisplay,
    PIDDisplay,
)


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _legend_texts(legend):
    return [t.get_text() for t in legend.get_texts()]


def _tick_texts(axis):
    return [t.get_text() for t in axis.get_ticklabels()]


def _points_under_legend(disp):
    """Curve points (markers and points along the lines) that the legend's box covers."""
    disp.figure_.draw_without_rendering()
    box = disp.legend_.get_window_extent()
    covered = []
    for ax, y in ((disp.ax_, disp.performance_mean), (disp.ax_alignment_, disp.alignment_mean)):
        x = np.asarray(disp.param_values, float)
        xy = ax.transData.transform(np.column_stack([x, y]))
        t = np.linspace(0, 1, 50)[:, None]
        pts = np.vstack([xy] + [xy[i] + t * (xy[i + 1] - xy[i]) for i in range(len(xy) - 1)])
        covered += [p for p in pts if box.x0 <= p[0] <= box.x1 and box.y0 <= p[1] <= box.y1]
    return covered


@pytest.fixture(scope="module")
def search():
    data = make_interaction_dataset("redundancy", n_samples=256, random_state=0)
    est = AlignedContrastiveClassifier(max_epochs=1, batch_size=64, device="cpu", random_state=0)
    scoring = {"acc_x1": make_modality_scorer("accuracy", "x1"), "acc": "accuracy",
               "align": make_alignment_scorer("mutual_knn", topk=5),
               "align_max": make_alignment_scorer("cka", layers="max")}
    return GridSearchCV(est, {"alignment_weight": [0, 0.1, 1]}, cv=2, scoring=scoring,
                        refit="acc_x1").fit(data.X, data.y)


def test_alignment_curve_labels_name_the_scores(search):
    disp = AlignmentCurveDisplay.from_cv_results(search, performance="acc_x1", alignment="align")
    assert disp.ax_.get_xlabel() == "alignment weight λ"
    assert disp.ax_.get_ylabel() == "accuracy of x1"
    assert disp.ax_alignment_.get_ylabel() == "mutual_knn alignment"
    assert _tick_texts(disp.ax_.xaxis) == ["0", "0.1", "1"]
    np.testing.assert_array_equal(disp.ax_.get_xticks(), [0, 0.1, 1])
    assert _legend_texts(disp.legend_) == [
        "accuracy of x1", "mutual_knn alignment", "± 1 sd over the CV folds",
        f"best alignment weight λ = {disp.best_param_:g}"]
    assert not _points_under_legend(disp)
    other = AlignmentCurveDisplay.from_cv_results(search, performance="acc", alignment="align_max")
    assert other.ax_.get_ylabel() == "accuracy"
    assert other.ax_alignment_.get_ylabel() == "cka alignment (max over layer pairs)"
    assert AlignmentCurveDisplay.from_cv_results(
        search, performance="acc", alignment="align", alignment_label="mine").ax_alignment_.get_ylabel() == "mine"


def test_alignment_curve_from_plain_results_uses_the_keys():
    cv = {"param_alignment_weight": [0.0, 0.5, 2.0, 8.0],
          "mean_test_acc": [0.8, 0.82, 0.7, 0.5], "mean_test_align": [0.1, 0.3, 0.6, 0.9]}
    disp = AlignmentCurveDisplay.from_cv_results(cv, tol=0.05)
    assert (disp.ax_.get_ylabel(), disp.ax_alignment_.get_ylabel()) == ("acc", "align")
    assert _tick_texts(disp.ax_.xaxis) == ["0", "0.5", "2", "8"]
    assert len(disp.ax_.xaxis.get_minorticklocs()) == 0
    assert disp.best_param_ == 0.0  # 0.8 is within 0.05 of the best, 0.82
    assert _legend_texts(disp.legend_)[-1] == "best alignment weight λ = 0 (ties within 0.05: the smallest)"
    assert "± 1 sd over the CV folds" in _legend_texts(disp.legend_)  # zero-width bands still drawn
    assert not _points_under_legend(disp)


@pytest.mark.parametrize("seed", range(5))
def test_alignment_curve_legend_never_covers_a_point(seed):
    """Curves that fill every corner push the legend out of the axes, below them."""
    rng = np.random.default_rng(seed)
    x = np.arange(12, dtype=float)
    cv = {"param_alignment_weight": x, "mean_test_acc": rng.uniform(0, 1, 12),
          "mean_test_align": rng.uniform(0, 1, 12)}
    disp = AlignmentCurveDisplay.from_cv_results(cv, std=False)
    assert not _points_under_legend(disp)
    assert "± 1 sd over the CV folds" not in _legend_texts(disp.legend_)
    legend_box = disp.legend_.get_window_extent()
    axes_box = disp.ax_.get_window_extent()
    inside = axes_box.x0 <= legend_box.x0 and legend_box.y0 >= axes_box.y0
    assert inside or legend_box.y1 <= axes_box.y0  # in a free place, or below the axes


def test_pid_display_labels():
    p = np.zeros((2, 2, 2))
    for a in (0, 1):
        for b in (0, 1):
            p[a, b, a ^ b] = 0.25
    disp = PIDDisplay.from_pid({"XOR": pid(p), "again": pid(p)}, modality_names=("audio", "text"))
    assert disp.ax_.get_ylabel() == "I(audio, text; Y) [bits]"
    assert _tick_texts(disp.ax_.xaxis) == ["XOR", "again"]
    assert _legend_texts(disp.ax_.get_legend()) == ["redundancy", "unique to audio",
                                                     "unique to text", "synergy"]


def test_scatter_display_labels():
    disp = AlignmentScatterDisplay.from_arrays([0, 1, 2, 3], [0.1, 0.2, 0.4, 0.3],
                                               xlabel="redundancy r", ylabel="mutual kNN")
    assert (disp.ax_.get_xlabel(), disp.ax_.get_ylabel()) == ("redundancy r", "mutual kNN")
    assert _legend_texts(disp.ax_.get_legend()) == ["Spearman ρ = 0.80"]


def test_model_scale_display_labels():
    disp = ModelScaleDisplay.from_arrays([5.6e8, 1.1e9, 1.7e9], [0.2, 0.25, 0.3],
                                         families=["bloomz"] * 3, xlabel="language model parameters",
                                         ylabel="mutual kNN")
    assert disp.ax_.get_xscale() == "log"
    assert (disp.ax_.get_xlabel(), disp.ax_.get_ylabel()) == ("language model parameters", "mutual kNN")
    assert _legend_texts(disp.ax_.get_legend()) == ["bloomz"]
