import numpy as np
import pytest
from sklearn.base import clone

from mmalign_sk.features import MFCCTransformer


def _waves():
    rng = np.random.RandomState(0)
    t = np.arange(12000) / 8000
    long = (np.sin(2 * np.pi * 300 * t) + 0.1 * rng.normal(size=t.size)).astype(np.float32)
    short = (0.5 * np.sin(2 * np.pi * 700 * t[:3000])).astype(np.float32)
    return [long, short]


def _reference(wave, sr, n_mfcc=36, max_frames=20):
    import librosa

    mfcc = librosa.feature.mfcc(y=wave, sr=sr, n_mfcc=n_mfcc).T
    out = np.zeros((max_frames, n_mfcc))
    out[: min(len(mfcc), max_frames)] = mfcc[:max_frames]
    return out


def test_matches_librosa_with_padding_and_truncation():
    waves = _waves()
    out = MFCCTransformer().fit_transform(waves)
    assert out.shape == (2, 20, 36) and out.dtype == np.float32
    # the long wave has 24 frames (truncated to 20), the short one 6 (zero-padded)
    for wave, got in zip(waves, out):
        np.testing.assert_allclose(got, _reference(wave, 8000), rtol=1e-4, atol=1e-3)
    assert not out[1, 6:].any() and out[1, 5].any()


def test_resampling_matches_librosa():
    import librosa

    waves = _waves()
    out = MFCCTransformer(target_sample_rate=16000).fit_transform(waves)
    expected = _reference(librosa.resample(waves[1], orig_sr=8000, target_sr=16000), 16000)
    np.testing.assert_allclose(out[1], expected, rtol=1e-4, atol=1e-3)


def test_flatten_names_and_array_input():
    waves = _waves()
    same_length = np.stack([waves[0][:3000], waves[1]])
    t = MFCCTransformer(n_mfcc=4, max_frames=3, flatten=True)
    flat = t.fit_transform(same_length)
    assert flat.shape == (2, 12)
    names = t.get_feature_names_out()
    assert list(names[:5]) == ["mfcc0_frame0", "mfcc1_frame0", "mfcc2_frame0", "mfcc3_frame0",
                               "mfcc0_frame1"]
    seq = MFCCTransformer(n_mfcc=4, max_frames=3).fit_transform(list(same_length))
    np.testing.assert_array_equal(flat, seq.reshape(2, -1))
    assert not hasattr(MFCCTransformer(), "get_feature_names_out")
    assert clone(t).get_params()["n_mfcc"] == 4


def test_bad_input():
    with pytest.raises(ValueError, match="2-D array"):
        MFCCTransformer().fit(np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match="NaN"):
        MFCCTransformer().fit([np.array([0.0, np.nan, 1.0])])
    with pytest.raises(ValueError, match="n_mfcc"):
        MFCCTransformer(n_mfcc=0).fit(_waves())
    with pytest.raises(TypeError, match="sequence of 1-D waveforms"):
        MFCCTransformer().fit("audio.wav")
