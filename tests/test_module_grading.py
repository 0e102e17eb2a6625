"""Every module through nbgrader, each as ONE batch: the solution, the released notebook and every
mistake fixture (autograder/fixtures/mistakes/<module>.json), with feedback.

The solution must score full marks with no error output, the release 0 with no grader failure,
each fixture must lose exactly its points with the expected words, and no feedback page may
contain hidden-test text. Fixtures that touch disjoint cells are graded together, several to a
notebook (``autograder.mistakes.pack_rounds``): each round must lose exactly the union of its
fixtures' points, which is as strict as grading them one by one unless a mistake leaks into
cells its fixture does not name (then the round fails and says which fixtures it held)."""
from __future__ import annotations

from pathlib import Path

import pytest

from autograder import notebooks as N
from autograder.mistakes import RELEASE, SOLUTION, check_fixture, grade_module_fixtures, load_fixtures, pack_rounds
from autograder.release import discover_modules

REPO_ROOT = Path(__file__).resolve().parents[1]
MODULES = discover_modules(REPO_ROOT)
pytestmark = pytest.mark.slow


@pytest.mark.parametrize("MODULE", MODULES)
def test_module_grading(MODULE, repo_root, tmp_path):
    fixtures = load_fixtures(MODULE)
    rounds = pack_rounds(fixtures)
    results = grade_module_fixtures(MODULE, repo_root / "solutions" / MODULE,
                                    repo_root / "course" / MODULE / f"{MODULE}.ipynb",
                                    rounds, workdir=tmp_path / "course", feedback=True)
    problems = []

    sol = results[SOLUTION]
    if not (sol.graded and sol.full_marks and len(sol.auto_exercises) >= 5):  # COURSE_SPEC §4: 5-8 exercises
        problems.append(f"solution: {sol.reason} {[(e.grade_id, e.points, e.first_line) for e in sol.exercises]}")
    # the solution runs top to bottom without any error output
    graded = N.read_json(sol.autograded)
    for cell in graded["cells"]:
        for out in cell.get("outputs", []):
            if out["output_type"] == "error" or out.get("name") == "stderr":
                problems.append(f"solution cell {cell['id']} has {out.get('ename') or 'stderr'}")
    assert sol.manual_max > 0, "the written question is graded by hand"

    rel = results[RELEASE]
    if not (rel.graded and rel.score == 0.0):
        problems.append(f"release: graded={rel.graded} reason={rel.reason} score={rel.score}")
    for e in rel.auto_exercises:
        if "not implemented yet" not in e.first_line:
            problems.append(f"release {e.grade_id}: {e.first_line!r}")

    max_points = {e.grade_id: e.max_points for e in sol.exercises}
    without_fixture = {e.grade_id for e in sol.auto_exercises} - {g for f in fixtures for g in f.points_lost}
    if without_fixture:
        problems.append(f"exercises without a mistake fixture: {sorted(without_fixture)}")
    for graded in rounds:
        problems.extend(check_fixture(graded, results[graded.id], max_points))

    # feedback for wrong submissions holds no hidden-test text
    hidden = N.hidden_test_lines(N.read_json(repo_root / "solutions" / MODULE / f"{MODULE}.ipynb"))
    assert hidden
    for graded in rounds:
        html = results[graded.id].feedback_html
        if html is None:
            problems.append(f"{graded.label}: no feedback generated")
            continue
        text = _visible_text(html.read_text(encoding="utf-8"))
        leaked = [line for line in hidden if line in text]
        if leaked or "HIDDEN TESTS" in text:
            problems.append(f"{graded.label}: feedback leaks hidden tests: {leaked[:3]}")
    assert not problems, "\n".join(problems)


def _visible_text(page: str) -> str:
    """The text of an HTML page with tags removed (syntax highlighting splits code into spans)."""
    import html
    import re

    return html.unescape(re.sub(r"<[^>]+>", "", page))
