"""Image-caption pairs from local files (e.g. the Wikipedia WIT captions of Huh et al. 2024)."""

import csv
import json
import os

import numpy as np

from ._base import make_bunch, missing_file_error, scarce_indices

_TABLE_NAMES = ("captions.csv", "captions.jsonl", "captions.parquet")

DESCR = """Image-caption pairs from a local table

A CSV, JSON-lines or (when pyarrow is installed) parquet table with one row per pair: an image
path column and a caption column. Relative image paths are resolved against the table's folder.
The vision-language study of Huh et al. (2024) uses 1024 pairs of the Wikipedia-based Image Text
dataset (WIT; Srinivasan et al., SIGIR 2021, CC BY-SA 3.0); export those pairs to such a table.
"""


#: Longest image path or caption accepted, in characters (the csv module's own field limit).
MAX_FIELD_CHARS = 131_072


def _not_utf8(path, exc):
    return ValueError(f"{path} is not UTF-8 text ({exc}); re-save the table as UTF-8.")


def _csv_rows(path):
    try:
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            try:
                return list(reader)
            except csv.Error as exc:  # e.g. a field over csv.field_size_limit()
                raise ValueError(f"{path}, line {reader.line_num}: {exc}") from None
    except UnicodeDecodeError as exc:
        raise _not_utf8(path, exc) from None


def _jsonl_rows(path):
    rows = []
    try:
        with open(path, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except (ValueError, RecursionError) as exc:
                    raise ValueError(f"{path}, line {lineno}: not valid JSON "
                                     f"({type(exc).__name__}: {exc})") from None
                if not isinstance(row, dict):
                    raise ValueError(f"{path}, line {lineno}: expected a JSON object with the "
                                     f"columns; got a {type(row).__name__}.")
                rows.append(row)
    except UnicodeDecodeError as exc:
        raise _not_utf8(path, exc) from None
    return rows


def _read_rows(path, image_column, caption_column):
    ext = os.path.splitext(path)[1].lower()
    if ext == ".csv":
        rows = _csv_rows(path)
    elif ext in (".jsonl", ".json"):
        rows = _jsonl_rows(path)
    elif ext == ".parquet":
        try:
            import pyarrow.parquet as pq
        except ImportError as exc:
            raise ImportError(
                f"reading {path} needs pyarrow (pip install pyarrow); or export the table to "
                "CSV or JSON lines."
            ) from exc
        try:
            rows = pq.read_table(path, columns=[image_column, caption_column]).to_pylist()
        except (ValueError, OSError, KeyError) as exc:
            raise ValueError(f"{path} is not a readable parquet table with columns "
                             f"{image_column!r} and {caption_column!r}: {exc}") from None
    else:
        raise ValueError(
            f"path must be a .csv, .jsonl or .parquet file or a folder holding one of "
            f"{_TABLE_NAMES}; got {path!r}."
        )
    for i, row in enumerate(rows):
        for column in (image_column, caption_column):
            value = row.get(column)
            if value is None:
                raise ValueError(f"{path}: row {i} has no value in column {column!r}.")
            if not isinstance(value, str):
                raise ValueError(f"{path}: row {i}, column {column!r} must be text; got "
                                 f"{type(value).__name__} {value!r:.60}.")
            if not value.strip():
                raise ValueError(f"{path}: row {i}, column {column!r} is empty.")
            if len(value) > MAX_FIELD_CHARS:
                raise ValueError(f"{path}: row {i}, column {column!r} has {len(value):,} "
                                 f"characters; at most MAX_FIELD_CHARS = {MAX_FIELD_CHARS:,}.")
    return rows


def _check_regular(path, what):
    """Refuse a path that is not a regular file (a FIFO would block the reader forever)."""
    if not os.path.isfile(path):
        raise ValueError(f"{what} {path!r} is not a regular file.")


def load_image_caption_pairs(path, *, image_column="image", caption_column="caption",
                             n_samples=None, random_state=None, check_files=True,
                             return_X_y=False):
    """Load image-caption pairs from a local CSV / JSON-lines / parquet table.

    Parameters
    ----------
    path : str or path-like
        The table, or a folder holding ``captions.csv``, ``captions.jsonl`` or
        ``captions.parquet``.
    image_column, caption_column : str, default="image", "caption"
        Column names of the image path and the caption.
    n_samples : int, default=None
        Keep this many pairs drawn without replacement (seeded); None keeps all.
    random_state : int, RandomState instance or None, default=None
        Seed for ``n_samples``.
    check_files : bool, default=True
        Raise ``FileNotFoundError`` listing the first missing image files (``ValueError`` for
        paths that are not regular files).
    return_X_y : bool, default=False
        Return ``(X, None)``.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``X`` with ``"image"`` (absolute paths) and ``"text"`` (captions) object arrays,
        ``y=None``, ``modalities`` and ``DESCR``.

    Raises
    ------
    ValueError
        For a table that is not a regular file, not UTF-8, not valid CSV / JSON lines (a line
        that is not a JSON object, nesting too deep), or has a value that is missing, not
        text, empty or longer than ``MAX_FIELD_CHARS`` (131,072) characters; the message names
        the file and the line or row.

    Examples
    --------
    >>> import os, tempfile
    >>> from mmalign_sk.datasets import load_image_caption_pairs
    >>> folder = tempfile.mkdtemp()
    >>> with open(os.path.join(folder, "captions.csv"), "w") as f:
    ...     _ = f.write("image,caption\\na.jpg,A cat.\\nb.jpg,Two dogs.\\n")
    >>> data = load_image_caption_pairs(folder, check_files=False)
    >>> list(data.X["text"])
    ['A cat.', 'Two dogs.']
    """
    path = os.path.expanduser(os.fspath(path))
    if os.path.isdir(path):
        found = [os.path.join(path, n) for n in _TABLE_NAMES
                 if os.path.exists(os.path.join(path, n))]
        if not found:
            raise missing_file_error(
                os.path.join(path, _TABLE_NAMES[0]),
                f"The folder must hold one of {_TABLE_NAMES} with columns "
                f"{image_column!r} and {caption_column!r}.",
            )
        path = found[0]
    elif not os.path.exists(path):
        raise missing_file_error(path, "Give a caption table (CSV, JSON lines or parquet).")
    _check_regular(path, "the caption table")
    rows = _read_rows(path, image_column, caption_column)
    rows = [rows[i] for i in scarce_indices(len(rows), n_samples, random_state, "n_samples")]
    root = os.path.dirname(os.path.abspath(path))
    images = np.array([os.path.join(root, str(r[image_column])) for r in rows], dtype=object)
    texts = np.array([r[caption_column] for r in rows], dtype=object)
    if check_files:
        missing = [p for p in images if not os.path.exists(p)]
        if missing:
            raise FileNotFoundError(
                f"{len(missing)} image file(s) listed in {path} do not exist, e.g. {missing[:3]}."
            )
        special = [p for p in images if not os.path.isfile(p)]
        if special:
            raise ValueError(f"{len(special)} image path(s) listed in {path} are not regular "
                             f"files (folders, FIFOs, devices), e.g. {special[:3]}.")
    return make_bunch({"image": images, "text": texts}, None, return_X_y, DESCR)
