"""Heatmap of a layer x layer alignment matrix."""

import numpy as np

from ._alignment_curve import _check_matplotlib


class LayerAlignmentDisplay:
    """Layer x layer alignment of two encoders as a heatmap, the maximum marked.

    Parameters
    ----------
    scores : ndarray of shape (n_layers_a, n_layers_b)
    metric : str
    label_a, label_b : str
        Names of the two encoders (axis labels).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from mmalign_sk.metrics import layerwise_alignment
    >>> from mmalign_sk.plotting import LayerAlignmentDisplay
    >>> rng = np.random.default_rng(0)
    >>> h = rng.normal(size=(60, 5))
    >>> result = layerwise_alignment([h, np.tanh(h)], [rng.normal(size=(60, 3)), h], topk=5)
    >>> disp = LayerAlignmentDisplay.from_layerwise(result, label_a="image", label_b="audio")
    >>> disp.im_.get_array().shape
    (2, 2)
    """

    def __init__(self, scores, *, metric="alignment", label_a="encoder A", label_b="encoder B"):
        self.scores = np.asarray(scores, dtype=float)
        self.metric = metric
        self.label_a = label_a
        self.label_b = label_b

    @classmethod
    def from_layerwise(cls, result, *, label_a="encoder A", label_b="encoder B", ax=None, **kwargs):
        """Plot a :class:`~mmalign_sk.metrics.LayerwiseAlignment` (or a plain 2-D score matrix)."""
        scores = getattr(result, "scores", result)
        scores = np.asarray(scores, dtype=float)
        if scores.ndim != 2:
            raise ValueError(f"result must hold a 2-D layer x layer matrix; got shape {scores.shape}.")
        metric = getattr(result, "metric", "alignment")
        return cls(scores, metric=metric, label_a=label_a, label_b=label_b).plot(ax=ax, **kwargs)

    def plot(self, ax=None, *, cmap="viridis", annotate=True):
        """Draw the heatmap; ``annotate`` writes the values in the cells (small matrices only)."""
        plt = _check_matplotlib("LayerAlignmentDisplay.plot")
        if ax is None:
            _, ax = plt.subplots(figsize=(1.0 + 0.6 * self.scores.shape[1], 1.0 + 0.5 * self.scores.shape[0]))
        im = ax.imshow(self.scores, cmap=cmap, origin="lower", aspect="auto")
        ax.figure.colorbar(im, ax=ax, label=self.metric)
        i, j = np.unravel_index(int(np.argmax(self.scores)), self.scores.shape)
        ax.scatter([j], [i], marker="s", s=400, facecolors="none", edgecolors="white", lw=2,
                   label="max")
        if annotate and self.scores.size <= 144:
            for (r, c), v in np.ndenumerate(self.scores):
                ax.text(c, r, f"{v:.2f}", ha="center", va="center", fontsize=7, color="white")
        ax.set_xticks(range(self.scores.shape[1]))
        ax.set_yticks(range(self.scores.shape[0]))
        ax.set_xlabel(f"{self.label_b} layer")
        ax.set_ylabel(f"{self.label_a} layer")
        ax.set_title(f"max {self.metric} = {self.scores.max():.3f} at ({i}, {j})")
        self.ax_, self.im_, self.figure_ = ax, im, ax.figure
        return self
