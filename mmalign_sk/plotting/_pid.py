"""Stacked-bar display of partial information decompositions."""

from collections.abc import Mapping

import numpy as np

__all__ = ["PIDDisplay"]

_TERMS = ("redundancy", "unique_1", "unique_2", "synergy")
_COLORS = ("#4C72B0", "#55A868", "#C44E52", "#8172B2")


class PIDDisplay:
    """Stacked bars of redundancy, unique information and synergy.

    One bar per decomposition; its height is I(X1, X2; Y), split into R, U1, U2 and S.  Build it
    with :meth:`from_pid` (recommended) or from the terms directly, then call :meth:`plot`.
    matplotlib is imported only when plotting.

    Parameters
    ----------
    terms : array-like of shape (n_bars, 4)
        Redundancy, unique_1, unique_2 and synergy of each bar.
    labels : list of str, default=None
        Tick label of each bar.  None: no tick labels for one bar, ``"0", "1", ...`` otherwise.
    modality_names : pair of str, default=("X1", "X2")
        Names used in the legend ("unique to <name>").
    unit : str, default="bits"
        Unit shown on the y axis.

    Attributes
    ----------
    ax_ : matplotlib Axes
        Axes with the bars.
    figure_ : matplotlib Figure
        Figure containing the axes.
    bars_ : dict of str to matplotlib BarContainer
        The bars of each term, keyed by ``"redundancy"``, ``"unique_1"``, ``"unique_2"`` and
        ``"synergy"``.

    Examples
    --------
    >>> import numpy as np
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from mmalign_sk.information import pid
    >>> from mmalign_sk.plotting import PIDDisplay
    >>> p = np.zeros((2, 2, 2))
    >>> p[0, 0, 0] = p[0, 1, 1] = p[1, 0, 1] = p[1, 1, 0] = 0.25  # XOR
    >>> display = PIDDisplay.from_pid(pid(p), labels=["xor"])
    >>> [round(float(b.get_height()), 3) for b in display.bars_["synergy"]]
    [1.0]
    """

    def __init__(self, terms, *, labels=None, modality_names=("X1", "X2"), unit="bits"):
        self.terms = terms
        self.labels = labels
        self.modality_names = modality_names
        self.unit = unit

    @classmethod
    def from_pid(cls, result, *, labels=None, modality_names=("X1", "X2"), ax=None, **kwargs):
        """Plot one or several :class:`~mmalign_sk.information.PIDResult` objects.

        Parameters
        ----------
        result : PIDResult, sequence of PIDResult or mapping of str to PIDResult
            The decomposition(s) to show, one bar each.  A mapping's keys become the labels.
        labels : list of str, default=None
            Tick labels (ignored for a mapping).
        modality_names : pair of str, default=("X1", "X2")
            Names of the two sources for the legend.
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure is created when None.
        **kwargs
            Passed to :meth:`plot`.

        Returns
        -------
        display : PIDDisplay
        """
        if isinstance(result, Mapping):
            labels = [str(k) for k in result]
            results = list(result.values())
        elif isinstance(result, (list, tuple)):
            results = list(result)
        else:
            results = [result]
        if not results:
            raise ValueError("result must hold at least one PIDResult; got an empty collection.")
        for r in results:
            if not all(hasattr(r, name) for name in _TERMS):
                raise TypeError(
                    "result must be a PIDResult (or a sequence/mapping of them); got "
                    f"{type(r).__name__}."
                )
        terms = [[getattr(r, name) for name in _TERMS] for r in results]
        unit = {2.0: "bits", float(np.e): "nats"}.get(float(results[0].base), "units")
        display = cls(terms, labels=labels, modality_names=modality_names, unit=unit)
        return display.plot(ax=ax, **kwargs)

    def _validated_terms(self):
        terms = np.asarray(self.terms, dtype=np.float64)
        if terms.ndim == 1:
            terms = terms[None, :]
        if terms.ndim != 2 or terms.shape[1] != 4:
            raise ValueError(
                "terms must have shape (n_bars, 4): redundancy, unique_1, unique_2, synergy; got "
                f"shape {terms.shape}."
            )
        if not np.all(np.isfinite(terms)):
            raise ValueError("terms contains NaN or infinite values.")
        if self.labels is not None and len(self.labels) != terms.shape[0]:
            raise ValueError(
                f"labels must have one entry per bar ({terms.shape[0]}); got {len(self.labels)}."
            )
        return terms

    def plot(self, ax=None, *, colors=None, show_total=True, width=0.6):
        """Draw the stacked bars.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure is created when None.
        colors : sequence of 4 colors, default=None
            Colors of redundancy, unique_1, unique_2 and synergy.
        show_total : bool, default=True
            Write I(X1, X2; Y) above each bar.
        width : float, default=0.6
            Bar width.

        Returns
        -------
        display : PIDDisplay
            This object, with ``ax_``, ``figure_`` and ``bars_`` set.
        """
        import matplotlib.pyplot as plt

        terms = self._validated_terms()
        # Solver round-off can leave terms at -1e-9; bars are drawn from zero.
        heights = np.clip(terms, 0.0, None)
        colors = _COLORS if colors is None else tuple(colors)
        if len(colors) != 4:
            raise ValueError(f"colors must hold 4 colors; got {len(colors)}.")
        if ax is None:
            _, ax = plt.subplots()
        name1, name2 = self.modality_names
        legend = ("redundancy", f"unique to {name1}", f"unique to {name2}", "synergy")
        x = np.arange(terms.shape[0])
        bottom = np.zeros(terms.shape[0])
        self.bars_ = {}
        for j, key in enumerate(_TERMS):
            self.bars_[key] = ax.bar(
                x, heights[:, j], width, bottom=bottom, color=colors[j], label=legend[j]
            )
            bottom = bottom + heights[:, j]
        if show_total:
            for xi, total in zip(x, terms.sum(axis=1)):
                ax.annotate(f"{total:.3g}", (xi, total), ha="center", va="bottom")
        ax.set_xticks(x)
        if self.labels is not None:
            ax.set_xticklabels(self.labels)
        elif terms.shape[0] == 1:
            ax.set_xticklabels([""])
        ax.set_ylabel(f"I({name1}, {name2}; Y) [{self.unit}]")
        ax.set_ylim(0, max(1e-9, bottom.max()) * 1.15)
        ax.legend(loc="best")
        self.ax_ = ax
        self.figure_ = ax.figure
        return self
