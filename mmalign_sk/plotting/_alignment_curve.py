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

    What the figure shows: the mean test performance over the CV folds (left axis, solid line,
    circles) and the mean test alignment (right axis, dashed line, squares) at each swept value;
    the shaded bands are ± one standard deviation over the folds; the dotted vertical line marks
    :attr:`best_param_`, the weakest setting whose performance is within ``tol`` of the best.
    Every swept value is a tick of the x axis, and the legend (which says all this) is placed
    where it covers no data point, or below the axes when no corner is free. The axis labels
    name the scores: :meth:`from_cv_results` reads the metric and the modality from a fitted
    search's scorers (e.g. "mutual_knn alignment", "accuracy of x1").

    Parameters
    ----------
    param_values : ndarray of shape (n_values,)
    performance_mean, performance_std : ndarray of shape (n_values,)
    alignment_mean, alignment_std : ndarray of shape (n_values,)
    param_name, performance_name, alignment_name : str
        Axis labels (``"alignment_weight"`` is written "alignment weight λ").
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
    legend_ : matplotlib Legend
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
    >>> [tick.get_text() for tick in disp.ax_.get_xticklabels()]
    ['0', '0.1', '1']
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
                        alignment="align", tol=0.0, ax=None, performance_label=None,
                        alignment_label=None, **kwargs):
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
        performance_label, alignment_label : str, optional
            Axis labels. None: from a fitted search's scorers (``make_alignment_scorer("cka",
            layers="max")`` gives "cka alignment (max over layer pairs)",
            ``make_modality_scorer("accuracy", "x1")`` "accuracy of x1", a scorer name itself),
            else the scorer's key.
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
        scorers = getattr(cv_results, "scorer_", None)
        disp = cls(param_values=values[order], performance_mean=perf_m, performance_std=perf_s,
                   alignment_mean=align_m, alignment_std=align_s, param_name=param,
                   performance_name=performance_label or _describe(scorers, performance),
                   alignment_name=alignment_label or _describe(scorers, alignment), tol=tol)
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
        from matplotlib.patches import Patch
        from matplotlib.ticker import NullLocator

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 4))
        x = np.asarray(self.param_values, dtype=float)
        perf, align = np.asarray(self.performance_mean), np.asarray(self.alignment_mean)
        handles = ax.plot(x, perf, "o-", color="C0", label=self.performance_name)
        ax2 = ax.twinx()
        handles += ax2.plot(x, align, "s--", color="C1", label=self.alignment_name)
        if std:
            ax.fill_between(x, perf - self.performance_std, perf + self.performance_std,
                            color="C0", alpha=0.2)
            ax2.fill_between(x, align - self.alignment_std, align + self.alignment_std,
                             color="C1", alpha=0.2)
            handles.append(Patch(color="grey", alpha=0.3, label="± 1 sd over the CV folds"))
        positive = x[x > 0]
        if xscale == "auto":
            xscale = "symlog" if positive.size and positive.max() / positive.min() > 10 else "linear"
        if xscale == "symlog":
            ax.set_xscale("symlog", linthresh=positive.min() if positive.size else 1.0)
        else:
            ax.set_xscale(xscale)
        ax.set_xticks(x, [f"{v:g}" for v in x], rotation=45 if len(x) > 8 else 0)
        ax.xaxis.set_minor_locator(NullLocator())
        best = self.best_param_
        tie = f" (ties within {self.tol:g}: the smallest)" if self.tol else ""
        handles.append(ax.axvline(best, color="grey", lw=0.8, ls=":",
                                  label=f"best {_axis_name(self.param_name)} = {best:g}{tie}"))
        ax.set_xlabel(_axis_name(self.param_name))
        ax.set_ylabel(self.performance_name, color="C0")
        ax2.set_ylabel(self.alignment_name, color="C1")
        self.legend_ = _place_legend(ax, handles, handles[:2] + handles[-1:])
        self.ax_, self.ax_alignment_, self.figure_ = ax, ax2, ax.figure
        return self


def _axis_name(param):
    return "alignment weight λ" if param == "alignment_weight" else param


def _describe(scorers, key):
    """An axis label for the scorer ``key`` of a fitted search: its metric or score and modality."""
    scorer = scorers.get(key) if isinstance(scorers, dict) else None
    metric = getattr(scorer, "metric", None)
    if metric is not None:  # make_alignment_scorer
        name = getattr(metric, "name", None) or type(metric).__name__
        layers = " (max over layer pairs)" if getattr(scorer, "layers", None) == "max" else ""
        return f"{name} alignment{layers}"
    if hasattr(scorer, "modality") and isinstance(getattr(scorer, "scoring", None), str):
        return f"{scorer.scoring} of {scorer.modality}"  # make_modality_scorer
    func = getattr(scorer, "_score_func", None)  # a scikit-learn scorer made from a name
    if func is not None:
        return func.__name__.replace("_score", "")
    return key


_CORNERS = ("upper right", "upper left", "lower right", "lower left", "center right",
            "center left", "upper center", "lower center")


def _curve_points(curves, n=16):
    """Display coordinates of the lines' vertices and of n points along each segment."""
    points = []
    for line in curves:
        xy = line.get_transform().transform(np.column_stack(line.get_data()).astype(float))
        t = np.linspace(0, 1, n)[:, None]
        points += [xy] + [xy[i] + t * (xy[i + 1] - xy[i]) for i in range(len(xy) - 1)]
    return np.vstack(points)


def _covers(legend, points, pad=3.0):
    box = legend.get_window_extent().padded(pad)
    return bool(((points[:, 0] >= box.x0) & (points[:, 0] <= box.x1)
                 & (points[:, 1] >= box.y0) & (points[:, 1] <= box.y1)).any())


def _place_legend(ax, handles, curves):
    """A legend at the first corner of ``ax`` where it covers no point of the lines ``curves``,
    else below the axes, outside them."""
    labels = [h.get_label() for h in handles]
    for loc in _CORNERS:
        legend = ax.legend(handles, labels, loc=loc, fontsize="small", framealpha=0.9)
        ax.figure.draw_without_rendering()
        if not _covers(legend, _curve_points(curves)):
            return legend
        legend.remove()
    return ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2,
                     fontsize="small", frameon=False)
