"""A tidy results table: one row per study cell, one column per setting or measurement.

pandas is not a dependency, so the studies return this small record table; ``pd.DataFrame(table.to_dict())``
turns it into a DataFrame.
"""

import csv
import json
import math
from pathlib import Path

import numpy as np


def _plain(value):
    if isinstance(value, np.generic):
        return value.item()
    return value


class StudyTable:
    """Rows of a study as records, with CSV, JSON and Markdown output.

    Parameters
    ----------
    records : iterable of dict
        One mapping per row. Columns are the union of the keys, in order of first appearance, unless
        ``columns`` is given; a row missing a column holds ``None`` there.
    columns : list of str, optional
        Column order.

    Examples
    --------
    >>> from mmalign_sk.experiments import StudyTable
    >>> table = StudyTable([{"r": 0, "alignment": 0.12}, {"r": 8, "alignment": 0.61}])
    >>> table["alignment"]
    array([0.12, 0.61])
    >>> len(table.filter(r=8))
    1
    >>> print(table.to_markdown())
    | r | alignment |
    |---|-----------|
    | 0 | 0.120 |
    | 8 | 0.610 |
    """

    def __init__(self, records, columns=None):
        self.records = [{key: _plain(value) for key, value in dict(row).items()} for row in records]
        if columns is None:
            columns = []
            for row in self.records:
                columns.extend(key for key in row if key not in columns)
        self.columns = list(columns)

    def __len__(self):
        return len(self.records)

    def __iter__(self):
        return iter(self.records)

    def __getitem__(self, column):
        if column not in self.columns:
            raise KeyError(f"no column {column!r}; columns are {self.columns}")
        return np.asarray([row.get(column) for row in self.records])

    def __repr__(self):
        return f"StudyTable({len(self)} rows x {len(self.columns)} columns: {', '.join(self.columns)})"

    def filter(self, **conditions):
        """The rows whose columns equal the given values, as a new table."""
        unknown = [key for key in conditions if key not in self.columns]
        if unknown:
            raise KeyError(f"no column(s) {unknown}; columns are {self.columns}")
        rows = [row for row in self.records if all(row.get(k) == v for k, v in conditions.items())]
        return StudyTable(rows, columns=self.columns)

    def to_dict(self):
        """``{column: list of values}`` (what ``pandas.DataFrame`` takes)."""
        return {column: [row.get(column) for row in self.records] for column in self.columns}

    def to_csv(self, path):
        """Write the table as CSV (empty cells for missing values); returns the path."""
        path = Path(path)
        with path.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=self.columns, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(self.records)
        return path

    def to_json(self, path):
        """Write the table as a JSON list of records; returns the path.

        JSON has no NaN: a NaN float (an undefined correlation, say) is written as ``null``.
        """
        path = Path(path)
        records = [{k: None if isinstance(v, float) and math.isnan(v) else v for k, v in r.items()} for r in self.records]
        path.write_text(json.dumps(records, indent=1, allow_nan=False) + "\n")
        return path

    @classmethod
    def from_json(cls, path):
        """Read a table written by :meth:`to_json`."""
        return cls(json.loads(Path(path).read_text()))

    def to_markdown(self, columns=None, floatfmt=".3f"):
        """The table (or the given columns) as a Markdown pipe table."""
        columns = self.columns if columns is None else list(columns)

        def cell(value):
            if isinstance(value, float):
                return "nan" if math.isnan(value) else format(value, floatfmt)
            return "" if value is None else str(value)

        lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("-" * (len(c) + 2) for c in columns) + "|"]
        lines += ["| " + " | ".join(cell(row.get(c)) for c in columns) + " |" for row in self.records]
        return "\n".join(lines)
