import csv
import json

import numpy as np
import pytest

from mmalign_sk.experiments import StudyTable


@pytest.fixture
def table():
    return StudyTable(
        [
            {"r": 0, "depth": 0, "alignment": 0.25},
            {"r": 8, "depth": 0, "alignment": np.float32(0.75)},
            {"r": 8, "depth": 2, "accuracy": 0.5},
        ]
    )


def test_columns_are_the_union_in_order_of_first_appearance(table):
    assert table.columns == ["r", "depth", "alignment", "accuracy"]
    assert len(table) == 3
    assert table["r"].tolist() == [0, 8, 8]
    assert table["alignment"].tolist() == [0.25, 0.75, None]


def test_numpy_scalars_become_plain_python_values(table):
    assert type(table.records[1]["alignment"]) is float


def test_filter_and_unknown_column(table):
    assert table.filter(r=8, depth=2)["accuracy"].tolist() == [0.5]
    assert len(table.filter(r=3)) == 0
    with pytest.raises(KeyError, match="no column"):
        table.filter(width=1)
    with pytest.raises(KeyError, match="no column"):
        table["width"]


def test_csv_round_trip(table, tmp_path):
    with table.to_csv(tmp_path / "t.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [row["r"] for row in rows] == ["0", "8", "8"]
    assert rows[2]["alignment"] == "" and float(rows[1]["alignment"]) == 0.75


def test_json_round_trip_and_to_dict(table, tmp_path):
    path = table.to_json(tmp_path / "t.json")
    assert json.loads(path.read_text())[0] == {"r": 0, "depth": 0, "alignment": 0.25}
    again = StudyTable.from_json(path)
    assert again.to_dict() == table.to_dict()
    assert table.to_dict()["depth"] == [0, 0, 2]


def test_json_writes_nan_as_null(tmp_path):
    path = StudyTable([{"a": float("nan"), "b": 1.5}]).to_json(tmp_path / "t.json")
    assert json.loads(path.read_text()) == [{"a": None, "b": 1.5}]


def test_markdown(table):
    lines = table.to_markdown(columns=["r", "alignment"], floatfmt=".2f").splitlines()
    assert lines[0] == "| r | alignment |"
    assert lines[2:] == ["| 0 | 0.25 |", "| 8 | 0.75 |", "| 8 |  |"]
