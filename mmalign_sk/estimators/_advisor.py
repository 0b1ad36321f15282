"""An estimator that recommends whether, and how strongly, to align two modalities."""

import warnings
from collections.abc import Mapping

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.isotonic import IsotonicRegression
from sklearn.model_selection import GridSearchCV
from sklearn.utils.validation import check_is_fitted

from .._checks import check_int
from ..information import SmallSampleWarning, estimate_pid
from ._aligned import AlignedContrastiveClassifier
from ._scoring import make_modality_scorer

#: (setting, redundancy share, best alignment weight) of the strategic study's synthetic settings:
#: the evidence the default rule is fitted on. Produced by ``benchmarks/bench_advisor.py``: the
#: share from the PID of 2,048 samples of each setting (20 clusters per modality), the weight
#: from ``STRATEGIC_QUICK`` (every model trained to convergence, three seeds): lambda* where its
#: paired test gain over independent training exceeds two standard errors, else 0. Only R = 8
#: gains (lambda* = 0.4: +0.004 +- 0.001 accuracy); see docs/pid.md for the table.
DEFAULT_EVIDENCE = (
    ("R=2", 0.368, 0.0),
    ("R=4", 0.370, 0.0),
    ("R=8", 0.647, 0.4),
    ("synergy", 0.440, 0.0),
)


def redundancy_share(result):
    """Share of the task information that is redundant, with the plug-in bias taken out.

    ``R / max(I(X1, X2; Y) - bias, R + U1 + U2)``, where ``bias`` is the first-order
    (Miller-Madow) upward bias of the plug-in I(X1, X2; Y) that :func:`estimate_pid` reports in
    ``result.extra["plugin_bias"]`` (0 for exact tables). Most of that bias shows up as synergy,
    so without the correction small samples look synergistic and the share shrinks with the
    number of cells. 0 when the modalities carry no information about the label.

    Parameters
    ----------
    result : PIDResult

    Returns
    -------
    float in [0, 1]

    Examples
    --------
    >>> import numpy as np
    >>> from mmalign_sk.information import pid
    >>> from mmalign_sk.estimators import redundancy_share
    >>> p = np.zeros((2, 2, 2)); p[0, 0, 0] = p[1, 1, 1] = 0.5     # Y = X1 = X2
    >>> round(redundancy_share(pid(p)), 6)
    1.0
    """
    bias = float(result.extra.get("plugin_bias", 0.0)) if result.extra else 0.0
    values = {"redundancy": result.redundancy, "unique_1": result.unique_1,
              "unique_2": result.unique_2, "mi_joint": result.mi_joint, "plugin_bias": bias}
    bad = {k: v for k, v in values.items() if not np.isfinite(v)}
    if bad:
        raise ValueError(
            f"result must hold finite PID terms to give a redundancy share; got {bad}. The PID "
            "estimate failed: check the data (constant or duplicated representations?) and the "
            "number of clusters."
        )
    unimodal = result.redundancy + result.unique_1 + result.unique_2
    total = max(result.mi_joint - bias, unimodal)
    if total <= 1e-12:
        return 0.0
    return float(np.clip(result.redundancy / total, 0.0, 1.0))


class StepRule:
    """Monotone, piecewise-constant map from redundancy share to alignment weight.

    The best weights of the evidence are made non-decreasing in the share by isotonic regression;
    a new share gets the fitted weight of the largest evidence share at or below it (the
    smallest evidence share's weight below them all). It never interpolates: a weight is only
    recommended from a share at which aligning that strongly was seen to be best.

    Attributes
    ----------
    shares_, weights_ : ndarray
        The evidence shares (sorted) and their fitted weights.
    """

    def fit(self, shares, weights):
        order = np.argsort(shares, kind="stable")
        self.shares_ = np.asarray(shares, dtype=float)[order]
        iso = IsotonicRegression(increasing=True).fit(self.shares_,
                                                      np.asarray(weights, dtype=float)[order])
        self.weights_ = iso.predict(self.shares_)
        return self

    def predict(self, shares):
        index = np.searchsorted(self.shares_, np.asarray(shares, dtype=float), side="right") - 1
        return self.weights_[np.clip(index, 0, len(self.shares_) - 1)]


def _evidence_row_ok(row):
    try:
        if isinstance(row, (str, bytes)) or len(row) != 3:
            return False
        share, weight = float(row[1]), float(row[2])
    except (TypeError, ValueError):
        return False
    return 0 <= share <= 1 and np.isfinite(weight) and weight >= 0


def _fit_rule(evidence):
    shares = [float(share) for _, share, _ in evidence]
    weights = [float(weight) for _, _, weight in evidence]
    return StepRule().fit(shares, weights)


class _MeanUnimodalAccuracy:
    """Scorer: the mean over modalities of each modality's own accuracy."""

    def __init__(self, modalities):
        self.scorers = [make_modality_scorer("accuracy", m) for m in modalities]

    def __call__(self, estimator, X, y):
        return float(np.mean([scorer(estimator, X, y) for scorer in self.scorers]))


class AlignmentAdvisor(BaseEstimator):
    """Recommend whether and how strongly to align two modalities, from the data's PID.

    ``fit`` estimates the partial information decomposition of the two modalities about the
    label (:func:`~mmalign_sk.information.estimate_pid`), computes the
    :func:`redundancy_share` and maps it to an alignment weight with a monotone, piecewise-constant
    rule (:class:`StepRule`) fitted on ``evidence``: pairs of (redundancy share, best weight found by GridSearchCV). The
    default evidence is the strategic study's synthetic settings (``DEFAULT_EVIDENCE``), where
    the best weight is 0 when unique or synergistic information dominates and positive when
    redundancy does (Fang et al. 2025). With ``confirm=True`` a small GridSearchCV over weights
    around the recommendation checks it on the data themselves.

    Parameters
    ----------
    modalities : pair of str, optional
        The two modalities of ``X`` to compare; may be omitted when ``X`` has exactly two.
    n_clusters : int or (int, int), default=20
        Clusters per modality for the PID estimate.
    pca_components : int, optional
        Principal components kept before clustering.
    label_bins : int, optional
        Quantile bins for a continuous label.
    evidence : sequence of (name, redundancy share, best weight), optional
        What the rule is fitted on; default ``DEFAULT_EVIDENCE``. Build your own from a
        strategic study on data like yours (see docs/pid.md).
    confirm : bool, default=False
        Also run ``GridSearchCV(estimator, {"alignment_weight": confirm_weights})`` scored by
        the mean of the modalities' own accuracies.
    estimator : estimator, optional
        The model to confirm with; default ``AlignedContrastiveClassifier(modalities=...)``.
    confirm_weights : sequence of float, optional
        Default: 0, the recommendation, and a third and three times it (or 0.1 and 0.3 when the
        recommendation is 0).
    cv : int or cross-validation generator, default=3
    n_jobs : int, optional
    random_state : int, optional
        Seeds the clustering (and the confirmation's estimator when it has a ``random_state``).

    Attributes
    ----------
    pid_ : PIDResult
        The estimated decomposition (bits), as :func:`~mmalign_sk.information.estimate_pid`
        returns it: plug-in values, whose I(X1, X2; Y) (mostly its synergy) is biased upwards by
        ``pid_.extra["plugin_bias"]`` bits. ``estimate_pid`` warns about that bias
        (``SmallSampleWarning``); the advisor does not, because the redundancy share corrects
        for it.
    redundancy_share_ : float
    rule_ : StepRule
        Share -> weight.
    recommendation_ : dict
        ``align`` (bool), ``alignment_weight`` (float), ``redundancy_share``, ``plugin_bias``
        (bits, subtracted in the share), ``why`` (str), and
        with ``confirm``: ``confirmed_weight`` and ``confirmed_score``.
    search_ : GridSearchCV
        With ``confirm`` only.
    modalities_ : tuple of str

    Examples
    --------
    >>> from mmalign_sk.datasets import make_interaction_dataset
    >>> from mmalign_sk.estimators import AlignmentAdvisor
    >>> data = make_interaction_dataset("redundancy", n_redundant=8, n_samples=2048,
    ...                                 random_state=0)
    >>> advice = AlignmentAdvisor(random_state=0).fit(data.X, data.y).recommendation_
    >>> advice["align"], advice["alignment_weight"] > 0
    (True, True)
    >>> data = make_interaction_dataset("synergy", n_samples=2048, random_state=0)
    >>> AlignmentAdvisor(random_state=0).fit(data.X, data.y).recommendation_["align"]
    False
    """

    def __init__(self, modalities=None, *, n_clusters=20, pca_components=None, label_bins=None,
                 evidence=None, confirm=False, estimator=None, confirm_weights=None, cv=3,
                 n_jobs=None, random_state=None):
        self.modalities = modalities
        self.n_clusters = n_clusters
        self.pca_components = pca_components
        self.label_bins = label_bins
        self.evidence = evidence
        self.confirm = confirm
        self.estimator = estimator
        self.confirm_weights = confirm_weights
        self.cv = cv
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _check_modalities(self, X):
        if not isinstance(X, Mapping):
            raise TypeError(
                "AlignmentAdvisor needs X as a mapping {modality: array} such as a "
                f"skorch.helper.SliceDict; got {type(X).__name__}."
            )
        names = tuple(X.keys())  # len() of a SliceDict counts samples, not modalities
        if self.modalities is None:
            if len(names) != 2:
                raise ValueError(
                    f"X has the modalities {sorted(names)}; pass modalities=(a, b) to choose two."
                )
            return names
        modalities = tuple(self.modalities)
        if len(modalities) != 2 or modalities[0] == modalities[1]:
            raise ValueError(f"modalities must be two distinct names; got {self.modalities!r}.")
        missing = [m for m in modalities if m not in names]
        if missing:
            raise ValueError(f"modalities {missing} are not in X, which has {sorted(names)}.")
        return modalities

    def _check_evidence(self):
        evidence = DEFAULT_EVIDENCE if self.evidence is None else tuple(self.evidence)
        if len(evidence) < 2:
            raise ValueError(f"evidence needs at least two (name, share, weight) rows; got {len(evidence)}.")
        for row in evidence:
            if not _evidence_row_ok(row):
                raise ValueError(
                    "evidence rows must be (name, redundancy share in [0, 1], finite weight "
                    f">= 0); got {row!r}."
                )
        return evidence

    def fit(self, X, y):
        """Estimate the PID of the two modalities about ``y`` and recommend an alignment weight.

        Parameters
        ----------
        X : mapping of str to array of shape (n_samples, ...)
            Each modality is flattened to (n_samples, n_features) for the PID estimate.
        y : array-like of shape (n_samples,)

        Returns
        -------
        self
        """
        self.modalities_ = a, b = self._check_modalities(X)
        evidence = self._check_evidence()
        if self.cv is not None and not hasattr(self.cv, "split"):
            check_int(self.cv, "cv", 2)
        X1, X2 = (np.asarray(X[m]).reshape(len(X[m]), -1) for m in (a, b))
        # estimate_pid's SmallSampleWarning is about the plug-in bias of I(X1, X2; Y), which the
        # redundancy share subtracts and the default rule was calibrated with (20 x 20 clusters,
        # 2,048 samples); the advice it gives (fewer clusters) would move the share off that
        # calibration. The bias is reported in recommendation_["plugin_bias"] instead.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SmallSampleWarning)
            self.pid_ = estimate_pid(X1, X2, y, n_clusters=self.n_clusters,
                                     pca_components=self.pca_components,
                                     label_bins=self.label_bins, random_state=self.random_state)
        self.redundancy_share_ = redundancy_share(self.pid_)
        self.rule_ = _fit_rule(evidence)
        weight = float(self.rule_.predict([self.redundancy_share_])[0])
        self.recommendation_ = {
            "align": weight > 0,
            "alignment_weight": weight,
            "redundancy_share": self.redundancy_share_,
            "plugin_bias": float(self.pid_.extra["plugin_bias"]),
            "why": self._why(weight),
        }
        if self.confirm:
            self._confirm(X, y, weight)
        return self

    def _why(self, weight):
        p = self.pid_
        terms = (f"R = {p.redundancy:.3f}, U({self.modalities_[0]}) = {p.unique_1:.3f}, "
                 f"U({self.modalities_[1]}) = {p.unique_2:.3f}, S = {p.synergy:.3f} bits")
        verdict = (f"redundancy share {self.redundancy_share_:.2f}: "
                   + (f"redundant information dominates enough to align (weight {weight:.3g})"
                      if weight > 0 else "too little shared task information to gain from "
                      "aligning; train the encoders independently"))
        return f"{terms}; {verdict}."

    def _confirm(self, X, y, weight):
        if self.confirm_weights is not None:
            weights = sorted({float(w) for w in self.confirm_weights})
        elif weight > 0:
            weights = sorted({0.0, weight / 3, weight, 3 * weight})
        else:
            weights = [0.0, 0.1, 0.3]
        estimator = self.estimator
        if estimator is None:
            estimator = AlignedContrastiveClassifier(modalities=self.modalities_,
                                                     random_state=self.random_state)
        self.search_ = GridSearchCV(clone(estimator), {"alignment_weight": weights}, cv=self.cv,
                                    scoring=_MeanUnimodalAccuracy(self.modalities_), refit=False,
                                    n_jobs=self.n_jobs).fit(X, y)
        self.recommendation_.update(
            confirmed_weight=float(self.search_.best_params_["alignment_weight"]),
            confirmed_score=float(self.search_.best_score_),
        )

    def recommend(self):
        """The recommendation as a dict (see ``recommendation_``)."""
        check_is_fitted(self, "recommendation_")
        return dict(self.recommendation_)
