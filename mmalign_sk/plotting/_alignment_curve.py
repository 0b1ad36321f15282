"""Performance and alignment against a swept hyperparameter (usually the alignment weight)."""

import numpy as np


def _check_matplotlib(caller):
    try:
        import matplotlib.pyplot as plt  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(f"{caller} requires matplotlib: pip install 'mmalign-sk[plot]'.") from exc
    return plt


def _column(cv_results, key):
    if key not in cv_results:
        known = sorted(k for k in cv_results if k.startswith("mean_test_"))
        raise ValueError(f"cv_results has no column {key!r}; the scored columns are {known}.")
    return np.asarray(cv_results[key], dtype=float)


class AlignmentCurveDisplay:
    """Mean (± std) test performance and alignment of a sweep, against the swept parameter.

    Build it with :meth:`from_cv_results`; the constructor takes the data already extracted.

    Parameters
    ----------
    param_values : ndarray of shape (n_values,)
    performance_mean, performance_std : ndarray of shape (n_values,)
    alignment_mean, alignment_std : ndarray of shape (n_values,)
    param_name, performance_name, alignment_name : str
        Axis labels.
    tol : float, default=0.0
        Performance within ``tol`` of the best counts as a tie for :attr:`best_param_`, which is
        then the smallest such parameter value (with the alignment weight: the weakest alignment
        that is as good as the best).

    Attributes
    ----------
    ax_ : matplotlib Axes
        Performance axis (left).
    ax_alignment_ : matplotlib Axes
        Alignment axis (right, sharing x).
    figure_ : matplotlib Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from mmalign_sk.plotting import AlignmentCurveDisplay
    >>> cv_results = {
    ...     "param_alignment_weight": [0.0, 0.1, 1.0],
    ...     "mean_test_acc": [0.80, 0.82, 0.78], "std_test_acc": [0.01, 0.01, 0.02],
    ...     "mean_test_align": [0.20, 0.35, 0.60], "std_test_align": [0.02, 0.02, 0.03],
    ... }
    >>> disp = AlignmentCurveDisplay.from_cv_results(cv_results)
    >>> disp.best_param_
    0.1
    """

    def __init__(self, *, param_values, performance_mean, performance_std, alignment_mean,
                 alignment_std, param_name, performance_name="performance", alignment_name="alignment",
                 tol=0.0):
        self.param_values = param_values
        self.performance_mean = performance_mean
        self.performance_std = performance_std
        self.alignment_mean = alignment_mean
        self.alignment_std = alignment_std
        self.param_name = param_name
        self.performance_name = performance_name
        self.alignment_name = alignment_name
        self.tol = tol

    @property
    def best_param_(self):
        """The smallest parameter value whose mean performance is within ``tol`` of the best."""
        perf = np.asarray(self.performance_mean, dtype=float)
        value = self.param_values[int(np.flatnonzero(perf >= perf.max() - self.tol)[0])]
        return value.item() if hasattr(value, "item") else value

    @classmethod
    def from_cv_results(cls, cv_results, *, param="alignment_weight", performance="acc",
                        alignment="align", tol=0.0, ax=None, **kwargs):
        """Plot from ``search.cv_results_`` (or a fitted search) of a sweep over one parameter.

        Parameters
        ----------
        cv_results : dict or fitted GridSearchCV
            ``cv_results_`` with columns ``param_<param>``, ``mean_test_<performance>``,
            ``mean_test_<alignment>`` (and ``std_test_*``, optional).
        param : str, default="alignment_weight"
        performance, alignment : str, default="acc", "align"
            Names of the two scorers in ``scoring={...}``.
        tol : float, default=0.0
            Tie tolerance of :attr:`best_param_`.
        ax : matplotlib Axes, optional
        **kwargs
            Passed to :meth:`plot`.

        Returns
        -------
        AlignmentCurveDisplay
        """
        results = getattr(cv_results, "cv_results_", cv_results)
        key = f"param_{param}"
        if key not in results:
            known = sorted(k[6:] for k in results if k.startswith("param_"))
            raise ValueError(f"cv_results has no parameter {param!r}; swept parameters are {known}.")
        other = [k for k in results if k.startswith("param_") and k != key]
        if other:
            raise ValueError(
                f"cv_results sweeps several parameters ({sorted([key] + other)}); an alignment curve "
                "needs a sweep over one; filter the results first."
            )
        values = np.asarray(np.ma.getdata(results[key]), dtype=float)
        order = np.argsort(values, kind="stable")

        def pick(name):
            mean = _column(results, f"mean_test_{name}")[order]
            std_key = f"std_test_{name}"
            std = np.asarray(results[std_key], dtype=float)[order] if std_key in results else np.zeros_like(mean)
            return mean, std

        perf_m, perf_s = pick(performance)
        align_m, align_s = pick(alignment)
        disp = cls(param_values=values[order], performance_mean=perf_m, performance_std=perf_s,
                   alignment_mean=align_m, alignment_std=align_s, param_name=param,
                   performance_name=performance, alignment_name=alignment, tol=tol)
        return disp.plot(ax=ax, **kwargs)

    def plot(self, ax=None, *, xscale="auto", std=True):
        """Draw the two curves.

        Parameters
        ----------
        ax : matplotlib Axes, optional
        xscale : {"auto", "linear", "log", "symlog"}, default="auto"
            ``"auto"`` uses ``symlog`` when the positive values span more than a decade (so that
            0 stays on the axis), else linear.
        std : bool, default=True
            Shade ± one standard deviation over the CV folds.

        Returns
        -------
        self
        """
        plt = _check_matplotlib("AlignmentCurveDisplay.plot")
        if ax is None:
            _, ax = plt.subplots(figsize=(6, 4))
        x = self.param_values
        ax.plot(x, self.performance_mean, "o-", color="C0", label=self.performance_name)
        ax2 = ax.twinx()
        ax2.plot(x, self.alignment_mean, "s--", color="C1", label=self.alignment_name)
        if std:
            ax.fill_between(x, self.performance_mean - self.performance_std,
                            self.performance_mean + self.performance_std, color="C0", alpha=0.2)
            ax2.fill_between(x, self.alignment_mean - self.alignment_std,
                             self.alignment_mean + self.alignment_std, color="C1", alpha=0.2)
        positive = x[x > 0]
        if xscale == "auto":
            xscale = "symlog" if positive.size and positive.max() / positive.min() > 10 else "linear"
        if xscale == "symlog":
            ax.set_xscale("symlog", linthresh=positive.min() if positive.size else 1.0)
        else:
            ax.set_xscale(xscale)
        ax.axvline(self.best_param_, color="grey", lw=0.8, ls=":")
        ax.set_xlabel(self.param_name)
        ax.set_ylabel(self.performance_name, color="C0")
        ax2.set_ylabel(self.alignment_name, color="C1")
        lines = ax.get_lines()[:1] + ax2.get_lines()[:1]
        ax.legend(lines, [line.get_label() for line in lines], loc="best")
        self.ax_, self.ax_alignment_, self.figure_ = ax, ax2, ax.figure
        return self
