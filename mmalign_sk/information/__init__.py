"""Exact information quantities for discrete data, and partial information decomposition (PID).

Joint probability tables name their variables by axes (``entropy(p, axes=(0, 1))``); the
``*_from_samples`` functions take paired samples of discrete variables, one argument per variable,
and return plug-in estimates.

``pid`` decomposes I(X1, X2; Y) of a discrete joint table into redundancy, unique information and
synergy (Bertschinger et al. 2014, as used by Liang et al. 2023); ``pid_from_samples`` does so for
discrete samples and ``estimate_pid`` for continuous representations (clustered first).
"""

from ._discrete import (
    co_information,
    co_information_from_samples,
    conditional_mutual_information,
    conditional_mutual_information_from_samples,
    entropy,
    entropy_from_samples,
    joint_table,
    mutual_information,
    mutual_information_from_samples,
)
from ._estimate import SmallSampleWarning, estimate_pid
from ._pid import PIDResult, pid, pid_from_samples

__all__ = [
    "PIDResult",
    "SmallSampleWarning",
    "co_information",
    "co_information_from_samples",
    "conditional_mutual_information",
    "conditional_mutual_information_from_samples",
    "entropy",
    "entropy_from_samples",
    "estimate_pid",
    "joint_table",
    "mutual_information",
    "mutual_information_from_samples",
    "pid",
    "pid_from_samples",
]
