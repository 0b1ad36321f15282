"""Linear prediction head."""

import torch.nn as nn

from ._validation import check_int


class LinearHead(nn.Linear):
    """Linear map from a representation to the task output (logits or regression values).

    Parameters
    ----------
    in_features : int
    out_features : int
        Number of classes (classification) or of targets (regression).

    Examples
    --------
    >>> import torch
    >>> from mmalign_sk.encoders import LinearHead
    >>> LinearHead(12, 4)(torch.zeros(3, 12)).shape
    torch.Size([3, 4])
    """

    def __init__(self, in_features, out_features):
        super().__init__(check_int(in_features, "in_features"),
                         check_int(out_features, "out_features"))
