"""Study-cache cells that cannot be read back, whatever is wrong with them, are recomputed."""

import json

import pytest

from mmalign_sk.experiments import ResultCache
from mmalign_sk.experiments._runner import run_cells

PARAMS = {"setting": "R=8", "seed": 3}


def _cell_file(tmp_path):
    cache = ResultCache(tmp_path)
    cache.put(PARAMS, {"alignment": 0.5})
    return cache, next(tmp_path.glob("cell-*.json"))


def _record(result):
    return json.dumps({"params": PARAMS, "result": result}).encode()


DEEP = 100_000
BROKEN = {
    "nested file": (b"[" * DEEP + b"]" * DEEP, "RecursionError"),
    "nested result": (b'{"params": ' + json.dumps(PARAMS).encode() + b', "result": '
                      + b"[" * DEEP + b"]" * DEEP + b"}", "RecursionError"),
    "nested params": (b'{"params": ' + b"{\"a\": " * DEEP + b"1" + b"}" * DEEP
                      + b', "result": {}}', "RecursionError"),
    "null result": (_record(None), "got NoneType"),
    "number result": (_record(0.5), "got float 0.5"),
    "string result": (_record("0.71"), "got str '0.71'"),
    "bool result": (_record(True), "got bool"),
    "record is a list": (json.dumps([PARAMS, {"alignment": 1}]).encode(), "got list"),
    "no result key": (json.dumps({"params": PARAMS, "value": {}}).encode(), "['params', 'value']"),
    "invalid utf-8": (b'{"params": {}, "result": "\xff"}', "UnicodeDecodeError"),
    "not json": (b"NaN-ish garbage", "JSONDecodeError"),
    "empty file": (b"", "JSONDecodeError"),
}


@pytest.mark.parametrize("kind", list(BROKEN))
def test_unreadable_cells_warn_and_count_as_missing(tmp_path, kind):
    content, reason = BROKEN[kind]
    cache, path = _cell_file(tmp_path)
    path.write_bytes(content)
    with pytest.warns(RuntimeWarning, match="is unreadable") as record:
        assert cache.get(PARAMS) is None
    message = str(record[0].message)
    assert str(path) in message and reason in message and "computing it again" in message


@pytest.mark.parametrize("kind", ["nested result", "null result", "record is a list"])
def test_the_runner_recomputes_and_overwrites_them(tmp_path, kind):
    cache, path = _cell_file(tmp_path)
    path.write_bytes(BROKEN[kind][0])
    calls = []

    def compute(cell):
        calls.append(cell)
        return {"alignment": cell["seed"] / 10}

    with pytest.warns(RuntimeWarning, match="is unreadable"):
        results = run_cells([PARAMS], compute, cache=cache, progress=False)
    assert results == [{"alignment": 0.3}] and calls == [PARAMS]
    assert cache.get(PARAMS) == {"alignment": 0.3}  # rewritten: read back without a warning


def test_check_refuses_results_of_the_wrong_shape(tmp_path):
    def rows_with_alignment(result):
        for row in result:
            float(row["alignment"])

    cache = ResultCache(tmp_path, check=rows_with_alignment)
    cache.put(PARAMS, [{"alignment": 0.1}, {"alignment": 0.2}])
    assert cache.get(PARAMS) == [{"alignment": 0.1}, {"alignment": 0.2}]
    for bad, error in (([{"score": 1}], "KeyError"), ([{"alignment": "high"}], "ValueError"),
                       ([{"alignment": None}], "TypeError")):
        cache.put(PARAMS, bad)
        with pytest.warns(RuntimeWarning, match=rf"malformed result: {error}"):
            assert cache.get(PARAMS) is None


def test_lists_and_objects_are_results(tmp_path):
    cache = ResultCache(tmp_path)
    for result in ([], [{"a": 1}], {}, {"a": [1, 2]}):
        cache.put(PARAMS, result)
        assert cache.get(PARAMS) == result
