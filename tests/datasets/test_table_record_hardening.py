"""Caption tables and MM-IMDb records from untrusted files: named errors, no silent answers."""

import json
import os
import threading
import warnings

import numpy as np
import pytest

from mmalign_sk.datasets import fetch_mmimdb, load_image_caption_pairs
from mmalign_sk.datasets import _mmimdb
from mmalign_sk.datasets._image_text import MAX_FIELD_CHARS
from mmalign_sk.datasets._mmimdb import GENRES


def _jsonl(path, lines):
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


GOOD = json.dumps({"image": "a.jpg", "caption": "A cat."})


@pytest.mark.parametrize("line, fragment", [
    ("[1, 2]", "got a list"), ('"a.jpg"', "got a str"), ("5", "got a int"), ("null", "NoneType"),
    ("[" * 100_000 + "]" * 100_000, "RecursionError"), ("{'image': 1}", "not valid JSON"),
])
def test_jsonl_lines_that_are_not_objects_are_named(tmp_path, line, fragment):
    path = _jsonl(tmp_path / "t.jsonl", [GOOD, line])
    with pytest.raises(ValueError, match=rf"t\.jsonl, line 2: .*{fragment}"):
        load_image_caption_pairs(path, check_files=False)


@pytest.mark.parametrize("caption, fragment", [
    (3, "must be text; got int"), (["a", "b"], "must be text; got list"),
    ({"en": "x"}, "must be text; got dict"), ("", "is empty"), ("   ", "is empty"),
    (None, "has no value"), ("x" * (MAX_FIELD_CHARS + 1), "131,073 characters"),
])
def test_caption_values_must_be_text_of_bounded_length(tmp_path, caption, fragment):
    path = _jsonl(tmp_path / "t.jsonl", [GOOD, json.dumps({"image": "b.jpg", "caption": caption})])
    with pytest.raises(ValueError, match=rf"t\.jsonl: row 1, column 'caption' .*{fragment}|"
                                         rf"t\.jsonl: row 1 has no value"):
        load_image_caption_pairs(path, check_files=False)


def test_a_caption_at_the_bound_is_kept_exactly(tmp_path):
    long = "é" * MAX_FIELD_CHARS
    path = _jsonl(tmp_path / "t.jsonl", [GOOD, json.dumps({"image": "b.jpg", "caption": long})])
    assert list(load_image_caption_pairs(path, check_files=False).X["text"]) == ["A cat.", long]
    (tmp_path / "t.csv").write_text(f"image,caption\nb.jpg,{long}\n", encoding="utf-8")
    assert list(load_image_caption_pairs(tmp_path / "t.csv", check_files=False).X["text"]) == [long]


def test_csv_field_over_the_limit_is_named(tmp_path):
    (tmp_path / "big.csv").write_text("image,caption\na.jpg,ok\nb.jpg," + "y" * 200_000 + "\n")
    with pytest.raises(ValueError, match=r"big\.csv, line \d: field larger than field limit"):
        load_image_caption_pairs(tmp_path / "big.csv", check_files=False)


@pytest.mark.parametrize("name", ["latin.csv", "latin.jsonl"])
def test_tables_not_in_utf8_are_named(tmp_path, name):
    text = ("image,caption\na.jpg,Café crème\n" if name.endswith(".csv")
            else json.dumps({"image": "a.jpg", "caption": "Café crème"}, ensure_ascii=False))
    (tmp_path / name).write_bytes(text.encode("latin-1"))
    with pytest.raises(ValueError, match=rf"{name} is not UTF-8 text .*re-save"):
        load_image_caption_pairs(tmp_path / name, check_files=False)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_fifo_table_and_fifo_images_do_not_block(tmp_path):
    os.mkfifo(tmp_path / "captions.csv")
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "a.jpg").write_bytes(b"")
    os.mkfifo(tmp_path / "real" / "b.jpg")
    _jsonl(tmp_path / "real" / "t.jsonl", [GOOD, json.dumps({"image": "b.jpg", "caption": "B"})])
    errors = []

    def load():
        for path in (tmp_path, tmp_path / "real" / "t.jsonl"):
            try:
                load_image_caption_pairs(path)
            except ValueError as exc:
                errors.append(str(exc))

    worker = threading.Thread(target=load, daemon=True)
    worker.start()
    worker.join(timeout=20)
    if worker.is_alive():
        with open(tmp_path / "captions.csv", "w"):
            pass
        pytest.fail("reading a FIFO blocked")
    assert "captions.csv' is not a regular file" in errors[0]
    assert "1 image path(s)" in errors[1] and "b.jpg" in errors[1]


# ----------------------------------------------------------------------------------- MM-IMDb
def _home(tmp_path, records, split=None):
    root = tmp_path / "mmimdb"
    (root / "dataset").mkdir(parents=True)
    for movie, record in records.items():
        path = root / "dataset" / f"{movie}.json"
        if isinstance(record, bytes):
            path.write_bytes(record)
        else:
            path.write_text(json.dumps(record))
    (root / "split.json").write_text(json.dumps(
        split or {"train": list(records), "dev": [], "test": []}))
    return tmp_path


def test_genre_names_match_in_any_letter_case(tmp_path):
    home = _home(tmp_path, {
        "m1": {"plot": ["p"], "genres": ["drama", "SCI-FI", " Film-noir "]},
        "m2": {"plot": ["p"], "genres": ["Drama", "Sci-Fi", "Film-Noir"]},
    })
    y = fetch_mmimdb(data_home=home).y
    expected = np.zeros(len(GENRES), dtype=int)
    expected[[GENRES.index("Drama"), GENRES.index("Sci-Fi"), GENRES.index("Film-Noir")]] = 1
    np.testing.assert_array_equal(y, [expected, expected])


def test_movies_without_any_known_genre_are_reported(tmp_path):
    home = _home(tmp_path, {"m1": {"plot": "p", "genres": ["Drama"]},
                            "m2": {"plot": "p", "genres": ["Reality-TV"]},
                            "m3": {"plot": "p", "genres": []}})
    with pytest.warns(UserWarning, match=r"2 movie\(s\) have none of the 23 genres.*m2\.json"):
        y = fetch_mmimdb(data_home=home).y
    assert y.sum(axis=1).tolist() == [1, 0, 0]


@pytest.mark.parametrize("plot, text", [(["", "Second."], "Second."), (["First.", "x"], "First."),
                                        ("Only.", "Only."), ([None, "Late."], "Late.")])
def test_plot_is_the_first_non_empty_summary(tmp_path, plot, text):
    home = _home(tmp_path, {"m1": {"plot": plot, "genres": ["Drama"]}})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert list(fetch_mmimdb(data_home=home).X["text"]) == [text]


@pytest.mark.parametrize("plot, fragment", [
    ([], "no plot summary"), ([""], "no plot summary"), ("  ", "no plot summary"),
    (None, "no plot summary"), ([3], "must be a list of texts or a text"),
    ({"en": "x"}, "must be a list of texts or a text"),
    ([["nested"]], "must be a list of texts or a text"),
])
def test_plots_that_are_not_text_are_named(tmp_path, plot, fragment):
    home = _home(tmp_path, {"m1": {"plot": ["fine"], "genres": ["Drama"]},
                            "m7": {"plot": plot, "genres": ["Drama"]}})
    with pytest.raises(ValueError, match=rf"m7\.json: .*{fragment}"):
        fetch_mmimdb(data_home=home)


@pytest.mark.parametrize("broken", ["record", "split"])
@pytest.mark.parametrize("content", [b"[" * 100_000 + b"]" * 100_000,
                                     b'{"plot": ["caf\xe9"], "genres": []}', b'{"plot": '])
def test_unreadable_json_is_named(tmp_path, broken, content):
    home = _home(tmp_path, {"m1": {"plot": ["p"], "genres": ["Drama"]}, "m2": content})
    target = "split.json" if broken == "split" else "m2.json"
    if broken == "split":
        (home / "mmimdb" / "split.json").write_bytes(content)
    with pytest.raises(ValueError, match=rf"{target} is not valid JSON"):
        fetch_mmimdb(data_home=home)


def test_json_size_is_bounded_and_files_must_be_regular(tmp_path, monkeypatch):
    home = _home(tmp_path, {"m1": {"plot": ["p" * 2000], "genres": ["Drama"]}})
    monkeypatch.setattr(_mmimdb, "MAX_JSON_BYTES", 1000)
    with pytest.raises(ValueError, match=r"m1\.json has 2,\d{3} bytes; at most MAX_JSON_BYTES"):
        fetch_mmimdb(data_home=home)
    monkeypatch.undo()
    record = home / "mmimdb" / "dataset" / "m1.json"
    record.unlink()
    record.mkdir()
    with pytest.raises(ValueError, match=r"m1\.json is not a regular file"):
        fetch_mmimdb(data_home=home)
