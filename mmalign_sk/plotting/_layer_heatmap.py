"""Heatmap of a layer x layer alignment matrix."""

import numpy as np

from ._alignment_curve import _check_matplotlib


def _readable_text_colour(rgba):
    """Black on light cells, white on dark ones (relative luminance of the cell's colour)."""
    r, g, b = rgba[:3]
    return "black" if 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.45 else "white"


class LayerAlignmentDisplay:
    """Layer x layer alignment of two encoders as a heatmap, the maximum marked.

    The colour scale spans the metric's range (e.g. 0..1), so heatmaps of different encoders or
    runs compare by colour. With a permutation test (``layerwise_alignment(...,
    n_permutations=K)``) the cells above the threshold of the maximum's null are marked ``*``
    and the title gives the max-aware p-value and the chance level of the maximum.

    Parameters
    ----------
    scores : ndarray of shape (n_layers_a, n_layers_b)
    metric : str
        The metric's name (colour bar and title).
    label_a, label_b : str
        Names of the two encoders (axis labels).
    score_range : (float, float), default=(0.0, 1.0)
        The metric's range: the default colour scale.
    significant : ndarray of bool of shape (n_layers_a, n_layers_b), optional
        Cells to mark as significant.
    p_value : float, optional
        Max-aware p-value of the maximum, shown in the title.
    chance_max : float, optional
        Chance level of the maximum (mean of its null), shown in the title.
    alpha : float, optional
        Level of the test, shown in the title.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from mmalign_sk.metrics import layerwise_alignment
    >>> from mmalign_sk.plotting import LayerAlignmentDisplay
    >>> rng = np.random.default_rng(0)
    >>> h = rng.normal(size=(60, 5))
    >>> result = layerwise_alignment([h, np.tanh(h)], [rng.normal(size=(60, 3)), h], topk=5,
    ...                              n_permutations=99, random_state=0)
    >>> disp = LayerAlignmentDisplay.from_layerwise(result, label_a="image", label_b="audio")
    >>> disp.im_.get_array().shape, disp.im_.get_clim()
    ((2, 2), (0.0, 1.0))
    """

    def __init__(self, scores, *, metric="alignment", label_a="encoder A", label_b="encoder B",
                 score_range=(0.0, 1.0), significant=None, p_value=None, chance_max=None,
                 alpha=None):
        self.scores = np.asarray(scores, dtype=float)
        self.metric = metric
        self.label_a = label_a
        self.label_b = label_b
        self.score_range = score_range
        self.significant = significant
        self.p_value = p_value
        self.chance_max = chance_max
        self.alpha = alpha

    @classmethod
    def from_layerwise(cls, result, *, label_a="encoder A", label_b="encoder B", ax=None, **kwargs):
        """Plot a :class:`~mmalign_sk.metrics.LayerwiseAlignment` (or a plain 2-D score matrix).

        A result of ``layerwise_alignment(..., n_permutations=K)`` has its significant cells
        marked and its p-value in the title. ``kwargs`` go to :meth:`plot`.
        """
        scores = getattr(result, "scores", result)
        scores = np.asarray(scores, dtype=float)
        if scores.ndim != 2:
            raise ValueError(f"result must hold a 2-D layer x layer matrix; got shape {scores.shape}.")
        test = {}
        if getattr(result, "null_max", None) is not None:
            test = {"significant": result.significant, "p_value": result.p_value,
                    "chance_max": result.chance_max, "alpha": result.alpha}
        return cls(scores, metric=getattr(result, "metric", "alignment"), label_a=label_a,
                   label_b=label_b, score_range=getattr(result, "score_range", (0.0, 1.0)),
                   **test).plot(ax=ax, **kwargs)

    def plot(self, ax=None, *, cmap="viridis", annotate=True, vmin=None, vmax=None):
        """Draw the heatmap.

        Parameters
        ----------
        ax : matplotlib Axes, optional
        cmap : str or Colormap, default="viridis"
        annotate : bool, default=True
            Write the values in the cells (matrices of at most 144 cells), in black or white
            whichever reads on the cell's colour; significant cells get a ``*``.
        vmin, vmax : float, optional
            Ends of the colour scale; default: the metric's range (``score_range``).
        """
        plt = _check_matplotlib("LayerAlignmentDisplay.plot")
        if ax is None:
            _, ax = plt.subplots(figsize=(1.6 + 0.7 * self.scores.shape[1], 1.2 + 0.55 * self.scores.shape[0]))
        low, high = self.score_range
        vmin = low if vmin is None else vmin
        vmax = high if vmax is None else vmax
        im = ax.imshow(self.scores, cmap=cmap, origin="lower", aspect="auto", vmin=vmin, vmax=vmax)
        colorbar = ax.figure.colorbar(im, ax=ax)
        colorbar.set_label(self.metric)
        i, j = np.unravel_index(int(np.argmax(self.scores)), self.scores.shape)
        ax.scatter([j], [i], marker="s", s=520, facecolors="none", edgecolors="tab:red", lw=2.5,
                   label="max")
        marked = (np.zeros(self.scores.shape, bool) if self.significant is None
                  else np.asarray(self.significant, bool))
        if annotate and self.scores.size <= 144:
            for (r, c), v in np.ndenumerate(self.scores):
                colour = _readable_text_colour(im.cmap(im.norm(v)))
                ax.text(c, r, f"{v:.2f}" + ("*" if marked[r, c] else ""), ha="center",
                        va="center", fontsize=8, color=colour,
                        fontweight="bold" if (r, c) == (i, j) else "normal")
        ax.set_xticks(range(self.scores.shape[1]))
        ax.set_yticks(range(self.scores.shape[0]))
        ax.set_xlabel(f"{self.label_b} layer")
        ax.set_ylabel(f"{self.label_a} layer")
        title = f"max {self.metric} = {self.scores.max():.3f} at ({i}, {j})"
        if self.p_value is not None:
            title += (f"\nchance {self.chance_max:.3f}, max-aware p = {self.p_value:.3g}"
                      f"; * p <= {self.alpha:g}")
        ax.set_title(title)
        self.ax_, self.im_, self.colorbar_, self.figure_ = ax, im, colorbar, ax.figure
        return self
