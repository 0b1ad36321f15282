"""The two-stage metric protocol shared by every alignment metric.

A metric turns each matrix into a *representation* once (``represent``: preprocessing, kNN lists,
centred features, ...) and then compares two representations (``compare``). Computing a layer x
layer alignment matrix therefore prepares each layer once instead of once per pair.
"""

from ._backend import resolve_device, to_tensor
from ._preprocess import preprocess
from ._reuse import reused, reusing
from ._validation import check_embedding, check_option, check_paired, check_real

_PRECISIONS = ("float32", "tf32", "bf16")


class AlignmentMetric:
    """Base class of the alignment metrics.

    Subclasses set the class attributes ``name`` and ``min_samples``, accept their own parameters
    as keyword arguments in ``__init__`` (stored as attributes of the same name, validated there),
    and implement :meth:`represent` and :meth:`compare`.

    Parameters
    ----------
    clip_quantile : float in (0, 1] or None, default=0.95
        Clip each matrix at this quantile of its absolute values before anything else; ``None``
        disables clipping.
    normalize : bool, default=True
        L2-normalise rows after clipping, so that inner products are cosine similarities.
    device : {"auto", "cpu", "cuda"} or torch.device, default="auto"
        Where to compute. ``"auto"`` keeps torch tensors on their device and sends numpy arrays to
        CUDA when it is available.

    Examples
    --------
    A new metric only says how to represent one matrix and how to compare two representations:

    >>> import numpy as np
    >>> from mmalign_sk.metrics import AlignmentMetric
    >>> class MeanCosine(AlignmentMetric):
    ...     name = "mean_cosine"
    ...     def represent(self, X):
    ...         return X                      # rows are already clipped and L2-normalised
    ...     def compare(self, rep_a, rep_b):
    ...         return float((rep_a * rep_b).sum(dim=1).mean())
    >>> A = np.random.default_rng(0).normal(size=(100, 8))
    >>> round(MeanCosine()(A, A), 6)
    1.0
    """

    name = None
    min_samples = 2
    greater_is_better = True
    #: Whether the similarity is unchanged when a whole matrix is multiplied by a positive number.
    #: Every built-in metric is (after row normalisation any metric is), which lets
    #: :meth:`prepare` divide each matrix by a power of two before casting it to float32, so that
    #: any finite input gives the right value. A subclass whose value depends on the scale of its
    #: inputs with ``normalize=False`` sets it to False.
    scale_invariant = True
    #: The smallest and largest value the metric can take (the largest is what a calibrated score
    #: is scaled by, see :func:`alignment_test`); a subclass with another range overrides it.
    score_range = (0.0, 1.0)

    def __init__(self, *, clip_quantile=0.95, normalize=True, device="auto"):
        if clip_quantile is not None:
            check_real(clip_quantile, "clip_quantile", low=0.0, high=1.0, low_inclusive=False)
        if not isinstance(normalize, bool):
            raise TypeError(f"normalize must be a bool; got {normalize!r}.")
        self.clip_quantile = clip_quantile
        self.normalize = normalize
        self.device = device

    # -- the two stages -------------------------------------------------------------------------
    def represent(self, X):
        """Turn a preprocessed float tensor ``X`` (n, d) into what :meth:`compare` needs."""
        raise NotImplementedError

    def compare(self, rep_a, rep_b):
        """Return the similarity (a Python float) of two representations of paired samples."""
        raise NotImplementedError

    def permute_representation(self, rep, perm):
        """The representation of ``X[perm]`` computed from ``rep``, the representation of ``X``.

        ``perm`` is a permutation of the rows (a LongTensor on the representation's device).
        Permutation tests call it once per null draw, so a metric whose representation can be
        relabelled (kNN lists, centred features, singular vectors) returns it in much less time
        than :meth:`represent` takes. The default returns None: the permuted matrix is then
        prepared again from scratch.
        """
        return None

    def check_permutable(self):
        """Raise a ``ValueError`` when the metric does not depend on how rows are paired (a
        permutation null would then equal the score); every metric here depends on it except
        :class:`CMD` with ``contract="samples"``."""

    def null_scores(self, rep_a, rep_b, permutations):
        """``compare(rep_a, rep of B[perm])`` for every ``perm`` of ``permutations`` (a list of
        floats); only called when :meth:`permute_representation` is available."""
        return [self.compare(rep_a, self.permute_representation(rep_b, perm))
                for perm in permutations]

    def check_n_samples(self, n_samples):
        """Validate parameters that depend on the number of samples (e.g. ``topk < n``)."""
        if n_samples < self.min_samples:
            raise ValueError(
                f"{self.name} needs at least {self.min_samples} samples; got {n_samples}."
            )

    # -- conveniences ---------------------------------------------------------------------------
    def prepare(self, X, name="A", device=None):
        """Validate, convert, preprocess and represent one matrix."""
        return self.represent(self._preprocessed(X, name, device))

    def _preprocessed(self, X, name="A", device=None):
        """Validated, converted and preprocessed ``X``; clipping and normalisation are each
        reused inside :func:`reuse_representations` (metrics with and without ``normalize``
        share the clipped matrix)."""
        raw, X = X, check_embedding(X, name)
        device = resolve_device(self.device, like=X) if device is None else device
        self.check_n_samples(X.shape[0])

        def tensor():
            return to_tensor(X, device, rescale=self.scale_invariant, name=name)

        if not reusing():  # nothing else will see the clipped matrix: normalise it in place
            return preprocess(tensor(), self.clip_quantile, self.normalize)
        X = reused("clip", (raw,), (str(device), self.clip_quantile, self.scale_invariant),
                   lambda: preprocess(tensor(), self.clip_quantile, normalize=False))
        if self.normalize:
            X = reused("normalize", (X,), (), lambda: preprocess(X, None, normalize=True))
        return X

    def __call__(self, A, B):
        """Similarity of two paired embedding matrices ``A`` (n, d_A) and ``B`` (n, d_B)."""
        A, B = check_paired(A, B, min_samples=1)
        device = resolve_device(self.device, like=A)
        return self.compare(self.prepare(A, "A", device), self.prepare(B, "B", device))

    def get_params(self):
        """Parameters of the metric as a dict."""
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}

    def __repr__(self):
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({params})"


def check_precision(precision):
    """Validate the matmul precision option shared by the metrics that form Gram products."""
    return check_option(precision, "precision", _PRECISIONS)
