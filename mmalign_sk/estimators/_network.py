"""The torch module behind the estimators: one encoder and head per modality."""

import torch
import torch.nn as nn


class MultimodalNetwork(nn.Module):
    """One encoder + prediction head per modality, optional projection heads and fused head.

    Branches never share parameters: modality ``m``'s prediction depends only on ``X[m]``. The
    optional fused head sees the concatenated encoder outputs *detached*, so training it never
    changes the encoders.

    Parameters
    ----------
    encoders, heads : dict of str to torch.nn.Module
        Same keys (the modalities).
    projections : dict of str to torch.nn.Module, optional
        Projection heads for the alignment loss.
    fusion_head : torch.nn.Module, optional
        Head on the concatenation of all encoder outputs.

    Notes
    -----
    ``forward(X)`` takes a dict ``{modality: batch}``, runs the branches of the modalities present
    in ``X`` and returns a dict with keys ``"embedding"``, ``"output"`` and ``"projection"`` (each a
    dict by modality) and, when the fused head exists and every modality is present, ``"fused"``.
    """

    def __init__(self, encoders, heads, projections=None, fusion_head=None):
        super().__init__()
        if set(encoders) != set(heads):
            raise ValueError(f"encoders and heads must have the same keys; got {sorted(encoders)} "
                             f"and {sorted(heads)}.")
        self.encoders = nn.ModuleDict(encoders)
        self.heads = nn.ModuleDict(heads)
        self.projections = nn.ModuleDict(projections or {})
        self.fusion_head = fusion_head

    @property
    def modalities(self):
        """Names of the branches, in order."""
        return list(self.encoders)

    def forward(self, X):
        embedding, output, projection = {}, {}, {}
        for name, encoder in self.encoders.items():
            if name not in X:
                continue
            h = encoder(X[name])
            embedding[name] = h
            output[name] = self.heads[name](h)
            if name in self.projections:
                projection[name] = self.projections[name](h)
        result = {"embedding": embedding, "output": output, "projection": projection}
        if self.fusion_head is not None and len(embedding) == len(self.encoders):
            fused_input = torch.cat([embedding[m].detach() for m in self.encoders], dim=1)
            result["fused"] = self.fusion_head(fused_input)
        return result

    def forward_layers(self, X):
        """``{modality: [(n, d_l) per layer]}`` for the modalities present in ``X``.

        Encoders without ``forward_layers`` contribute their final output as a single layer.
        """
        layers = {}
        for name, encoder in self.encoders.items():
            if name not in X:
                continue
            if hasattr(encoder, "forward_layers"):
                layers[name] = list(encoder.forward_layers(X[name]))
            else:
                layers[name] = [encoder(X[name])]
        return layers
