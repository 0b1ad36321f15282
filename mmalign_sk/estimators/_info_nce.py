"""Symmetric InfoNCE (CLIP-style contrastive) loss between paired embeddings."""

import itertools
import numbers

import torch
import torch.nn.functional as F


def check_temperature(temperature):
    """Return ``temperature`` as a positive float."""
    if isinstance(temperature, bool) or not isinstance(temperature, numbers.Real):
        raise TypeError(f"temperature must be a float > 0; got {temperature!r}.")
    if not temperature > 0:
        raise ValueError(f"temperature must be a float > 0; got {temperature}.")
    return float(temperature)


def symmetric_info_nce(z_a, z_b, temperature=0.1, normalize=True):
    """Symmetric InfoNCE loss ``(L_{A->B} + L_{B->A}) / 2`` over a batch of paired embeddings.

    Row ``i`` of ``z_a`` and row ``i`` of ``z_b`` are a positive pair; every other row of the
    batch is a negative. With ``S = z_a z_b^T / temperature`` (rows L2-normalised),
    ``L_{A->B} = mean_i -log softmax(S[i])[i]`` and ``L_{B->A}`` is the same on ``S^T``.

    Parameters
    ----------
    z_a, z_b : torch.Tensor of shape (n, d)
    temperature : float, default=0.1
    normalize : bool, default=True
        L2-normalise the rows first (the loss is then a function of cosine similarities).

    Returns
    -------
    torch.Tensor
        A scalar.

    Examples
    --------
    >>> import torch
    >>> from mmalign_sk.estimators import symmetric_info_nce
    >>> z = torch.eye(3)
    >>> round(float(symmetric_info_nce(z, z, temperature=1.0)), 4)  # -log(e / (e + 2))
    0.5514
    """
    temperature = check_temperature(temperature)
    if z_a.ndim != 2 or z_a.shape != z_b.shape:
        raise ValueError(
            "z_a and z_b must be (n, d) tensors of the same shape; "
            f"got {tuple(z_a.shape)} and {tuple(z_b.shape)}."
        )
    if normalize:
        z_a = F.normalize(z_a, dim=1)
        z_b = F.normalize(z_b, dim=1)
    logits = z_a @ z_b.T / temperature
    targets = torch.arange(z_a.shape[0], device=z_a.device)
    return 0.5 * (F.cross_entropy(logits, targets) + F.cross_entropy(logits.T, targets))


def multimodal_info_nce(embeddings, temperature=0.1):
    """Mean of :func:`symmetric_info_nce` over every unordered pair of modalities.

    Parameters
    ----------
    embeddings : dict of str to torch.Tensor (n, d)
        At least two modalities. With exactly two this is ``symmetric_info_nce`` itself.
    temperature : float, default=0.1
    """
    names = list(embeddings)
    pairs = list(itertools.combinations(names, 2))
    if not pairs:
        raise ValueError(f"the alignment loss needs at least two modalities; got {names}.")
    total = sum(symmetric_info_nce(embeddings[a], embeddings[b], temperature) for a, b in pairs)
    return total / len(pairs)
