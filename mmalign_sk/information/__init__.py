"""Exact information quantities for discrete data and partial information decomposition (PID).

``pid`` decomposes I(X1, X2; Y) of a discrete joint table into redundancy, unique information and
synergy (Bertschinger et al. 2014, as used by Liang et al. 2023); ``pid_from_samples`` does so for
discrete samples and ``estimate_pid`` for continuous representations (clustered first).
"""

from ._estimate import SmallSampleWarning, estimate_pid
from ._pid import PIDResult, pid, pid_from_samples

__all__ = [
    "PIDResult",
    "SmallSampleWarning",
    "estimate_pid",
    "pid",
    "pid_from_samples",
]
