"""Single-modality estimators: one encoder and a linear head."""

from collections.abc import Mapping

import scipy.sparse as sp
import torch
import torch.nn as nn
from skorch import NeuralNetClassifier, NeuralNetRegressor
from skorch.dataset import Dataset

from . import _docs
from ._base import MultimodalNetMixin
from ._data import BatchIterator
from ._encoder_spec import encoder_spec
from ._inputs import ARRAY_KEY
from ._targets import ClassifierTargetsMixin, RegressorTargetsMixin


class UnimodalMixin:
    """One modality: picked from a multimodal mapping by ``modality``, or a plain array."""

    def _check_hyperparameters(self):
        if self.modality is not None and (not isinstance(self.modality, str) or not self.modality):
            raise TypeError(
                f"modality must be None or a modality name (str); got {self.modality!r}."
            )

    def _as_mapping(self, X):
        if isinstance(X, Mapping) and not sp.issparse(X):
            return X
        if self.modality is not None:
            raise TypeError(
                f"modality={self.modality!r} needs X to be a mapping {{modality: array}} such as a "
                f"skorch.helper.SliceDict; got {type(X).__name__}."
            )
        return {ARRAY_KEY: X}

    def _fit_modalities(self, X):
        if self.modality is not None:
            return (self.modality,)
        if len(X) == 1:
            return tuple(X)
        raise ValueError(
            f"X has the modalities {sorted(X)}; pass modality=<name> to choose the one to use."
        )

    def _encoder_params(self, modality):
        return encoder_spec(self.encoder, self.get_params_for("encoder"), modality,
                            self.modalities_, strict=False)

    def _extra_modules(self, widths):
        return None, None

    def _extra_loss(self, y_pred):
        return None

    def _default_prediction(self):
        return self.modalities_[0]


_UNIMODAL_DOC = """{title}

    One encoder followed by a linear head, trained on one modality: the independent-training
    baseline of Tjandrasuwita et al. (2025) and Fang et al. (2025). A skorch net, so it works with
    ``GridSearchCV``, ``clone``, pickling and skorch callbacks.

    Parameters
    ----------
    modality : str, optional
        The modality to use when ``X`` is a mapping ``{{modality: array}}``. May be omitted when
        ``X`` is a plain array (the modality is then called ``"X"`` in ``embed``) or a mapping
        with a single modality.
{encoder}
{training}

{fitted}

    See Also
    --------
    AlignedContrastive{kind} : two or more modalities trained jointly with an alignment loss.

    Notes
    -----
    The branch is initialised from ``(seed, modality)`` exactly like the same modality's branch of
    :class:`AlignedContrastive{kind}` with the same ``random_state``, and batches are drawn in the
    same order; with ``alignment_weight=0`` the two give identical predictions on CPU.

    Examples
    --------
    >>> import numpy as np
    >>> from skorch.helper import SliceDict
    >>> from mmalign_sk.estimators import Unimodal{kind}
    >>> rng = np.random.RandomState(0)
    >>> X = SliceDict(x1=rng.randn(200, 6).astype("float32"),
    ...               x2=rng.randn(200, 6).astype("float32"))
    >>> y = {example_y}
    >>> est = Unimodal{kind}(modality="x1", encoder__depth=2, max_epochs=5, random_state=0)
    >>> est.fit(X, y).embed(X)["x1"].shape
    (200, 6)
    >>> [h.shape for h in est.embed_layers(X)["x1"]]
    [(200, 6), (200, 6)]
"""


class UnimodalClassifier(UnimodalMixin, ClassifierTargetsMixin, MultimodalNetMixin,
                         NeuralNetClassifier):
    __doc__ = _UNIMODAL_DOC.format(
        title="Classifier on one modality.", encoder=_docs.ENCODER,
        training=_docs.classifier_training(), fitted=_docs.fitted(True), kind="Classifier",
        example_y="(X['x1'][:, 0] > 0).astype(int)",
    )
    _counterpart = "UnimodalRegressor"

    def __init__(self, modality=None, *, encoder="mlp", criterion=nn.CrossEntropyLoss,
                 optimizer=torch.optim.AdamW, lr=1e-3, max_epochs=10, batch_size=128,
                 train_split=None, callbacks=None, iterator_train=BatchIterator,
                 iterator_valid=BatchIterator, classes=None, warm_start=False, verbose=0,
                 progress_bar=False, device="auto", random_state=None, dataset=Dataset,
                 predict_nonlinearity="auto", compile=False, use_caching="auto",
                 torch_load_kwargs=None, **kwargs):
        super().__init__(None, criterion=criterion, optimizer=optimizer, lr=lr,
                         max_epochs=max_epochs, batch_size=batch_size, train_split=train_split,
                         callbacks=callbacks, iterator_train=iterator_train,
                         iterator_valid=iterator_valid, classes=classes, warm_start=warm_start,
                         verbose=verbose, device=device, dataset=dataset,
                         predict_nonlinearity=predict_nonlinearity, compile=compile,
                         use_caching=use_caching, torch_load_kwargs=torch_load_kwargs, **kwargs)
        del self.module
        self.modality = modality
        self.encoder = encoder
        self.progress_bar = progress_bar
        self.random_state = random_state


class UnimodalRegressor(UnimodalMixin, RegressorTargetsMixin, MultimodalNetMixin,
                        NeuralNetRegressor):
    __doc__ = _UNIMODAL_DOC.format(
        title="Regressor on one modality.", encoder=_docs.ENCODER,
        training=_docs.regressor_training(), fitted=_docs.fitted(False), kind="Regressor",
        example_y="X['x1'][:, 0]",
    )
    _counterpart = "UnimodalClassifier"

    def __init__(self, modality=None, *, encoder="mlp", criterion=nn.L1Loss,
                 optimizer=torch.optim.AdamW, lr=1e-3, max_epochs=10, batch_size=128,
                 train_split=None, callbacks=None, iterator_train=BatchIterator,
                 iterator_valid=BatchIterator, warm_start=False, verbose=0, progress_bar=False,
                 device="auto", random_state=None, dataset=Dataset, predict_nonlinearity="auto",
                 compile=False, use_caching="auto", torch_load_kwargs=None, **kwargs):
        super().__init__(None, criterion=criterion, optimizer=optimizer, lr=lr,
                         max_epochs=max_epochs, batch_size=batch_size, train_split=train_split,
                         callbacks=callbacks, iterator_train=iterator_train,
                         iterator_valid=iterator_valid, warm_start=warm_start, verbose=verbose,
                         device=device, dataset=dataset,
                         predict_nonlinearity=predict_nonlinearity, compile=compile,
                         use_caching=use_caching, torch_load_kwargs=torch_load_kwargs, **kwargs)
        del self.module
        self.modality = modality
        self.encoder = encoder
        self.progress_bar = progress_bar
        self.random_state = random_state
