"""How many intra-op threads torch uses while a small network trains or predicts on the CPU.

A network of a few thousand parameters does a few microseconds of arithmetic per batch; spreading
that over several threads costs more in synchronisation than it saves, and on a machine whose cores
are shared it can make training an order of magnitude slower. The estimators therefore run such
networks with one intra-op thread, scoped to the call: the caller's setting is restored afterwards.
Parallelism belongs across fits (``n_jobs`` of a grid search or a study).
"""

from contextlib import contextmanager, nullcontext

import torch

#: Networks with at most this many parameters run on one intra-op thread on the CPU.
SMALL_NETWORK_PARAMETERS = 100_000


@contextmanager
def torch_threads(n_threads):
    """Run the body with ``n_threads`` intra-op torch threads, then restore the previous number.

    Examples
    --------
    >>> import torch
    >>> from mmalign_sk.estimators._threads import torch_threads
    >>> before = torch.get_num_threads()
    >>> with torch_threads(1):
    ...     torch.get_num_threads()
    1
    >>> torch.get_num_threads() == before
    True
    """
    previous = torch.get_num_threads()
    if previous == n_threads:
        yield
        return
    torch.set_num_threads(n_threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def n_parameters(module):
    """Number of scalar parameters of a :class:`torch.nn.Module`."""
    return sum(p.numel() for p in module.parameters())


def small_network_threads(module, device):
    """A context running ``module`` with one intra-op thread when it is small and on the CPU
    (see :data:`SMALL_NETWORK_PARAMETERS`); otherwise torch's own setting is left alone."""
    on_cpu = torch.device(device).type == "cpu"
    if on_cpu and n_parameters(module) <= SMALL_NETWORK_PARAMETERS:
        return torch_threads(1)
    return nullcontext()
