"""The checks of modules 05 (svm) and 06 (neural_networks_backprop), in-process and fast: every
mistake fixture, applied to the solution notebook's graded functions, fails exactly the test
cells its ``points_lost`` names (public and hidden tests together, as nbgrader runs them), with
feedback that contains its words; the solution passes every test cell. No nbgrader, no shop
data: ``tests/test_module_grading.py`` grades the same fixtures through nbgrader (slow lane).

The Keras exercise of module 06 needs TensorFlow: its cells run only in the slow lane."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from autograder import notebooks as N
from autograder.checks import CheckFailure
from autograder.mistakes import load_fixtures

ROOT = Path(__file__).resolve().parents[1]
_MARKER = re.compile(r"^[ \t]*### (BEGIN|END) (SOLUTION|HIDDEN TESTS)[ \t]*\n", flags=re.M)
MODULES = ("05_svm", "06_neural_networks_backprop")
KERAS = {"m06_keras_mlp", "m06_keras_mlp_code"}


def _cells(module: str):
    """(setup and answer cells, test cells) of the solution notebook: lists of (grade_id, source)."""
    nb = N.read_json(ROOT / "solutions" / module / f"{module}.ipynb")
    code, tests = [], []
    for cell in nb["cells"]:
        gid = N.grade_id(cell) or ""
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell["cell_type"] != "code" or not gid:
            continue
        (tests if meta.get("grade") else code).append((gid, _MARKER.sub("", N.source_text(cell))))
    return code, tests


def _run(module: str, replace: dict[str, str], keras: bool) -> dict[str, str | None]:
    """Run the setup and answer cells (with ``replace``), then every test cell: grade_id -> None
    (passed) or the CheckFailure's message."""
    code, tests = _cells(module)
    namespace: dict = {}
    if keras:
        exec("from recsys_lib.keras_utils import set_seeds\nset_seeds(0, threads=None)\nimport keras", namespace)
    for gid, source in code:
        exec(compile(replace.get(gid, source), gid, "exec"), namespace)
    results = {}
    for gid, source in tests:
        if gid in KERAS and not keras:
            continue
        try:
            exec(compile(source, gid, "exec"), namespace)
            results[gid] = None
        except CheckFailure as exc:
            results[gid] = str(exc)
    return results


def _cases(keras: bool):
    for module in MODULES:
        for fixture in load_fixtures(module):
            if (set(fixture.replace) <= KERAS) == keras:
                yield pytest.param(module, fixture, id=f"{module}:{fixture.id}")


def _check(module, fixture, keras, capsys):
    results = _run(module, fixture.replace, keras)
    capsys.readouterr()
    failed = {gid for gid, msg in results.items() if msg is not None}
    assert failed == set(fixture.points_lost), (fixture.id, {g: results[g] for g in failed})
    for gid, words in fixture.feedback_contains.items():
        for word in words:
            assert word.lower() in results[gid].lower(), (fixture.id, word, results[gid])


@pytest.mark.parametrize("module", MODULES)
def test_the_solution_passes_every_test_cell(module, capsys):
    results = _run(module, {}, keras=False)
    assert results and all(msg is None for msg in results.values()), results
    assert capsys.readouterr().out.count("All public tests passed") == len(results)


@pytest.mark.parametrize(("module", "fixture"), list(_cases(keras=False)))
def test_each_fixture_fails_exactly_its_cells_with_its_words(module, fixture, capsys):
    _check(module, fixture, False, capsys)


@pytest.mark.slow
@pytest.mark.parametrize(("module", "fixture"), list(_cases(keras=True)))
def test_each_keras_fixture_fails_exactly_its_cell_with_its_words(module, fixture, capsys):
    _check(module, fixture, True, capsys)
