"""Scorers that evaluate one modality's own prediction of a multimodal estimator."""

from sklearn.metrics import get_scorer


class _ModalityView:
    """The estimator seen through one modality: ``predict*`` use that modality's head."""

    def __init__(self, estimator, modality):
        self._estimator = estimator
        self._modality = modality

    def predict(self, X):
        return self._estimator.predict(X, modality=self._modality)

    def predict_proba(self, X):
        return self._estimator.predict_proba(X, modality=self._modality)

    def __getattr__(self, name):
        return getattr(self._estimator, name)


class ModalityScorer:
    """Callable ``scorer(estimator, X, y) -> float`` returned by :func:`make_modality_scorer`."""

    def __init__(self, scoring, modality):
        self.scoring = scoring
        self.modality = modality
        self._scorer = get_scorer(scoring)

    def __call__(self, estimator, X, y, **kwargs):
        return self._scorer(_ModalityView(estimator, self.modality), X, y, **kwargs)

    def __repr__(self):
        return f"make_modality_scorer({self.scoring!r}, modality={self.modality!r})"


def make_modality_scorer(scoring, modality):
    """Scorer of one modality's own prediction, for ``GridSearchCV(scoring={...})``.

    The paper's question is how alignment changes *each* encoder's performance; this scores the
    prediction of ``modality``'s encoder and head alone (``predict(X, modality=...)``).

    Parameters
    ----------
    scoring : str or callable
        Any scikit-learn scorer name (``"accuracy"``, ``"neg_mean_absolute_error"``,
        ``"roc_auc"``, ...) or scorer object.
    modality : str

    Returns
    -------
    ModalityScorer

    Examples
    --------
    >>> from mmalign_sk.estimators import make_modality_scorer
    >>> make_modality_scorer("accuracy", "x1")
    make_modality_scorer('accuracy', modality='x1')

    ``GridSearchCV(est, grid, scoring={"acc_x1": make_modality_scorer("accuracy", "x1"),
    "acc_x2": make_modality_scorer("accuracy", "x2")}, refit="acc_x1")``
    """
    if not isinstance(modality, str):
        raise TypeError(f"modality must be a str; got {modality!r}.")
    return ModalityScorer(scoring, modality)
