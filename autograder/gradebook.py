"""Read scores from an nbgrader gradebook (``gradebook.db``) without importing nbgrader.

A NULL ``auto_score`` on an automatically graded test cell means the grader failed on that
notebook (invalid JSON, dead kernel, ...), which ``nbgrader export`` would write as 0. Here it
stays ``None`` so callers can tell a failure from a zero. Manually graded cells (written answers)
are NULL until a person grades them; ``CellScore.manual`` tells them apart.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class CellScore:
    """Score of one graded cell of one submitted notebook."""

    grade_id: str
    max_score: float
    auto_score: float | None     # None: not graded automatically (failure, or a manual cell)
    manual_score: float | None   # set by a person in formgrader
    extra_credit: float | None
    needs_manual_grade: bool
    manual: bool                 # a written answer graded by a person (nbgrader solution+grade cell)
    cell_type: str               # "code" or "markdown"
    position: int                # order in the source notebook

    @property
    def score(self) -> float | None:
        """The score that counts: the manual score when given, else the automatic one."""
        base = self.manual_score if self.manual_score is not None else self.auto_score
        if base is None:
            return None
        return base + (self.extra_credit or 0.0)

    @property
    def grader_failed(self) -> bool:
        """True when an automatically graded cell has no score (NULL), i.e. the grader failed."""
        return not self.manual and self.auto_score is None and self.manual_score is None


_QUERY = """
SELECT st.id, nb.name, bc.name, gc.max_score, gc.cell_type,
       g.auto_score, g.manual_score, g.extra_credit, g.needs_manual_grade,
       EXISTS (SELECT 1 FROM solution_cells sc JOIN base_cell bs ON bs.id = sc.id
               WHERE bs.name = bc.name AND bs.notebook_id = bc.notebook_id) AS manual
FROM grade g
JOIN submitted_notebook sn ON sn.id = g.notebook_id
JOIN submitted_assignment sa ON sa.id = sn.assignment_id
JOIN assignment a ON a.id = sa.assignment_id
JOIN student st ON st.id = sa.student_id
JOIN notebook nb ON nb.id = sn.notebook_id
JOIN base_cell bc ON bc.id = g.cell_id
JOIN grade_cells gc ON gc.id = bc.id
WHERE a.name = ?
"""

_ORDER = """
SELECT sc.name, sc.rowid FROM source_cell sc
JOIN notebook nb ON nb.id = sc.notebook_id
JOIN assignment a ON a.id = nb.assignment_id
WHERE a.name = ? AND nb.name = ?
"""


def read_scores(db_path: str | Path, assignment: str,
                students: list[str] | None = None) -> dict[str, dict[str, list[CellScore]]]:
    """Scores from ``db_path`` for ``assignment``: ``{student: {notebook: [CellScore, ...]}}``,
    cells in notebook order. Students without a submission are absent."""
    db_path = Path(db_path)
    if not db_path.exists():
        raise FileNotFoundError(f"no gradebook at {db_path}")
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        rows = con.execute(_QUERY, (assignment,)).fetchall()
        orders: dict[str, dict[str, int]] = {}
        for notebook in {row[1] for row in rows}:
            orders[notebook] = {name: rowid for name, rowid in
                                con.execute(_ORDER, (assignment, notebook)).fetchall()}
    finally:
        con.close()
    out: dict[str, dict[str, list[CellScore]]] = {}
    for (student, notebook, name, max_score, cell_type, auto, manual_score, extra,
         needs_manual, manual) in rows:
        if students is not None and student not in students:
            continue
        out.setdefault(student, {}).setdefault(notebook, []).append(CellScore(
            grade_id=name, max_score=float(max_score), auto_score=auto,
            manual_score=manual_score, extra_credit=extra,
            needs_manual_grade=bool(needs_manual), manual=bool(manual), cell_type=cell_type,
            position=orders.get(notebook, {}).get(name, 0)))
    for notebooks in out.values():
        for cells in notebooks.values():
            cells.sort(key=lambda c: c.position)
    return out
