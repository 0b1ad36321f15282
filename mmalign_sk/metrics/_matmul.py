"""Large CPU matrix products: torch's BLAS (MKL in the x86 wheels) or numpy's (OpenBLAS).

The two libraries are not equally fast on every CPU: on Intel CPUs MKL usually runs single
precision products faster, on AMD CPUs OpenBLAS often does. The kNN search forms almost all of
its time in products of tiles of the same shape, so it measures both on its first tiles (the
products it needs anyway, alternated) and keeps the faster for the rest of the process; the
choice is made once per thread count, dtype and feature width. The metrics' feature-space
products ``X.T @ Y`` (``d x d``, summed over the samples) go to numpy, whose ``X.T @ X`` is a
symmetric rank-k update (half the arithmetic), whatever was measured, so that their values do
not depend on which metric ran first.

The environment variable ``MMALIGN_CPU_MATMUL`` overrides the choice (read at every call):
``"auto"`` (default), ``"torch"`` or ``"numpy"``. Every backend gives the same kNN lists (the
tie rule absorbs rounding) and the same metric values up to float rounding.

numpy's (and scipy's) BLAS runs on as many threads as torch's (``torch.get_num_threads()``), set
with threadpoolctl around each product and restored afterwards.
"""

import contextlib
import os
import threading

import torch

#: Environment variable that forces the CPU matrix-product backend.
ENV_VAR = "MMALIGN_CPU_MATMUL"
BACKENDS = ("torch", "numpy")
#: Products timed per backend before the faster one is kept.
_SAMPLES = 3

_lock = threading.Lock()
_rates = {}  # key -> {"torch": [GFLOP/s, ...], "numpy": [...]}
_chosen = {}  # key -> "torch" | "numpy"
_controller = None


def requested_backend():
    """``"auto"``, ``"torch"`` or ``"numpy"``: the environment variable ``MMALIGN_CPU_MATMUL``."""
    value = os.environ.get(ENV_VAR, "auto").strip().lower() or "auto"
    if value not in ("auto",) + BACKENDS:
        raise ValueError(
            f"the environment variable {ENV_VAR} must be 'auto', 'torch' or 'numpy'; "
            f"got {os.environ[ENV_VAR]!r}."
        )
    return value


def tile_key(X, threads=None):
    """The key under which the backend of ``X``'s tile products is chosen."""
    threads = torch.get_num_threads() if threads is None else threads
    return (threads, str(X.dtype).removeprefix("torch."), X.shape[1])


def next_backend(key):
    """``(backend, timed)``: the backend of the next tile product of ``key``'s shape, and whether
    its rate should be passed to :func:`record` (the choice is still being measured)."""
    requested = requested_backend()
    if requested != "auto":
        return requested, False
    with _lock:
        if key in _chosen:
            return _chosen[key], False
        rates = _rates.setdefault(key, {b: [] for b in BACKENDS})
        backend = min(BACKENDS, key=lambda b: len(rates[b]))  # alternate, torch first
        return backend, True


def record(key, backend, flops, seconds):
    """Record the rate of one tile product; with enough of both, keep the faster backend."""
    with _lock:
        if key in _chosen or seconds <= 0.0:
            return
        rates = _rates.setdefault(key, {b: [] for b in BACKENDS})
        rates[backend].append(flops / seconds / 1e9)
        if min(len(r) for r in rates.values()) >= _SAMPLES:
            _chosen[key] = max(BACKENDS, key=lambda b: max(rates[b]))


def choices():
    """The backends chosen so far: ``{(threads, dtype, d): {"backend": ..., "gflops": {...}}}``,
    with the best measured rate of each backend (GFLOP/s) on the tile products."""
    with _lock:
        return {key: {"backend": _chosen.get(key),
                      "gflops": {b: max(r) if r else None for b, r in _rates[key].items()}}
                for key in _rates}


def forget_choices():
    """Forget every choice and measurement (the next tile products measure again)."""
    with _lock:
        _rates.clear()
        _chosen.clear()


@contextlib.contextmanager
def numpy_threads(threads=None):
    """numpy's BLAS limited to ``threads`` threads (default: ``torch.get_num_threads()``)."""
    global _controller
    threads = torch.get_num_threads() if threads is None else threads
    if _controller is None:
        import scipy.linalg  # noqa: F401  (its BLAS too, when it bundles its own)
        from threadpoolctl import ThreadpoolController

        _controller = ThreadpoolController().select(user_api="blas")
    with _controller.limit(limits=threads):
        yield


def _numpy_ok(*tensors):
    return all(t.device.type == "cpu" and not t.requires_grad
               and t.dtype in (torch.float32, torch.float64) for t in tensors)


def gram_t(X):
    """``X.T @ X`` (d, d): numpy's symmetric rank-k update on the CPU, else torch's product."""
    if not _numpy_ok(X) or requested_backend() == "torch":
        return X.T @ X
    with numpy_threads():
        values = X.numpy()
        return torch.from_numpy(values.T @ values)


def cross_t(X, Y):
    """``X.T @ Y`` (d_X, d_Y): numpy's product on the CPU, else torch's."""
    if X.dtype != Y.dtype or not _numpy_ok(X, Y) or requested_backend() == "torch":
        return X.T @ Y
    with numpy_threads():
        return torch.from_numpy(X.numpy().T @ Y.numpy())
