"""The studies' figures, drawn from their tables with the Display objects of mmalign_sk.plotting."""

import numpy as np

from ..metrics import LayerwiseAlignment
from ..plotting import AlignmentCurveDisplay, AlignmentScatterDisplay, LayerAlignmentDisplay


def _figure(n_panels, width=4.2, height=3.4):
    import matplotlib.pyplot as plt

    cols = min(n_panels, 3)
    rows = int(np.ceil(n_panels / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, height * rows), squeeze=False)
    for ax in axes.flat[n_panels:]:
        ax.set_visible(False)
    return fig, list(axes.flat[:n_panels])


def save(fig, path):
    """Write ``fig`` as a PNG and close it; returns the path."""
    import matplotlib.pyplot as plt

    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def scatter(table, x, y, groups, xlabel, ylabel, title=None):
    """One :class:`AlignmentScatterDisplay` of two columns of ``table``, coloured by ``groups``."""
    fig, (ax,) = _figure(1, 5.0, 4.0)
    display = AlignmentScatterDisplay.from_arrays(
        table[x], table[y], groups=table[groups], xlabel=xlabel, ylabel=ylabel, ax=ax
    )
    if title:
        ax.set_title(title)
    return fig, display


def scatter_panels(table, x, y, panels, groups, xlabel, ylabel, title):
    """One :class:`AlignmentScatterDisplay` per value of the column ``panels`` (titled
    ``title.format(value)``), each coloured by ``groups``."""
    values = sorted(set(table[panels].tolist()))
    fig, axes = _figure(len(values))
    displays = {}
    for ax, value in zip(axes, values):
        sub = table.filter(**{panels: value})
        displays[value] = AlignmentScatterDisplay.from_arrays(
            sub[x], sub[y], groups=sub[groups], xlabel=xlabel, ylabel=ylabel, ax=ax
        )
        ax.set_title(title.format(value))
    return fig, displays


def layer_heatmap(scores, metric, label_a, label_b, title):
    """A :class:`LayerAlignmentDisplay` of one cell's layer x layer matrix."""
    fig, (ax,) = _figure(1, 4.5, 3.6)
    display = LayerAlignmentDisplay.from_layerwise(
        LayerwiseAlignment(np.asarray(scores), metric), label_a=label_a, label_b=label_b, ax=ax
    )
    display.ax_.set_title(f"{title}\n{display.ax_.get_title()}", fontsize=9)
    return fig, display


def sweep_results(table, setting, alignment):
    """``cv_results_``-style columns of one setting's sweep, averaged over seeds.

    ``mean_test_unimodal`` is the mean of the two modalities' own accuracies.
    """
    sub = table.filter(setting=setting)
    weights = sorted(set(sub["alignment_weight"].tolist()))
    cols = {"param_alignment_weight": np.asarray(weights)}
    for name, columns in (("unimodal", ("acc_a", "acc_b")), ("align", (alignment,))):
        per_weight = [
            np.mean([sub.filter(alignment_weight=w)[c] for c in columns], axis=0) for w in weights
        ]
        cols[f"mean_test_{name}"] = np.array([np.mean(v) for v in per_weight])
        cols[f"std_test_{name}"] = np.array([np.std(v) for v in per_weight])
    return cols


def alignment_curves(table, alignment, settings, tol):
    """One :class:`AlignmentCurveDisplay` per setting: unimodal accuracy and alignment vs weight."""
    fig, axes = _figure(len(settings))
    displays = {}
    for ax, setting in zip(axes, settings):
        results = sweep_results(table, setting, alignment)
        displays[setting] = AlignmentCurveDisplay.from_cv_results(
            results,
            performance="unimodal",
            alignment="align",
            tol=tol,
            ax=ax,
            std=len(set(table.filter(setting=setting)["seed"].tolist())) > 1,
        )
        ax.set_title(f"{setting}: best lambda = {displays[setting].best_param_:g}")
        displays[setting].ax_.set_ylabel("mean unimodal accuracy", color="C0")
        displays[setting].ax_alignment_.set_ylabel(alignment[6:], color="C1")
    return fig, displays
