"""A resumable on-disk cache of finished study cells.

A study is a grid of independent *cells* (one dataset setting x one seed, say). Each finished cell is
written atomically to its own JSON file named by a hash of its parameters, so an interrupted study
re-run with the same cache folder skips what is done and loses nothing that was finished.
"""

import hashlib
import json
import os
import tempfile
import warnings
from pathlib import Path


def _numpy_scalar(obj):
    if hasattr(obj, "item") and getattr(obj, "ndim", None) == 0:
        return obj.item()
    raise TypeError(f"{type(obj).__name__} is not JSON-serialisable")


def _canonical(params):
    try:
        return json.dumps(params, sort_keys=True, separators=(",", ":"), default=_numpy_scalar)
    except TypeError as exc:
        raise TypeError(f"cell parameters must be JSON-serialisable; got {params!r}.") from exc


def read_record(path):
    """The ``{"params", "result"}`` record stored in the cell file ``path``.

    Raises ``ValueError`` saying why for anything else: an unreadable file, invalid UTF-8 or
    JSON, nesting too deep for the parser, or a record of the wrong shape (not an object with
    ``params`` and ``result``, or a result that is not a JSON object or array, which every
    study cell returns).
    """
    try:
        record = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, ValueError, RecursionError) as exc:  # UTF-8 and JSON errors are ValueErrors
        raise ValueError(f"{type(exc).__name__}: {exc}") from None
    if not isinstance(record, dict) or "params" not in record or "result" not in record:
        shape = sorted(record) if isinstance(record, dict) else type(record).__name__
        raise ValueError(f"expected an object with 'params' and 'result'; got {shape}")
    if not isinstance(record["result"], (dict, list)):
        raise ValueError(f"expected a result that is a JSON object or array; got "
                         f"{type(record['result']).__name__} {record['result']!r:.60}")
    return record


class ResultCache:
    """Store and look up results of study cells by their parameters.

    Parameters
    ----------
    directory : str or Path or None
        Folder holding one JSON file per finished cell (created on first write). ``None`` keeps
        nothing on disk (every cell is computed).
    check : callable, optional
        ``check(result)`` raises ``ValueError``, ``TypeError`` or ``KeyError`` for a stored
        result that is not what the study's cells return; such a cell is unreadable.

    Examples
    --------
    >>> import tempfile
    >>> from mmalign_sk.experiments import ResultCache
    >>> cache = ResultCache(tempfile.mkdtemp())
    >>> cache.get({"r": 8, "depth": 0}) is None
    True
    >>> cache.put({"r": 8, "depth": 0}, {"alignment": 0.71})
    >>> cache.get({"depth": 0, "r": 8})
    {'alignment': 0.71}
    >>> len(cache)
    1
    """

    def __init__(self, directory=None, check=None):
        self.directory = None if directory is None else Path(directory).expanduser()
        self.check = check

    def _path(self, params):
        digest = hashlib.sha256(_canonical(params).encode()).hexdigest()[:24]
        return self.directory / f"cell-{digest}.json"

    def get(self, params):
        """The stored result of the cell ``params``, or None when it has not finished yet.

        A cell file that cannot be read (invalid UTF-8 or JSON, nested too deeply, not a record
        of ``params`` and a result object or array, or a result refused by ``check``) counts as
        not finished, with a ``RuntimeWarning`` naming it.
        """
        if self.directory is None:
            return None
        path = self._path(params)
        if not path.is_file():
            return None
        # any unreadable cell (an interrupted write, a file edited or damaged by hand) counts as
        # missing: it is computed again and overwritten
        try:
            record = read_record(path)
        except ValueError as exc:
            return self._unreadable(path, str(exc))
        if record["params"] != json.loads(_canonical(params)):
            return None
        if self.check is not None:
            try:
                self.check(record["result"])
            except (ValueError, TypeError, KeyError) as exc:
                return self._unreadable(path, f"malformed result: {type(exc).__name__}: {exc}")
        return record["result"]

    @staticmethod
    def _unreadable(path, reason):
        warnings.warn(f"cached cell {path} is unreadable ({reason}); computing it again.",
                      RuntimeWarning, stacklevel=3)
        return None

    def put(self, params, result):
        """Store ``result`` (JSON-serialisable) for the cell ``params``, atomically."""
        if self.directory is None:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        record = {"params": json.loads(_canonical(params)), "result": result}
        fd, tmp = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(record, fh, default=_numpy_scalar)
            os.replace(tmp, self._path(params))
        except BaseException:
            if os.path.exists(tmp):
                os.remove(tmp)
            raise

    def __len__(self):
        if self.directory is None or not self.directory.is_dir():
            return 0
        return sum(1 for _ in self.directory.glob("cell-*.json"))
