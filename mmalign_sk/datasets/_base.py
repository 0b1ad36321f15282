"""Shared machinery of the dataset fetchers: data home, checksums, downloads, validation.

Every downloaded file is checked against a SHA-256 taken from a manifest; a manifest entry whose
checksum is not known refuses to download instead of skipping the check.
"""

import hashlib
import os
import shutil
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch, check_random_state
from skorch.helper import SliceDict

SUBSETS = ("train", "valid", "test", "all")


def get_data_home(data_home=None):
    """Return the folder where mmalign_sk keeps its data sets, creating it if needed.

    The folder is, in order of precedence: ``data_home`` when given, the environment variable
    ``MMALIGN_DATA``, then ``~/mmalign_data``. ``~`` is expanded.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Folder to use instead of the default.

    Returns
    -------
    data_home : str
        Absolute path of the data folder.

    Examples
    --------
    >>> import tempfile
    >>> from mmalign_sk.datasets import get_data_home
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     get_data_home(tmp) == tmp
    True
    """
    if data_home is None:
        data_home = os.environ.get("MMALIGN_DATA", os.path.join("~", "mmalign_data"))
    elif not isinstance(data_home, (str, os.PathLike)):
        raise TypeError(
            f"data_home must be a folder path (str or path-like) or None; got {data_home!r} of "
            f"type {type(data_home).__name__}."
        )
    data_home = os.path.abspath(os.path.expanduser(os.fspath(data_home)))
    os.makedirs(data_home, exist_ok=True)
    return data_home


def clear_data_home(data_home=None):
    """Delete every file in the data folder (see :func:`get_data_home`).

    Parameters
    ----------
    data_home : str or path-like, default=None
        Folder to clear instead of the default.

    Examples
    --------
    >>> import os, tempfile
    >>> from mmalign_sk.datasets import clear_data_home
    >>> tmp = tempfile.mkdtemp()
    >>> open(os.path.join(tmp, "f.txt"), "w").close()
    >>> clear_data_home(tmp)
    >>> os.path.exists(tmp)
    False
    """
    shutil.rmtree(get_data_home(data_home))


@dataclass(frozen=True)
class RemoteFile:
    """One file of a manifest: where it goes, where it comes from and its SHA-256.

    ``sha256=None`` means the checksum is not known; such a file is never downloaded
    automatically (see :func:`download`).
    """

    filename: str
    url: str
    sha256: str = None


def sha256sum(path, chunk_size=1 << 20):
    """SHA-256 hex digest of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _open_url(url, start, timeout):
    request = urllib.request.Request(url, headers={"User-Agent": "mmalign_sk"})
    if start:
        request.add_header("Range", f"bytes={start}-")
    return urllib.request.urlopen(request, timeout=timeout)


def download(remote, dirname, timeout=60, chunk_size=1 << 16):
    """Download ``remote`` into ``dirname``, resuming a partial download, and check its SHA-256.

    Bytes are written to ``<filename>.part``; when that file exists, the download resumes with an
    HTTP ``Range`` request (a server that ignores it sends the whole file, which then replaces the
    partial one). The file is renamed to its final name only after its SHA-256 matches.

    Parameters
    ----------
    remote : RemoteFile
        The file to download. Its ``sha256`` must be known.
    dirname : str or path-like
        Destination folder.
    timeout : float, default=60
        Seconds to wait for the server.

    Returns
    -------
    path : str
        Path of the verified file.

    Raises
    ------
    ValueError
        If the manifest has no checksum for the file, or the downloaded bytes do not match it (the
        partial file is then deleted).
    """
    if not remote.sha256:
        raise ValueError(
            f"No SHA-256 is known for {remote.filename!r}, so it cannot be downloaded and verified "
            f"automatically. Download it from {remote.url} yourself and place it at "
            f"{os.path.join(os.fspath(dirname), remote.filename)}."
        )
    os.makedirs(dirname, exist_ok=True)
    path = os.path.join(os.fspath(dirname), remote.filename)
    part = path + ".part"
    if os.path.islink(part):  # the final name is replaced by a rename, which never follows links
        raise ValueError(
            f"{part} is a symbolic link; a download is never written through one. Delete it and "
            "fetch again."
        )
    start = os.path.getsize(part) if os.path.exists(part) else 0
    try:
        with _open_url(remote.url, start, timeout) as response:
            resumed = start > 0 and getattr(response, "status", 200) == 206
            with open(part, "ab" if resumed else "wb") as f:
                for chunk in iter(lambda: response.read(chunk_size), b""):
                    f.write(chunk)
    except (urllib.error.URLError, OSError) as exc:
        raise OSError(
            f"Downloading {remote.filename!r} from {remote.url} failed: {exc}. What arrived is "
            f"kept in {part} and the next call resumes from there."
        ) from exc
    digest = sha256sum(part)
    if digest != remote.sha256:
        os.remove(part)
        raise ValueError(
            f"Checksum mismatch for {remote.filename!r} downloaded from {remote.url}: expected "
            f"SHA-256 {remote.sha256}, got {digest}. The partial file was deleted; try again."
        )
    os.replace(part, path)
    return path


def check_subset(subset):
    """Validate ``subset`` and return the list of splits it stands for."""
    if not isinstance(subset, str) or subset not in SUBSETS:
        raise ValueError(f"subset must be one of {SUBSETS}; got {subset!r}.")
    return ["train", "valid", "test"] if subset == "all" else [subset]


def check_modalities(modalities, available):
    """Validate ``modalities`` (None = all ``available``) and return them as a tuple."""
    if modalities is None:
        return tuple(available)
    if isinstance(modalities, str):
        modalities = (modalities,)
    modalities = tuple(modalities)
    unknown = [m for m in modalities if m not in available]
    if unknown or not modalities or len(set(modalities)) != len(modalities):
        raise ValueError(
            f"modalities must be a non-empty selection without repeats from {tuple(available)}; "
            f"got {modalities!r}."
        )
    return modalities


def missing_file_error(path, how_to_obtain):
    """The error raised when a file that must be obtained by hand is absent."""
    return FileNotFoundError(
        f"Expected data file not found: {path}\n{how_to_obtain}\n"
        "Place the file at exactly that path (or pass data_home=<folder> pointing to the folder "
        "that holds it)."
    )


def scarce_indices(n_samples, n_labelled, random_state, name="n_labelled"):
    """Sorted indices of ``n_labelled`` rows drawn without replacement (all rows when None)."""
    if n_labelled is None:
        return np.arange(n_samples)
    if (isinstance(n_labelled, bool) or not isinstance(n_labelled, (int, np.integer))
            or n_labelled < 1):
        raise ValueError(f"{name} must be a positive integer or None; got {n_labelled!r}.")
    if n_labelled >= n_samples:
        return np.arange(n_samples)
    rng = check_random_state(random_state)
    return np.sort(rng.choice(n_samples, size=int(n_labelled), replace=False))


def make_bunch(X, y, return_X_y, descr, **metadata):
    """Wrap a ``{modality: array}`` dict and targets as a Bunch (or ``(X, y)``)."""
    X = SliceDict(**X)
    if return_X_y:
        return X, y
    return Bunch(X=X, y=y, modalities=tuple(X.keys()), DESCR=descr, **metadata)


def as_path(path):
    """``Path`` of a str or path-like (for messages and joins)."""
    return Path(os.fspath(path))
