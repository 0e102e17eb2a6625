"""Fast tests of the grading pipeline's pieces (no nbgrader run): exit codes decided by exception
type, the limits ``check`` grades under (TensorFlow modules included), the check table's reason
for a hidden-test failure, model answers, and the result round trip a distributed engine uses."""
from __future__ import annotations

import argparse
import json
import shutil

import pytest

from autograder import errors as E
from autograder import notebooks as N
from autograder.results import ExerciseResult, NotebookResult, cell_feedback
from autograder.status import ExerciseStatus, Status

TF_MODULE = "06_neural_networks_backprop"


def test_statuses_are_the_plain_words_of_the_csv():
    assert [str(s) for s in Status] == ["graded", "could_not_grade", "missing", "flagged"]
    assert Status("missing") is Status.MISSING and Status.GRADED == "graded"
    assert ExerciseStatus("not graded") is ExerciseStatus.NOT_GRADED


def test_exit_codes_follow_the_exception_type():
    from autograder.lms import SubmissionsError
    from autograder.release import CourseRootNotFound

    assert E.UnknownModuleInBatch("42_x", ["00_a"]).exit_code == E.EXIT_USAGE
    assert isinstance(E.UnknownModuleInBatch("42_x", ["00_a"]), E.BatchError)
    assert str(E.UnknownModule(["42_x"], ["00_a"])) == "unknown module '42_x'; known: 00_a"
    assert SubmissionsError("x").exit_code == CourseRootNotFound("x").exit_code == E.EXIT_USAGE
    assert E.BatchError("x").exit_code == E.GradingError("x").exit_code == E.EXIT_GRADER_FAILED


class _Unusable(E.UsageError):
    """A usage error whose message says nothing about modules."""


@pytest.mark.parametrize("exc, code", [(_Unusable("roster column is odd"), 2),
                                       (E.BatchError("unknown module, but a grader failure"), 3),
                                       (E.UnknownModuleInBatch("42_x", ["00_a"]), 2)])
def test_grade_command_exit_code_comes_from_the_type_not_the_message(monkeypatch, tmp_path, toy_course, exc, code):
    import autograder.batch
    from autograder.cli import main

    def fail(*a, **k):
        raise exc

    monkeypatch.setattr(autograder.batch, "grade_class", fail)
    assert main(["grade", str(tmp_path), "--module", "99_toy", "--course-root", str(toy_course)]) == code


def test_limits_of_tensorflow_modules():
    from autograder import config, limits

    tf, plain = limits.limits_for(TF_MODULE), limits.limits_for("01_linear_regression")
    assert TF_MODULE in config.TENSORFLOW_MODULES
    assert (tf.notebook_timeout, tf.cell_timeout, tf.memory_mb) == (
        limits.TENSORFLOW_NOTEBOOK_TIMEOUT, config.TENSORFLOW_CELL_TIMEOUT, limits.TENSORFLOW_MEMORY_MB)
    assert (plain.notebook_timeout, plain.cell_timeout) == (limits.DEFAULT_NOTEBOOK_TIMEOUT, config.DEFAULT_CELL_TIMEOUT)
    assert tf.notebook_timeout > plain.notebook_timeout and tf.cell_timeout > plain.cell_timeout
    given = limits.limits_for(TF_MODULE, timeout=5, cell_timeout=2, memory_mb=0)
    assert (given.notebook_timeout, given.cell_timeout, given.memory_mb) == (5, 2, 0)
    assert given.nbgrader_config() == {"CourseExecute.timeouts": {TF_MODULE: 2}}


def test_check_grades_a_tensorflow_module_under_its_limits(monkeypatch, tmp_path, toy_source, capsys):
    """`check` passes the TensorFlow per-cell and whole-run limits to nbgrader (no kernel runs)."""
    import autograder.nbgrader_runner as runner
    from autograder import config, limits
    from autograder.cli import main

    root = tmp_path / "course_root"
    (root / "solutions" / TF_MODULE).mkdir(parents=True)
    shutil.copy(toy_source / "99_toy.ipynb", root / "solutions" / TF_MODULE / f"{TF_MODULE}.ipynb")
    (root / "nbgrader_config.py").write_text("")
    seen = {}

    def fake_grade(assignment, source_dir, submissions, **kwargs):
        seen.update(kwargs, assignment=assignment)
        return {"learner": NotebookResult("learner", assignment, graded=True, exercises=[
            ExerciseResult("toy_square", 1.0, 1.0, ExerciseStatus.PASSED, "All public tests passed")])}

    monkeypatch.setattr(runner, "grade_notebooks", fake_grade)
    code = main(["check", str(root / "solutions" / TF_MODULE / f"{TF_MODULE}.ipynb"), "--course-root", str(root)])
    assert code == 0, capsys.readouterr()
    assert seen["assignment"] == TF_MODULE
    assert seen["timeout"] == limits.TENSORFLOW_NOTEBOOK_TIMEOUT
    assert seen["config"] == {"CourseExecute.timeouts": {TF_MODULE: config.TENSORFLOW_CELL_TIMEOUT}}
    assert f"{limits.TENSORFLOW_NOTEBOOK_TIMEOUT} s per notebook" in capsys.readouterr().out


def _test_cell(*outputs):
    return {"cell_type": "code", "source": "", "metadata": {}, "outputs": list(outputs)}


HIDDEN = {"hidden_input = square(-7.25)  # sentinel", "check_close(hidden_input, 52.5625, 'square on a hidden input')"}
PASSED_OUT = {"output_type": "stream", "name": "stdout", "text": "All public tests passed\n"}


def test_only_a_hidden_test_failed_names_its_message_not_all_passed():
    error = {"output_type": "error", "ename": "CheckFailure",
             "evalue": "square on a hidden input is wrong: expected 52.5625, got 0.\nmore detail",
             "traceback": ["hidden_input = square(-7.25)  # sentinel"]}
    feedback, first_error, public_passed = cell_feedback(_test_cell(PASSED_OUT, error), HIDDEN)
    e = ExerciseResult("t", 0.0, 1.0, ExerciseStatus.FAILED, feedback, error=first_error, public_passed=public_passed)
    assert e.first_line == "All public tests passed"
    assert e.headline == "hidden test failed: square on a hidden input is wrong: expected 52.5625, got 0."
    assert "sentinel" not in e.headline + e.feedback


def test_public_failure_and_pass_headlines():
    error = {"output_type": "error", "ename": "TypeError", "evalue": "bad operand", "traceback": []}
    feedback, first_error, passed = cell_feedback(_test_cell(error), HIDDEN)
    failed = ExerciseResult("t", 0.0, 1.0, ExerciseStatus.FAILED, feedback, error=first_error, public_passed=passed)
    assert failed.headline == "TypeError: bad operand" and not failed.hidden_failed
    ok = ExerciseResult("t", 1.0, 1.0, ExerciseStatus.PASSED, *cell_feedback(_test_cell(PASSED_OUT), HIDDEN)[:1])
    assert ok.headline == "All public tests passed"


def test_an_error_made_of_hidden_code_is_not_shown():
    error = {"output_type": "error", "ename": "NameError",
             "evalue": "hidden_input = square(-7.25)  # sentinel", "traceback": []}
    _, first_error, _ = cell_feedback(_test_cell(PASSED_OUT, error), HIDDEN)
    assert "sentinel" not in first_error and first_error.startswith("NameError")


def test_public_passed_message_is_the_checks_one():
    from autograder.checks import PASSED_MESSAGE
    from autograder.results import PUBLIC_PASSED

    assert PUBLIC_PASSED == PASSED_MESSAGE


def test_notebook_result_survives_the_round_trip_of_a_distributed_engine():
    r = NotebookResult("s1", "99_toy", graded=True, seconds=1.5, exercises=[
        ExerciseResult("t", 0.0, 1.0, ExerciseStatus.FAILED, "x", error="boom", public_passed=True)])
    back = NotebookResult.from_dict(json.loads(json.dumps(r.to_dict())))
    assert back == r and back.exercises[0].status is ExerciseStatus.FAILED


def test_model_answers_text_and_check_table(toy_source):
    from autograder.answers import answers_text, model_answers
    from autograder.check_table import WRITTEN_PENDING, format_result

    answers = model_answers(N.read_json(toy_source / "99_toy.ipynb"))
    assert answers == {"toy_written": "Because a wrong analytic gradient still trains, just badly."}
    assert "--- toy_written ---\nBecause a wrong analytic gradient still trains, just badly." in answers_text(answers)
    result = NotebookResult("learner", "99_toy", graded=True, exercises=[
        ExerciseResult("toy_square", 0.0, 1.0, ExerciseStatus.FAILED, "All public tests passed\nsquare is wrong",
                       error="square is wrong", public_passed=True),
        ExerciseResult("toy_written", None, 1.0, ExerciseStatus.MANUAL, "", manual=True)])
    table = format_result(result, "nb.ipynb")
    assert "hidden test failed: square is wrong" in table and WRITTEN_PENDING in table
    assert "Total: 0 / 1 automatically graded points (+ 1 points for written answers" in table


def test_clean_reason_hides_temporary_grading_paths():
    import tempfile

    from autograder.batch import clean_reason

    reason = f"failed in {tempfile.gettempdir()}/recsys-grade-bob-x1/course/autograded/bob/m.ipynb\nnext line"
    assert clean_reason(reason) == "failed in <grading folder>/autograded/bob/m.ipynb next line"


def test_check_limits_from_the_command_line():
    from autograder.commands import check_limits

    args = argparse.Namespace(timeout=None, cell_timeout=7.0, memory_mb=0)
    limits = check_limits("01_linear_regression", args)
    assert (limits.notebook_timeout, limits.cell_timeout, limits.memory_mb) == (600, 7.0, 0)


def test_template_cache_round_trip_miss_and_pruning(tmp_path, monkeypatch, toy_source):
    import time

    from autograder import template_cache as TC
    from autograder.assignment import LAYOUT, Template

    monkeypatch.setenv("RECSYS_COURSE_CACHE", str(tmp_path))
    source = Template.from_source("99_toy", toy_source)
    assert TC.load(source) is None
    generated = Template("99_toy", {**source.files, LAYOUT.gradebook: b"sqlite bytes"}, generated=True)
    TC.store(source, generated)
    back = TC.load(source)
    assert back is not None and back.generated and back.files == generated.files
    for n in range(TC.KEEP + 2):                 # the source changes: a new entry each time
        changed = Template("99_toy", {**source.files, "source/99_toy/data.csv": f"{n}".encode()})
        assert TC.load(changed) is None
        TC.store(changed, Template("99_toy", {**changed.files, LAYOUT.gradebook: b"x"}, generated=True))
        time.sleep(0.01)
    assert len(list((tmp_path / "templates").glob("99_toy-*"))) == TC.KEEP
    assert TC.load(source) is None               # the oldest entry was pruned
    monkeypatch.setenv("RECSYS_COURSE_CACHE", "off")
    assert TC.cache_dir() is None and TC.load(changed) is None


def test_a_released_notebook_has_no_model_answers(repo_root):
    """A class bundle grades against released copies: their placeholder is no model answer."""
    from autograder.answers import answers_text, is_written_question, model_answers

    released = N.read_json(repo_root / "course" / "02_logistic_regression" / "02_logistic_regression.ipynb")
    questions = sum(1 for c in released["cells"] if is_written_question(c))
    assert questions >= 1 and model_answers(released) == {}
    assert "not in this copy of the course" in answers_text({}, questions=questions)
