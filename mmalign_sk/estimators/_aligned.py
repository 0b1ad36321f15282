"""Multimodal estimators with an InfoNCE alignment loss between the modality encoders."""

import numbers
from collections.abc import Mapping

import scipy.sparse as sp
import torch
import torch.nn as nn
from skorch import NeuralNetClassifier, NeuralNetRegressor
from skorch.dataset import Dataset

from ..encoders import LinearHead, ProjectionHead
from . import _docs
from ._base import MultimodalNetMixin
from ._data import BatchIterator
from ._encoder_spec import encoder_spec
from ._info_nce import check_temperature, multimodal_info_nce
from ._inputs import check_modality_names
from ._targets import ClassifierTargetsMixin, RegressorTargetsMixin

_PROJECTIONS = ("linear", "mlp")
_FUSIONS = ("mean", "head")


def check_alignment_weight(value):
    """Return ``value`` as a float >= 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"alignment_weight must be a float >= 0; got {value!r}.")
    if not value >= 0 or value != value or value == float("inf"):
        raise ValueError(f"alignment_weight must be a finite float >= 0; got {value}.")
    return float(value)


class AlignedContrastiveMixin:
    """Several modalities, one branch each, tied by ``alignment_weight`` x symmetric InfoNCE."""

    def _check_hyperparameters(self):
        check_alignment_weight(self.alignment_weight)
        check_temperature(self.temperature)
        if self.projection is not None and self.projection not in _PROJECTIONS:
            raise ValueError(
                f"projection must be one of {list(_PROJECTIONS)} or None; got {self.projection!r}."
            )
        if (isinstance(self.projection_width, bool)
                or not isinstance(self.projection_width, numbers.Integral)
                or self.projection_width < 1):
            raise ValueError(
                f"projection_width must be >= 1; got {self.projection_width!r}."
            )
        if self.fusion not in _FUSIONS:
            raise ValueError(f"fusion must be one of {list(_FUSIONS)}; got {self.fusion!r}.")
        if self.modalities is not None:
            check_modality_names(self.modalities, "modalities", minimum=2)

    def _as_mapping(self, X):
        if not isinstance(X, Mapping) or sp.issparse(X):
            raise TypeError(
                f"{type(self).__name__} needs X as a mapping {{modality: array}} such as a "
                f"skorch.helper.SliceDict; got {type(X).__name__}."
            )
        return X

    def _fit_modalities(self, X):
        if self.modalities is None:
            modalities = check_modality_names(tuple(X), "the modalities of X", minimum=2)
        else:
            modalities = check_modality_names(self.modalities, "modalities", minimum=2)
        if self.predict_modality is not None and self.predict_modality not in modalities:
            raise ValueError(
                f"predict_modality must be None or one of {list(modalities)}; "
                f"got {self.predict_modality!r}."
            )
        return modalities

    def _encoder_params(self, modality):
        return encoder_spec(self.encoder, self.get_params_for("encoder"), modality,
                            self.modalities_, strict=True)

    def _extra_modules(self, widths):
        projections = None
        if self.projection is None:
            if len(set(widths.values())) > 1:
                raise ValueError(
                    "projection=None aligns the encoders' outputs directly, which needs equal "
                    f"widths; got {widths}. Use projection='linear'."
                )
        else:
            projections = {}
            for m, width in widths.items():
                with self._seeded("projection", m):
                    hidden = width if self.projection == "mlp" else None
                    projections[m] = ProjectionHead(width, self.projection_width, hidden=hidden)
        fusion_head = None
        if self.fusion == "head":
            with self._seeded("fusion"):
                fusion_head = LinearHead(sum(widths.values()), self.n_outputs_)
        return projections, fusion_head

    def _extra_loss(self, y_pred):
        weight = float(self.alignment_weight)
        if weight == 0:
            return None  # exactly the independent training of each modality
        z = y_pred["projection"] if self.projection is not None else y_pred["embedding"]
        return {"align_loss": (weight, multimodal_info_nce(z, self.temperature))}

    def _default_prediction(self):
        return self.predict_modality


_ALIGNED_DOC = """{title}

    One encoder and one prediction head per modality, trained jointly on (Fang et al., 2025)

    ``loss = sum_m task_loss(head_m(encoder_m(X[m])), y) + alignment_weight * L_align``

    where ``L_align = (L_A->B + L_B->A) / 2`` is the symmetric InfoNCE over the batch between
    the L2-normalised projections of the modalities' representations (the paired samples are the
    positives, the other samples of the batch the negatives; with more than two modalities, the
    mean over all pairs). ``alignment_weight=0`` is exactly independent training of each modality.

    Parameters
    ----------
    modalities : sequence of str, optional
        The modalities to use (at least two); by default all modalities of ``X`` in ``fit``.
{encoder}
    alignment_weight : float, default=1.0
        Weight lambda of the alignment loss (>= 0). Sweep it with ``GridSearchCV``.
    temperature : float, default=0.1
        Temperature of the InfoNCE softmax (> 0). Not stated in the paper; 0.1 is a common choice
        for CLIP-style losses.
    projection : {{"linear", "mlp"}} or None, default="linear"
        Projection head before the alignment loss: a linear map (as in CLIP), an MLP with one
        hidden layer of the encoder's width (as in SimCLR), or None to align the encoder outputs
        directly (they must then have equal widths). Not stated in the paper.
    projection_width : int, default=64
        Width of the shared projection space.
    fusion : {{"mean", "head"}}, default="mean"
        Multimodal prediction: the mean of the modalities' predicted probabilities (values for
        regression), or a linear head on the concatenated encoder outputs, trained with the task
        loss on *detached* representations so that it never changes the encoders.
    predict_modality : str, optional
        What ``predict``, ``predict_proba`` and ``score`` (hence ``GridSearchCV``'s
        ``"accuracy"``) use: None for the multimodal prediction of ``fusion``, or a modality
        name for that modality's own head. See also ``score_modality`` and
        :func:`make_modality_scorer`.
{training}

{fitted}

    See Also
    --------
    Unimodal{kind} : one modality on its own.

    Notes
    -----
    ``history_`` also records ``train_task_loss`` and ``train_align_loss`` (``valid_*`` with a
    validation split) when ``alignment_weight > 0``.

    Examples
    --------
    >>> import numpy as np
    >>> from skorch.helper import SliceDict
    >>> from mmalign_sk.estimators import AlignedContrastive{kind}
    >>> rng = np.random.RandomState(0)
    >>> shared = rng.randn(200, 4).astype("float32")
    >>> X = SliceDict(x1=np.hstack([shared, rng.randn(200, 2).astype("float32")]),
    ...               x2=np.hstack([shared, rng.randn(200, 2).astype("float32")]))
    >>> y = {example_y}
    >>> est = AlignedContrastive{kind}(encoder__depth=2, alignment_weight=0.5, max_epochs=5,
    ...                             random_state=0)
    >>> emb = est.fit(X, y).embed(X)
    >>> sorted(emb), emb["x1"].shape
    (['x1', 'x2'], (200, 6))
    >>> est.predict(X[:3], modality="x2").shape
    (3,)
"""


def _aligned_init(self, modalities, encoder, alignment_weight, temperature, projection,
                  projection_width, fusion, predict_modality, progress_bar, random_state):
    del self.module
    self.modalities = modalities
    self.encoder = encoder
    self.alignment_weight = alignment_weight
    self.temperature = temperature
    self.projection = projection
    self.projection_width = projection_width
    self.fusion = fusion
    self.predict_modality = predict_modality
    self.progress_bar = progress_bar
    self.random_state = random_state


class AlignedContrastiveClassifier(AlignedContrastiveMixin, ClassifierTargetsMixin,
                                   MultimodalNetMixin, NeuralNetClassifier):
    __doc__ = _ALIGNED_DOC.format(
        title="Multimodal classifier with a contrastive alignment loss between modalities.",
        encoder=_docs.ENCODER, training=_docs.classifier_training(), fitted=_docs.fitted(True),
        kind="Classifier", example_y="(shared[:, 0] > 0).astype(int)",
    )
    _counterpart = "AlignedContrastiveRegressor"

    def __init__(self, modalities=None, *, encoder="mlp", alignment_weight=1.0, temperature=0.1,
                 projection="linear", projection_width=64, fusion="mean", predict_modality=None,
                 criterion=nn.CrossEntropyLoss, optimizer=torch.optim.AdamW, lr=1e-3,
                 max_epochs=10, batch_size=128, train_split=None, callbacks=None,
                 iterator_train=BatchIterator, iterator_valid=BatchIterator, classes=None,
                 warm_start=False, verbose=0, progress_bar=False, device="auto",
                 random_state=None, dataset=Dataset, predict_nonlinearity="auto", compile=False,
                 use_caching="auto", torch_load_kwargs=None, **kwargs):
        super().__init__(None, criterion=criterion, optimizer=optimizer, lr=lr,
                         max_epochs=max_epochs, batch_size=batch_size, train_split=train_split,
                         callbacks=callbacks, iterator_train=iterator_train,
                         iterator_valid=iterator_valid, classes=classes, warm_start=warm_start,
                         verbose=verbose, device=device, dataset=dataset,
                         predict_nonlinearity=predict_nonlinearity, compile=compile,
                         use_caching=use_caching, torch_load_kwargs=torch_load_kwargs, **kwargs)
        _aligned_init(self, modalities, encoder, alignment_weight, temperature, projection,
                      projection_width, fusion, predict_modality, progress_bar, random_state)


class AlignedContrastiveRegressor(AlignedContrastiveMixin, RegressorTargetsMixin,
                                  MultimodalNetMixin, NeuralNetRegressor):
    __doc__ = _ALIGNED_DOC.format(
        title="Multimodal regressor with a contrastive alignment loss between modalities.",
        encoder=_docs.ENCODER, training=_docs.regressor_training(), fitted=_docs.fitted(False),
        kind="Regressor", example_y="shared[:, 0]",
    )
    _counterpart = "AlignedContrastiveClassifier"

    def __init__(self, modalities=None, *, encoder="mlp", alignment_weight=1.0, temperature=0.1,
                 projection="linear", projection_width=64, fusion="mean", predict_modality=None,
                 criterion=nn.L1Loss, optimizer=torch.optim.AdamW, lr=1e-3, max_epochs=10,
                 batch_size=128, train_split=None, callbacks=None, iterator_train=BatchIterator,
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
        _aligned_init(self, modalities, encoder, alignment_weight, temperature, projection,
                      projection_width, fusion, predict_modality, progress_bar, random_state)
