"""Exact information quantities for discrete data.

Joint probability tables name their variables by axes (``entropy(p, axes=(0, 1))``); the
``*_from_samples`` functions take paired samples of discrete variables, one argument per variable,
and return plug-in estimates.
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

__all__ = [
    "co_information",
    "co_information_from_samples",
    "conditional_mutual_information",
    "conditional_mutual_information_from_samples",
    "entropy",
    "entropy_from_samples",
    "joint_table",
    "mutual_information",
    "mutual_information_from_samples",
]
