"""The course's nbgrader preprocessors on small notebooks built here (no nbgrader run, no kernel):
output limits (``LimitOutputSize``, ``LimitCellBytes``), feedback without hidden tests
(``HideHiddenTests``) and the written questions' model answers (``ModelAnswers``)."""
from __future__ import annotations

import json

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from autograder import notebooks as N
from autograder.outputlimits import LimitCellBytes
from autograder.preprocessors import HideHiddenTests, LimitOutputSize, ModelAnswers

GRADED = {"grade": True, "grade_id": "t_square", "locked": True, "points": 1, "schema_version": 3,
          "solution": False, "task": False}
WRITTEN = {"grade": True, "grade_id": "t_written", "locked": False, "points": 2, "schema_version": 3,
           "solution": True, "task": False}


def _run(pp, *cells, resources=None):
    nb = new_notebook(cells=list(cells))
    out, _ = pp.preprocess(nb, resources if resources is not None else {})
    return out


def _size(cell) -> int:
    return sum(len(json.dumps(o, ensure_ascii=False).encode("utf-8")) for o in cell.outputs)


# --------------------------------------------------------------------------- LimitOutputSize
def test_long_text_outputs_are_cut_and_say_so():
    cell = new_code_cell("print('x' * 5000)", outputs=[
        new_output("stream", name="stdout", text="x" * 5000),
        new_output("execute_result", data={"text/plain": "y" * 5000, "text/html": "<b>" + "z" * 5000},
                   execution_count=1),
        new_output("error", ename="ValueError", evalue="v" * 5000, traceback=["tb"]),
    ])
    out = _run(LimitOutputSize(max_chars=100), cell).cells[0]
    stream, result, error = out.outputs
    assert stream.text.startswith("x" * 100) and "output truncated (5,000 characters, limit 100)" in stream.text
    assert len(stream.text) < 200
    assert len(result.data["text/plain"]) < 200 and "output truncated" in result.data["text/plain"]
    assert len(result.data["text/html"]) < 200
    assert error.evalue.startswith("v" * 100) and len(error.evalue) < 200


def test_short_outputs_and_other_cells_are_untouched():
    stream = new_output("stream", name="stdout", text="hello\n")
    small_png = new_output("display_data", data={"image/png": "iVBORw0K" * 10, "text/plain": "<Figure>"})
    cell = new_code_cell("print('hello')", outputs=[stream, small_png])
    md = new_markdown_cell("x" * 10_000)
    out = _run(LimitOutputSize(max_chars=100), cell, md)
    assert out.cells[0].outputs[0].text == "hello\n"
    assert out.cells[0].outputs[1].data["image/png"] == "iVBORw0K" * 10
    assert out.cells[1].source == "x" * 10_000


def test_huge_image_is_dropped_with_a_placeholder():
    cell = new_code_cell("plot()", outputs=[new_output("display_data", data={"image/png": "A" * 3000})])
    out = _run(LimitOutputSize(max_chars=100), cell).cells[0]
    assert "image/png" not in out.outputs[0].data
    assert out.outputs[0].data["text/plain"] == "[image/png output removed: too large]"


# --------------------------------------------------------------------------- LimitCellBytes
def test_many_small_outputs_are_capped_in_bytes():
    outputs = [new_output("stream", name="stdout", text=f"line {i}\n" * 20) for i in range(2000)]
    cell = new_code_cell("for i in range(2000): print(...)", outputs=outputs)
    before = _size(cell)
    out = _run(LimitCellBytes(max_bytes=20_000), cell).cells[0]
    assert before > 200_000
    assert _size(out) < 21_000
    assert f"this cell printed {before:,} bytes (limit 20,000 bytes per cell)" in out.outputs[-1].text
    assert out.outputs[0].text == "line 0\n" * 20            # kept in order, from the start


def test_bytes_not_characters_are_counted():
    text = "é" * 15_000                     # 15,000 characters, 30,000 bytes of UTF-8
    cell = new_code_cell("print('é' * 15000)", outputs=[new_output("stream", name="stdout", text=text)])
    out = _run(LimitCellBytes(max_bytes=20_000), cell).cells[0]
    kept = out.outputs[0].text
    assert len(kept.encode("utf-8")) <= 20_000 and kept == "é" * len(kept)
    assert "output truncated" in out.outputs[-1].text


def test_the_error_of_a_test_cell_stays_visible():
    outputs = [new_output("stream", name="stdout", text="n" * 1000) for _ in range(100)]
    outputs.append(new_output("error", ename="CheckFailure", evalue="square is wrong", traceback=["long tb"] * 50))
    cell = new_code_cell("check()", outputs=outputs, metadata={"nbgrader": GRADED})
    out = _run(LimitCellBytes(max_bytes=10_000), cell).cells[0]
    errors = [o for o in out.outputs if o.output_type == "error"]
    assert len(errors) == 1 and errors[0].evalue == "square is wrong"
    assert errors[0].traceback == ["CheckFailure: square is wrong"]
    assert _size(out) < 12_000


def test_a_cell_under_the_cap_is_untouched():
    cell = new_code_cell("print(1)", outputs=[new_output("stream", name="stdout", text="1\n")])
    out = _run(LimitCellBytes(max_bytes=20_000), cell).cells[0]
    assert [o.text for o in out.outputs] == ["1\n"]


# --------------------------------------------------------------------------- HideHiddenTests
TEST_SOURCE = ("check_close(square(3.0), 9.0, 'square(3.0)')\npassed()\n"
               f"### {N.BEGIN_HIDDEN_TESTS}\nsecret_value = square(-7.25)  # sentinel-hidden-1\n"
               "check_close(secret_value, 52.5625, 'square on a hidden input')\n"
               f"### {N.END_HIDDEN_TESTS}")


def test_hidden_tests_leave_the_source_outputs_and_tracebacks():
    cell = new_code_cell(TEST_SOURCE, metadata={"nbgrader": GRADED}, outputs=[
        new_output("stream", name="stdout",
                   text="All public tests passed\nsecret_value = square(-7.25)  # sentinel-hidden-1\n"),
        new_output("error", ename="CheckFailure", evalue="square on a hidden input is wrong: expected 52.5625, got 0.",
                   traceback=["---", "secret_value = square(-7.25)  # sentinel-hidden-1", "CheckFailure: ..."]),
    ])
    out = _run(HideHiddenTests(), cell).cells[0]
    assert "sentinel-hidden-1" not in out.source and N.BEGIN_HIDDEN_TESTS not in out.source
    assert N.HIDDEN_PLACEHOLDER in out.source and out.source.startswith("check_close(square(3.0)")
    stream, error = out.outputs
    assert "sentinel-hidden-1" not in stream.text and "All public tests passed" in stream.text
    assert "[lines from hidden tests removed]" in stream.text
    assert error.traceback == ["CheckFailure: square on a hidden input is wrong: expected 52.5625, got 0."]
    assert "sentinel-hidden-1" not in json.dumps(out)


def test_cells_that_are_not_tests_keep_their_outputs():
    cell = new_code_cell("1 / 0", outputs=[new_output("error", ename="ZeroDivisionError",
                                                       evalue="division by zero", traceback=["a", "b"])])
    out = _run(HideHiddenTests(), cell).cells[0]
    assert out.outputs[0].traceback == ["a", "b"]


# --------------------------------------------------------------------------- ModelAnswers
def _written_nb(answer_region: str):
    return new_notebook(cells=[
        new_markdown_cell("## Written question\nWhy check gradients?"),
        new_markdown_cell(answer_region, metadata={"nbgrader": WRITTEN}),
        new_code_cell("x = 1"),
    ])


def test_model_answer_follows_the_written_answer_labelled():
    submitted = _written_nb("My own answer.")
    resources = {"nbgrader": {"assignment": "toy", "model_answers": {"t_written": "Because bugs still train."}}}
    out = _run(ModelAnswers(), *submitted.cells, resources=resources)
    sources = [c.source for c in out.cells]
    assert sources[1] == "My own answer."
    assert sources[2].startswith("**Model answer** for `t_written`") and "> Because bugs still train." in sources[2]
    assert out.cells[2].cell_type == "markdown" and "nbgrader" not in out.cells[2].metadata
    again, _ = ModelAnswers().preprocess(out, resources)
    assert len(again.cells) == 4                                   # not added twice


def test_model_answers_are_read_from_the_source_notebook(tmp_path):
    source = _written_nb(f"### {N.BEGIN_SOLUTION}\nA wrong gradient still trains, badly.\n### {N.END_SOLUTION}")
    (tmp_path / "toy").mkdir()
    nbformat.write(source, tmp_path / "toy" / "toy.ipynb")
    out = _run(ModelAnswers(source_dir=str(tmp_path)), *_written_nb("mine").cells,
               resources={"nbgrader": {"assignment": "toy"}})
    assert "> A wrong gradient still trains, badly." in out.cells[2].source
    assert N.BEGIN_SOLUTION not in out.cells[2].source
    missing = _run(ModelAnswers(source_dir=str(tmp_path)), *_written_nb("mine").cells,
                   resources={"nbgrader": {"assignment": "other"}})
    assert len(missing.cells) == 3


@pytest.mark.parametrize("module", ["00_shop_data", "02_logistic_regression"])
def test_every_written_question_of_a_module_has_a_model_answer(repo_root, module):
    from autograder.answers import is_written_question, model_answers

    source = N.read_json(repo_root / "solutions" / module / f"{module}.ipynb")
    written = [N.grade_id(c) for c in source["cells"] if is_written_question(c)]
    answers = model_answers(source)
    assert written and list(answers) == written
    released = (repo_root / "course" / module / f"{module}.ipynb").read_text(encoding="utf-8")
    for answer in answers.values():
        assert answer.strip() and max(answer.splitlines(), key=len) not in released   # not in the release
