"""What the in-process tests of the exercise checks (``tests/test_exercise_checks_07/08/09.py``) share:
a module's solution notebook and mistake fixtures, its graded cells run in one namespace (as in the
notebook: a later function calls the earlier ones by name), its hidden tests, and the three
assertions every such test file makes (the solution passes; each fixture fails the public and the
hidden tests; the first line of a fixture's feedback names the mistake).

``public`` below maps a test cell's grade_id to its public check on small inputs standing in for the
notebook's data: ``public[gid](namespace)`` raises ``CheckFailure`` on a wrong answer.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable, Mapping

import pytest

from autograder import notebooks as N
from autograder.checks import CheckFailure
from autograder.mistakes import fixture_path

ROOT = Path(__file__).resolve().parents[1]

Public = Mapping[str, Callable[[dict], object]]


def notebook_path(module: str) -> Path:
    return ROOT / "solutions" / module / f"{module}.ipynb"


def mistake_fixtures(module: str) -> list[dict]:
    """The module's mistake fixtures as the JSON gives them (dicts: ``replace``, ``points_lost``, ...)."""
    return json.loads(fixture_path(module).read_text(encoding="utf-8"))["fixtures"]


def run_graded_cells(notebook: dict, replace: Mapping | None = None) -> dict:
    """The setup cell and every graded code cell, run in order in one namespace, solution markers
    removed; ``replace`` maps a grade_id to a new source (a string or a list of lines)."""
    namespace: dict = {}
    for cell in notebook["cells"]:
        gid = N.grade_id(cell) or ""
        if cell["cell_type"] == "code" and gid.endswith(("_code", "_setup")):
            source = (replace or {}).get(gid, N.source_text(cell))
            source = "\n".join(source) if isinstance(source, list) else source
            code = "\n".join(line for line in source.split("\n")
                             if N.BEGIN_SOLUTION not in line and N.END_SOLUTION not in line)
            exec(compile(code, gid, "exec"), namespace)
    return namespace


def hidden_tests(notebook: dict, public: Public) -> dict[str, str]:
    """test cell grade_id -> the source of its hidden tests (self-contained: no notebook data); every
    test cell with hidden tests has a public check in ``public`` and the other way round."""
    out = {}
    for cell in notebook["cells"]:
        _, blocks = N.regions(N.source_text(cell), N.BEGIN_HIDDEN_TESTS, N.END_HIDDEN_TESTS)
        if blocks:
            out[N.grade_id(cell)] = "\n".join(blocks)
    assert set(out) == set(public)
    return out


def run_hidden(source: str, namespace: dict) -> None:
    exec(compile(source, "hidden tests", "exec"), dict(namespace))


def fails(check, *args, words=()) -> str:
    """``check(*args)`` must raise CheckFailure whose message contains each of ``words`` (any case)."""
    with pytest.raises(CheckFailure) as info:
        check(*args)
    msg = str(info.value)
    for word in words:
        assert word.lower() in msg.lower(), f"{word!r} not in:\n{msg}"
    return msg


def assert_solution_passes(public: Public, solution: dict, hidden: dict, capsys) -> None:
    for gid, check in public.items():
        check(solution)
        run_hidden(hidden[gid], solution)
    assert capsys.readouterr().out.count("All public tests passed") == len(public)


def assert_fixture_fails(public: Public, notebook: dict, hidden: dict, fixture: dict, *,
                         first_line_names_it: bool = False) -> dict:
    """The fixture's wrong code fails the public check (with its words) and the hidden tests of every
    cell it must lose points in; with ``first_line_names_it``, the first line of each feedback that
    has words says "Likely mistake" too. Returns the namespace, for a file's own further assertions."""
    namespace = run_graded_cells(notebook, fixture["replace"])
    for gid in fixture["points_lost"]:
        msg = fails(public[gid], namespace, words=fixture["feedback_contains"].get(gid, ()))
        if first_line_names_it and gid in fixture["feedback_contains"]:
            assert "Likely mistake" in msg.splitlines()[0], (fixture["id"], msg.splitlines()[0])
        with pytest.raises(CheckFailure):
            run_hidden(hidden[gid], namespace)
    return namespace


def assert_first_lines_name_the_mistakes(public: Public, notebook: dict, fixtures: list[dict]) -> None:
    """The first line of each fixture's feedback (what `recsys-course check` shows) says "Likely mistake"."""
    for fixture in fixtures:
        namespace = run_graded_cells(notebook, fixture["replace"])
        for gid in fixture["feedback_contains"]:
            first = fails(public[gid], namespace).splitlines()[0]
            assert "Likely mistake" in first, (fixture["id"], first)
