"""MFCC sequences of raw audio (librosa), as used for spoken digits in the emergence study."""

import numbers

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval
from sklearn.utils.metaestimators import available_if


def _as_waveforms(X):
    """List of 1-D float32 waveforms from a 2-D array or a sequence of 1-D arrays."""
    if isinstance(X, np.ndarray) and X.dtype != object:
        if X.ndim != 2:
            raise ValueError(
                "X must be a 2-D array (n_samples, n_audio_samples) or a sequence of 1-D "
                f"waveforms; got an array of shape {X.shape}."
            )
        waves = list(X)
    else:
        if isinstance(X, (str, bytes)) or not hasattr(X, "__len__"):
            raise TypeError(f"X must be a sequence of 1-D waveforms; got {type(X).__name__}.")
        waves = list(X)
    out = []
    for i, w in enumerate(waves):
        w = np.asarray(w)
        if w.ndim != 1 or w.size == 0 or not np.issubdtype(w.dtype, np.number):
            raise ValueError(
                f"X[{i}] must be a non-empty 1-D numeric waveform; got shape {w.shape}, "
                f"dtype {w.dtype}."
            )
        if not np.isfinite(w).all():
            raise ValueError(f"X[{i}] contains NaN or infinite samples.")
        out.append(w.astype(np.float32))
    if not out:
        raise ValueError("X must hold at least one waveform; got 0.")
    return out


class MFCCTransformer(TransformerMixin, BaseEstimator):
    """Turn waveforms into fixed-size MFCC sequences ``(n_samples, max_frames, n_mfcc)``.

    Each waveform is optionally resampled, turned into ``n_mfcc`` coefficients per frame with
    :func:`librosa.feature.mfcc`, then cut to its first ``max_frames`` frames or zero-padded at
    the end. The defaults (36 coefficients, at most 20 frames, librosa's framing) are those of
    the emergence study for the Free Spoken Digit Dataset (8 kHz).

    Parameters
    ----------
    n_mfcc : int, default=36
        Coefficients per frame.
    max_frames : int, default=20
        Frames kept per waveform (zero-padding after shorter ones).
    sample_rate : int, default=8000
        Sampling rate of the input waveforms.
    target_sample_rate : int, default=None
        Resample to this rate (librosa) before the MFCC; None keeps ``sample_rate``.
    n_fft : int, default=2048
        FFT window length in samples (at the rate the MFCC is computed at).
    hop_length : int, default=512
        Samples between frames.
    n_mels : int, default=128
        Mel bands.
    flatten : bool, default=False
        Return ``(n_samples, max_frames * n_mfcc)`` instead of a 3-D array.

    Attributes
    ----------
    n_features_out_ : int
        ``max_frames * n_mfcc``.

    Examples
    --------
    >>> import numpy as np
    >>> from mmalign_sk.features import MFCCTransformer
    >>> t = np.arange(4000) / 8000
    >>> waves = [np.sin(2 * np.pi * 440 * t), np.sin(2 * np.pi * 880 * t[:3000])]
    >>> MFCCTransformer().fit_transform(waves).shape
    (2, 20, 36)
    """

    _parameter_constraints = {
        "n_mfcc": [Interval(numbers.Integral, 1, None, closed="left")],
        "max_frames": [Interval(numbers.Integral, 1, None, closed="left")],
        "sample_rate": [Interval(numbers.Integral, 1, None, closed="left")],
        "target_sample_rate": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "n_fft": [Interval(numbers.Integral, 1, None, closed="left")],
        "hop_length": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_mels": [Interval(numbers.Integral, 1, None, closed="left")],
        "flatten": ["boolean"],
    }

    def __init__(self, n_mfcc=36, max_frames=20, sample_rate=8000, target_sample_rate=None,
                 n_fft=2048, hop_length=512, n_mels=128, flatten=False):
        self.n_mfcc = n_mfcc
        self.max_frames = max_frames
        self.sample_rate = sample_rate
        self.target_sample_rate = target_sample_rate
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.n_mels = n_mels
        self.flatten = flatten

    def fit(self, X, y=None):
        """Validate the parameters and ``X``; nothing is learned."""
        self._validate_params()
        if self.n_mfcc > self.n_mels:
            raise ValueError(
                f"n_mfcc must be <= n_mels (the coefficients are a DCT of the {self.n_mels} mel "
                f"bands); got n_mfcc={self.n_mfcc} and n_mels={self.n_mels}."
            )
        _as_waveforms(X)
        self.n_features_out_ = self.max_frames * self.n_mfcc
        return self

    def _one(self, wave):
        import librosa

        sr = self.sample_rate
        if self.target_sample_rate is not None and self.target_sample_rate != sr:
            wave = librosa.resample(wave, orig_sr=sr, target_sr=self.target_sample_rate)
            sr = self.target_sample_rate
        mfcc = librosa.feature.mfcc(y=wave, sr=sr, n_mfcc=self.n_mfcc, n_fft=self.n_fft,
                                    hop_length=self.hop_length, n_mels=self.n_mels)
        frames = mfcc.T[: self.max_frames]
        out = np.zeros((self.max_frames, self.n_mfcc), dtype=np.float32)
        out[: len(frames)] = frames
        return out

    def transform(self, X):
        """MFCC sequences of shape ``(n_samples, max_frames, n_mfcc)`` (float32)."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "n_features_out_")
        out = np.stack([self._one(w) for w in _as_waveforms(X)])
        return out.reshape(len(out), -1) if self.flatten else out

    @available_if(lambda self: self.flatten)
    def get_feature_names_out(self, input_features=None):
        """Names ``mfcc<c>_frame<t>`` of the flattened columns (only when ``flatten=True``)."""
        return np.array([f"mfcc{c}_frame{t}" for t in range(self.max_frames)
                         for c in range(self.n_mfcc)], dtype=object)
