"""The error a malformed shop file raises."""
from __future__ import annotations

from pathlib import Path


class ShopDataError(ValueError):
    """A shop file is malformed. Names the file, the row (1-based data row, the header being
    line 1 of the file, so data row ``r`` is on line ``r + 1``) and the column.

    Attributes ``file``, ``row`` (None for a problem with the header), ``column``, ``value``,
    ``problem`` and ``n_rows`` (how many rows share the problem) are there for programs.
    """

    def __init__(self, file: str | Path, problem: str, *, row: int | None = None,
                 column: str | None = None, value: object = None, n_rows: int = 1):
        self.file, self.problem, self.row, self.column = str(file), problem, row, column
        self.value, self.n_rows = value, n_rows
        where = "header" if row is None else f"row {row} (line {row + 1})"
        col = f", column '{column}'" if column is not None else ""
        val = f" (value {value!r})" if value is not None else ""
        more = f"; {n_rows - 1} more row(s) have the same problem" if n_rows > 1 else ""
        super().__init__(f"{self.file}: {where}{col}: {problem}{val}{more}")
