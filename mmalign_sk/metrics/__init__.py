"""Alignment metrics between two paired embedding matrices, and scikit-learn scorers built on them.

Every metric takes ``A`` of shape (n_samples, d_A) and ``B`` of shape (n_samples, d_B), numpy arrays
or torch tensors on any device, whose rows are paired samples, and returns a float (greater means
more aligned). Inputs are preprocessed as in Huh et al. (2024): clipping at the 0.95 quantile of
absolute values, then row L2-normalisation (``clip_quantile`` and ``normalize`` parameters).
"""

from ._base import AlignmentMetric
from ._calibration import AlignmentTestResult, alignment_test, chance_level
from ._cca import SVCCA, svcca
from ._cmd import CMD, cmd
from ._kernel import CKA, CKNNA, UnbiasedCKA, cka, cknna, hsic, unbiased_cka
from ._knn import (
    CycleKNN,
    EditDistanceKNN,
    LCSKNN,
    MutualKNN,
    cycle_knn,
    edit_distance_knn,
    knn_indices,
    lcs_knn,
    mutual_knn,
)
from ._layerwise import LayerwiseAlignment, layerwise_alignment
from ._preprocess import clip_outliers, normalize_rows, preprocess
from ._registry import get_metric, list_metrics, register_metric
from ._reuse import reuse_representations
from ._score import alignment_score
from ._scorer import encoder_alignment, make_alignment_scorer

__all__ = [
    "AlignmentMetric",
    "AlignmentTestResult",
    "CKA",
    "CKNNA",
    "CMD",
    "CycleKNN",
    "EditDistanceKNN",
    "LayerwiseAlignment",
    "LCSKNN",
    "MutualKNN",
    "SVCCA",
    "UnbiasedCKA",
    "alignment_score",
    "alignment_test",
    "chance_level",
    "cka",
    "cknna",
    "clip_outliers",
    "cmd",
    "cycle_knn",
    "edit_distance_knn",
    "encoder_alignment",
    "get_metric",
    "hsic",
    "knn_indices",
    "layerwise_alignment",
    "lcs_knn",
    "list_metrics",
    "make_alignment_scorer",
    "mutual_knn",
    "normalize_rows",
    "preprocess",
    "register_metric",
    "reuse_representations",
    "svcca",
    "unbiased_cka",
]
