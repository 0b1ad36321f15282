"""Layer x layer alignment between two encoders."""

from dataclasses import dataclass

import numpy as np

from ._backend import resolve_device
from ._registry import get_metric
from ._validation import check_embedding


@dataclass
class LayerwiseAlignment:
    """Alignment of every layer of one encoder with every layer of another.

    Attributes
    ----------
    scores : ndarray of shape (n_layers_a, n_layers_b)
        ``scores[i, j]`` is the metric between layer ``i`` of A and layer ``j`` of B.
    max : float
        The largest entry, the emergence paper's summary of two encoders' alignment.
    argmax : tuple of int
        The layer pair ``(i, j)`` reaching ``max`` (the first one in row-major order).
    metric : str
        The metric's name.

    Examples
    --------
    >>> import numpy as np
    >>> from mmalign_sk.metrics import LayerwiseAlignment
    >>> result = LayerwiseAlignment(np.array([[0.1, 0.4], [0.3, 0.2]]), "mutual_knn")
    >>> result.max, result.argmax
    (0.4, (0, 1))
    """

    scores: np.ndarray
    metric: str

    @property
    def max(self):
        return float(self.scores.max())

    @property
    def argmax(self):
        i, j = np.unravel_index(int(np.argmax(self.scores)), self.scores.shape)
        return int(i), int(j)


def _as_layer_list(layers, name):
    if hasattr(layers, "shape") and len(layers.shape) == 2:
        return [layers]
    if isinstance(layers, dict):
        layers = list(layers.values())
    try:
        layers = list(layers)
    except TypeError as exc:
        raise TypeError(f"{name} must be a sequence of (n_samples, d) matrices; got {type(layers).__name__}.") from exc
    if not layers:
        raise ValueError(f"{name} must hold at least one layer; got an empty sequence.")
    return [check_embedding(layer, f"{name}[{i}]") for i, layer in enumerate(layers)]


def layerwise_alignment(layers_A, layers_B, metric="mutual_knn", **params):
    """Alignment between every layer of encoder A and every layer of encoder B.

    Each layer is preprocessed and represented once (e.g. its kNN lists are computed once), then
    every pair is compared, so ``L_A x L_B`` scores cost ``L_A + L_B`` representations.

    Parameters
    ----------
    layers_A : sequence of array-like of shape (n_samples, d_l)
        Hidden representations of the same samples after each layer of encoder A (a single 2-D
        matrix counts as one layer).
    layers_B : sequence of array-like of shape (n_samples, d_l)
        The same for encoder B.
    metric : str or AlignmentMetric, default="mutual_knn"
    **params
        The metric's parameters.

    Returns
    -------
    LayerwiseAlignment
        ``.scores`` (the matrix), ``.max`` and ``.argmax``.

    Examples
    --------
    >>> import numpy as np
    >>> from mmalign_sk.metrics import layerwise_alignment
    >>> rng = np.random.default_rng(0)
    >>> h1 = rng.normal(size=(100, 8))
    >>> layers_A = [h1, np.tanh(h1 @ rng.normal(size=(8, 8)))]
    >>> layers_B = [rng.normal(size=(100, 4)), h1 * 3.0]
    >>> result = layerwise_alignment(layers_A, layers_B, metric="mutual_knn", topk=5)
    >>> result.scores.shape, result.max, result.argmax
    ((2, 2), 1.0, (0, 1))
    """
    metric_obj = get_metric(metric, **params)
    layers_A = _as_layer_list(layers_A, "layers_A")
    layers_B = _as_layer_list(layers_B, "layers_B")
    n = layers_A[0].shape[0]
    for name, layers in (("layers_A", layers_A), ("layers_B", layers_B)):
        for i, layer in enumerate(layers):
            if layer.shape[0] != n:
                raise ValueError(
                    f"every layer must have the same number of rows (paired samples); "
                    f"{name}[{i}] has {layer.shape[0]}, layers_A[0] has {n}."
                )
    device = resolve_device(metric_obj.device, like=layers_A[0])
    reps_A = [metric_obj.prepare(X, f"layers_A[{i}]", device) for i, X in enumerate(layers_A)]
    reps_B = [metric_obj.prepare(X, f"layers_B[{i}]", device) for i, X in enumerate(layers_B)]
    scores = np.array([[metric_obj.compare(ra, rb) for rb in reps_B] for ra in reps_A], dtype=np.float64)
    return LayerwiseAlignment(scores=scores, metric=metric_obj.name)
