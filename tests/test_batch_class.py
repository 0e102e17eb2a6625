"""`recsys-course grade` on a whole class of module 00: one call, two workers, every bad kind of
submission of COURSE_SPEC §7, and every row of the grade CSV checked. Then: a re-run gives the
same CSV without grading anything again, and a manual grade entered in the gradebook survives
(and reaches the CSV and the feedback).

The class is generated from the module-00 solution and release notebooks (plus two small
hand-written files in tests/fixtures/class/)."""
from __future__ import annotations

import csv
import html
import json
import re
from pathlib import Path

import pytest

from autograder import notebooks as N
from autograder.batch import grade_class
from autograder.mistakes import load_fixtures

MODULE = "00_shop_data"
CLASS_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "class"
TIMEOUT = 60          # whole-notebook limit in this test (a correct notebook takes ~10-20 s)
MEMORY_MB = 2048      # a module-00 kernel needs ~1.2 GB of address space
pytestmark = pytest.mark.slow


def _variant(sol, replace=None, drop=(), append=None):
    nb = json.loads(json.dumps(sol))
    for gid, src in (replace or {}).items():
        N.find_cell(nb, gid)["source"] = src
    for gid, extra in (append or {}).items():
        cell = N.find_cell(nb, gid)
        cell["source"] = N.source_text(cell) + "\n" + extra
    nb["cells"] = [c for c in nb["cells"] if N.grade_id(c) not in drop]
    return nb


def _put(folder: Path, student: str, name: str, nb=None, data: bytes | None = None) -> None:
    path = folder / student / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if nb is not None:
        N.write(nb, path)
    else:
        path.write_bytes(data)


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory, repo_root):
    tmp = tmp_path_factory.mktemp("class")
    subs = tmp / "submissions"
    sol = N.read_json(repo_root / "solutions" / MODULE / f"{MODULE}.ipynb")
    release = N.read_json(repo_root / "course" / MODULE / f"{MODULE}.ipynb")
    toy = N.read_json(repo_root / "tests" / "fixtures" / "grading" / "99_toy" / "99_toy.ipynb")
    mistake = load_fixtures(MODULE)[0]          # funnel_counts_distinct_users: loses 2 points
    nbname = f"{MODULE}.ipynb"
    code = lambda gid: N.source_text(N.find_cell(sol, gid))   # noqa: E731

    _put(subs, "correct", nbname, sol)
    _put(subs, "blank", nbname, release)
    _put(subs, "wrong", "my work.ipynb", _variant(sol, mistake.replace))
    _put(subs, "invalid_json", nbname, data=(CLASS_FIXTURES / "invalid_json.ipynb").read_bytes())
    _put(subs, "other_assignment", "99_toy.ipynb", toy)
    _put(subs, "empty_file", nbname, data=b"")
    _put(subs, "deleted_tests", nbname, _variant(sol, drop=("m00_engagement", "m00_temporal_split")))
    # test cell edited to pass anything, and a wrong answer behind it: nbgrader restores the test
    _put(subs, "edited_tests", nbname, _variant(sol, {
        "m00_funnel_rates": "print('All public tests passed')",
        "m00_funnel_rates_code": "# GRADED FUNCTION: funnel_rates\ndef funnel_rates(counts):\n"
                                 "    return pd.Series([0.5, 0.5, 0.5], index=['ctr', 'add_to_cart_rate', 'conversion_rate'])"}))
    _put(subs, "syntax_error", nbname, _variant(sol, {
        "m00_engagement_code": "# GRADED FUNCTION: engagement\ndef engagement(events)\n    return events.nunique()"}))
    _put(subs, "infinite_loop", nbname, _variant(sol, append={"m00_funnel_counts_code": "while True:\n    pass"}))
    _put(subs, "memory_hog", nbname, _variant(sol, append={
        "m00_engagement_code": "hog = []\nwhile True:\n    hog.append(np.ones(10_000_000))"}))
    _put(subs, "dead_kernel", nbname, _variant(sol, append={"m00_funnel_rates_code": "import os\nos._exit(1)"}))
    _put(subs, "huge_output", nbname, _variant(sol, append={"m00_funnel_counts_code": "print('x' * 5_000_000)"}))
    _put(subs, "not_a_notebook", "answers.txt", data=(CLASS_FIXTURES / "answers.txt").read_bytes())
    _put(subs, "two_notebooks", "draft.ipynb", release)
    _put(subs, "two_notebooks", "final.ipynb", sol)
    # rebinding what checks could rely on, with a wrong answer: flagged, and the points are lost
    _put(subs, "rebinds_checks", nbname, _variant(sol, {
        "m00_funnel_counts_code": mistake.replace["m00_funnel_counts_code"] +
        "\nnp.testing.assert_allclose = lambda *a, **k: None\nnp.allclose = lambda *a, **k: True\n"
        "pd.testing.assert_series_equal = lambda *a, **k: None\n"}))
    # writes to the gradebook and to the grading folder
    _put(subs, "writes_gradebook", nbname, _variant(sol, append={"m00_temporal_split_code": (
        "import sqlite3\ncon = sqlite3.connect('../../../gradebook.db')\n"
        "con.execute('UPDATE grade SET auto_score = 99')\ncon.commit()\ncon.close()\n"
        "with open('../../../planted.txt', 'w') as f:\n    f.write('x')")}))
    (subs / "empty_folder").mkdir()
    roster = tmp / "roster.csv"
    roster.write_text("student_id,name\ncorrect,A\nblank,B\nghost,C\n", encoding="utf-8")

    out = tmp / "out"
    result = grade_class(subs, MODULE, course_root=repo_root, out=out, jobs=2, timeout=TIMEOUT,
                         memory_mb=MEMORY_MB, roster=roster, progress=False, echo=lambda *a: None)
    return {"result": result, "subs": subs, "out": out, "roster": roster, "repo_root": repo_root}


# (status, score or None, words the reason must contain); max score is 16 (14 auto + 2 manual)
EXPECTED = {
    "blank": ("graded", 0, []),
    "correct": ("graded", 14, ["to grade by hand", "m00_written_drop_out"]),
    "dead_kernel": ("could_not_grade", None, ["kernel died"]),
    "deleted_tests": ("graded", 14, ["deleted test cell", "m00_engagement", "m00_temporal_split", "put them back"]),
    "edited_tests": ("flagged", 12, ["edited the locked cell m00_funnel_rates"]),
    "empty_file": ("could_not_grade", None, ["file is empty"]),
    "empty_folder": ("missing", None, ["no files submitted"]),
    "ghost": ("missing", None, ["no submission", "roster"]),
    "huge_output": ("graded", 14, ["output was truncated"]),
    "infinite_loop": ("could_not_grade", None, [f"longer than the limit of {TIMEOUT} s"]),
    "invalid_json": ("could_not_grade", None, ["not valid JSON"]),
    # RLIMIT_AS either raises MemoryError in the cell ("ran out of memory (limit ... MB) in <cell>") or
    # kills the kernel first ("kernel died ... (a crash or out of memory)"), depending on where the
    # allocation fails; both are could_not_grade, never a zero.
    "memory_hog": ("could_not_grade", None, ["out of memory"]),
    "not_a_notebook": ("could_not_grade", None, ["no notebook", "answers.txt"]),
    "other_assignment": ("could_not_grade", None, ["not a notebook of 00_shop_data", "toy_gradient", "another assignment"]),
    "rebinds_checks": ("flagged", 12, ["np.testing.assert_allclose", "np.allclose", "pd.testing.assert_series_equal"]),
    "syntax_error": ("graded", 12, ["syntax error", "m00_engagement_code"]),
    "two_notebooks": ("could_not_grade", None, ["2 notebooks", "draft.ipynb", "final.ipynb"]),
    "writes_gradebook": ("flagged", 14, ["sqlite3", "gradebook", "outside its folder", "planted.txt"]),
    "wrong": ("graded", 12, ["to grade by hand"]),
}


def _csv_rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_every_row_of_the_csv(graded_class):
    result = graded_class["result"]
    rows = _csv_rows(result.csv_path)
    assert list(rows[0]) == ["student", "module", "score", "max_score", "status", "reason"]
    assert [r["student"] for r in rows] == sorted(EXPECTED), "one row per student, sorted"
    problems = []
    for row in rows:
        status, score, words = EXPECTED[row["student"]]
        got_score = None if row["score"] == "" else float(row["score"])
        if row["status"] != status or got_score != score or row["module"] != MODULE or row["max_score"] != "16":
            problems.append(f"{row['student']}: {row['status']} {row['score']}/{row['max_score']} ({row['reason']})")
        missing = [w for w in words if w.lower() not in row["reason"].lower()]
        if missing:
            problems.append(f"{row['student']}: reason {row['reason']!r} lacks {missing}")
        if status != "graded" and not row["reason"]:
            problems.append(f"{row['student']}: {status} without a reason")
    assert not problems, "\n".join(problems)
    assert len(rows) >= 12


def test_feedback_for_everyone_without_hidden_tests(graded_class):
    result, repo_root = graded_class["result"], graded_class["repo_root"]
    hidden = N.hidden_test_lines(N.read_json(repo_root / "solutions" / MODULE / f"{MODULE}.ipynb"))
    for row in result.rows:
        page = result.out / "work" / "feedback" / row.student / MODULE / f"{MODULE}.html"
        assert page.exists(), row.student
        text = html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))
        assert not [h for h in hidden if h in text] and "HIDDEN TESTS" not in text, row.student
        if row.status in ("could_not_grade", "missing"):
            assert "not</b> a score of zero" in page.read_text(encoding="utf-8") or row.status == "missing"
        assert page.stat().st_size < 2_000_000, f"{row.student}: feedback of {page.stat().st_size} bytes"
    huge = result.out / "work" / "autograded" / "huge_output" / MODULE / f"{MODULE}.ipynb"
    assert huge.stat().st_size < 1_000_000


def test_gradebook_holds_graded_notebooks_only(graded_class):
    from autograder.gradebook import read_scores

    result = graded_class["result"]
    scores = read_scores(result.out / "work" / "gradebook.db", MODULE)
    recorded = {s for s in scores}
    expected = {s for s, (status, score, _) in EXPECTED.items() if score is not None}
    assert recorded == expected
    # the notebook's own write to its grading gradebook did not give it points
    assert all((c.auto_score or 0) <= c.max_score for c in scores["writes_gradebook"][MODULE])


def test_rerun_is_idempotent_and_manual_grades_survive(graded_class):
    from nbgrader.api import Gradebook

    result, out = graded_class["result"], graded_class["out"]
    before = result.csv_path.read_bytes()
    again = grade_class(graded_class["subs"], MODULE, course_root=graded_class["repo_root"], out=out,
                        jobs=2, timeout=TIMEOUT, memory_mb=MEMORY_MB, roster=graded_class["roster"],
                        progress=False, echo=lambda *a: None)
    assert again.graded_now == 0
    assert again.csv_path.read_bytes() == before

    # a person grades the written answer in formgrader (same API)
    with Gradebook(f"sqlite:///{out / 'work' / 'gradebook.db'}") as gb:
        grade = gb.find_grade("m00_written_drop_out", MODULE, MODULE, "correct")
        grade.manual_score, grade.needs_manual_grade = 2.0, False
        comment = gb.find_comment("m00_written_drop_out", MODULE, MODULE, "correct")
        comment.manual_comment = "Two clear reasons, well argued."
        gb.db.commit()
    third = grade_class(graded_class["subs"], MODULE, course_root=graded_class["repo_root"], out=out,
                        jobs=2, timeout=TIMEOUT, memory_mb=MEMORY_MB, roster=graded_class["roster"],
                        progress=False, echo=lambda *a: None)
    row = third.row("correct")
    assert (row.status, row.score, row.reason) == ("graded", 16.0, "")
    feedback = out / "work" / "feedback" / "correct" / MODULE / f"{MODULE}.html"
    assert "Two clear reasons, well argued." in feedback.read_text(encoding="utf-8")
    # every other row unchanged
    old = {r["student"]: r for r in csv.DictReader(before.decode().splitlines())}
    new = {r["student"]: r for r in _csv_rows(third.csv_path)}
    assert {k: v for k, v in new.items() if k != "correct"} == {k: v for k, v in old.items() if k != "correct"}
