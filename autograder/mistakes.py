"""Mistake fixtures: realistic wrong answers kept per module, graded to prove the checks catch them.

File format (JSON, ``autograder/fixtures/mistakes/<module>.json``)::

    {
      "module": "00_shop_data",
      "fixtures": [
        {
          "id": "funnel_counts_distinct_users",          # unique; letters, digits, _ and -
          "description": "counts distinct users per stage instead of events",
          "replace": {                                    # grade_id of a cell -> its new source
            "m00_funnel_counts_code": ["# GRADED FUNCTION: funnel_counts", "def funnel_counts(events):", "..."]
          },
          "points_lost": {"m00_funnel_counts": 2},        # points each test cell must lose
          "feedback_contains": {"m00_funnel_counts": ["distinct users"]}   # words (case-insensitive)
        }
      ]
    }

A source is a string or a list of lines (joined with newlines). Every automatically graded test
cell not named in ``points_lost`` must keep its full points, so a fixture states exactly which
exercises the mistake breaks. ``grade_module_fixtures`` grades the solution, the released
notebook and every fixture of a module as ONE nbgrader batch.

Rounds: with ``rounds=True`` several fixtures share one graded notebook (``pack_rounds``), so a
module with 15 fixtures runs its notebook a handful of times, not 15. Two fixtures share a round
only when they touch disjoint cells (replaced cells, test cells in ``points_lost`` and in
``feedback_contains``); the round must then lose exactly the union of their points, so a fixture
whose wrong code leaks into another exercise's score is still caught. A fixture with
``"alone": true`` is always graded on its own (use it when a mistake changes how LATER cells run,
e.g. it redefines a name they use, in a way its ``points_lost`` cannot state).
"""
from __future__ import annotations

import copy
import json
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from autograder import notebooks as _nb

FIXTURE_DIR = Path(__file__).resolve().parent / "fixtures" / "mistakes"
SOLUTION = "solution"
RELEASE = "release"
_ID = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass(frozen=True)
class MistakeFixture:
    id: str
    description: str
    replace: dict[str, str]
    points_lost: dict[str, float]
    feedback_contains: dict[str, list[str]]
    alone: bool = False
    members: tuple[str, ...] = ()      # for a round: the ids of the fixtures it combines

    @property
    def label(self) -> str:
        """How problems name it: the fixture id, or a round's id with its members."""
        return f"{self.id} ({', '.join(self.members)})" if self.members else self.id

    @property
    def touched(self) -> set[str]:
        """Every cell (grade_id) the fixture replaces or states a result for."""
        return set(self.replace) | set(self.points_lost) | set(self.feedback_contains)

    @classmethod
    def from_dict(cls, d: dict) -> "MistakeFixture":
        unknown = set(d) - {"id", "description", "replace", "points_lost", "feedback_contains", "alone"}
        if unknown:
            raise ValueError(f"fixture {d.get('id')!r}: unknown keys {sorted(unknown)}")
        if not _ID.match(d["id"]) or d["id"] in (SOLUTION, RELEASE):
            raise ValueError(f"fixture id {d['id']!r}: use letters, digits, _ and -, not solution/release")
        replace = {k: "\n".join(v) if isinstance(v, list) else v for k, v in d["replace"].items()}
        if not replace or not d["points_lost"]:
            raise ValueError(f"fixture {d['id']!r}: needs 'replace' and 'points_lost'")
        return cls(id=d["id"], description=d.get("description", ""), replace=replace,
                   points_lost={k: float(v) for k, v in d["points_lost"].items()},
                   feedback_contains={k: list(v) for k, v in d.get("feedback_contains", {}).items()},
                   alone=bool(d.get("alone", False)))


def pack_rounds(fixtures: list[MistakeFixture]) -> list[MistakeFixture]:
    """Combine fixtures into as few rounds as possible, greedily in file order: a fixture joins the
    first round whose fixtures touch none of its cells (see ``MistakeFixture.touched``); an
    ``alone`` fixture gets a round of its own. Each round is one merged fixture (id ``roundNN``,
    ``members`` = the fixture ids), graded and checked like a single fixture."""
    groups: list[list[MistakeFixture]] = []
    for fixture in fixtures:
        for group in groups:
            if not fixture.alone and not group[0].alone and \
                    all(not (fixture.touched & other.touched) for other in group):
                group.append(fixture)
                break
        else:
            groups.append([fixture])
    rounds = []
    for n, group in enumerate(groups, 1):
        merged = {key: {k: v for f in group for k, v in getattr(f, key).items()}
                  for key in ("replace", "points_lost", "feedback_contains")}
        rounds.append(MistakeFixture(id=f"round{n:02d}", description="; ".join(f.description for f in group),
                                     alone=any(f.alone for f in group), members=tuple(f.id for f in group),
                                     **merged))
    return rounds


def fixture_path(module: str) -> Path:
    return FIXTURE_DIR / f"{module}.json"


def load_fixtures(module: str, path: str | Path | None = None) -> list[MistakeFixture]:
    """The fixtures of ``module`` (empty list when it has none yet)."""
    path = Path(path) if path else fixture_path(module)
    if not path.exists():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("module") != module:
        raise ValueError(f"{path}: 'module' is {data.get('module')!r}, expected {module!r}")
    fixtures = [MistakeFixture.from_dict(d) for d in data["fixtures"]]
    ids = [f.id for f in fixtures]
    if len(ids) != len(set(ids)):
        raise ValueError(f"{path}: duplicate fixture ids")
    return fixtures


def apply_fixture(solution_nb: dict, fixture: MistakeFixture) -> dict:
    """A copy of the solution notebook with the fixture's cells replaced."""
    nb = copy.deepcopy(solution_nb)
    for gid, source in fixture.replace.items():
        _nb.find_cell(nb, gid)["source"] = source
    return nb


def check_fixture(fixture: MistakeFixture, result, max_points: dict[str, float]) -> list[str]:
    """Problems with a graded fixture (empty when it lost exactly the stated points and its
    feedback holds the stated words)."""
    problems = []
    name = fixture.label
    if not result.graded:
        return [f"{name}: could not grade: {result.reason}"]
    for e in result.auto_exercises:
        lost = max_points[e.grade_id] - (e.points or 0.0)
        want = fixture.points_lost.get(e.grade_id, 0.0)
        if abs(lost - want) > 1e-9:
            problems.append(f"{name}: {e.grade_id} lost {lost:g} points, expected {want:g} "
                            f"(feedback: {e.first_line!r})")
    for gid, words in fixture.feedback_contains.items():
        text = result.exercise(gid).feedback.lower()
        for word in words:
            if word.lower() not in text:
                problems.append(f"{name}: feedback of {gid} lacks {word!r}; it was:\n{result.exercise(gid).feedback}")
    unknown = set(fixture.points_lost) - set(max_points)
    if unknown:
        problems.append(f"{name}: points_lost names unknown test cells {sorted(unknown)}")
    return problems


def grade_module_fixtures(module: str, solution_dir: str | Path, release_notebook: str | Path | None = None,
                          fixtures: list[MistakeFixture] | None = None, workdir: str | Path | None = None,
                          feedback: bool = False, timeout: float | None = None, extra: dict | None = None):
    """Grade, as one nbgrader batch, the solution (student ``solution``), the released notebook
    (``release``, when given), every fixture (student = fixture id; pass ``pack_rounds(fixtures)``
    to grade rounds) and ``extra`` ({student: notebook path}). Returns {student: NotebookResult}."""
    from autograder.nbgrader_runner import grade_notebooks

    solution_dir = Path(solution_dir)
    fixtures = load_fixtures(module) if fixtures is None else fixtures
    solution_path = solution_dir / f"{module}.ipynb"
    solution_nb = _nb.read_json(solution_path)
    with tempfile.TemporaryDirectory(prefix="recsys-mistakes-") as tmp:
        submissions: dict[str, Path] = {SOLUTION: solution_path}
        if release_notebook is not None:
            submissions[RELEASE] = Path(release_notebook)
        for fixture in fixtures:
            path = Path(tmp) / f"{fixture.id}.ipynb"
            _nb.write(apply_fixture(solution_nb, fixture), path)
            submissions[fixture.id] = path
        submissions.update({k: Path(v) for k, v in (extra or {}).items()})
        return grade_notebooks(module, solution_dir, submissions, workdir=workdir,
                               feedback=feedback, timeout=timeout)
