"""The studies' figures, drawn from their tables with the Display objects of mmalign_sk.plotting
(each returns the figure; :mod:`._reproduce` writes it)."""

import numpy as np

from ..metrics import LayerwiseAlignment
from ..plotting import AlignmentScatterDisplay, LayerAlignmentDisplay


def _figure(n_panels, width=4.2, height=3.4):
    import matplotlib.pyplot as plt

    cols = min(n_panels, 3)
    rows = int(np.ceil(n_panels / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, height * rows), squeeze=False)
    for ax in axes.flat[n_panels:]:
        ax.set_visible(False)
    return fig, list(axes.flat[:n_panels])


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


def weight_curves(by_weight, settings, alignment, temperature=None):
    """Per setting: mean unimodal accuracy (± sd over seeds) and alignment against lambda.

    ``by_weight`` is ``summarize_strategic(...)["by_weight"]``; only its rows at ``temperature``
    are drawn (all rows when None).
    """
    fig, axes = _figure(len(settings))
    for ax, setting in zip(axes, settings):
        rows = [r for r in by_weight if r["setting"] == setting
                and (temperature is None or r["temperature"] == temperature)]
        weights = np.array([r["alignment_weight"] for r in rows])
        acc = np.array([r["acc"] for r in rows])
        sd = np.nan_to_num(np.array([r["acc_sd"] for r in rows], dtype=float))
        x = np.arange(len(weights))  # equally spaced grid points, labelled with their lambda
        ax.errorbar(x, acc, yerr=sd, color="C0", marker="o", capsize=3)
        ax.set_xticks(x)
        ax.set_xticklabels([f"{w:g}" for w in weights])
        ax.set_xlabel("alignment weight lambda")
        ax.set_ylabel("mean unimodal accuracy", color="C0")
        twin = ax.twinx()
        twin.plot(x, [r[alignment] for r in rows], color="C1", marker="s", linestyle="--")
        twin.set_ylabel(alignment[6:], color="C1")
        title = setting if temperature is None else f"{setting}, T = {temperature:g}"
        ax.set_title(title)
    return fig, axes


def temperature_effect(by_weight, by_setting, setting="R=4"):
    """lambda* per setting for every temperature, and ``setting``'s accuracy per temperature."""
    fig, (left, right) = _figure(2, 5.0, 3.6)
    temperatures = list(dict.fromkeys(r["temperature"] for r in by_setting))
    settings = list(dict.fromkeys(r["setting"] for r in by_setting))
    grid = sorted({r["alignment_weight"] for r in by_weight})
    for i, temperature in enumerate(temperatures):
        best = {r["setting"]: r["best_weight"] for r in by_setting
                if r["temperature"] == temperature}
        left.plot(range(len(settings)), [grid.index(best[s]) for s in settings], marker="o",
                  color=f"C{i}", label=f"T = {temperature:g}")
        rows = [r for r in by_weight if r["setting"] == setting and r["temperature"] == temperature]
        right.errorbar([grid.index(r["alignment_weight"]) for r in rows], [r["acc"] for r in rows],
                       yerr=np.nan_to_num([r["acc_sd"] for r in rows]), marker="o", capsize=3,
                       color=f"C{i}", label=f"T = {temperature:g}")
    left.set_xticks(range(len(settings)))
    left.set_xticklabels(settings)
    left.set_yticks(range(len(grid)))
    left.set_yticklabels([f"{w:g}" for w in grid])
    left.set_ylabel("best weight lambda* (validation)")
    left.set_title("lambda* per setting and temperature")
    right.set_xticks(range(len(grid)))
    right.set_xticklabels([f"{w:g}" for w in grid])
    right.set_xlabel("alignment weight lambda")
    right.set_ylabel("mean unimodal accuracy")
    right.set_title(f"{setting}: accuracy per temperature")
    for ax in (left, right):
        ax.legend(fontsize=8)
    return fig, (left, right)
