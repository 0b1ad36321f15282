"""Apply one scikit-learn transformer per modality of multimodal data, in a Pipeline."""

from collections.abc import Mapping

from sklearn.base import TransformerMixin, clone
from sklearn.utils.metaestimators import _BaseComposition
from sklearn.utils.validation import check_is_fitted
from skorch.helper import SliceDict

_SPECIAL = ("passthrough", "drop")


class PerModalityTransformer(TransformerMixin, _BaseComposition):
    """Transform each modality of a mapping ``{modality: array}`` with its own transformer.

    The multimodal counterpart of :class:`~sklearn.compose.ColumnTransformer`: it takes the
    ``SliceDict`` the estimators and fetchers use and returns a ``SliceDict``, so it can precede an
    estimator in a :class:`~sklearn.pipeline.Pipeline`, and ``GridSearchCV`` can tune a modality's
    transformer (``<step>__<modality>__<param>``) together with the estimator.

    Parameters
    ----------
    transformers : list of (str, transformer) tuples
        ``(modality, transformer)`` pairs. A transformer is any scikit-learn transformer (cloned
        in ``fit``), ``"passthrough"`` (kept as is) or ``"drop"`` (removed from the output).
    remainder : {"passthrough", "drop"}, default="passthrough"
        What happens to modalities not named in ``transformers``.

    Attributes
    ----------
    transformers_ : dict
        ``{modality: fitted transformer or "passthrough"/"drop"}``.
    modalities_in_ : list of str
        The modalities seen in ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> from skorch.helper import SliceDict
    >>> from sklearn.preprocessing import StandardScaler
    >>> from mmalign_sk.features import PerModalityTransformer
    >>> rng = np.random.default_rng(0)
    >>> X = SliceDict(image=rng.normal(5, 2, (100, 4)), audio=rng.normal(size=(100, 3)))
    >>> pre = PerModalityTransformer([("image", StandardScaler())]).fit(X)
    >>> Xt = pre.transform(X)
    >>> sorted(Xt), round(float(Xt["image"].std()), 3)
    (['audio', 'image'], 1.0)
    >>> pre.set_params(image__with_std=False).get_params()["image__with_std"]
    False
    """

    def __init__(self, transformers, remainder="passthrough"):
        self.transformers = transformers
        self.remainder = remainder

    # get_params/set_params expose each modality's transformer as "<modality>__<param>".
    @property
    def _transformers(self):
        return list(self.transformers)

    @_transformers.setter
    def _transformers(self, value):
        self.transformers = list(value)

    def get_params(self, deep=True):
        return self._get_params("_transformers", deep=deep)

    def set_params(self, **params):
        self._set_params("_transformers", **params)
        return self

    def _validate(self):
        if isinstance(self.transformers, (str, Mapping)) or not hasattr(self.transformers, "__iter__"):
            raise TypeError(
                "transformers must be a list of (modality, transformer) tuples; "
                f"got {type(self.transformers).__name__}."
            )
        pairs = list(self.transformers)
        for pair in pairs:
            if not (isinstance(pair, tuple) and len(pair) == 2 and isinstance(pair[0], str)):
                raise TypeError(f"transformers must hold (modality, transformer) tuples; got {pair!r}.")
            name, transformer = pair
            if isinstance(transformer, str) and transformer not in _SPECIAL:
                raise ValueError(
                    f"transformer of {name!r} must be a transformer, 'passthrough' or 'drop'; got {transformer!r}."
                )
            if not isinstance(transformer, str) and not hasattr(transformer, "transform"):
                raise TypeError(f"transformer of {name!r} has no transform method; got {type(transformer).__name__}.")
        self._validate_names([name for name, _ in pairs])
        if self.remainder not in _SPECIAL:
            raise ValueError(f"remainder must be 'passthrough' or 'drop'; got {self.remainder!r}.")
        return dict(pairs)

    @staticmethod
    def _check_X(X, modalities):
        if not isinstance(X, Mapping):
            raise TypeError(
                f"X must be a mapping {{modality: array}} such as a skorch.helper.SliceDict; got {type(X).__name__}."
            )
        missing = [m for m in modalities if m not in X]
        if missing:
            raise ValueError(f"X has no modality {', '.join(map(repr, missing))}; it has {sorted(X)}.")

    def fit(self, X, y=None):
        """Fit each named modality's transformer on ``X[modality]``.

        Parameters
        ----------
        X : mapping {modality: array}
        y : array-like, optional
            Passed to every transformer's ``fit``.

        Returns
        -------
        self
        """
        named = self._validate()
        self._check_X(X, named)
        self.modalities_in_ = list(X)
        self.transformers_ = {
            name: t if isinstance(t, str) else clone(t).fit(X[name], y) for name, t in named.items()
        }
        return self

    def transform(self, X):
        """The transformed modalities as a ``SliceDict`` (dropped ones removed).

        Parameters
        ----------
        X : mapping {modality: array}
            Must hold every modality named in ``transformers``.

        Returns
        -------
        SliceDict
        """
        check_is_fitted(self, "transformers_")
        self._check_X(X, self.transformers_)
        out = {}
        for name, values in X.items():
            action = self.transformers_.get(name, self.remainder)
            if action == "drop":
                continue
            out[name] = values if action == "passthrough" else action.transform(values)
        if not out:
            raise ValueError("every modality was dropped; nothing is left to return.")
        return SliceDict(**out)

    def fit_transform(self, X, y=None):
        """Fit, then transform ``X``."""
        return self.fit(X, y).transform(X)
