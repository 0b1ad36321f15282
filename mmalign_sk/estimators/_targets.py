"""Target handling of the classifiers and regressors."""

import numpy as np
import torch
from skorch.callbacks import EpochScoring, EpochTimer, PassthroughScoring, PrintLog
from skorch.utils import to_numpy
from sklearn.metrics import accuracy_score, r2_score

from ._inputs import check_classification_y, check_n_samples, check_regression_y


def encoded_accuracy(net, X, y):
    """Accuracy of ``net`` on ``X`` against class *indices* ``y`` (skorch's internal targets)."""
    predicted = net._predict_raw(X).argmax(axis=1)
    return float(np.mean(predicted == to_numpy(y).ravel()))


class ClassifierTargetsMixin:
    """Class labels: any hashable labels, encoded as indices into ``classes_`` for training."""

    _counterpart = "the matching Regressor"

    @property
    def _default_callbacks(self):
        callbacks = [
            ("epoch_timer", EpochTimer()),
            ("train_loss", PassthroughScoring(name="train_loss", on_train=True)),
            ("valid_loss", PassthroughScoring(name="valid_loss")),
            ("valid_acc", EpochScoring(encoded_accuracy, name="valid_acc",
                                       lower_is_better=False)),
            ("print_log", PrintLog()),
        ]
        return self._add_progress_bar(callbacks)

    def _fit_targets(self, y, n_samples):
        y = check_classification_y(y, type(self).__name__, self._counterpart)
        check_n_samples(n_samples, y)
        if self.classes is None or not len(self.classes):
            self.classes_inferred_ = np.unique(y)
        self.n_outputs_ = len(self.classes_)
        return self._encode_labels(y)

    def _encode_labels(self, y):
        classes = np.asarray(self.classes_)
        order = np.argsort(classes, kind="stable")
        sorted_classes = classes[order]
        position = np.clip(np.searchsorted(sorted_classes, y), 0, len(classes) - 1)
        unknown = sorted_classes[position] != y
        if np.any(unknown):
            raise ValueError(
                f"y contains labels {np.unique(y[unknown]).tolist()} that are not among the "
                f"classes {classes.tolist()}."
            )
        return order[position].astype(np.int64)

    def _training_targets(self, y, n_samples):
        y = check_classification_y(y, type(self).__name__, self._counterpart)
        check_n_samples(n_samples, y)
        return self._encode_labels(y)

    def _loss_target(self, y_true):
        return y_true.long()

    def predict_proba(self, X, modality=None):
        """Class probabilities.

        Parameters
        ----------
        X : mapping of str to array-like, or array-like
        modality : str, optional
            Predict from this modality's encoder and head; by default the estimator's default
            prediction (see ``predict_modality``).

        Returns
        -------
        ndarray of shape (n, n_classes)
            float64, as scikit-learn's classifiers return. With the default
            ``predict_nonlinearity="auto"`` (a softmax, computed in float32) every row is
            renormalised in float64, so that it sums to 1 to float64 precision as
            :func:`sklearn.metrics.log_loss` expects.
        """
        proba = self._predict_raw(X, modality).astype(np.float64)
        if self.predict_nonlinearity == "auto":
            proba /= proba.sum(axis=1, keepdims=True)
        return proba

    def predict(self, X, modality=None):
        """Class labels; ``modality`` as in :meth:`predict_proba`.

        Returns
        -------
        ndarray of shape (n,)
        """
        indices = self._predict_raw(X, modality).argmax(axis=1)
        return np.asarray(self.classes_)[indices]

    def score_modality(self, X, y, modality):
        """Accuracy of one modality's own prediction.

        Parameters
        ----------
        X : mapping of str to array-like
            Must contain ``modality`` (other modalities are not needed).
        y : array-like of shape (n,)
        modality : str

        Returns
        -------
        float
        """
        return float(accuracy_score(y, self.predict(X, modality=modality)))


class RegressorTargetsMixin:
    """Numeric targets of shape (n,) or (n, n_targets); predictions have the shape of ``y``."""

    _counterpart = "the matching Classifier"

    @property
    def _default_callbacks(self):
        callbacks = [
            ("epoch_timer", EpochTimer()),
            ("train_loss", PassthroughScoring(name="train_loss", on_train=True)),
            ("valid_loss", PassthroughScoring(name="valid_loss")),
            ("print_log", PrintLog()),
        ]
        return self._add_progress_bar(callbacks)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True  # y may be (n, n_targets)
        return tags

    def _fit_targets(self, y, n_samples):
        y = check_regression_y(y, type(self).__name__, self._counterpart)
        check_n_samples(n_samples, y)
        self.target_ndim_ = y.ndim
        self.n_outputs_ = 1 if y.ndim == 1 else y.shape[1]
        return y.reshape(len(y), -1)

    def _training_targets(self, y, n_samples):
        y = check_regression_y(y, type(self).__name__, self._counterpart)
        check_n_samples(n_samples, y)
        y = y.reshape(len(y), -1)
        if y.shape[1] != self.n_outputs_:
            raise ValueError(f"y has {y.shape[1]} targets; the estimator was fitted on "
                             f"{self.n_outputs_}.")
        return y

    def _loss_target(self, y_true):
        return y_true.to(torch.float32).reshape(len(y_true), -1)

    def predict(self, X, modality=None):
        """Predicted targets.

        Parameters
        ----------
        X : mapping of str to array-like, or array-like
        modality : str, optional
            Predict from this modality's encoder and head; by default the estimator's default
            prediction (see ``predict_modality``).

        Returns
        -------
        ndarray of shape (n,) or (n, n_targets), like ``y`` in fit
            float64, as scikit-learn's regressors return.
        """
        raw = self._predict_raw(X, modality).astype(np.float64)
        return raw.ravel() if self.target_ndim_ == 1 else raw

    @property
    def predict_proba(self):
        """Regressors have no ``predict_proba`` (scikit-learn convention); use ``predict``."""
        raise AttributeError(f"{type(self).__name__} has no predict_proba; use predict.")

    def score_modality(self, X, y, modality):
        """Coefficient of determination R^2 of one modality's own prediction.

        Parameters
        ----------
        X : mapping of str to array-like
        y : array-like of shape (n,) or (n, n_targets)
        modality : str

        Returns
        -------
        float
        """
        return float(r2_score(y, self.predict(X, modality=modality)))
