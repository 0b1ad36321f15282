import json

import pytest

from mmalign_sk.experiments import ResultCache


def test_roundtrip_and_key_order(tmp_path):
    cache = ResultCache(tmp_path / "c")
    assert cache.get({"a": 1, "b": [1, 2]}) is None and len(cache) == 0
    cache.put({"a": 1, "b": [1, 2]}, {"x": 0.5})
    assert cache.get({"b": [1, 2], "a": 1}) == {"x": 0.5}
    assert cache.get({"a": 2, "b": [1, 2]}) is None
    assert len(cache) == 1
    # a new object on the same folder sees the finished cell (a resumed run)
    assert ResultCache(tmp_path / "c").get({"a": 1, "b": [1, 2]}) == {"x": 0.5}


def test_truncated_file_is_recomputed(tmp_path):
    cache = ResultCache(tmp_path)
    cache.put({"a": 1}, {"x": 1})
    path = next(tmp_path.glob("cell-*.json"))
    path.write_text(path.read_text()[:10])
    with pytest.warns(RuntimeWarning, match="is unreadable"):
        assert cache.get({"a": 1}) is None
    assert not list(tmp_path.glob("*.tmp"))


@pytest.mark.parametrize("content, reason", [
    (b"\xff\xfe{\"params\"", "UnicodeDecodeError"),
    (b"[1, 2, 3]", "got list"),
    (b'"text"', "got str"),
    (b'{"params": {"a": 1}}', r"got \['params'\]"),
    (b'{"result": 1}', r"got \['result'\]"),
])
def test_unreadable_cell_warns_and_is_recomputed(tmp_path, content, reason):
    cache = ResultCache(tmp_path)
    cache.put({"a": 1}, {"x": 1})
    path = next(tmp_path.glob("cell-*.json"))
    path.write_bytes(content)
    with pytest.warns(RuntimeWarning, match=f"{path.name} is unreadable.*{reason}"):
        assert cache.get({"a": 1}) is None
    cache.put({"a": 1}, {"x": 2})  # the recomputed result replaces it
    assert cache.get({"a": 1}) == {"x": 2}


def test_failed_write_leaves_no_temporary_file(tmp_path):
    cache = ResultCache(tmp_path)
    with pytest.raises(TypeError):
        cache.put({"a": 1}, {"x": object()})
    assert list(tmp_path.iterdir()) == [] and cache.get({"a": 1}) is None


def test_no_directory_keeps_nothing():
    cache = ResultCache(None)
    cache.put({"a": 1}, {"x": 1})
    assert cache.get({"a": 1}) is None and len(cache) == 0


def test_unserialisable_params(tmp_path):
    with pytest.raises(TypeError, match="JSON-serialisable"):
        ResultCache(tmp_path).put({"a": {1, 2}}, {})


def test_file_records_params(tmp_path):
    ResultCache(tmp_path).put({"r": 3}, {"acc": 0.9})
    record = json.loads(next(tmp_path.glob("cell-*.json")).read_text())
    assert record == {"params": {"r": 3}, "result": {"acc": 0.9}}
