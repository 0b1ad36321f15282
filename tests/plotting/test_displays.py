import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from mmalign_sk.metrics import layerwise_alignment  # noqa: E402
from mmalign_sk.plotting import (  # noqa: E402
    AlignmentCurveDisplay,
    AlignmentScatterDisplay,
    LayerAlignmentDisplay,
)

CV = {
    "param_alignment_weight": np.ma.masked_array([1.0, 0.0, 0.1, 10.0]),
    "mean_test_acc": [0.70, 0.80, 0.85, 0.60],
    "std_test_acc": [0.01, 0.02, 0.01, 0.03],
    "mean_test_align": [0.50, 0.20, 0.30, 0.90],
    "std_test_align": [0.01, 0.01, 0.01, 0.01],
}


def test_alignment_curve_sorted_data_and_file(tmp_path):
    disp = AlignmentCurveDisplay.from_cv_results(CV)
    np.testing.assert_array_equal(disp.param_values, [0.0, 0.1, 1.0, 10.0])
    np.testing.assert_array_equal(disp.performance_mean, [0.80, 0.85, 0.70, 0.60])
    np.testing.assert_array_equal(disp.alignment_mean, [0.20, 0.30, 0.50, 0.90])
    assert disp.best_param_ == 0.1
    assert disp.ax_.get_xscale() == "symlog"  # 0.1 .. 10 spans two decades, 0 included
    np.testing.assert_array_equal(disp.ax_alignment_.get_lines()[0].get_ydata(), [0.20, 0.30, 0.50, 0.90])
    path = tmp_path / "curve.png"
    disp.figure_.savefig(path)
    assert path.stat().st_size > 1000
    plt.close("all")


def test_alignment_curve_errors():
    with pytest.raises(ValueError, match="no parameter 'lr'.*alignment_weight"):
        AlignmentCurveDisplay.from_cv_results(CV, param="lr")
    with pytest.raises(ValueError, match=r"no column 'mean_test_f1'.*mean_test_acc"):
        AlignmentCurveDisplay.from_cv_results(CV, performance="f1")
    two = dict(CV, param_lr=[1, 2, 3, 4])
    with pytest.raises(ValueError, match="several parameters"):
        AlignmentCurveDisplay.from_cv_results(two)
    plt.close("all")


def test_layer_heatmap_marks_the_maximum():
    rng = np.random.default_rng(0)
    h = rng.normal(size=(60, 5))
    result = layerwise_alignment([rng.normal(size=(60, 2)), h], [h, rng.normal(size=(60, 3)), np.tanh(h)], topk=5)
    disp = LayerAlignmentDisplay.from_layerwise(result)
    np.testing.assert_array_equal(disp.im_.get_array(), result.scores)
    star = disp.ax_.collections[0].get_offsets()[0]
    assert (int(star[1]), int(star[0])) == result.argmax == (1, 0)
    with pytest.raises(ValueError, match="2-D"):
        LayerAlignmentDisplay.from_layerwise(np.ones(3))
    plt.close("all")


def test_scatter_spearman_by_group():
    x = np.array([0, 1, 2, 3, 0, 1, 2, 3])
    y = np.array([1.0, 2.0, 3.0, 4.0, 4.0, 3.0, 2.0, 1.0])
    disp = AlignmentScatterDisplay.from_arrays(x, y, groups=["r=8"] * 4 + ["r=0"] * 4)
    assert disp.spearman_["r=8"][0] == pytest.approx(1.0)
    assert disp.spearman_["r=0"][0] == pytest.approx(-1.0)
    assert disp.spearman_["all"][0] == pytest.approx(0.0)
    with pytest.raises(ValueError, match="same length"):
        AlignmentScatterDisplay.from_arrays([1, 2], [1, 2, 3])
    with pytest.raises(ValueError, match="at least 2 points"):
        AlignmentScatterDisplay.from_arrays([1], [1])
    plt.close("all")


def test_layer_heatmap_scale_labels_and_significant_cells():
    rng = np.random.default_rng(0)
    h = rng.normal(size=(60, 5))
    result = layerwise_alignment([rng.normal(size=(60, 2)), h], [h, rng.normal(size=(60, 3))],
                                 topk=5, n_permutations=49, random_state=0)
    disp = LayerAlignmentDisplay.from_layerwise(result, label_a="image", label_b="audio")
    assert disp.im_.get_clim() == (0.0, 1.0)  # the metric's range, not the data's
    assert disp.colorbar_.ax.get_ylabel() == "mutual_knn"
    assert disp.ax_.get_xlabel() == "audio layer" and disp.ax_.get_ylabel() == "image layer"
    assert f"max-aware p = {result.p_value:.3g}" in disp.ax_.get_title()
    texts = {t.get_text(): t for t in disp.ax_.texts}
    for (r, c), v in np.ndenumerate(result.scores):
        assert (f"{v:.2f}*" in texts) == bool(result.significant[r, c])
    best = texts[f"{result.max:.2f}*"]
    # the maximum is bright yellow in viridis: its value is written in black, in bold
    assert best.get_color() == "black" and best.get_fontweight() == "bold"
    low = texts[f"{result.scores[0, 1]:.2f}"]
    assert low.get_color() == "white"  # dark purple cell
    assert LayerAlignmentDisplay.from_layerwise(result, vmin=0.2, vmax=0.8).im_.get_clim() == (0.2, 0.8)
    lcs = layerwise_alignment([h], [h], "lcs_knn", topk=4)
    assert LayerAlignmentDisplay.from_layerwise(lcs).im_.get_clim() == (0.0, 4.0)
    plt.close("all")
