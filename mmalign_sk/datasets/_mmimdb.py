"""MM-IMDb: movie posters and plot summaries labelled with genres (multi-label)."""

import json
import os
import re
import warnings

import numpy as np

from ._base import (
    check_modalities,
    check_subset,
    get_data_home,
    make_bunch,
    missing_file_error,
    scarce_indices,
)

MODALITIES = ("image", "text")
GENRES = (
    "Drama", "Comedy", "Romance", "Thriller", "Crime", "Action", "Adventure", "Horror",
    "Documentary", "Mystery", "Sci-Fi", "Fantasy", "Family", "Biography", "War", "History",
    "Music", "Animation", "Musical", "Western", "Sport", "Short", "Film-Noir",
)
_SPLIT_KEYS = {"train": "train", "valid": "dev", "test": "test"}
_HOW = (
    "MM-IMDb is distributed by its authors at https://github.com/johnarevalo/gmu-mmimdb "
    "(archive 'mmimdb.tar.gz'); unpack it so that split.json and the folder dataset/ lie in "
    "<data_home>/mmimdb/."
)

DESCR = """MM-IMDb (Arevalo et al. 2017)

Files under <data_home>/mmimdb/: split.json ({"train": [ids], "dev": [ids], "test": [ids]}) and
dataset/<id>.json (fields "plot": list of plot summaries, "genres": list of genre names) with
dataset/<id>.jpeg (the poster). Obtain mmimdb.tar.gz from https://github.com/johnarevalo/gmu-mmimdb.
Splits (authors'): train 15552, dev/valid 2608, test 7799 (25959 movies).
Task: multi-label classification over the 23 genres in GENRES; y is an (n, 23) 0/1 matrix.
X["text"] holds the first plot summary of each movie (str), X["image"] the poster's path (str);
turn them into features with PretrainedTextFeatures / PretrainedImageFeatures.
Licence: IMDb data for research use (see the authors' repository).
Citation: Arevalo, Solorio, Montes-y-Gomez, Gonzalez. Gated multimodal units for information
fusion. ICLR 2017 Workshop.
"""


#: Largest JSON file read (split.json or a movie record), in bytes; the authors' split.json is
#: about 0.3 MB and a record a few kB.
MAX_JSON_BYTES = 16 << 20


def _read_json(path):
    if not os.path.exists(path):
        raise missing_file_error(path, _HOW)
    if not os.path.isfile(path):
        raise ValueError(f"{path} is not a regular file.")
    size = os.path.getsize(path)
    if size > MAX_JSON_BYTES:
        raise ValueError(f"{path} has {size:,} bytes; at most MAX_JSON_BYTES = "
                         f"{MAX_JSON_BYTES:,} are read.")
    try:
        with open(path, "rb") as f:
            return json.loads(f.read().decode("utf-8"))
    except (ValueError, RecursionError) as exc:  # JSON and UTF-8 errors are ValueErrors
        raise ValueError(f"{path} is not valid JSON (truncated or corrupt?): "
                         f"{type(exc).__name__}: {exc}") from None


_MOVIE_ID = re.compile(r"[A-Za-z0-9_-]+")


def _movie_ids(split_ids, key, path):
    """The movie ids of one split of split.json, each a plain file stem (no folders)."""
    ids = split_ids.get(key)
    if ids is None:
        raise ValueError(f"{path} has no {key!r} list.")
    if not isinstance(ids, list):
        raise ValueError(f"{path}: {key!r} must be a list of movie ids; got {type(ids).__name__}.")
    for movie in ids:
        if isinstance(movie, bool) or not isinstance(movie, (str, int)) \
                or not _MOVIE_ID.fullmatch(str(movie)):
            raise ValueError(
                f"{path}: {key!r} holds the movie id {movie!r}; ids must be letters, digits, '_' "
                "or '-' (the stem of a file in dataset/)."
            )
    return ids


def _genre_names(record, path):
    genres = record.get("genres", [])
    if isinstance(genres, str):  # a single genre written without a list
        return [genres]
    if not isinstance(genres, list) or not all(isinstance(g, str) for g in genres):
        raise ValueError(f"{path}: 'genres' must be a list of genre names; got {genres!r:.200}.")
    return genres


def _genre_key(name):
    """Genre names match whatever their letter case or surrounding spaces ("sci-fi ")."""
    return name.strip().casefold()


def _plot_text(record, path):
    plot = record.get("plot")
    plots = plot if isinstance(plot, list) else [plot]
    if not all(isinstance(p, str) for p in plots if p is not None):
        raise ValueError(f"{path}: 'plot' must be a list of texts or a text; got {plot!r:.200}.")
    # the first plot summary that is not empty (the authors list the main one first)
    text = next((p for p in plots if p is not None and p.strip()), None)
    if text is None:
        raise ValueError(f"{path}: no plot summary (its 'plot' is {plot!r:.200}); every "
                         "MM-IMDb movie has one.")
    return text


def fetch_mmimdb(*, data_home=None, subset="train", modalities=None, n_labelled=None,
                 random_state=None, return_X_y=False, download_if_missing=True):
    """Load MM-IMDb (poster image paths, plot texts, 23 genre labels).

    Parameters
    ----------
    data_home : str or path-like, default=None
        Data folder (see :func:`get_data_home`); files are expected under ``<data_home>/mmimdb``.
    subset : {"train", "valid", "test", "all"}, default="train"
        Split(s); "valid" is the authors' "dev" split.
    modalities : sequence of {"image", "text"}, default=None
        Modalities to return (None: both).
    n_labelled : int, default=None
        Keep at most this many movies per split (seeded by ``random_state``).
    random_state : int, RandomState instance or None, default=None
        Seed for ``n_labelled``.
    return_X_y : bool, default=False
        Return ``(X, y)`` instead of a Bunch.
    download_if_missing : bool, default=True
        Kept for the fetcher signature: the archive is obtained by hand; a missing file raises
        ``FileNotFoundError`` naming the expected path.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``X`` with ``"image"`` (poster paths) and ``"text"`` (plots) object arrays, ``y`` (n, 23)
        int64 multi-label matrix, ``ids``, ``split``, ``target_names`` and ``DESCR``.

    Raises
    ------
    ValueError
        For a JSON file that is corrupt, nested too deeply, larger than ``MAX_JSON_BYTES``
        (16 MiB) or not a regular file, a record whose plot is missing, empty or not text, or
        whose genres are not a list of names; the message names the file.

    Warns
    -----
    UserWarning
        When movies list none of the 23 genres (an all-zero label row). Genre names match in
        any letter case.

    Examples
    --------
    >>> from mmalign_sk.datasets import fetch_mmimdb
    >>> data = fetch_mmimdb(subset="test")  # doctest: +SKIP
    >>> data.y.shape  # doctest: +SKIP
    (7799, 23)
    """
    splits = check_subset(subset)
    modalities = check_modalities(modalities, MODALITIES)
    folder = os.path.join(get_data_home(data_home), "mmimdb")
    split_path = os.path.join(folder, "split.json")
    split_ids = _read_json(split_path)
    if not isinstance(split_ids, dict):
        raise ValueError(
            f"{split_path} must hold an object {{\"train\": [ids], \"dev\": [ids], \"test\": "
            f"[ids]}}; got a {type(split_ids).__name__}."
        )
    rng = np.random.RandomState(random_state) if isinstance(random_state, (int, np.integer)) \
        else random_state
    genre_index = {_genre_key(g): i for i, g in enumerate(GENRES)}
    unlabelled = []
    texts, images, y, ids, split_of = [], [], [], [], []
    for split in splits:
        movies = _movie_ids(split_ids, _SPLIT_KEYS[split], split_path)
        chosen = [movies[i] for i in scarce_indices(len(movies), n_labelled, rng)]
        for movie in chosen:
            record_path = os.path.join(folder, "dataset", f"{movie}.json")
            record = _read_json(record_path)
            if not isinstance(record, dict):
                raise ValueError(f"{record_path} must hold an object with 'plot' and 'genres'; "
                                 f"got a {type(record).__name__}.")
            texts.append(_plot_text(record, record_path))
            images.append(os.path.join(folder, "dataset", f"{movie}.jpeg"))
            row = np.zeros(len(GENRES), dtype=np.int64)
            names = _genre_names(record, record_path)
            for genre in names:
                if _genre_key(genre) in genre_index:
                    row[genre_index[_genre_key(genre)]] = 1
            if not row.any():
                unlabelled.append(f"{movie}.json {names!r:.80}")
            y.append(row)
            ids.append(str(movie))
            split_of.append(split)
    if unlabelled:
        warnings.warn(
            f"{len(unlabelled)} movie(s) have none of the {len(GENRES)} genres of GENRES, so an "
            f"all-zero label row, e.g. {unlabelled[:3]}.", UserWarning, stacklevel=2)
    columns = {"image": np.array(images, dtype=object), "text": np.array(texts, dtype=object)}
    X = {m: columns[m] for m in modalities}
    y = np.stack(y) if y else np.zeros((0, len(GENRES)), dtype=np.int64)
    return make_bunch(X, y, return_X_y, DESCR, ids=np.array(ids, dtype=object),
                      split=np.array(split_of), target_names=np.array(GENRES))
