import numpy as np
import pytest

from mmalign_sk.features import MFCCTransformer


def _wave():
    t = np.arange(4000) / 8000
    return [np.sin(2 * np.pi * 440 * t).astype(np.float32)]


@pytest.mark.parametrize("n_mfcc, n_mels", [(41, 40), (129, 128), (2, 1)])
def test_more_coefficients_than_mel_bands_is_refused(n_mfcc, n_mels):
    with pytest.raises(ValueError, match=rf"n_mfcc must be <= n_mels .*got n_mfcc={n_mfcc} and "
                                         rf"n_mels={n_mels}"):
        MFCCTransformer(n_mfcc=n_mfcc, n_mels=n_mels).fit(_wave())


def test_as_many_coefficients_as_mel_bands_match_librosa():
    import librosa

    got = MFCCTransformer(n_mfcc=40, n_mels=40, max_frames=5).fit_transform(_wave())
    expected = librosa.feature.mfcc(y=_wave()[0], sr=8000, n_mfcc=40, n_mels=40, n_fft=2048,
                                    hop_length=512).T[:5]
    np.testing.assert_allclose(got[0], expected, rtol=1e-5, atol=1e-4)
