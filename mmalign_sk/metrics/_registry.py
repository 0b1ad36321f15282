"""Registry of alignment metrics by name."""

import inspect

_METRICS = {}


def metric_accepts(name, param):
    """Whether the metric registered as ``name`` takes the parameter ``param`` (e.g. ``topk``)."""
    try:
        return param in inspect.signature(_METRICS[name]).parameters
    except (TypeError, ValueError):
        return False


def register_metric(name, factory):
    """Register ``factory`` (a class or callable returning an :class:`AlignmentMetric`) as ``name``.

    Parameters
    ----------
    name : str
        The name used by :func:`get_metric`, :func:`alignment_score` and the scorers.
    factory : callable
        Called with the metric's keyword parameters; returns an ``AlignmentMetric`` instance.

    Examples
    --------
    >>> from mmalign_sk.metrics import MutualKNN, get_metric, list_metrics, register_metric
    >>> factory = register_metric("mutual_knn_5", lambda **params: MutualKNN(topk=5, **params))
    >>> "mutual_knn_5" in list_metrics(), get_metric("mutual_knn_5").topk
    (True, 5)
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"name must be a non-empty str; got {name!r}.")
    _METRICS[name] = factory
    return factory


def list_metrics():
    """Names of all registered alignment metrics, sorted.

    Examples
    --------
    >>> from mmalign_sk.metrics import list_metrics
    >>> "mutual_knn" in list_metrics()
    True
    """
    return sorted(_METRICS)


def get_metric(name, **params):
    """Return the metric registered as ``name``, configured with ``params``.

    Parameters
    ----------
    name : str or AlignmentMetric
        A registered name (see :func:`list_metrics`) or a metric instance (returned as is when no
        params are given).
    **params
        The metric's parameters (``topk``, ``kernel``, ``clip_quantile``, ``device``, ...).

    Returns
    -------
    AlignmentMetric
        A callable ``metric(A, B) -> float``.

    Examples
    --------
    >>> import numpy as np
    >>> from mmalign_sk.metrics import get_metric
    >>> metric = get_metric("mutual_knn", topk=5)
    >>> X = np.random.default_rng(0).normal(size=(50, 8))
    >>> metric(X, X)
    1.0
    """
    from ._base import AlignmentMetric

    if isinstance(name, AlignmentMetric):
        if params:
            raise TypeError("params cannot be combined with a metric instance; configure the instance.")
        return name
    if not isinstance(name, str):
        raise TypeError(f"metric must be a str or an AlignmentMetric; got {type(name).__name__}.")
    if name not in _METRICS:
        raise ValueError(f"unknown metric {name!r}; known metrics are: {', '.join(list_metrics())}.")
    return _METRICS[name](**params)
