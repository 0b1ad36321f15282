"""Synthetic two-modality data with controlled redundancy, uniqueness, synergy and heterogeneity.

The generator follows Tjandrasuwita et al. (ICML 2025, "Understanding the Emergence of Multimodal
Representation Alignment"): uniform binary latents, a shared block ``x_c`` seen by both modalities
and one unique block per modality; the label is drawn from a softmax of a random linear function of
a chosen set of latent bits, rebalanced to uniform classes. Everything is discrete and enumerable,
so the exact information quantities come from the enumerated joint distribution.
"""

import numbers
import warnings

import numpy as np
import torch
from skorch.helper import SliceDict
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import Bunch, check_random_state

from .._checks import check_int as _check_int
from .._checks import check_option as _check_choice
from ..information import co_information, entropy, mutual_information

__all__ = [
    "make_redundancy_dataset",
    "make_redundancy_family",
]

MODALITIES = ("x1", "x2")
_MAX_LATENT_BITS = 22  # 2**22 latent configurations x classes is the largest table we enumerate
_REBALANCE_TOL = 0.01
_REBALANCE_MAX_ITER = 100
_HETEROGENEITY = ("one", "both")


# --------------------------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------------------------


def _check_temperature(temperature):
    if isinstance(temperature, bool) or not isinstance(temperature, numbers.Real):
        raise TypeError(f"temperature must be a positive float; got {temperature!r}.")
    temperature = float(temperature)
    if not np.isfinite(temperature) or temperature <= 0:
        raise ValueError(f"temperature must be a positive finite float; got {temperature!r}.")
    return temperature




def _check_sizes(n_samples, n_shared, n_unique, n_classes):
    n_shared = _check_int(n_shared, "n_shared", 0)
    n_unique = _check_int(n_unique, "n_unique", 0)
    n_classes = _check_int(n_classes, "n_classes", 2)
    n_samples = _check_int(n_samples, "n_samples", 1)
    if n_samples < n_classes:
        raise ValueError(
            f"n_samples must be at least n_classes={n_classes}; got n_samples={n_samples}."
        )
    n_latent = n_shared + 2 * n_unique
    if n_latent > _MAX_LATENT_BITS:
        raise ValueError(
            f"n_shared + 2 * n_unique must be at most {_MAX_LATENT_BITS} so that the joint "
            f"distribution can be enumerated; got {n_shared} + 2 * {n_unique} = {n_latent}."
        )
    if n_shared + n_unique == 0:
        raise ValueError("each modality needs at least one feature; got n_shared = n_unique = 0.")
    return n_samples, n_shared, n_unique, n_classes


def _check_depth(depth, name="depth"):
    return _check_int(depth, name, -1)


# --------------------------------------------------------------------------------------------
# label rule: which latent bits the label reads
# --------------------------------------------------------------------------------------------
def _split_label_bits(n_redundant, n_label_bits):
    """Numbers of (redundant, unique-1, unique-2) label bits, as in the reference generator."""
    n_unique_total = n_label_bits - n_redundant
    n_u1 = n_unique_total // 2
    return n_redundant, n_u1, n_unique_total - n_u1


def _redundancy_rule(n_redundant, n_label_bits, n_shared, n_unique, features_seed):
    """Random subsets of the shared and unique blocks read by the label (features seed).

    The subsets are drawn with a legacy ``RandomState`` in the order shared, unique-1, unique-2,
    each without replacement and kept in the order drawn, as in the reference generator, so that
    ``features_seed=1`` gives its subsets and its assignment of bits to rows of W.
    """
    r, u1, u2 = _split_label_bits(n_redundant, n_label_bits)
    for count, name in ((u1, "unique-1"), (u2, "unique-2")):
        if count > n_unique:
            raise ValueError(
                f"n_redundant={n_redundant} leaves {count} {name} label bits but each modality has "
                f"only n_unique={n_unique} unique bits; increase n_redundant or n_unique, or lower "
                "n_label_bits."
            )
    rng = check_random_state(features_seed)
    # drawn even when empty (a draw without replacement consumes the stream), and kept in draw
    # order: bit j of s multiplies row j of W
    return {
        "redundant": rng.choice(n_shared, size=r, replace=False).astype(np.int64),
        "unique1": rng.choice(n_unique, size=u1, replace=False).astype(np.int64),
        "unique2": rng.choice(n_unique, size=u2, replace=False).astype(np.int64),
        "synergy1": _empty(),
        "synergy2": _empty(),
    }


def _empty():
    return np.zeros(0, dtype=np.int64)


def _n_label_bits(rule):
    return sum(len(rule[k]) for k in ("redundant", "unique1", "unique2", "synergy1"))


def _label_bits(rule, shared, unique1, unique2):
    """The label's bits s (…, n_label_bits) from latent bit arrays (…, n_shared) etc."""
    parts = [
        shared[..., rule["redundant"]],
        unique1[..., rule["unique1"]],
        unique2[..., rule["unique2"]],
        unique1[..., rule["synergy1"]] ^ unique2[..., rule["synergy2"]],
    ]
    return np.concatenate(parts, axis=-1)


def _bits_to_index(bits):
    """Integer whose binary digits (most significant first) are ``bits`` along the last axis."""
    n = bits.shape[-1]
    weights = (1 << np.arange(n - 1, -1, -1)).astype(np.int64)
    return bits.astype(np.int64) @ weights


def _all_bit_vectors(n_bits):
    """(2**n_bits, n_bits) uint8 array, row k = binary digits of k (most significant first)."""
    k = np.arange(2**n_bits, dtype=np.int64)[:, None]
    return ((k >> np.arange(n_bits - 1, -1, -1)) & 1).astype(np.uint8)


# --------------------------------------------------------------------------------------------
# label distribution
# --------------------------------------------------------------------------------------------
def _label_weights(n_label_bits, n_classes, weights_seed):
    """W (n_label_bits, n_classes) ~ U(0, 1), each row scaled to unit norm (weights seed)."""
    rng = check_random_state(weights_seed)
    W = rng.uniform(0.0, 1.0, size=(n_label_bits, n_classes))
    return W / np.linalg.norm(W, axis=1, keepdims=True)


def _rebalanced_label_distribution(W, temperature):
    """p(y | s) on all 2**L values of the label bits s, rebalanced to a uniform p(y).

    Since the latents are uniform and the label bits are distinct latent bits (or XORs of
    distinct pairs), s is uniform on {0, 1}^L, so p(y) = mean over s of p(y | s) exactly: the
    rebalancing on this table is the rebalancing on the full enumerated joint.
    """
    n_label_bits, n_classes = W.shape
    s = _all_bit_vectors(n_label_bits).astype(np.float64)
    logits = s @ W / temperature
    logits -= logits.max(axis=1, keepdims=True)
    p = np.exp(logits)
    p /= p.sum(axis=1, keepdims=True)
    target = np.full(n_classes, 1.0 / n_classes)
    n_iter = 0
    for n_iter in range(1, _REBALANCE_MAX_ITER + 1):
        marginal = p.mean(axis=0)
        if np.allclose(marginal, target, rtol=0.0, atol=_REBALANCE_TOL):
            break
        if not (marginal > 0).all():
            raise ValueError(
                f"temperature={temperature:g} is too low: class(es) "
                f"{np.flatnonzero(marginal <= 0).tolist()} get probability 0 for every input, so "
                "the classes cannot be rebalanced; raise the temperature."
            )
        p *= target / marginal
        p /= p.sum(axis=1, keepdims=True)
    else:
        warnings.warn(
            f"the class rebalancing did not reach a uniform p(y) within {_REBALANCE_TOL} in "
            f"{_REBALANCE_MAX_ITER} iterations (p(y) = {np.round(p.mean(axis=0), 4)}); raise "
            "the temperature.",
            ConvergenceWarning,
            stacklevel=2,
        )
    return p, n_iter


def _latent_joint_table(rule, p_y_given_s, n_shared, n_unique):
    """Exact p(x_c, x_u1, x_u2, y), a table of shape (2**n_shared, 2**n_unique, 2**n_unique, C)."""
    shared = _all_bit_vectors(n_shared)[:, None, None, :]
    unique1 = _all_bit_vectors(n_unique)[None, :, None, :]
    unique2 = _all_bit_vectors(n_unique)[None, None, :, :]
    shape = (2**n_shared, 2**n_unique, 2**n_unique)
    bits = _label_bits(
        rule,
        np.broadcast_to(shared, shape + (n_shared,)),
        np.broadcast_to(unique1, shape + (n_unique,)),
        np.broadcast_to(unique2, shape + (n_unique,)),
    )
    s_index = _bits_to_index(bits)
    return p_y_given_s[s_index] / np.prod(shape, dtype=np.float64)


def _information(joint):
    """Exact information quantities (bits) of the untransformed modalities.

    X1 = (x_c, x_u1) lives on axes (0, 1) of the latent table, X2 = (x_c, x_u2) on (0, 2), Y on 3.
    """
    x1, x2, y = (0, 1), (0, 2), 3
    return {
        "mi_x1_y": mutual_information(joint, x1, y),
        "mi_x2_y": mutual_information(joint, x2, y),
        "mi_x1_x2": mutual_information(joint, x1, x2),
        "mi_x1x2_y": mutual_information(joint, (0, 1, 2), y),
        "co_information": co_information(joint, x1, x2, y),
        "entropy_y": entropy(joint, y),
    }


# --------------------------------------------------------------------------------------------
# sampling
# --------------------------------------------------------------------------------------------
def _sample_latents(n_samples, n_shared, n_unique, rng):
    bits = rng.randint(0, 2, size=(n_samples, n_shared + 2 * n_unique)).astype(np.uint8)
    return {
        "shared": bits[:, :n_shared],
        "unique1": bits[:, n_shared:n_shared + n_unique],
        "unique2": bits[:, n_shared + n_unique:],
    }


def _sample_labels(p_y_given_s, s_index, uniform):
    """Inverse-CDF sampling of y ~ p(y | s) with pre-drawn uniforms."""
    cdf = np.cumsum(p_y_given_s, axis=1)[s_index]
    y = (uniform[:, None] >= cdf).sum(axis=1)
    return np.minimum(y, p_y_given_s.shape[1] - 1).astype(np.int64)


def _modalities(latents):
    return {
        "x1": np.concatenate([latents["shared"], latents["unique1"]], axis=1).astype(np.float32),
        "x2": np.concatenate([latents["shared"], latents["unique2"]], axis=1).astype(np.float32),
    }


# --------------------------------------------------------------------------------------------
# heterogeneity transforms
# --------------------------------------------------------------------------------------------
def _random_mlp(width, depth):
    layers = [torch.nn.Linear(width, width)]
    for _ in range(depth):
        layers += [torch.nn.Tanh(), torch.nn.Linear(width, width)]
    return torch.nn.Sequential(*layers).eval().requires_grad_(False)


def _transform_stream(max_depth, width, heterogeneity, transforms_seed):
    """Yield ``{modality: module or None}`` for depths 0..max_depth from one seeded torch stream.

    The networks are built in order of increasing depth (modality x1 before x2 when both are
    transformed) from a CPU generator seeded with ``transforms_seed``, with PyTorch's default
    initialisation; the global torch RNG state is left untouched. This is the construction order
    of the reference generator, so ``transforms_seed=0`` gives its networks.
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(transforms_seed))
        for depth in range(max_depth + 1):
            x1 = _random_mlp(width, depth) if heterogeneity == "both" else None
            x2 = _random_mlp(width, depth)
            yield {"x1": x1, "x2": x2}


def _check_transforms_seed(transforms_seed):
    if isinstance(transforms_seed, bool) or not isinstance(
        transforms_seed, (numbers.Integral, np.integer)
    ):
        raise TypeError(
            "transforms_seed must be an int (it seeds torch's generator); "
            f"got {transforms_seed!r}."
        )
    return int(transforms_seed)


def _apply(module, X):
    """``module(X)`` in float32 on CPU, single-threaded (the matrices are tiny: threads only
    add synchronisation cost); torch's thread setting is restored afterwards."""
    if module is None:
        return X
    n_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with torch.no_grad():
            return module(torch.from_numpy(X)).numpy()
    finally:
        torch.set_num_threads(n_threads)


def _transformed(module, features, codes, n_inputs_bits):
    """Apply ``module`` to every row of ``features``, and say whether it is injective.

    A modality takes only 2**n_inputs_bits distinct values, so the network runs once on each
    possible input (row k = binary digits of k) and the samples look their image up by ``codes``.
    The same table tells exactly whether distinct inputs keep distinct float32 images.
    """
    if module is None:
        return features, True
    images = _apply(module, _all_bit_vectors(n_inputs_bits).astype(np.float32))
    injective = len(np.unique(images, axis=0)) == len(images)
    return images[codes], injective


# --------------------------------------------------------------------------------------------
# assembling a dataset
# --------------------------------------------------------------------------------------------
class _LabelModel:
    """Everything about the label that does not depend on the samples or the transforms."""

    def __init__(self, rule, n_shared, n_unique, n_classes, temperature, weights_seed):
        self.rule = rule
        self.weights = _label_weights(_n_label_bits(rule), n_classes, weights_seed)
        self.p_y_given_bits, self.n_rebalance_iter = _rebalanced_label_distribution(
            self.weights, temperature
        )
        joint = _latent_joint_table(rule, self.p_y_given_bits, n_shared, n_unique)
        self.info = _information(joint)
        self.info["p_y"] = joint.sum(axis=(0, 1, 2))

    def sample_labels(self, latents, uniform):
        s_index = _bits_to_index(
            _label_bits(self.rule, latents["shared"], latents["unique1"], latents["unique2"])
        )
        return _sample_labels(self.p_y_given_bits, s_index, uniform)


def _draw(n_samples, n_shared, n_unique, random_state):
    """Latents then one uniform per sample for the labels, from ``random_state``."""
    rng = check_random_state(random_state)
    latents = _sample_latents(n_samples, n_shared, n_unique, rng)
    return latents, rng.random_sample(n_samples)


def _bunch(features, codes, y, latents, label_model, transforms, depth, params, descr, width):
    X, injective = {}, {}
    for m in MODALITIES:
        X[m], injective[m] = _transformed(transforms[m], features[m], codes[m], width)
    info = dict(label_model.info)
    info["transform_is_injective"] = injective
    return Bunch(
        X=SliceDict(**X),
        y=y,
        modalities=MODALITIES,
        info=info,
        latents=latents,
        label_bits={k: v.copy() for k, v in label_model.rule.items()},
        weights=label_model.weights,
        p_y_given_bits=label_model.p_y_given_bits,
        n_rebalance_iter=label_model.n_rebalance_iter,
        transforms=transforms,
        depth=depth,
        params=dict(params, depth=depth),
        DESCR=descr,
    )


_DESCR = """\
Synthetic two-modality data with controlled redundancy, uniqueness{synergy} and heterogeneity
------------------------------------------------------------------------------------------

Latents: x_c ~ U{{0,1}}^{n_shared} (shared), x_u1, x_u2 ~ U{{0,1}}^{n_unique} (unique).
Modalities: x1 = concat(x_c, x_u1), x2 = concat(x_c, x_u2) ({width} features each),
{transform_line}
Label: {n_classes} classes, p(y | s) = softmax(s W / {temperature:g}) rebalanced to uniform p(y),
  s = {n_label_bits} label bits: {rule_line}.
Samples: {n_samples}. Exact information (bits, untransformed modalities):
  I(X1;Y) = {mi_x1_y:.4f}, I(X2;Y) = {mi_x2_y:.4f}, I(X1;X2) = {mi_x1_x2:.4f},
  I(X1,X2;Y) = {mi_x1x2_y:.4f}, co-information I(X1;X2;Y) = {co_information:.4f}.
"""


def _describe(params, label_model, depth, width):
    rule = label_model.rule
    parts = [f"{len(rule['redundant'])} redundant (x_c bits {rule['redundant'].tolist()})"]
    parts.append(f"{len(rule['unique1'])} unique to x1 (x_u1 bits {rule['unique1'].tolist()})")
    parts.append(f"{len(rule['unique2'])} unique to x2 (x_u2 bits {rule['unique2'].tolist()})")
    if len(rule["synergy1"]):
        pairs = list(zip(rule["synergy1"].tolist(), rule["synergy2"].tolist()))
        parts.append(f"{len(pairs)} synergistic (x_u1[a] XOR x_u2[b] for (a, b) in {pairs})")
    if depth == -1:
        transform_line = "no heterogeneity transform (depth -1)."
    else:
        which = "x2" if params["heterogeneity"] == "one" else "x1 and x2"
        transform_line = (
            f"{which} passed through a fixed random MLP: Linear({width},{width}) then {depth} x "
            f"[Tanh, Linear({width},{width})] (transforms_seed={params['transforms_seed']})."
        )
    return _DESCR.format(
        synergy=", synergy" if len(rule["synergy1"]) else "",
        n_shared=params["n_shared"],
        n_unique=params["n_unique"],
        width=width,
        transform_line=transform_line,
        n_classes=params["n_classes"],
        temperature=params["temperature"],
        n_label_bits=_n_label_bits(rule),
        rule_line="; ".join(parts),
        n_samples=params["n_samples"],
        **{k: v for k, v in label_model.info.items() if k != "p_y"},
    )


def _generate(rule_factory, params, depths, random_state):
    """Yield (depth, Bunch) for every depth; latents, labels and the label model are shared."""
    n_samples, n_shared, n_unique, n_classes = _check_sizes(
        params["n_samples"], params["n_shared"], params["n_unique"], params["n_classes"]
    )
    temperature = _check_temperature(params["temperature"])
    heterogeneity = _check_choice(params["heterogeneity"], "heterogeneity", _HETEROGENEITY)
    transforms_seed = _check_transforms_seed(params["transforms_seed"])
    rule = rule_factory(n_shared, n_unique)
    label_model = _LabelModel(
        rule, n_shared, n_unique, n_classes, temperature, params["weights_seed"]
    )
    latents, uniform = _draw(n_samples, n_shared, n_unique, random_state)
    y = label_model.sample_labels(latents, uniform)
    features = _modalities(latents)
    codes = {m: _bits_to_index(features[m].astype(np.uint8)) for m in MODALITIES}
    width = n_shared + n_unique
    wanted = set(depths)
    if -1 in wanted:
        yield -1, _bunch(
            features, codes, y, latents, label_model, {"x1": None, "x2": None}, -1, params,
            _describe(params, label_model, -1, width), width,
        )
    max_depth = max(depths)
    if max_depth < 0:
        return
    for depth, transforms in enumerate(
        _transform_stream(max_depth, width, heterogeneity, transforms_seed)
    ):
        if depth in wanted:
            yield depth, _bunch(
                features, codes, y, latents, label_model, transforms, depth, params,
                _describe(params, label_model, depth, width), width,
            )


# --------------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------------
def make_redundancy_dataset(
    n_redundant=4,
    depth=-1,
    *,
    n_samples=65536,
    n_shared=8,
    n_unique=4,
    n_label_bits=8,
    n_classes=4,
    temperature=0.05,
    heterogeneity="one",
    random_state=None,
    features_seed=1,
    weights_seed=2,
    transforms_seed=0,
    return_X_y=False,
):
    """Two binary modalities whose label is carried by r redundant and 8 - r unique bits.

    The generator of Tjandrasuwita et al. (2025). Latent bits are uniform: a shared block
    ``x_c`` (``n_shared`` bits) and one unique block per modality ``x_u1``, ``x_u2``
    (``n_unique`` bits each). Modality ``x1 = concat(x_c, x_u1)`` and ``x2 = concat(x_c, x_u2)``.
    The label reads ``n_label_bits`` latent bits s: ``n_redundant`` bits of ``x_c`` (seen by both
    modalities), ``u1 = (n_label_bits - n_redundant) // 2`` bits of ``x_u1`` and the remaining
    ``u2`` bits of ``x_u2`` (random subsets drawn with ``features_seed``). Its distribution is
    ``p(y | s) = softmax(s W / temperature)`` with ``W`` of shape (n_label_bits, n_classes) drawn
    U(0, 1) and each row scaled to unit norm (``weights_seed``), then rescaled iteratively
    (multiply by target / current marginal, renormalise; tolerance 0.01 on p(y), at most 100
    iterations) so that the classes are balanced. Optionally modality x2 (``heterogeneity="one"``)
    or both modalities (``"both"``) pass through a fixed random MLP to make the modalities
    heterogeneous.

    Parameters
    ----------
    n_redundant : int, default=4
        Number r of redundant label bits, 0..min(n_label_bits, n_shared). The unique label bits
        ``n_label_bits - r`` are split between the modalities as described above.
    depth : int, default=-1
        Depth of the heterogeneity transform: -1 means none (identity); d >= 0 means
        ``Linear(w, w)`` followed by d x [``Tanh``, ``Linear(w, w)``], w = n_shared + n_unique,
        with PyTorch's default initialisation. The networks for depths 0, 1, ... are built in
        that order from one torch generator seeded with ``transforms_seed`` (x1's before x2's
        when both are transformed), as in the reference, so the depth-d network does not
        depend on which other depths you ask for.
    n_samples : int, default=65536
        Number of samples (at least ``n_classes``).
    n_shared, n_unique : int, default=8, 4
        Sizes of the shared and of each unique latent block. ``n_shared + 2 * n_unique`` is at
        most 22 (the joint distribution is enumerated).
    n_label_bits : int, default=8
        Number of latent bits the label reads.
    n_classes : int, default=4
        Number of classes (at least 2).
    temperature : float, default=0.05
        Softmax temperature T (> 0). Lower is more deterministic (more information about y).
    heterogeneity : {"one", "both"}, default="one"
        Transform only x2 (the paper's "uni" setting) or both modalities ("multi"). Ignored when
        ``depth=-1``.
    random_state : int, RandomState instance or None, default=None
        Draws the latent samples, then the labels. The latents depend only on ``random_state``,
        ``n_samples``, ``n_shared`` and ``n_unique``: the same for every r, depth, temperature.
    features_seed : int, RandomState instance or None, default=1
        Chooses which latent bits the label reads (the reference uses 1).
    weights_seed : int, RandomState instance or None, default=2
        Draws the label weights W (the reference uses 2).
    transforms_seed : int, default=0
        Seeds torch's generator for the heterogeneity networks (the reference uses 0).
    return_X_y : bool, default=False
        If True, return ``(X, y)`` instead of the Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the following attributes.

        X : :class:`skorch.helper.SliceDict`
            ``{"x1": (n_samples, w) float32, "x2": (n_samples, w) float32}``.
        y : ndarray of shape (n_samples,), int64
            Class labels.
        modalities : tuple of str
            ``("x1", "x2")``.
        info : dict
            Exact quantities of the generating distribution, in bits: ``mi_x1_y`` I(X1;Y),
            ``mi_x2_y`` I(X2;Y), ``mi_x1_x2`` I(X1;X2) (= n_shared), ``mi_x1x2_y`` I(X1,X2;Y),
            ``co_information`` I(X1;X2;Y) = I(X1;Y) - I(X1;Y|X2), ``entropy_y`` H(Y), ``p_y``
            the class marginal, and ``transform_is_injective`` ({modality: bool}). The quantities
            refer to the *untransformed* binary modalities. The transform is a fixed
            deterministic function; when it maps the 2**w possible inputs of a modality to
            distinct outputs (``transform_is_injective``, checked exactly on float32 outputs),
            every quantity is also exact for the transformed data. It does not describe the
            finite sample (the sample's empirical quantities fluctuate around these).
        latents : dict of ndarray (uint8)
            ``shared`` (n, n_shared), ``unique1`` and ``unique2`` (n, n_unique).
        label_bits : dict of ndarray
            Indices of the bits the label reads: ``redundant`` (into x_c), ``unique1``,
            ``unique2``, and the synergy pairs ``synergy1``/``synergy2`` (empty here).
        weights : ndarray of shape (n_label_bits, n_classes)
            The label rule's unit-norm weight rows.
        p_y_given_bits : ndarray of shape (2**n_label_bits, n_classes)
            The rebalanced label distribution; row k is s with binary digits of k (most
            significant first, in the order redundant, unique-1, unique-2 bits).
        n_rebalance_iter : int
            Iterations the class-marginal rebalancing took.
        transforms : dict
            ``{modality: torch.nn.Sequential or None}`` (None = identity).
        depth : int
            Depth of the heterogeneity transform.
        params : dict
            The parameters used.
        DESCR : str
            Description of the dataset.

    (X, y) : tuple
        If ``return_X_y`` is True.

    See Also
    --------
    make_redundancy_family : every (r, depth) of a grid, sharing latents and label models.
    make_interaction_dataset : redundancy-, uniqueness- or synergy-dominated data.
    paper_split : the 70/15/15 stratified split.

    Notes
    -----
    Because the label reads s only, and s is uniform on {0,1}^L whatever bits it is made of,
    p(y | s) and I(X1,X2;Y) = I(S;Y) are identical for every r at fixed W and temperature; r
    moves information between I(X1;Y) and I(X2;Y) and the co-information.

    Examples
    --------
    >>> from mmalign_sk.datasets import make_redundancy_dataset
    >>> data = make_redundancy_dataset(n_redundant=8, n_samples=1000, random_state=0)
    >>> data.X["x1"].shape, data.X["x2"].dtype, data.y.shape
    ((1000, 12), dtype('float32'), (1000,))
    >>> round(data.info["mi_x1_y"], 6) == round(data.info["mi_x1x2_y"], 6)
    True
    >>> round(data.info["mi_x1_x2"], 6)
    8.0
    """
    params = dict(
        n_redundant=n_redundant, n_samples=n_samples, n_shared=n_shared, n_unique=n_unique,
        n_label_bits=n_label_bits, n_classes=n_classes, temperature=temperature,
        heterogeneity=heterogeneity, random_state=random_state, features_seed=features_seed,
        weights_seed=weights_seed, transforms_seed=transforms_seed,
    )
    depth = _check_depth(depth)
    (_, data), = _generate(_redundancy_factory(params), params, [depth], random_state)
    return (data.X, data.y) if return_X_y else data


def _redundancy_factory(params):
    def factory(n_shared, n_unique):
        n_label_bits = _check_int(params["n_label_bits"], "n_label_bits", 1)
        r = _check_int(params["n_redundant"], "n_redundant", 0, min(n_label_bits, n_shared))
        return _redundancy_rule(r, n_label_bits, n_shared, n_unique, params["features_seed"])

    return factory


def make_redundancy_family(
    n_redundant=range(9),
    depths=range(11),
    *,
    n_samples=65536,
    n_shared=8,
    n_unique=4,
    n_label_bits=8,
    n_classes=4,
    temperature=0.05,
    heterogeneity="one",
    random_state=None,
    features_seed=1,
    weights_seed=2,
    transforms_seed=0,
):
    """Iterate over a grid of :func:`make_redundancy_dataset` datasets, sharing all the work.

    The latent samples are drawn once, the label distribution and its information quantities
    are computed once per r, the labels are sampled once per r, and the heterogeneity networks
    are built once per depth. Each yielded dataset equals
    ``make_redundancy_dataset(r, depth, ...)`` called with the same arguments.

    Parameters
    ----------
    n_redundant : iterable of int, default=range(9)
        The values of r.
    depths : iterable of int, default=range(11)
        The transform depths (-1 = no transform).
    n_samples, n_shared, n_unique, n_label_bits, n_classes, temperature, heterogeneity, \
random_state, features_seed, weights_seed, transforms_seed
        As in :func:`make_redundancy_dataset`. The seeds are resolved once, so the same
        latents, subsets and weights serve every dataset of the family even when a seed is None
        or a RandomState instance.

    Yields
    ------
    (r, depth) : tuple of int
    data : :class:`~sklearn.utils.Bunch`
        As returned by :func:`make_redundancy_dataset`. Datasets are produced lazily, one
        grid point at a time (r in the given order, depths in increasing order); use
        ``dict(make_redundancy_family(...))`` to keep them all.

    Examples
    --------
    >>> from mmalign_sk.datasets import make_redundancy_family
    >>> family = make_redundancy_family([0, 8], [-1, 2], n_samples=500, random_state=0)
    >>> for (r, depth), data in family:
    ...     print(r, depth, data.X["x2"].shape, round(data.info["mi_x1x2_y"], 3))
    0 -1 (500, 12) 1.672
    0 2 (500, 12) 1.672
    8 -1 (500, 12) 1.672
    8 2 (500, 12) 1.672
    """
    max_r = min(_check_int(n_label_bits, "n_label_bits", 1), _check_int(n_shared, "n_shared", 0))
    rs = [_check_int(r, "n_redundant", 0, max_r) for r in _as_list(n_redundant, "n_redundant")]
    depth_list = [_check_depth(d, "depths") for d in _as_list(depths, "depths")]
    # resolve every seed once, so that each grid point sees the same streams
    seed, features_seed, weights_seed = (
        _resolve_seed(s) for s in (random_state, features_seed, weights_seed)
    )
    for r in rs:
        params = dict(
            n_redundant=r, n_samples=n_samples, n_shared=n_shared, n_unique=n_unique,
            n_label_bits=n_label_bits, n_classes=n_classes, temperature=temperature,
            heterogeneity=heterogeneity, random_state=seed, features_seed=features_seed,
            weights_seed=weights_seed, transforms_seed=transforms_seed,
        )
        for depth, data in _generate(_redundancy_factory(params), params, depth_list, seed):
            yield (r, depth), data


def _resolve_seed(seed):
    """An int seed: itself if already an int, else one int drawn from it (None, RandomState)."""
    if isinstance(seed, (numbers.Integral, np.integer)) and not isinstance(seed, bool):
        return int(seed)
    return int(check_random_state(seed).randint(np.iinfo(np.int32).max))


def _as_list(values, name):
    if isinstance(values, (numbers.Integral, np.integer)) and not isinstance(values, bool):
        return [int(values)]
    try:
        values = list(values)
    except TypeError:
        raise TypeError(f"{name} must be an int or an iterable of ints; got {values!r}.") from None
    if not values:
        raise ValueError(f"{name} must not be empty.")
    return values
