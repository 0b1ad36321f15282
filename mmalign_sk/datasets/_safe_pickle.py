"""Load pickled data files without running code from them.

``pickle.load`` calls whatever callable a file names, so a crafted file runs arbitrary code. The
unpickler here resolves only the globals that numpy arrays, numpy scalars, dtypes and builtin
containers need; anything else is refused before it is looked up.
"""

import os
import pickle

_ALLOWED_GLOBALS = frozenset(
    {
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy.core.multiarray", "scalar"),
        ("numpy._core.multiarray", "scalar"),
        ("numpy.core.numeric", "_frombuffer"),
        ("numpy._core.numeric", "_frombuffer"),
        ("collections", "OrderedDict"),
        ("builtins", "dict"),
        ("builtins", "list"),
        ("builtins", "tuple"),
        ("builtins", "set"),
        ("builtins", "frozenset"),
        ("builtins", "bytearray"),
        ("builtins", "complex"),
        ("builtins", "slice"),
        ("_codecs", "encode"),  # how protocol-2 pickles spell bytes objects
    }
)
# numpy 2 spells dtype classes as numpy.dtypes.Float32DType etc. in some pickles.
_ALLOWED_MODULE_PREFIXES = ("numpy.dtypes",)


class UnsafePickleError(pickle.UnpicklingError):
    """Raised when a pickle names a global outside the allow-list."""


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that resolves only numpy-array, dtype and builtin-container globals."""

    def find_class(self, module, name):
        allowed = (module, name) in _ALLOWED_GLOBALS or (
            module in _ALLOWED_MODULE_PREFIXES and name.endswith("DType")
        )
        if not allowed:
            raise UnsafePickleError(
                f"refusing to load global {module}.{name}: only numpy arrays, dtypes and builtin "
                "containers are allowed in data files"
            )
        return super().find_class(module, name)


def safe_load_pickle(path):
    """Load a pickle file that holds only numpy arrays and builtin containers.

    Parameters
    ----------
    path : str or path-like
        File to read.

    Returns
    -------
    obj : object
        The unpickled object.

    Raises
    ------
    UnsafePickleError
        If the file names any other global (for example ``os.system``); nothing from it is run.
    ValueError
        If the file is truncated or not a pickle. Both messages name the file.

    Examples
    --------
    >>> import os, pickle, tempfile
    >>> import numpy as np
    >>> from mmalign_sk.datasets import safe_load_pickle
    >>> path = os.path.join(tempfile.mkdtemp(), "d.pkl")
    >>> with open(path, "wb") as f:
    ...     pickle.dump({"train": {"labels": np.zeros((2, 1, 1))}}, f)
    >>> safe_load_pickle(path)["train"]["labels"].shape
    (2, 1, 1)
    """
    path = os.fspath(path)
    with open(path, "rb") as f:
        try:
            return RestrictedUnpickler(f, encoding="latin1").load()
        except UnsafePickleError as exc:
            raise UnsafePickleError(f"{path}: {exc}") from None
        except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError,
                IndexError, KeyError, MemoryError, OverflowError) as exc:
            raise ValueError(
                f"{path} is not a readable pickle of numpy arrays (truncated or corrupt?): "
                f"{type(exc).__name__}: {exc}"
            ) from exc
