"""Load pickled data files without running code from them.

``pickle.load`` calls whatever callable a file names, so a crafted file runs arbitrary code. The
unpickler here resolves only the globals that numpy arrays, numpy scalars, dtypes and builtin
containers need; anything else is refused before it is looked up.
"""

import _compat_pickle
import collections
import math
import os
import pickle
import re

import numpy as np

# Plain numeric, bool and fixed-width string dtypes, optionally with a byte order: no fields,
# offsets or sub-arrays. "O8" (object) is allowed only for arrays whose items come as a list of
# already unpickled values (never as raw bytes, which would be read as pointers).
_DTYPE_SPEC = re.compile(r"[<>|=]?(b1|[iu][1248]|f[248]|c(8|16)|[SU][1-9][0-9]{0,8})|\|?O[48]")
_DTYPE_KINDS = frozenset("biufcSUO")
_OBJECT = np.dtype(object)
_LATIN1 = frozenset({"latin1", "latin-1", "iso-8859-1", "iso8859-1", "l1"})


class UnsafePickleError(pickle.UnpicklingError, ValueError):
    """Raised when a pickle names a global outside the allow-list or describes anything but plain
    arrays, dtypes, scalars and builtin containers (also a ``ValueError``)."""


class _NdarrayClass:
    """What the name ``numpy.ndarray`` resolves to: a marker, never the callable class."""


_NDARRAY = _NdarrayClass()


class _PendingArray:
    """An array announced by ``_reconstruct`` whose shape, dtype and bytes come with BUILD."""


class _Memo(dict):
    """The unpickler's memo, remembering where objects still awaiting their state are kept."""

    def __init__(self):
        super().__init__()
        self.pending = {}

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        if isinstance(value, (_PendingArray, np.dtype)):
            self.pending.setdefault(id(value), []).append(key)


def _checked_dtype(dtype, what="dtype"):
    """A fresh ``np.dtype`` equal to ``dtype`` after checking it is plain (see ``_DTYPE_SPEC``)."""
    if not isinstance(dtype, np.dtype):
        raise UnsafePickleError(f"{what} must be a numpy dtype; got {type(dtype).__name__}")
    if (dtype.kind not in _DTYPE_KINDS or dtype.fields is not None or dtype.subdtype is not None
            or dtype.itemsize == 0 or dtype.metadata
            or (dtype.hasobject and dtype.kind != "O")):
        raise UnsafePickleError(f"{what} {dtype!r} is not a plain numeric, bool or string dtype")
    if dtype.kind == "O":
        return _OBJECT
    fresh = np.dtype(dtype.str)
    if fresh != dtype or fresh.itemsize != dtype.itemsize:
        raise UnsafePickleError(f"{what} {dtype!r} does not match its description {dtype.str!r}")
    return fresh


def _dtype_from_spec(spec, align=False, copy=False):
    """``numpy.dtype(spec)`` for a validated plain ``spec`` string such as ``'f8'`` or ``'U7'``."""
    if isinstance(spec, bytes):
        spec = spec.decode("latin1")
    if not isinstance(spec, str) or not _DTYPE_SPEC.fullmatch(spec):
        raise UnsafePickleError(
            f"refusing dtype {spec!r}: only plain numeric, bool and fixed-width string dtypes are "
            "allowed in data files"
        )
    if not isinstance(align, bool) or not isinstance(copy, bool):
        raise UnsafePickleError("refusing a dtype with non-boolean align/copy arguments")
    return _checked_dtype(np.dtype(spec))


def _dtype_with_state(dtype, state):
    """The dtype ``dtype`` with the byte order of its pickled ``state``; nothing else is taken.

    numpy pickles ``(version, byte order, subarray, names, fields, itemsize, alignment, flags[,
    metadata])``; a plain dtype has no subarray, names, fields or metadata, and its item size is
    its own. Flags are never applied: the dtype is rebuilt from its description.
    """
    dtype = _checked_dtype(dtype)
    if (not isinstance(state, tuple) or len(state) not in (8, 9) or state[0] not in (3, 4)
            or any(part is not None for part in state[2:5] + state[8:])):
        raise UnsafePickleError("refusing a dtype state with fields, sub-arrays or metadata")
    order, itemsize = state[1], state[5]
    if order not in ("<", ">", "|", "=") or itemsize not in (-1, dtype.itemsize):
        raise UnsafePickleError(
            f"refusing a dtype state with byte order {order!r} and item size {itemsize!r} for "
            f"{dtype.str!r}"
        )
    if order in "<>" and dtype.kind in "iufcU":
        dtype = dtype.newbyteorder(order)
    return _checked_dtype(dtype)


def _as_buffer(data, what):
    if isinstance(data, str):  # Python 2 pickles read with encoding="latin1"
        data = data.encode("latin1")
    if not isinstance(data, (bytes, bytearray)):
        raise UnsafePickleError(f"{what} must be bytes; got {type(data).__name__}")
    return data


def _checked_shape(shape, dtype, data, what):
    """``shape`` as a tuple after checking that ``data`` holds exactly that many items."""
    if isinstance(shape, int) and not isinstance(shape, bool):
        shape = (shape,)
    if not isinstance(shape, tuple) or not all(
            isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in shape):
        raise UnsafePickleError(f"{what} shape must be a tuple of non-negative ints; got {shape!r}")
    if dtype.kind == "O":
        if len(data) != math.prod(shape):
            raise UnsafePickleError(f"{what} of shape {shape} needs {math.prod(shape)} items; "
                                    f"the file holds {len(data)}")
        return shape
    expected = math.prod(shape) * dtype.itemsize
    if expected != len(data):
        raise UnsafePickleError(
            f"{what} of shape {shape} and dtype {dtype.str!r} needs {expected} bytes; the file "
            f"holds {len(data)}"
        )
    return shape


def _array_with_state(state):
    """The array of a pickled ndarray state ``([1,] shape, dtype, is_fortran, raw bytes)``."""
    if not isinstance(state, tuple) or len(state) not in (4, 5):
        raise UnsafePickleError("refusing an array state that is not (version, shape, dtype, "
                                "fortran, data)")
    if len(state) == 5:
        if state[0] != 1:
            raise UnsafePickleError(f"refusing array state version {state[0]!r}")
        state = state[1:]
    shape, dtype, fortran, data = state
    dtype = _checked_dtype(dtype, "array dtype")
    if dtype.kind == "O":
        if not isinstance(data, list):
            raise UnsafePickleError("the items of an object array must come as a list, not bytes")
    else:
        data = _as_buffer(data, "array data")
    shape = _checked_shape(shape, dtype, data, "array")
    if not isinstance(fortran, bool):
        raise UnsafePickleError(f"array order flag must be a bool; got {fortran!r}")
    # numpy's own state setter, now fed only a rebuilt plain dtype and a buffer of the right size
    array = np.empty(0, dtype=np.uint8)
    array.__setstate__((1, shape, dtype, fortran, data))
    return array


def _reconstruct(cls, shape, typecode):
    if cls is not _NDARRAY:
        raise UnsafePickleError("refusing to reconstruct anything but a plain numpy.ndarray")
    return _PendingArray()


def _scalar(dtype, data=None):
    dtype = _checked_dtype(dtype, "scalar dtype")
    if dtype.kind == "O":
        raise UnsafePickleError("refusing an object scalar built from bytes")
    data = _as_buffer(data, "scalar data")
    if len(data) != dtype.itemsize:
        raise UnsafePickleError(
            f"a scalar of dtype {dtype.str!r} needs {dtype.itemsize} bytes; got {len(data)}"
        )
    return np.frombuffer(data, dtype=dtype)[0]


def _frombuffer(buf, dtype, shape, order):
    dtype = _checked_dtype(dtype, "array dtype")
    if dtype.kind == "O":
        raise UnsafePickleError("refusing an object array built from bytes")
    if isinstance(buf, pickle.PickleBuffer):
        buf = bytes(buf.raw())
    buf = _as_buffer(buf, "array data")
    shape = _checked_shape(shape, dtype, buf, "array")
    if order not in ("C", "F"):
        raise UnsafePickleError(f"array order must be 'C' or 'F'; got {order!r}")
    return np.frombuffer(buf, dtype=dtype).reshape(shape, order=order).copy(order=order)


def _bytes_args(args, what):
    """The arguments of ``bytes``/``bytearray`` after refusing a size (which would allocate)."""
    if not args:
        return args
    if len(args) == 1 and isinstance(args[0], (bytes, bytearray)):
        return args
    if len(args) == 2 and isinstance(args[0], str) and isinstance(args[1], str) \
            and args[1].lower() in _LATIN1:
        return args
    raise UnsafePickleError(f"refusing {what} built from {tuple(type(a).__name__ for a in args)}")


def _make_bytes(*args):
    return bytes(*_bytes_args(args, "bytes"))


def _make_bytearray(*args):
    return bytearray(*_bytes_args(args, "bytearray"))


def _encode(obj, encoding="utf-8", errors="strict"):
    """``_codecs.encode`` limited to what pickles use for bytes: text to Latin-1 bytes."""
    if not isinstance(obj, str) or not isinstance(encoding, str) \
            or encoding.lower() not in _LATIN1 or errors != "strict":
        raise UnsafePickleError(
            f"refusing _codecs.encode with codec {encoding!r}: pickles spell bytes with 'latin1'"
        )
    return obj.encode("latin1")


# What each allowed global resolves to: numpy's constructors are replaced by checked ones.
_ALLOWED_GLOBALS = {
    ("numpy", "ndarray"): _NDARRAY,
    ("numpy", "dtype"): _dtype_from_spec,
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy.core.multiarray", "scalar"): _scalar,
    ("numpy._core.multiarray", "scalar"): _scalar,
    ("numpy.core.numeric", "_frombuffer"): _frombuffer,
    ("numpy._core.numeric", "_frombuffer"): _frombuffer,
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("builtins", "dict"): dict,
    ("builtins", "list"): list,
    ("builtins", "tuple"): tuple,
    ("builtins", "set"): set,
    ("builtins", "frozenset"): frozenset,
    ("builtins", "bytes"): _make_bytes,
    ("builtins", "bytearray"): _make_bytearray,
    ("builtins", "complex"): complex,
    ("builtins", "slice"): slice,
    ("_codecs", "encode"): _encode,  # how protocol-2 pickles spell bytes objects
}


class RestrictedUnpickler(pickle._Unpickler):
    """An unpickler that builds only plain numpy arrays, scalars, dtypes and builtin containers.

    Globals resolve to checked constructors (``_ALLOWED_GLOBALS``); anything else is refused before
    it is looked up. The BUILD opcode, which would hand an object attacker-chosen state, is
    accepted only for dtypes (their byte order) and arrays (shape, dtype and bytes, checked
    against each other before numpy sees them).
    """

    dispatch = dict(pickle._Unpickler.dispatch)

    def __init__(self, file, **kwargs):
        super().__init__(file, **kwargs)
        self.memo = _Memo()

    def find_class(self, module, name):
        if self.proto < 3 and self.fix_imports:  # Python 2 names of the same globals
            if (module, name) in _compat_pickle.NAME_MAPPING:
                module, name = _compat_pickle.NAME_MAPPING[(module, name)]
            elif module in _compat_pickle.IMPORT_MAPPING:
                module = _compat_pickle.IMPORT_MAPPING[module]
        try:
            return _ALLOWED_GLOBALS[(module, name)]
        except (KeyError, TypeError):
            raise UnsafePickleError(
                f"refusing to load global {module}.{name}: only numpy arrays, dtypes and builtin "
                "containers are allowed in data files"
            ) from None

    def persistent_load(self, pid):
        raise UnsafePickleError("refusing a persistent reference: data files hold values only")

    def load_build(self):
        state = self.stack.pop()
        target = self.stack[-1]
        if isinstance(target, _PendingArray):
            built = _array_with_state(state)
        elif isinstance(target, np.dtype):
            built = _dtype_with_state(target, state)
        else:
            raise UnsafePickleError(
                f"refusing to set the state of a {type(target).__name__}: only numpy arrays and "
                "dtypes are built from state"
            )
        self.stack[-1] = built
        # the object was memoised before its state came: later references must get the result
        for key in self.memo.pending.pop(id(target), ()):
            if self.memo.get(key) is target:
                dict.__setitem__(self.memo, key, built)

    dispatch[pickle.BUILD[0]] = load_build


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
        If the file names any other global (for example ``os.system``) or describes an array or
        dtype that is not plain (fields, offsets, objects, a size that does not match its bytes);
        nothing from it is run and no such array is created.
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
                IndexError, KeyError, MemoryError, OverflowError, LookupError,
                UnicodeError, RecursionError) as exc:
            raise ValueError(
                f"{path} is not a readable pickle of numpy arrays (truncated or corrupt?): "
                f"{type(exc).__name__}: {exc}"
            ) from exc
