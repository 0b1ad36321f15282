"""scikit-learn scorers that measure the alignment an estimator's modality encoders reached.

The estimator <-> scorer protocol: a fitted multimodal estimator exposes

* ``embed(X) -> {modality: ndarray (n, d)}``, its final representation of each modality, and
* ``embed_layers(X) -> {modality: [ndarray (n, d_l), ...]}``, the representation after every layer.

The scorers only call these methods, so they work with any estimator that implements them, and
with a :class:`~sklearn.pipeline.Pipeline` ending in one (``X`` is first transformed by the steps
before it).
"""

from ._calibration import alignment_test, check_test_params
from ._layerwise import layerwise_alignment
from ._registry import get_metric
from ._validation import check_option

_LAYERS = ("last", "max")


def _embed(estimator, X, method, name="estimator"):
    """``estimator.<method>(X)``; a Pipeline transforms X by its leading steps first."""
    if not hasattr(estimator, method) and hasattr(estimator, "steps"):
        X = estimator[:-1].transform(X)
        estimator = estimator[-1]
    if not hasattr(estimator, method):
        raise TypeError(
            f"{name} must implement {method}(X) -> {{modality: array}} (or be a Pipeline ending in such "
            f"an estimator); got {type(estimator).__name__}."
        )
    return getattr(estimator, method)(X)


def _pick_pair(embeddings, modalities, method):
    if not isinstance(embeddings, dict):
        raise TypeError(
            f"estimator.{method}(X) must return a dict {{modality: array}}; got {type(embeddings).__name__}."
        )
    if modalities is None:
        if len(embeddings) != 2:
            raise ValueError(
                "modalities=None needs an estimator with exactly two modalities; "
                f"estimator.{method}(X) returned {sorted(embeddings)}. Pass modalities=(name_a, name_b)."
            )
        modalities = tuple(embeddings)
    missing = [m for m in modalities if m not in embeddings]
    if missing:
        raise ValueError(
            f"modalities {missing} are not among the estimator's modalities {sorted(embeddings)}."
        )
    return embeddings[modalities[0]], embeddings[modalities[1]]


class AlignmentScorer:
    """Callable ``scorer(estimator, X, y=None) -> float`` returned by :func:`make_alignment_scorer`."""

    def __init__(self, metric, modalities=None, layers="last", calibrated=False, n_permutations=200,
                 alpha=0.05, random_state=None):
        self.metric = metric
        self.modalities = modalities
        self.layers = layers
        self.calibrated = calibrated
        self.n_permutations = n_permutations
        self.alpha = alpha
        self.random_state = random_state

    def __call__(self, estimator, X, y=None, **kwargs):
        test = ({"n_permutations": self.n_permutations, "alpha": self.alpha,
                 "random_state": self.random_state} if self.calibrated else {})
        if self.layers == "last":
            a, b = _pick_pair(_embed(estimator, X, "embed"), self.modalities, "embed")
            if self.calibrated:
                return alignment_test(a, b, self.metric, **test).calibrated_score
            return self.metric(a, b)
        layers_a, layers_b = _pick_pair(_embed(estimator, X, "embed_layers"), self.modalities, "embed_layers")
        result = layerwise_alignment(layers_a, layers_b, metric=self.metric, **test)
        return result.calibrated_max if self.calibrated else result.max

    def __repr__(self):
        calibrated = (f", calibrated=True, n_permutations={self.n_permutations}, alpha={self.alpha}, "
                      f"random_state={self.random_state!r}" if self.calibrated else "")
        return (
            f"make_alignment_scorer(metric={self.metric!r}, modalities={self.modalities!r}, "
            f"layers={self.layers!r}{calibrated})"
        )


def _check_modalities(modalities):
    if modalities is None:
        return None
    if isinstance(modalities, str) or len(modalities) != 2:
        raise ValueError(f"modalities must be None or a pair of modality names; got {modalities!r}.")
    return tuple(modalities)


def make_alignment_scorer(metric="mutual_knn", modalities=None, layers="last", *, calibrated=False,
                          n_permutations=200, alpha=0.05, random_state=None, **metric_params):
    """Make a scorer that measures the alignment between two modalities of a fitted estimator.

    Use it wherever scikit-learn accepts a scorer: ``GridSearchCV(scoring=...)``,
    ``cross_validate``, ``check_scoring``. Greater is better for every alignment metric.

    Parameters
    ----------
    metric : str or AlignmentMetric, default="mutual_knn"
        A name from :func:`list_metrics` or a configured metric.
    modalities : pair of str, optional
        Which two modalities to compare; may be omitted when the estimator has exactly two.
    layers : {"last", "max"}, default="last"
        ``"last"`` compares the final representations (``estimator.embed``); ``"max"`` computes the
        layer x layer alignment (``estimator.embed_layers``) and returns its maximum, as in
        Tjandrasuwita et al. (2025).
    calibrated : bool, default=False
        Score the calibrated alignment (:func:`alignment_test`'s ``calibrated_score``; with
        ``layers="max"`` the calibrated maximum over layer pairs, whose null is the maximum over
        pairs): 0 when the alignment is within chance at level ``alpha``, 1 at the metric's
        maximum. Each call then runs a permutation test on the scored split.
    n_permutations : int, default=200
        Null draws of each calibrated score (at least ``1 / alpha - 1``); used when
        ``calibrated=True``.
    alpha : float in (0, 1), default=0.05
        Level of the test; used when ``calibrated=True``.
    random_state : int, RandomState instance or None, default=None
        Seeds the permutations; pass an int so that every split and every candidate of a search
        is scored against the same draws.
    **metric_params
        Parameters of the metric, e.g. ``topk=10``.

    Returns
    -------
    AlignmentScorer
        A callable ``scorer(estimator, X, y=None) -> float``.

    Examples
    --------
    >>> from mmalign_sk.metrics import make_alignment_scorer
    >>> scorer = make_alignment_scorer("mutual_knn", topk=10, layers="max")
    >>> scorer
    make_alignment_scorer(metric=MutualKNN(...), modalities=None, layers='max')

    In a sweep: ``GridSearchCV(est, grid, scoring={"acc": "accuracy", "align": scorer}, refit="acc")``.
    The calibrated alignment, 0 unless above chance:

    >>> make_alignment_scorer("unbiased_cka", calibrated=True, random_state=0)
    make_alignment_scorer(metric=UnbiasedCKA(...), modalities=None, layers='last', calibrated=True, n_permutations=200, alpha=0.05, random_state=0)
    """
    check_option(layers, "layers", _LAYERS)
    if not isinstance(calibrated, bool):
        raise TypeError(f"calibrated must be a bool; got {calibrated!r}.")
    metric = get_metric(metric, **metric_params)
    if calibrated:
        n_permutations, alpha = check_test_params(n_permutations, alpha)
        metric.check_permutable()
    return AlignmentScorer(metric, _check_modalities(modalities), layers, calibrated, n_permutations,
                           alpha, random_state)


def _single_embedding(embeddings, name, modality):
    if not isinstance(embeddings, dict):
        return [embeddings] if hasattr(embeddings, "shape") else embeddings
    if modality is None:
        if len(embeddings) != 1:
            raise ValueError(
                f"{name} embeds several modalities {sorted(embeddings)}; pass the one to use."
            )
        return next(iter(embeddings.values()))
    if modality not in embeddings:
        raise ValueError(f"{name} has no modality {modality!r}; it has {sorted(embeddings)}.")
    return embeddings[modality]


def encoder_alignment(est_a, X_a, est_b, X_b, metric="mutual_knn", layers="last",
                      modality_a=None, modality_b=None, **metric_params):
    """Alignment between two separately fitted (unimodal) estimators on paired inputs.

    Parameters
    ----------
    est_a, est_b : fitted estimators implementing ``embed`` (and ``embed_layers`` for
        ``layers="max"`` or ``"all"``).
    X_a, X_b : inputs of ``est_a`` and ``est_b``; row ``i`` of both describes the same sample.
        Both may be the same multimodal mapping when each estimator picks its own modality.
    metric : str or AlignmentMetric, default="mutual_knn"
    layers : {"last", "max", "all"}, default="last"
        ``"last"`` returns the metric between final representations, ``"max"`` the maximum over
        layer pairs, ``"all"`` the whole :class:`LayerwiseAlignment`.
    modality_a, modality_b : str, optional
        The modality to take from each estimator's embeddings, when it embeds several.
    **metric_params
        Parameters of the metric.

    Returns
    -------
    float or LayerwiseAlignment

    Examples
    --------
    ``encoder_alignment(clf_x1, data.X, clf_x2, data.X, metric="unbiased_cka", layers="max")``
    """
    check_option(layers, "layers", ("last", "max", "all"))
    metric_obj = get_metric(metric, **metric_params)
    if layers == "last":
        a = _single_embedding(_embed(est_a, X_a, "embed", "est_a"), "est_a", modality_a)
        b = _single_embedding(_embed(est_b, X_b, "embed", "est_b"), "est_b", modality_b)
        return metric_obj(a, b)
    layers_a = _single_embedding(_embed(est_a, X_a, "embed_layers", "est_a"), "est_a", modality_a)
    layers_b = _single_embedding(_embed(est_b, X_b, "embed_layers", "est_b"), "est_b", modality_b)
    result = layerwise_alignment(layers_a, layers_b, metric=metric_obj)
    return result if layers == "all" else result.max
