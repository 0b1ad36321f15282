"""Redundancy-, uniqueness- and synergy-dominated synthetic data behind one function.

Fang, Zhang and Chan (2025, "To Align or Not to Align") study the emergence generator with
R in {0, 2, 4, 6, 8} redundant label bits. They do not give a synthetic construction for
synergy; ours is documented in :func:`make_interaction_dataset`.
"""

import numpy as np
from sklearn.utils import check_random_state

from ..information import pid
from ._synthetic import (
    _check_depth,
    _check_int,
    _empty,
    _generate,
    _redundancy_factory,
)

__all__ = ["interaction_pid", "make_interaction_dataset"]

_KINDS = ("redundancy", "mixed", "uniqueness", "synergy")


def _synergy_factory(n_synergistic, n_redundant, features_seed):
    def factory(n_shared, n_unique):
        k = n_unique if n_synergistic is None else _check_int(
            n_synergistic, "n_synergistic", 1, n_unique
        )
        if k < 1:
            raise ValueError("kind='synergy' needs n_unique >= 1 (XOR pairs use unique bits).")
        r = 0 if n_redundant is None else _check_int(n_redundant, "n_redundant", 0, n_shared)
        if r >= k:
            raise ValueError(
                "kind='synergy' needs fewer redundant than synergistic label bits "
                f"(n_redundant < n_synergistic); got n_redundant={r}, n_synergistic={k}."
            )
        rng = check_random_state(features_seed)
        redundant = np.sort(rng.choice(n_shared, size=r, replace=False)) if r else _empty()
        return {
            "redundant": redundant,
            "unique1": _empty(),
            "unique2": _empty(),
            "synergy1": rng.choice(n_unique, size=k, replace=False),
            "synergy2": rng.choice(n_unique, size=k, replace=False),
        }

    return factory


def _default_redundant(kind, n_label_bits):
    return {"redundancy": n_label_bits, "mixed": n_label_bits // 2, "uniqueness": 0}[kind]


def _check_dominance(kind, r, n_label_bits):
    ok = {
        "redundancy": 2 * r > n_label_bits,
        "mixed": 2 * r == n_label_bits,
        "uniqueness": 2 * r < n_label_bits,
    }[kind]
    if not ok:
        rule = {
            "redundancy": "more than half",
            "mixed": "exactly half",
            "uniqueness": "less than half",
        }[kind]
        raise ValueError(
            f"kind={kind!r} needs n_redundant to be {rule} of n_label_bits={n_label_bits}; "
            f"got n_redundant={r}."
        )


def make_interaction_dataset(
    kind="redundancy",
    *,
    n_redundant=None,
    n_synergistic=None,
    depth=-1,
    n_samples=65536,
    n_shared=8,
    n_unique=4,
    n_label_bits=None,
    n_classes=4,
    temperature=0.05,
    heterogeneity="one",
    random_state=None,
    features_seed=1,
    weights_seed=2,
    transforms_seed=0,
    return_X_y=False,
):
    """Two-modality data dominated by redundant, unique or synergistic label information.

    The synthetic settings of Fang et al. (2025) in one function. All kinds share the latents,
    modalities, label model (softmax of s W / T, rebalanced to uniform classes), heterogeneity
    transforms and return value of :func:`make_redundancy_dataset`; they differ in which latent
    bits s the label reads.

    * ``"redundancy"``, ``"mixed"``, ``"uniqueness"``: the emergence generator with r =
      ``n_redundant`` redundant bits out of ``n_label_bits`` (default 8) and the rest split
      between the unique blocks. The kind fixes the default r and checks the dominance:
      redundancy needs r > n_label_bits / 2 (default 8; the paper uses 6 and 8), mixed
      r = n_label_bits / 2 (4), uniqueness r < n_label_bits / 2 (default 0; the paper uses 0
      and 2).
    * ``"synergy"`` (our construction; the paper gives none for synthetic data): the label reads
      k = ``n_synergistic`` bits ``z_j = x_u1[a_j] XOR x_u2[b_j]`` (default k = n_unique, the
      most for which z stays independent of each modality alone) and ``n_redundant`` shared
      bits (default 0, must be < k), so ``n_label_bits = k + n_redundant``. The positions a, b
      are random permutations of k unique bits (``features_seed``, drawn after the redundant
      subset), W has k + n_redundant rows (``weights_seed``). Each z_j is uniform and z is
      independent of x1 alone and of x2 alone, so with ``n_redundant=0``: I(X1;Y) = I(X2;Y) = 0
      and the co-information equals -I(X1,X2;Y) (pure synergy). With fewer label bits than the
      redundancy kinds, I(X1,X2;Y) is smaller at the same temperature.

    Parameters
    ----------
    kind : {"redundancy", "mixed", "uniqueness", "synergy"}, default="redundancy"
        Which interaction dominates the label information.
    n_redundant : int or None, default=None
        Redundant label bits; None takes the kind's default (see above).
    n_synergistic : int or None, default=None
        XOR label bits for ``kind="synergy"`` (1..n_unique; None = n_unique). Must be None for
        the other kinds.
    depth : int, default=-1
        Heterogeneity transform depth (-1 = none), as in :func:`make_redundancy_dataset`.
    n_label_bits : int or None, default=None
        Label bits; None means 8 for the redundancy kinds and k + n_redundant for synergy (an
        explicit value must then equal k + n_redundant).
    n_samples, n_shared, n_unique, n_classes, temperature, heterogeneity, random_state, \
features_seed, weights_seed, transforms_seed, return_X_y
        As in :func:`make_redundancy_dataset`.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch` or (X, y)
        As :func:`make_redundancy_dataset`, with ``params["kind"]`` set; for synergy,
        ``label_bits["synergy1"]``/``["synergy2"]`` hold the XOR pairs.

    Examples
    --------
    >>> from mmalign_sk.datasets import make_interaction_dataset
    >>> data = make_interaction_dataset("synergy", n_samples=1000, random_state=0)
    >>> abs(data.info["mi_x1_y"]) < 1e-12 and abs(data.info["mi_x2_y"]) < 1e-12
    True
    >>> abs(data.info["co_information"] + data.info["mi_x1x2_y"]) < 1e-12
    True
    >>> make_interaction_dataset("uniqueness", n_samples=1000, random_state=0).params["n_redundant"]
    0
    """
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {_KINDS}; got {kind!r}.")
    depth = _check_depth(depth)
    params = dict(
        kind=kind, n_samples=n_samples, n_shared=n_shared, n_unique=n_unique,
        n_classes=n_classes, temperature=temperature, heterogeneity=heterogeneity,
        random_state=random_state, features_seed=features_seed, weights_seed=weights_seed,
        transforms_seed=transforms_seed,
    )
    if kind == "synergy":
        factory = _synergy_factory(n_synergistic, n_redundant, features_seed)
        params.update(n_redundant=n_redundant, n_synergistic=n_synergistic)
    else:
        if n_synergistic is not None:
            raise ValueError(
                f"n_synergistic applies to kind='synergy' only; got n_synergistic="
                f"{n_synergistic!r} with kind={kind!r}."
            )
        n_label_bits = 8 if n_label_bits is None else n_label_bits
        n_label_bits = _check_int(n_label_bits, "n_label_bits", 1)
        if n_redundant is None:
            n_redundant = _default_redundant(kind, n_label_bits)
        n_redundant = _check_int(n_redundant, "n_redundant", 0, n_label_bits)
        _check_dominance(kind, n_redundant, n_label_bits)
        params.update(n_redundant=n_redundant, n_label_bits=n_label_bits, n_synergistic=0)
        factory = _redundancy_factory(params)

    (_, data), = _generate(_with_label_bits(factory, params, n_label_bits), params, [depth],
                           random_state)
    return (data.X, data.y) if return_X_y else data


def _with_label_bits(factory, params, n_label_bits):
    """Fill the resolved synergy sizes into ``params`` and check an explicit n_label_bits."""

    def wrapped(n_shared, n_unique):
        rule = factory(n_shared, n_unique)
        if params["kind"] == "synergy":
            k, r = len(rule["synergy1"]), len(rule["redundant"])
            if n_label_bits is not None and _check_int(n_label_bits, "n_label_bits", 1) != k + r:
                raise ValueError(
                    "for kind='synergy', n_label_bits must equal n_synergistic + n_redundant = "
                    f"{k} + {r}; got n_label_bits={n_label_bits}."
                )
            params.update(n_synergistic=k, n_redundant=r, n_label_bits=k + r)
        return rule

    return wrapped


def interaction_pid(data, *, tol=1e-7):
    """Exact partial information decomposition of a synthetic dataset's label information.

    The label of :func:`make_interaction_dataset` (and :func:`make_redundancy_dataset`) reads
    only its label bits, so the PID of the two modalities about the label equals the PID of the
    label-relevant parts of the latents: X1' = (redundant bits, x1's unique label bits, x1's
    halves of the XOR pairs), X2' likewise for x2. Bits the label does not read add nothing to
    I(X1; Y), I(X2; Y) or I(X1, X2; Y), and any coupling of the copies of a shared bit that
    minimises I_q(X1, X2; Y) for them also minimises it for the reduced pair, so every term
    is unchanged. The joint table p(x1', x2', y) is built from ``data.p_y_given_bits`` and solved
    by :func:`~mmalign_sk.information.pid` (the BROJA definition of Bertschinger et al. 2014).

    Parameters
    ----------
    data : Bunch
        Returned by :func:`make_interaction_dataset` or :func:`make_redundancy_dataset` (no
        ``return_X_y``). The PID is that of the untransformed modalities: an injective
        heterogeneity transform (``data.info["transform_is_injective"]``) leaves it unchanged.
    tol : float, default=1e-7
        Duality-gap tolerance of :func:`~mmalign_sk.information.pid` (bits).

    Returns
    -------
    PIDResult
        Redundancy, unique information of each modality and synergy, in bits.

    Examples
    --------
    >>> from mmalign_sk.datasets import interaction_pid, make_interaction_dataset
    >>> data = make_interaction_dataset("synergy", n_redundant=2, n_samples=100, random_state=0)
    >>> result = interaction_pid(data)
    >>> result.synergy > result.redundancy > 0.1, round(result.unique_1, 6)
    (True, 0.0)
    """
    bits = data.label_bits
    sizes = {k: len(bits.get(k, ())) for k in ("redundant", "unique1", "unique2", "synergy1")}
    r, u1, u2, k = sizes["redundant"], sizes["unique1"], sizes["unique2"], sizes["synergy1"]
    p_y = np.asarray(data.p_y_given_bits, dtype=np.float64)
    # every combination of (redundant, unique1, unique2, xor halves 1, xor halves 2) bits
    red, a, b, c1, c2 = np.meshgrid(np.arange(2**r), np.arange(2**u1), np.arange(2**u2),
                                    np.arange(2**k), np.arange(2**k), indexing="ij")
    # the label's bit vector is (redundant, unique1, unique2, c1 XOR c2), most significant first
    s = (((red << u1 | a) << u2 | b) << k) | (c1 ^ c2)
    x1 = ((red << u1) | a) << k | c1
    x2 = ((red << u2) | b) << k | c2
    n1, n2 = 2 ** (r + u1 + k), 2 ** (r + u2 + k)
    table = np.zeros((n1 * n2, p_y.shape[1]))
    np.add.at(table, (x1 * n2 + x2).ravel(), p_y[s.ravel()])
    table /= table.sum()
    return pid(table.reshape(n1, n2, -1), tol=tol)
