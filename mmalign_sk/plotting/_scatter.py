"""Scatter of alignment against another quantity, with the rank correlation shown."""

import numpy as np
from scipy.stats import spearmanr

from ._alignment_curve import _check_matplotlib


class AlignmentScatterDisplay:
    """Alignment against another quantity (uniqueness, performance, ...), with Spearman's rho.

    Parameters
    ----------
    x, y : ndarray of shape (n_points,)
    groups : ndarray of shape (n_points,), optional
        A label per point; each group gets its own colour and its own correlation in the legend.
    xlabel, ylabel : str

    Attributes
    ----------
    spearman_ : dict
        ``{group: (rho, p_value)}``, with the key ``"all"`` for all points.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from mmalign_sk.plotting import AlignmentScatterDisplay
    >>> disp = AlignmentScatterDisplay.from_arrays([0, 2, 4, 6, 8], [0.9, 0.7, 0.6, 0.4, 0.1],
    ...                                            xlabel="uniqueness", ylabel="mutual kNN")
    >>> round(disp.spearman_["all"][0], 3)
    -1.0
    """

    def __init__(self, x, y, *, groups=None, xlabel="x", ylabel="alignment"):
        self.x = np.asarray(x, dtype=float)
        self.y = np.asarray(y, dtype=float)
        self.groups = None if groups is None else np.asarray(groups)
        self.xlabel = xlabel
        self.ylabel = ylabel

    @classmethod
    def from_arrays(cls, x, y, *, groups=None, xlabel="x", ylabel="alignment", ax=None):
        """Plot ``y`` against ``x`` (optionally one colour per group)."""
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        if x.ndim != 1 or x.shape != y.shape:
            raise ValueError(f"x and y must be 1-D of the same length; got shapes {x.shape} and {y.shape}.")
        if groups is not None and np.shape(groups) != x.shape:
            raise ValueError(f"groups must have the shape of x {x.shape}; got {np.shape(groups)}.")
        if x.size < 2:
            raise ValueError(f"need at least 2 points for a correlation; got {x.size}.")
        return cls(x, y, groups=groups, xlabel=xlabel, ylabel=ylabel).plot(ax=ax)

    @staticmethod
    def _rho(x, y):
        if x.size < 2 or np.ptp(x) == 0 or np.ptp(y) == 0:
            return (float("nan"), float("nan"))
        res = spearmanr(x, y)
        return (float(res.statistic), float(res.pvalue))

    def plot(self, ax=None):
        """Draw the scatter with Spearman's rho in the legend."""
        plt = _check_matplotlib("AlignmentScatterDisplay.plot")
        if ax is None:
            _, ax = plt.subplots(figsize=(5, 4))
        self.spearman_ = {"all": self._rho(self.x, self.y)}
        if self.groups is None:
            ax.scatter(self.x, self.y, label=f"Spearman ρ = {self.spearman_['all'][0]:.2f}")
        else:
            for g in np.unique(self.groups):
                sel = self.groups == g
                self.spearman_[g.item() if hasattr(g, "item") else g] = rho = self._rho(self.x[sel], self.y[sel])
                ax.scatter(self.x[sel], self.y[sel], label=f"{g} (ρ = {rho[0]:.2f})")
        ax.set_xlabel(self.xlabel)
        ax.set_ylabel(self.ylabel)
        ax.legend(loc="best", fontsize=8)
        self.ax_, self.figure_ = ax, ax.figure
        return self
