"""Routing of the ``encoder`` / ``encoder__*`` parameters to each modality's encoder."""

from collections.abc import Mapping


def encoder_spec(encoder, params, modality, modalities, strict=True):
    """Encoder kind and constructor parameters for ``modality``.

    Parameters
    ----------
    encoder : str, module class, or mapping of modality to either
        A mapping gives each modality its own encoder.
    params : dict
        The ``encoder__*`` parameters without the prefix: ``{"depth": 3, "x1__depth": 5}``.
        ``name`` applies to every modality, ``<modality>__name`` only to that modality (and wins).
    modality : str
    modalities : tuple of str
        All modalities of the estimator (to reject per-modality keys naming none of them).
    strict : bool, default=True
        Raise on per-modality keys for unknown modalities (False: ignore them, so that the
        parameters of a multimodal model can be reused for a single-modality one).

    Returns
    -------
    kind : str or module class
    params : dict
    """
    if isinstance(encoder, Mapping):
        if modality not in encoder:
            raise ValueError(
                f"encoder is a mapping without an entry for modality {modality!r}; "
                f"it has {sorted(encoder)}."
            )
        kind = encoder[modality]
    else:
        kind = encoder
    shared, own = {}, {}
    for key, value in params.items():
        head, sep, rest = key.partition("__")
        if not sep:
            shared[key] = value
        elif head == modality:
            own[rest] = value
        elif strict and head not in modalities:
            raise ValueError(
                f"encoder__{key}: {head!r} is not a modality of the estimator {list(modalities)}; "
                "per-modality encoder parameters are written encoder__<modality>__<parameter>."
            )
    return kind, {**shared, **own}
