"""Step 5 of a class batch: one row per student, the grade CSV, notice pages and the summary.

The CSV (``grades.csv``) has the columns ``CSV_COLUMNS``, one row per student sorted by id, and no
timestamps, so the same input gives the same file. Scores come from the durable gradebook (manual
grades included), never from a cached result alone.
"""
from __future__ import annotations

import csv
import html
import io
import time
from dataclasses import dataclass, field
from pathlib import Path

from autograder.batch_layout import Paths, atomic_write
from autograder.status import Status

CSV_COLUMNS = ("student", "module", "score", "max_score", "status", "reason")


def fmt(x: float) -> str:
    return f"{x:g}"


@dataclass
class Row:
    student: str
    module: str
    score: float | None
    max_score: float
    status: Status
    reason: str
    seconds: float | None = None     # grading time in this run (None: cached or not graded)

    def csv_row(self) -> list[str]:
        return [self.student, self.module, "" if self.score is None else fmt(self.score),
                fmt(self.max_score), str(self.status), self.reason]


@dataclass
class BatchResult:
    module: str
    rows: list[Row]
    csv_path: Path
    out: Path
    unassigned: list[str] = field(default_factory=list)
    graded_now: int = 0
    seconds: float = 0.0
    engine: str = ""

    def row(self, student: str) -> Row:
        for r in self.rows:
            if r.student == student:
                return r
        raise KeyError(student)

    @property
    def all_graded(self) -> bool:
        return all(r.status == Status.GRADED for r in self.rows)


def flag_text(flags: list[str]) -> str:
    shown = flags[:4]
    more = f"; and {len(flags) - 4} more" if len(flags) > 4 else ""
    return "possible tampering: " + "; ".join(shown) + more


def join(parts: list[str]) -> str:
    return "; ".join(" ".join(p.split()) for p in parts if p and p.strip())


def build_rows(students, results, paths: Paths, module: str, total_points: float, limits) -> list[Row]:
    """``students``: {id: batch_inspect.Student}; ``results``: {id: cached result dict or None}."""
    from autograder.gradebook import read_scores

    graded_ids = [sid for sid, r in results.items() if r and r.get("graded")]
    scores = read_scores(paths.gradebook, module, graded_ids) if graded_ids and paths.gradebook.exists() else {}
    rows = []
    for sid in sorted(students):
        st = students[sid]
        if st.status in (Status.MISSING, Status.COULD_NOT_GRADE):
            rows.append(Row(sid, module, None, total_points, st.status, join([st.reason] + st.notes)))
            continue
        res = results.get(sid)
        if res is None or res.get("key") != st.key:
            rows.append(Row(sid, module, None, total_points, Status.COULD_NOT_GRADE,
                            "the grader did not reach this notebook (the run was interrupted)"))
            continue
        findings = res.get("findings") or {}
        notes = list(st.notes)
        if findings.get("interrupted"):
            notes.append(f"stopped after the per-cell time limit of {limits.cell_timeout:g} s: "
                         + ", ".join(findings["interrupted"]))
        if findings.get("truncated"):
            notes.append("long output was truncated")
        flags = list(st.flags)
        if res.get("stray"):
            flags.append("wrote files outside its folder: " + ", ".join(res["stray"][:5]))
        flag_part = [flag_text(flags)] if flags else []
        failed = Status.FLAGGED if flags else Status.COULD_NOT_GRADE
        if not res.get("graded"):
            # tampering that also broke grading: flagged (to review), without a score
            rows.append(Row(sid, module, None, total_points, failed, join(
                flag_part + ["could not grade: " + (res.get("reason") or "unknown error")] + notes)))
            continue
        if findings.get("memory"):
            earned = sum(e["points"] or 0 for e in res.get("exercises", []) if not e["manual"])
            rows.append(Row(sid, module, None, total_points, failed, join(
                flag_part + [f"ran out of memory (limit {limits.memory_mb} MB per process) in "
                             + ", ".join(findings["memory"]) + f"; the tests that ran earned {earned:g} points"]
                + notes)))
            continue
        if res.get("record_error") or res.get("recorded") != res.get("key") or sid not in scores:
            rows.append(Row(sid, module, None, total_points, Status.COULD_NOT_GRADE,
                            res.get("record_error") or "the grade was not recorded in the gradebook"))
            continue
        cells = scores[sid].get(module, [])
        score = sum(c.score or 0.0 for c in cells)
        maximum = sum(c.max_score for c in cells) or total_points
        pending = [c for c in cells if c.manual and c.needs_manual_grade and c.manual_score is None]
        review = [c for c in cells if c.needs_manual_grade and c.manual_score is not None]
        if pending:
            notes.append("to grade by hand: " + ", ".join(f"{c.grade_id} ({c.max_score:g} points)"
                                                         for c in pending))
        if review:
            notes.append("manual grade kept, to review after re-grading: "
                         + ", ".join(c.grade_id for c in review))
        rows.append(Row(sid, module, score, maximum, Status.FLAGGED if flags else Status.GRADED,
                        join(flag_part + notes)))
    return rows


def write_csv(paths: Paths, rows: list[Row]) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow(row.csv_row())
    atomic_write(paths.csv, buf.getvalue())


def notice_html(student: str, module: str, status: Status, reason: str) -> str:
    title = "not graded yet" if status == Status.MISSING else "could not be graded"
    body = ("We found no notebook from you for this module." if status == Status.MISSING else
            "Your notebook could not be graded automatically. This is <b>not</b> a score of zero: "
            "your instructor has been told and will look at it.")
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(module)}: {title}</title></head><body>\n"
            f"<h1>{html.escape(module)}: {title}</h1>\n<p>Student: {html.escape(student)}</p>\n"
            f"<p>{body}</p>\n<p>Reason: {html.escape(reason)}</p>\n</body></html>\n")


def append_log(paths: Paths, rows: list[Row], engine: str, seconds: float) -> None:
    paths.grades.mkdir(parents=True, exist_ok=True)
    with open(paths.grades / "grading.log", "a", encoding="utf-8") as f:
        f.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {engine} total={seconds:.1f}s\n")
        for r in rows:
            if r.seconds is not None:
                f.write(f"  {r.student} {r.status} {r.seconds:.1f}s\n")


def summary_table(result: BatchResult, width: int = 70) -> str:
    rows = [("student", "status", "score", "time", "reason")]
    for r in result.rows:
        score = "-" if r.score is None else f"{fmt(r.score)}/{fmt(r.max_score)}"
        t = "-" if r.seconds is None else f"{r.seconds:.1f}s"
        reason = r.reason if len(r.reason) <= width else r.reason[: width - 1] + "…"
        rows.append((r.student, str(r.status), score, t, reason))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = []
    for i, row in enumerate(rows):
        lines.append("  ".join(row[j].ljust(widths[j]) if j < 2 else row[j].rjust(widths[j])
                               for j in range(4)) + "  " + row[4])
        if i == 0:
            lines.append("-" * (sum(widths) + 8 + min(width, 40)))
    counts = {s: sum(1 for r in result.rows if r.status == s) for s in Status}
    lines.append("")
    lines.append(f"{len(result.rows)} students: " + ", ".join(f"{n} {s}" for s, n in counts.items()))
    if result.graded_now:
        per_min = result.graded_now / result.seconds * 60 if result.seconds else 0.0
        lines.append(f"graded {result.graded_now} notebook(s) in {result.seconds:.1f} s "
                     f"({per_min:.1f} per minute{', on ' + result.engine if result.engine else ''}); "
                     "the others were up to date")
    for rel in result.unassigned:
        lines.append(f"warning: no student id in the file name, not graded: {rel}")
    lines.append(f"grades: {result.csv_path}")
    lines.append(f"feedback: {result.out / 'work' / 'feedback'}/STUDENT/{result.module}/{result.module}.html")
    return "\n".join(lines)
