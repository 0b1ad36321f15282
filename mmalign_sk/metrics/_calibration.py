"""Permutation calibration of alignment scores: chance level, p-value, calibrated score and
bootstrap confidence intervals.

Shuffling the rows of ``B`` breaks the pairing of samples while keeping each geometry, so the
scores of permuted pairs form the null distribution of "no alignment beyond chance". The null
reuses what a permutation cannot change: each matrix is preprocessed and represented once, and
every draw relabels ``B``'s representation (kNN lists, centred features, singular vectors) instead
of computing it again.
"""

import math
from dataclasses import dataclass

import numpy as np
import torch
from sklearn.utils import check_random_state

from ._backend import resolve_device
from ._base import AlignmentMetric
from ._cca import SVCCA
from ._cmd import CMD
from ._kernel import CKA, CKNNA
from ._knn import _KNNMetric
from ._registry import get_metric
from ._reuse import not_reusing
from ._validation import check_int, check_paired, check_real

#: The fewest rows a permutation test accepts (two rows have a single other pairing).
MIN_SAMPLES = 3


# -- the test's numbers from a null sample --------------------------------------------------------
def check_test_params(n_permutations, alpha):
    """Validate the number of permutations and the level; both are returned as plain numbers."""
    n_permutations = check_int(n_permutations, "n_permutations", minimum=1)
    alpha = check_real(alpha, "alpha", low=0.0, high=1.0, low_inclusive=False, high_inclusive=False)
    if _allowed_exceedances(n_permutations, alpha) < 0:
        needed = math.ceil(1.0 / alpha - 1.0 - 1e-9)
        raise ValueError(
            f"n_permutations must be >= {needed} for alpha={alpha}: the smallest p-value of "
            f"{n_permutations} permutations is 1/{n_permutations + 1}, above alpha; got "
            f"n_permutations={n_permutations}."
        )
    return n_permutations, alpha


def _allowed_exceedances(n_permutations, alpha):
    """Largest number of null draws >= the score that still gives ``p_value <= alpha``."""
    return math.floor(alpha * (n_permutations + 1) + 1e-9) - 1


def p_value(null, score):
    """Add-one permutation p-value ``(1 + #{null >= score}) / (K + 1)``."""
    null = np.asarray(null, dtype=float)
    return (1.0 + np.count_nonzero(null >= score, axis=-1)) / (null.shape[-1] + 1.0)


def threshold(null, alpha):
    """The (1 - alpha) quantile of the null that matches the p-value: a score is above it exactly
    when its p-value is at most ``alpha`` (the ``m + 1``-th largest draw, ``m`` the number of
    draws at or above the score that ``p <= alpha`` allows)."""
    null = np.sort(np.asarray(null, dtype=float))
    return float(null[null.size - 1 - _allowed_exceedances(null.size, alpha)])


def calibrated_score(score, threshold, score_max):
    """``max(0, (score - threshold) / (score_max - threshold))``, 0 when the threshold reaches
    the maximum, at most 1."""
    if threshold >= score_max:
        return 0.0
    return float(min(1.0, max(0.0, (score - threshold) / (score_max - threshold))))


# -- permutations ---------------------------------------------------------------------------------
def draw_seed(random_state):
    """One seed from ``random_state`` (an int gives always the same one); every permutation of a
    test, and every layer pair of a layer x layer test, is drawn from it."""
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


def permutations(n_samples, n_permutations, seed, device="cpu"):
    """The test's permutations of ``n_samples`` rows, one LongTensor at a time, from ``seed``."""
    rng = np.random.default_rng(seed)
    for _ in range(n_permutations):
        yield torch.from_numpy(rng.permutation(n_samples)).to(device)


def has_fast_null(metric):
    """Whether ``metric`` relabels a representation instead of preparing a permuted matrix."""
    return type(metric).permute_representation is not AlignmentMetric.permute_representation


def null_draws(metric, rep_a, rep_b, B, device, n_permutations, seed):
    """The null sample: ``metric`` between ``A`` and ``B`` with its rows permuted, for each of the
    ``n_permutations`` permutations drawn from ``seed``."""
    n = B.shape[0]
    perms = permutations(n, n_permutations, seed, device)
    with not_reusing():
        if has_fast_null(metric):
            draws = metric.null_scores(rep_a, rep_b, perms)
        else:
            draws = [metric.compare(rep_a, metric.prepare(_take_rows(B, perm), "B", device))
                     for perm in perms]
    return np.asarray(draws, dtype=np.float64)


def _take_rows(X, rows):
    if isinstance(X, torch.Tensor):
        return X[rows.to(X.device)]
    return X[rows.cpu().numpy()]


# -- bootstrap ------------------------------------------------------------------------------------
def _resamples_rows(metric):
    """True: replicates on rows drawn with replacement (CKA, CMD, SVCCA); False: on half of the
    rows drawn without replacement (kNN metrics and CKNNA, whose neighbour lists a duplicated row
    would fill with its own copies)."""
    if isinstance(metric, (CKA, SVCCA, CMD)):
        return True
    if isinstance(metric, (_KNNMetric, CKNNA)):
        return False
    raise ValueError(
        f"n_bootstraps is available for the CKA, CMD, SVCCA, CKNNA and kNN metrics; "
        f"{metric.name} needs n_bootstraps=0."
    )


def bootstrap_draws(metric, A, B, device, n_bootstraps, seed):
    """Replicates of the score for a confidence interval (see :func:`alignment_test`, Notes)."""
    with_replacement = _resamples_rows(metric)
    n = A.shape[0]
    if not with_replacement:
        try:
            metric.check_n_samples(n // 2)
        except ValueError as exc:
            raise ValueError(
                f"n_bootstraps with {metric.name} recomputes the metric on half of the rows "
                f"({n // 2} of {n}), which it refuses: {exc}") from None
    rng = np.random.default_rng(seed)
    draws = []
    with not_reusing():
        for _ in range(n_bootstraps):
            rows = rng.integers(0, n, n) if with_replacement else rng.permutation(n)[:n // 2]
            rows = torch.from_numpy(rows)
            draws.append(metric.compare(metric.prepare(_take_rows(A, rows), "A", device),
                                        metric.prepare(_take_rows(B, rows), "B", device)))
    return np.asarray(draws, dtype=np.float64)


def centred_interval(score, draws, alpha):
    """``score`` plus the alpha/2 and 1 - alpha/2 quantiles of the replicates' deviations from
    their mean: the replicates' spread, without their shift (duplicated rows raise kernel
    similarities; half samples change the kNN metrics' chance level)."""
    low, high = np.quantile(draws - draws.mean(), [alpha / 2, 1 - alpha / 2])
    return float(score + low), float(score + high)


# -- the result -----------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False, repr=False)
class AlignmentTestResult:
    """A score with its permutation null, p-value and calibrated value (see :func:`alignment_test`).

    Attributes
    ----------
    metric : str
        The metric's name.
    score : float
        The metric between ``A`` and ``B`` as paired.
    null : ndarray of shape (n_permutations,)
        The metric between ``A`` and ``B`` with its rows permuted, one value per permutation.
    alpha : float
        The level of the test.
    threshold : float
        The (1 - alpha) quantile of the null (see Notes of :func:`alignment_test`): the score is
        significant exactly when it is above it.
    p_value : float
        ``(1 + #{null >= score}) / (n_permutations + 1)``.
    calibrated_score : float
        ``max(0, (score - threshold) / (score_max - threshold))``, in [0, 1]; 0 unless significant.
    score_range : (float, float)
        The metric's smallest and largest value; ``score_max`` is the second.
    ci : (float, float) or None
        The confidence interval of the score at level 1 - alpha, when ``n_bootstraps > 0``.
    bootstrap : ndarray of shape (n_bootstraps,) or None
        The replicates of the score behind ``ci`` (bootstrap or half samples).
    null_mean, null_std : float
        Mean and standard deviation of the null: the chance level and its spread.
    significant : bool
        ``p_value <= alpha``.
    """

    metric: str
    score: float
    null: np.ndarray
    alpha: float
    threshold: float
    p_value: float
    calibrated_score: float
    score_range: tuple
    ci: tuple = None
    bootstrap: np.ndarray = None

    @property
    def null_mean(self):
        return float(self.null.mean())

    @property
    def null_std(self):
        return float(self.null.std(ddof=1)) if self.null.size > 1 else 0.0

    @property
    def n_permutations(self):
        return int(self.null.size)

    @property
    def significant(self):
        return bool(self.p_value <= self.alpha)

    def __repr__(self):
        ci = "" if self.ci is None else f", ci=({self.ci[0]:.4g}, {self.ci[1]:.4g})"
        return (f"AlignmentTestResult(metric={self.metric!r}, score={self.score:.4g}, "
                f"null_mean={self.null_mean:.4g}, null_std={self.null_std:.3g}, "
                f"threshold={self.threshold:.4g}, p_value={self.p_value:.4g}, "
                f"calibrated_score={self.calibrated_score:.4g}{ci}, "
                f"n_permutations={self.n_permutations}, alpha={self.alpha})")


def alignment_test(A, B, metric="mutual_knn", *, n_permutations=1000, alpha=0.05, n_bootstraps=0,
                   random_state=None, **metric_params):
    """Is the alignment of ``A`` and ``B`` above chance? A permutation test of any metric.

    The null distribution is the metric between ``A`` and ``B`` with ``B``'s rows shuffled: the
    pairing of samples is broken, both geometries are kept. Each matrix is prepared once (outlier
    clipping, normalisation, kNN lists, centring); a null draw relabels ``B``'s prepared form:

    * kNN metrics (mutual, cycle, LCS, edit distance): the kNN lists of ``B[perm]`` are those of
      ``B`` relabelled, ``O(n * topk)`` per draw instead of a new ``O(n^2 d)`` search;
    * CKNNA: the same relabelling of ``B``'s kNN entries (kernel values included), re-sorted;
    * linear CKA and HSIC (biased and unbiased), CMD (``contract="features"``): only the cross term
      ``||A~^T B~[perm]||_F^2`` changes (one ``n d_A d_B`` product); the self terms are kept;
    * RBF CKA: both kernel matrices are formed once (when ``n^2 <= 2^26``) and each draw sums
      ``K_ij L_{p_i p_j}``, with no exponential; larger ``n`` recompute the cross kernel blocks;
    * SVCCA: the singular vectors of ``B[perm]`` are those of ``B`` with permuted rows, so a draw
      is a ``k x k`` SVD.

    Metrics registered without :meth:`AlignmentMetric.permute_representation` prepare each
    permuted ``B`` from scratch.

    Parameters
    ----------
    A : array-like or torch.Tensor of shape (n_samples, d_A)
    B : array-like or torch.Tensor of shape (n_samples, d_B)
        Paired embeddings (row ``i`` of both describes sample ``i``), numpy or torch, CPU or CUDA.
    metric : str or AlignmentMetric, default="mutual_knn"
        A name from :func:`list_metrics` or a configured metric.
    n_permutations : int >= 1, default=1000
        Null draws. The p-value cannot go below ``1 / (n_permutations + 1)``, so at least
        ``1 / alpha - 1`` are needed.
    alpha : float in (0, 1), default=0.05
        Level of the test: the threshold is the null's (1 - alpha) quantile; the bootstrap
        interval has level 1 - alpha.
    n_bootstraps : int >= 0, default=0
        Replicates for a confidence interval of the score (0: none): CKA, CMD and SVCCA on rows
        resampled with replacement, the kNN metrics and CKNNA on half of the rows (see Notes).
    random_state : int, RandomState instance or None, default=None
        Seeds the permutations and the bootstrap.
    **metric_params
        Parameters of the metric (``topk``, ``kernel``, ``sigma``, ``cca_dim``, ...).

    Returns
    -------
    AlignmentTestResult
        ``score``, ``null``, ``null_mean``, ``null_std``, ``threshold``, ``p_value``,
        ``calibrated_score``, ``significant``, ``ci`` and ``bootstrap``.

    Notes
    -----
    *Threshold.* With ``K`` draws a score has ``p_value <= alpha`` exactly when at most
    ``m = floor(alpha (K + 1)) - 1`` draws reach it; the threshold is the ``(m + 1)``-th largest
    draw (the (1 - alpha) quantile, rounded up), so ``score > threshold`` if and only if
    ``p_value <= alpha``, and the calibrated score is positive exactly then.

    *Calibrated score.* ``(score - threshold) / (score_max - threshold)``, clipped to [0, 1]:
    0 for scores within chance at level alpha, 1 for the metric's maximum; it says which share of
    the room above chance the score uses. ``score_max`` is the top of the metric's
    ``score_range``: 1 for every metric except LCS kNN, whose scores count common neighbours in
    0..topk and whose maximum is ``topk`` (CKNNA's range is taken as [-1, 1]).

    *Exactness.* The relabelled kNN lists equal a new search on ``B[perm]`` unless tied
    similarities would be ordered differently by the new row indices, so without ties the kNN
    nulls equal K recomputations exactly; the kernel, CMD and SVCCA nulls equal them to float
    rounding (sums are taken in another order).

    *Confidence intervals.* CKA, CMD and SVCCA are recomputed on ``n`` rows drawn with
    replacement (the same rows of ``A`` and ``B``). Duplicated rows raise kernel similarities,
    which shifts the replicates up, so the interval is the score plus the quantiles of the
    replicates' deviations from their mean (their spread without their shift). In a kNN metric a
    duplicated row would be its copy's nearest neighbour, so the kNN metrics and CKNNA are
    recomputed on half of the rows drawn without replacement (half-sampling: for a statistic
    whose variance falls as ``1/n`` the spread of half samples around the full sample is that of
    the full sample around its expectation), again centred on the score. The coverage of both,
    measured in a simulation, is in ``docs/significance.md``.

    Examples
    --------
    >>> import numpy as np
    >>> from mmalign_sk.metrics import alignment_test
    >>> rng = np.random.default_rng(0)
    >>> A = rng.normal(size=(300, 16))
    >>> B = np.tanh(A @ rng.normal(size=(16, 8)))
    >>> result = alignment_test(A, B, "mutual_knn", topk=10, n_permutations=200, random_state=0)
    >>> abs(result.null_mean - 10 / 299) < 0.002  # chance level of mutual kNN: topk / (n - 1)
    True
    >>> result.p_value == 1 / 201, result.significant, result.calibrated_score > 0.1
    (True, True, True)
    >>> noise = alignment_test(A, rng.normal(size=(300, 8)), "mutual_knn", topk=10,
    ...                        n_permutations=200, random_state=0)
    >>> noise.calibrated_score
    0.0
    """
    n_permutations, alpha = check_test_params(n_permutations, alpha)
    n_bootstraps = check_int(n_bootstraps, "n_bootstraps", minimum=0)
    metric = get_metric(metric, **metric_params)
    metric.check_permutable()
    A, B = check_paired(A, B, min_samples=MIN_SAMPLES)
    device = resolve_device(metric.device, like=A)
    rep_a, rep_b = metric.prepare(A, "A", device), metric.prepare(B, "B", device)
    score = float(metric.compare(rep_a, rep_b))
    rng = check_random_state(random_state)
    null_seed, boot_seed = draw_seed(rng), draw_seed(rng)
    null = null_draws(metric, rep_a, rep_b, B, device, n_permutations, null_seed)
    cut = threshold(null, alpha)
    boot, ci = None, None
    if n_bootstraps:
        boot = bootstrap_draws(metric, A, B, device, n_bootstraps, boot_seed)
        ci = centred_interval(score, boot, alpha)
    score_range = tuple(float(v) for v in metric.score_range)
    return AlignmentTestResult(
        metric=metric.name, score=score, null=null, alpha=alpha, threshold=cut,
        p_value=float(p_value(null, score)),
        calibrated_score=calibrated_score(score, cut, score_range[1]),
        score_range=score_range, ci=ci, bootstrap=boot)


def chance_level(A, B, metric="mutual_knn", *, n_permutations=200, random_state=None,
                 **metric_params):
    """The chance level of an alignment score: the mean of its permutation null.

    What the metric gives, in expectation, for embeddings of the same geometries whose rows are
    not paired; report it next to a score (a study's table, a sweep) to say how far above chance
    the score is. For the full test (p-value, calibrated score) use :func:`alignment_test`.

    Parameters
    ----------
    A, B : array-like or torch.Tensor of shape (n_samples, d_A) and (n_samples, d_B)
    metric : str or AlignmentMetric, default="mutual_knn"
    n_permutations : int >= 1, default=200
    random_state : int, RandomState instance or None, default=None
    **metric_params
        Parameters of the metric.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from mmalign_sk.metrics import chance_level
    >>> rng = np.random.default_rng(0)
    >>> A, B = rng.normal(size=(200, 8)), rng.normal(size=(200, 8))
    >>> abs(chance_level(A, B, "mutual_knn", topk=10, random_state=0) - 10 / 199) < 0.005
    True
    """
    n_permutations = check_int(n_permutations, "n_permutations", minimum=1)
    metric = get_metric(metric, **metric_params)
    metric.check_permutable()
    A, B = check_paired(A, B, min_samples=MIN_SAMPLES)
    device = resolve_device(metric.device, like=A)
    rep_a, rep_b = metric.prepare(A, "A", device), metric.prepare(B, "B", device)
    return float(null_draws(metric, rep_a, rep_b, B, device, n_permutations,
                            draw_seed(random_state)).mean())
