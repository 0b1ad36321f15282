"""skorch estimators: unimodal models and the alignment-regularised contrastive trainer.

* :class:`UnimodalClassifier`, :class:`UnimodalRegressor` -- one encoder + head on one modality.
* :class:`AlignedContrastiveClassifier`, :class:`AlignedContrastiveRegressor` -- one encoder +
  head per modality, trained with ``task loss + alignment_weight x symmetric InfoNCE``.

All implement the estimator <-> scorer protocol (``embed``, ``embed_layers``) used by
:func:`mmalign_sk.metrics.make_alignment_scorer`.
"""

from ._advisor import DEFAULT_EVIDENCE, AlignmentAdvisor, StepRule, redundancy_share
from ._aligned import AlignedContrastiveClassifier, AlignedContrastiveRegressor
from ._data import BatchIterator
from ._info_nce import multimodal_info_nce, symmetric_info_nce
from ._network import MultimodalNetwork
from ._scoring import make_modality_scorer
from ._unimodal import UnimodalClassifier, UnimodalRegressor

__all__ = [
    "DEFAULT_EVIDENCE",
    "AlignedContrastiveClassifier",
    "AlignedContrastiveRegressor",
    "AlignmentAdvisor",
    "StepRule",
    "BatchIterator",
    "MultimodalNetwork",
    "UnimodalClassifier",
    "UnimodalRegressor",
    "make_modality_scorer",
    "multimodal_info_nce",
    "redundancy_share",
    "symmetric_info_nce",
]
