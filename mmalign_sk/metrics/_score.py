"""One entry point for every registered metric."""

from ._registry import get_metric


def alignment_score(A, B, metric="mutual_knn", **params):
    """Alignment between two paired embedding matrices with the metric named ``metric``.

    Parameters
    ----------
    A : array-like or torch.Tensor of shape (n_samples, d_A)
    B : array-like or torch.Tensor of shape (n_samples, d_B)
        Row ``i`` of ``A`` and row ``i`` of ``B`` describe the same sample.
    metric : str or AlignmentMetric, default="mutual_knn"
        A name from :func:`list_metrics` or a configured metric.
    **params
        The metric's parameters, e.g. ``topk=10`` or ``kernel="rbf"``.

    Returns
    -------
    float
        The similarity; greater means more aligned.

    Examples
    --------
    >>> import numpy as np
    >>> from mmalign_sk.metrics import alignment_score
    >>> rng = np.random.default_rng(0)
    >>> A = rng.normal(size=(200, 16))
    >>> alignment_score(A, 2.0 * A, metric="mutual_knn", topk=5)
    1.0
    """
    return get_metric(metric, **params)(A, B)
