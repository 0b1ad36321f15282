import json
import os

import pytest

from mmalign_sk.datasets import clear_data_home, get_data_home, load_image_caption_pairs


def test_data_home_env_and_default(tmp_path, monkeypatch):
    monkeypatch.setenv("MMALIGN_DATA", str(tmp_path / "env"))
    assert get_data_home() == str(tmp_path / "env")
    assert os.path.isdir(tmp_path / "env")
    monkeypatch.delenv("MMALIGN_DATA")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert get_data_home() == str(tmp_path / "mmalign_data")
    clear_data_home()
    assert not os.path.exists(tmp_path / "mmalign_data")


@pytest.fixture
def pairs(tmp_path):
    (tmp_path / "img").mkdir()
    for name in ("a.jpg", "b.jpg", "c.jpg"):
        (tmp_path / "img" / name).write_bytes(b"")
    return tmp_path, [("img/a.jpg", "A red car."), ("img/b.jpg", "Two, with comma."),
                      ("img/c.jpg", "Sky")]


def test_csv_and_jsonl(pairs):
    root, rows = pairs
    with open(root / "captions.csv", "w") as f:
        f.write("url,caption\n")
        for img, cap in rows:
            f.write(f'{img},"{cap}"\n')
    data = load_image_caption_pairs(root, image_column="url")
    assert list(data.X["text"]) == [c for _, c in rows]
    assert data.X["image"][1] == str(root / "img" / "b.jpg")
    assert data.y is None and data.modalities == ("image", "text")
    with open(root / "pairs.jsonl", "w") as f:
        for img, cap in rows:
            f.write(json.dumps({"image": img, "caption": cap}) + "\n")
    sub = load_image_caption_pairs(root / "pairs.jsonl", n_samples=2, random_state=0)
    again = load_image_caption_pairs(root / "pairs.jsonl", n_samples=2, random_state=0)
    assert len(sub.X["text"]) == 2 and list(sub.X["text"]) == list(again.X["text"])


def test_errors(pairs):
    root, rows = pairs
    (root / "t.csv").write_text("image,text\nimg/a.jpg,x\n")
    with pytest.raises(ValueError, match="'caption'"):
        load_image_caption_pairs(root / "t.csv")
    (root / "m.csv").write_text("image,caption\nimg/missing.jpg,x\n")
    with pytest.raises(FileNotFoundError, match="missing.jpg"):
        load_image_caption_pairs(root / "m.csv")
    with pytest.raises(ValueError, match=".csv, .jsonl or .parquet"):
        load_image_caption_pairs(root / "img" / "a.jpg")
    with pytest.raises(FileNotFoundError, match="captions.csv"):
        load_image_caption_pairs(root / "img")


def test_parquet_needs_pyarrow(pairs):
    import importlib.util

    if importlib.util.find_spec("pyarrow") is not None:
        pytest.skip("pyarrow installed: the ImportError path cannot be exercised")
    root, _ = pairs
    (root / "t.parquet").write_bytes(b"PAR1")
    with pytest.raises(ImportError, match="pyarrow"):
        load_image_caption_pairs(root / "t.parquet")
