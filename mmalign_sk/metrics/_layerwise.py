"""Layer x layer alignment between two encoders."""

from dataclasses import dataclass

import numpy as np
from sklearn.utils import check_random_state

from ._backend import resolve_device
from ._calibration import (MIN_SAMPLES, calibrated_score, check_test_params, draw_seed,
                           null_draws, p_value, threshold)
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
    null_max : ndarray of shape (n_permutations,) or None
        With ``n_permutations``: the maximum over all layer pairs of the metric after permuting
        the rows of every layer of B by the same permutation, one value per permutation (the
        null distribution of ``max``).
    alpha : float or None
        The level of the test.
    score_range : (float, float)
        The metric's smallest and largest value.
    p_value : float
        Max-aware p-value of ``max``: ``(1 + #{null_max >= max}) / (n_permutations + 1)``.
    p_values : ndarray of shape (n_layers_a, n_layers_b)
        The same for every cell (the cell's score against the null of the maximum, which
        controls the family-wise error over all pairs).
    threshold : float
        The (1 - alpha) quantile of ``null_max``.
    significant : ndarray of bool, shape (n_layers_a, n_layers_b)
        Cells above ``threshold``, i.e. with ``p_values <= alpha``.
    calibrated_max : float
        ``max(0, (max - threshold) / (score_max - threshold))``.
    chance_max : float
        The mean of ``null_max``: what the maximum over layer pairs reaches by chance.

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
    null_max: np.ndarray = None
    alpha: float = None
    score_range: tuple = (0.0, 1.0)

    def _tested(self, name):
        if self.null_max is None:
            raise AttributeError(
                f"{name} needs the null of the maximum: call layerwise_alignment(..., "
                "n_permutations=K).")
        return self.null_max

    @property
    def p_value(self):
        return float(p_value(self._tested("p_value"), self.max))

    @property
    def p_values(self):
        null = np.sort(self._tested("p_values"))
        return (1.0 + null.size - np.searchsorted(null, self.scores, side="left")) / (null.size + 1.0)

    @property
    def threshold(self):
        return threshold(self._tested("threshold"), self.alpha)

    @property
    def significant(self):
        return self.scores > self.threshold

    @property
    def calibrated_max(self):
        return calibrated_score(self.max, self.threshold, self.score_range[1])

    @property
    def chance_max(self):
        return float(self._tested("chance_max").mean())

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


def layerwise_alignment(layers_A, layers_B, metric="mutual_knn", *, n_permutations=None, alpha=0.05,
                        random_state=None, **params):
    """Alignment between every layer of encoder A and every layer of encoder B.

    Each layer is preprocessed and represented once (e.g. its kNN lists are computed once), then
    every pair is compared, so ``L_A x L_B`` scores cost ``L_A + L_B`` representations.

    The maximum over layer pairs is inflated by chance: with ``n_permutations`` it is calibrated
    by a permutation test that shuffles the rows of every layer of B by the same permutation and
    takes, for each draw, the maximum over all pairs (see :func:`alignment_test` for the fast
    null of each metric).

    Parameters
    ----------
    layers_A : sequence of array-like of shape (n_samples, d_l)
        Hidden representations of the same samples after each layer of encoder A (a single 2-D
        matrix counts as one layer).
    layers_B : sequence of array-like of shape (n_samples, d_l)
        The same for encoder B.
    metric : str or AlignmentMetric, default="mutual_knn"
    n_permutations : int >= 1 or None, default=None
        Null draws of the maximum (``None``: no test).
    alpha : float in (0, 1), default=0.05
        Level of the test.
    random_state : int, RandomState instance or None, default=None
        Seeds the permutations (one permutation per draw, shared by every pair).
    **params
        The metric's parameters.

    Returns
    -------
    LayerwiseAlignment
        ``.scores`` (the matrix), ``.max`` and ``.argmax``; with ``n_permutations`` also
        ``.null_max``, ``.p_value``, ``.p_values``, ``.threshold``, ``.significant``,
        ``.calibrated_max`` and ``.chance_max``.

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
    >>> tested = layerwise_alignment(layers_A, layers_B, topk=5, n_permutations=99, random_state=0)
    >>> tested.p_value, tested.significant.tolist()
    (0.01, [[False, True], [False, True]])
    """
    if n_permutations is not None:
        n_permutations, alpha = check_test_params(n_permutations, alpha)
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
    score_range = tuple(float(v) for v in metric_obj.score_range)
    if n_permutations is None:
        return LayerwiseAlignment(scores=scores, metric=metric_obj.name, score_range=score_range)
    metric_obj.check_permutable()
    if n < MIN_SAMPLES:
        raise ValueError(f"a permutation test needs at least {MIN_SAMPLES} samples; got {n}.")
    seed = draw_seed(check_random_state(random_state))
    null_max = np.full(n_permutations, -np.inf)
    for ra in reps_A:
        for X, rb in zip(layers_B, reps_B):
            null_max = np.maximum(null_max, null_draws(metric_obj, ra, rb, X, device,
                                                       n_permutations, seed))
    return LayerwiseAlignment(scores=scores, metric=metric_obj.name, null_max=null_max,
                              alpha=alpha, score_range=score_range)
