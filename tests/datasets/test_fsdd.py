import hashlib
import http.server
import os
import threading

import numpy as np
import pytest
import soundfile

from mmalign_sk.datasets import _fsdd, fetch_fsdd
from mmalign_sk.datasets._base import RemoteFile, download
from mmalign_sk.datasets._fsdd_manifest import manifest

NAMES = ["3_george_0.wav", "3_george_7.wav", "5_theo_2.wav", "5_theo_12.wav"]


class _RangeHandler(http.server.SimpleHTTPRequestHandler):
    ranges = []
    honour_range = True

    def log_message(self, *args):
        pass

    def do_GET(self):
        path = self.translate_path(self.path)
        if not os.path.isfile(path):
            self.send_error(404)
            return
        data = open(path, "rb").read()
        header = self.headers.get("Range")
        type(self).ranges.append(header)
        if header and type(self).honour_range:
            start = int(header.split("=")[1].split("-")[0])
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            data = data[start:]
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def server(tmp_path, monkeypatch):
    served = tmp_path / "served"
    served.mkdir()
    rng = np.random.RandomState(0)
    checksums, waves = {}, {}
    for i, name in enumerate(NAMES):
        wave = (0.1 * rng.normal(size=4000 + 100 * i)).astype(np.float32)
        soundfile.write(served / name, wave, 8000, subtype="PCM_16")
        waves[name] = soundfile.read(served / name, dtype="float32")[0]
        checksums[name] = hashlib.sha256((served / name).read_bytes()).hexdigest()

    def handler(*args, **kwargs):
        return _RangeHandler(*args, directory=str(served), **kwargs)

    _RangeHandler.ranges = []
    _RangeHandler.honour_range = True
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setattr(_fsdd, "BASE_URL", f"http://127.0.0.1:{httpd.server_address[1]}/")
    monkeypatch.setattr(_fsdd, "manifest", lambda: dict(checksums))
    yield served, checksums, waves
    httpd.shutdown()
    httpd.server_close()


def test_fsdd_downloads_verifies_and_splits(server, tmp_path):
    served, checksums, waves = server
    home = tmp_path / "home"
    test = fetch_fsdd(data_home=home, subset="test")
    assert list(test.filenames) == ["3_george_0.wav", "5_theo_2.wav"]
    np.testing.assert_array_equal(test.y, [3, 5])
    assert list(test.speaker) == ["george", "theo"]
    np.testing.assert_array_equal(test.X["audio"][1], waves["5_theo_2.wav"])
    train = fetch_fsdd(data_home=home, subset="train")
    assert sorted(train.filenames) == ["3_george_7.wav", "5_theo_12.wav"]
    assert train.sample_rate == 8000
    for name in NAMES:
        assert (home / "fsdd" / "recordings" / name).read_bytes() == (served / name).read_bytes()
    with pytest.raises(ValueError, match="no validation"):
        fetch_fsdd(data_home=home, subset="valid")


def test_fsdd_resample(server, tmp_path):
    import librosa

    _, _, waves = server
    data = fetch_fsdd(data_home=tmp_path, subset="test", sample_rate=16000)
    expected = librosa.resample(waves["3_george_0.wav"], orig_sr=8000, target_sr=16000)
    np.testing.assert_allclose(data.X["audio"][0], expected, rtol=1e-5, atol=1e-6)
    assert data.sample_rate == 16000


def test_fsdd_tampered_local_file_detected(server, tmp_path):
    fetch_fsdd(data_home=tmp_path, subset="test")
    path = tmp_path / "fsdd" / "recordings" / "3_george_0.wav"
    path.write_bytes(path.read_bytes()[:-2] + b"\x00\x01")
    with pytest.raises(ValueError, match="does not match the SHA-256"):
        fetch_fsdd(data_home=tmp_path, subset="test")
    fetch_fsdd(data_home=tmp_path, subset="test", verify=False)


def test_fsdd_no_download(server, tmp_path):
    with pytest.raises(FileNotFoundError, match="3_george_0.wav"):
        fetch_fsdd(data_home=tmp_path, subset="test", download_if_missing=False)


def test_download_resumes_with_range(server, tmp_path):
    served, checksums, _ = server
    name = NAMES[1]
    full = (served / name).read_bytes()
    (tmp_path / (name + ".part")).write_bytes(full[:1000])
    path = download(RemoteFile(name, _fsdd.BASE_URL + name, checksums[name]), tmp_path)
    assert open(path, "rb").read() == full
    assert _RangeHandler.ranges[-1] == "bytes=1000-"
    assert not os.path.exists(path + ".part")


def test_download_checksum_mismatch_removes_partial(server, tmp_path):
    name = NAMES[0]
    with pytest.raises(ValueError, match="Checksum mismatch"):
        download(RemoteFile(name, _fsdd.BASE_URL + name, "0" * 64), tmp_path / "dest")
    assert not any((tmp_path / "dest").iterdir())


def test_download_without_known_checksum_refuses():
    with pytest.raises(ValueError, match="No SHA-256 is known"):
        download(RemoteFile("x.bin", "http://127.0.0.1:9/x.bin", None), "/nonexistent")


def test_shipped_manifest_is_complete():
    m = manifest()
    assert len(m) == 3000
    assert all(len(v) == 64 and int(v, 16) >= 0 for v in m.values())
    digits = {n.split("_")[0] for n in m}
    speakers = {n.split("_")[1] for n in m}
    assert digits == {str(d) for d in range(10)} and len(speakers) == 6
    assert sum(_fsdd._split_of(n) == "test" for n in m) == 300


def test_download_restarts_when_server_ignores_range(server, tmp_path):
    served, checksums, _ = server
    _RangeHandler.honour_range = False
    name = NAMES[2]
    full = (served / name).read_bytes()
    (tmp_path / (name + ".part")).write_bytes(full[:500])
    path = download(RemoteFile(name, _fsdd.BASE_URL + name, checksums[name]), tmp_path)
    assert open(path, "rb").read() == full


def test_download_http_error_names_url(server, tmp_path):
    url = _fsdd.BASE_URL + "absent.wav"
    with pytest.raises(OSError, match="absent.wav.*failed"):
        download(RemoteFile("absent.wav", url, "0" * 64), tmp_path)


def test_download_never_writes_through_a_planted_link(server, tmp_path):
    served, checksums, _ = server
    name = NAMES[0]
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    dest = tmp_path / "dest"
    dest.mkdir()
    os.symlink(victim, dest / (name + ".part"))
    with pytest.raises(ValueError, match=r"\.part is a symbolic link"):
        download(RemoteFile(name, _fsdd.BASE_URL + name, checksums[name]), dest)
    assert victim.read_text() == "precious"
