"""Alignment against model size, one line per model family."""

import numpy as np

from ._alignment_curve import _check_matplotlib


class ModelScaleDisplay:
    """Alignment against the number of parameters of a model, one line per family.

    Several values for the same (family, size), e.g. one per partner model, are averaged; the
    line shows the means and the bars their standard deviation.

    Parameters
    ----------
    n_parameters : ndarray of shape (n_points,)
    alignment : ndarray of shape (n_points,)
    families : ndarray of shape (n_points,)
    xlabel, ylabel : str

    Attributes
    ----------
    curves_ : dict
        ``{family: (sizes, means, stds)}``, sizes increasing.
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from mmalign_sk.plotting import ModelScaleDisplay
    >>> disp = ModelScaleDisplay.from_arrays(
    ...     [5.6e8, 5.6e8, 1.1e9, 1.1e9, 3e9], [0.10, 0.12, 0.14, 0.16, 0.13],
    ...     families=["bloomz", "bloomz", "bloomz", "bloomz", "open_llama"])
    >>> sizes, means, stds = disp.curves_["bloomz"]
    >>> sizes.tolist(), means.round(2).tolist()
    ([560000000.0, 1100000000.0], [0.11, 0.15])
    """

    def __init__(self, n_parameters, alignment, families, *, xlabel="parameters",
                 ylabel="alignment"):
        self.n_parameters = np.asarray(n_parameters, dtype=float)
        self.alignment = np.asarray(alignment, dtype=float)
        self.families = np.asarray(families)
        self.xlabel = xlabel
        self.ylabel = ylabel

    @classmethod
    def from_arrays(cls, n_parameters, alignment, *, families=None, xlabel="parameters",
                    ylabel="alignment", ax=None):
        """Plot ``alignment`` against ``n_parameters`` (log scale), one line per family."""
        x = np.asarray(n_parameters, dtype=float)
        y = np.asarray(alignment, dtype=float)
        if x.ndim != 1 or x.shape != y.shape:
            raise ValueError(
                "n_parameters and alignment must be 1-D of the same length; got shapes "
                f"{x.shape} and {y.shape}."
            )
        if x.size == 0 or not np.all(np.isfinite(x)) or np.any(x <= 0):
            raise ValueError("n_parameters must hold finite positive counts.")
        families = np.full(x.shape, "all", dtype=object) if families is None else families
        if np.shape(families) != x.shape:
            raise ValueError(f"families must have the shape of n_parameters {x.shape}; got "
                             f"{np.shape(families)}.")
        return cls(x, y, families, xlabel=xlabel, ylabel=ylabel).plot(ax=ax)

    @classmethod
    def from_table(cls, table, size, alignment="alignment", family=None, *, ax=None, **kwargs):
        """Plot two columns of a study table (a :class:`~mmalign_sk.experiments.StudyTable` or a
        mapping of columns), one line per value of the column ``family``."""
        families = None if family is None else np.asarray(table[family])
        return cls.from_arrays(table[size], table[alignment], families=families, ax=ax,
                               **{"xlabel": size, "ylabel": alignment, **kwargs})

    def _curves(self):
        curves = {}
        for fam in dict.fromkeys(self.families.tolist()):
            sel = self.families == fam
            sizes = np.unique(self.n_parameters[sel])
            vals = [self.alignment[sel & (self.n_parameters == s)] for s in sizes]
            curves[fam] = (sizes, np.array([v.mean() for v in vals]),
                           np.array([v.std() for v in vals]))
        return curves

    def plot(self, ax=None):
        """Draw the lines (log-scaled x axis)."""
        plt = _check_matplotlib("ModelScaleDisplay.plot")
        if ax is None:
            _, ax = plt.subplots(figsize=(5, 4))
        self.curves_ = self._curves()
        for fam, (sizes, means, stds) in self.curves_.items():
            ax.errorbar(sizes, means, yerr=stds if np.any(stds > 0) else None, marker="o",
                        capsize=3, label=str(fam))
        ax.set_xscale("log")
        ax.set_xlabel(self.xlabel)
        ax.set_ylabel(self.ylabel)
        ax.legend(loc="best", fontsize=8)
        self.ax_, self.figure_ = ax, ax.figure
        return self
