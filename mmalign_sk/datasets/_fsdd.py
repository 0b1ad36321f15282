"""Free Spoken Digit Dataset (FSDD): 3000 recordings of spoken digits, 8 kHz mono wav."""

import os
import re

import numpy as np

from ._base import (
    RemoteFile,
    check_modalities,
    download,
    get_data_home,
    make_bunch,
    missing_file_error,
    scarce_indices,
    sha256sum,
)
from ._fsdd_manifest import COMMIT, manifest

BASE_URL = (
    "https://raw.githubusercontent.com/Jakobovski/free-spoken-digit-dataset/"
    f"{COMMIT}/recordings/"
)
SAMPLE_RATE = 8000
N_TEST_PER_SPEAKER_DIGIT = 5  # recordings numbered 0-4 are the official test set
_NAME = re.compile(r"^(\d)_([A-Za-z]+)_(\d+)\.wav$")

DESCR = f"""Free Spoken Digit Dataset (FSDD)

Files: <data_home>/fsdd/recordings/<digit>_<speaker>_<index>.wav, 3000 mono 8 kHz recordings
(6 speakers x 10 digits x 50 repetitions), from
https://github.com/Jakobovski/free-spoken-digit-dataset
at commit {COMMIT}. fetch_fsdd downloads missing files one by one and checks each against the
SHA-256 in the package's manifest.
Splits (official): test = recordings numbered 0-4 (300), train = 5-49 (2700). No validation split.
Task: 10-class digit classification; the emergence study turns the audio into 36 MFCC
coefficients over at most 20 frames (see mmalign_sk.features.MFCCTransformer).
Licence: CC BY-SA 4.0.
Citation: Jackson, Souza, Flaks, Pan, Nicolas, Thite. Jakobovski/free-spoken-digit-dataset
(v1.0.10). Zenodo, doi:10.5281/zenodo.1342401.
"""


def _split_of(name):
    index = int(_NAME.match(name).group(3))
    return "test" if index < N_TEST_PER_SPEAKER_DIGIT else "train"


def _ensure_file(folder, name, sha256, download_if_missing, verify):
    path = os.path.join(folder, name)
    if not os.path.exists(path):
        if not download_if_missing:
            raise missing_file_error(
                path, "download_if_missing=False; FSDD recordings come from "
                f"{BASE_URL}<file name>.",
            )
        return download(RemoteFile(name, BASE_URL + name, sha256), folder)
    if verify and sha256sum(path) != sha256:
        raise ValueError(
            f"{path} does not match the SHA-256 of FSDD at commit {COMMIT} (expected {sha256}); "
            "delete it and fetch again."
        )
    return path


def _read_wav(path, sample_rate):
    import soundfile

    try:
        audio, sr = soundfile.read(path, dtype="float32", always_2d=False)
    except RuntimeError as exc:  # soundfile.LibsndfileError subclasses RuntimeError
        raise ValueError(f"{path} is not a readable wav file (truncated or corrupt?): {exc}") \
            from exc
    if audio.ndim == 2:
        audio = audio.mean(axis=1)
    if sample_rate is not None and sr != sample_rate:
        import librosa

        audio = librosa.resample(audio, orig_sr=sr, target_sr=sample_rate)
    return audio.astype(np.float32)


def fetch_fsdd(*, data_home=None, subset="train", modalities=None, sample_rate=None,
               n_labelled=None, random_state=None, verify=True, return_X_y=False,
               download_if_missing=True):
    """Load the Free Spoken Digit Dataset as variable-length waveforms.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Data folder (see :func:`get_data_home`); recordings live in
        ``<data_home>/fsdd/recordings``.
    subset : {"train", "test", "all"}, default="train"
        Official split: recordings numbered 0-4 are the test set, 5-49 the training set.
    modalities : sequence of {"audio"}, default=None
        Only ``"audio"`` exists; accepted for the common fetcher signature.
    sample_rate : int, default=None
        Resample to this rate with librosa (None keeps the native 8000 Hz).
    n_labelled : int, default=None
        Keep at most this many recordings per split (seeded by ``random_state``).
    random_state : int, RandomState instance or None, default=None
        Seed for ``n_labelled``.
    verify : bool, default=True
        Check the SHA-256 of files already on disk too (downloads are always checked).
    return_X_y : bool, default=False
        Return ``(X, y)`` instead of a Bunch.
    download_if_missing : bool, default=True
        Download missing recordings (each checked against the pinned manifest).

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``X`` with ``"audio"``: object array of 1-D float32 waveforms; ``y`` int64 digits;
        ``speaker``, ``filenames``, ``split``, ``sample_rate`` and ``DESCR``.

    Examples
    --------
    >>> from mmalign_sk.datasets import fetch_fsdd
    >>> data = fetch_fsdd(subset="test")  # doctest: +SKIP
    >>> len(data.y), data.sample_rate  # doctest: +SKIP
    (300, 8000)
    """
    if subset not in ("train", "test", "all"):
        raise ValueError(
            f"subset must be one of ('train', 'test', 'all') for FSDD, which has no validation "
            f"split; got {subset!r}."
        )
    check_modalities(modalities, ("audio",))
    if sample_rate is not None and (isinstance(sample_rate, bool) or
                                    not isinstance(sample_rate, (int, np.integer)) or
                                    sample_rate <= 0):
        raise ValueError(f"sample_rate must be a positive integer or None; got {sample_rate!r}.")
    folder = os.path.join(get_data_home(data_home), "fsdd", "recordings")
    checksums = manifest()
    splits = ["train", "test"] if subset == "all" else [subset]
    rng = np.random.RandomState(random_state) if isinstance(random_state, (int, np.integer)) \
        else random_state
    chosen = []
    for split in splits:
        names = sorted(n for n in checksums if _split_of(n) == split)
        chosen += [names[i] for i in scarce_indices(len(names), n_labelled, rng)]
    waves = np.empty(len(chosen), dtype=object)
    for i, name in enumerate(chosen):
        path = _ensure_file(folder, name, checksums[name], download_if_missing, verify)
        waves[i] = _read_wav(path, sample_rate)
    parts = [_NAME.match(n).groups() for n in chosen]
    y = np.array([int(p[0]) for p in parts], dtype=np.int64)
    return make_bunch(
        {"audio": waves}, y, return_X_y, DESCR,
        speaker=np.array([p[1] for p in parts], dtype=object),
        filenames=np.array(chosen, dtype=object), split=np.array([_split_of(n) for n in chosen]),
        sample_rate=SAMPLE_RATE if sample_rate is None else int(sample_rate),
        target_names=np.arange(10),
    )
