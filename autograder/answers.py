"""Model answers of the written questions, revealed after grading.

A written question is a markdown cell that nbgrader grades by hand (``grade`` and ``solution`` in
its nbgrader metadata). Its model answer is the text between ``### BEGIN SOLUTION`` and
``### END SOLUTION`` in the SOURCE notebook (``solutions/NN_name/NN_name.ipynb``, the one
authoring copy): nbgrader replaces that region in the release, so ``course/`` never holds it.
No other file holds the answers: the feedback page (``recsys-course grade``, ``nbgrader
generate_feedback`` with the course configuration, ``recsys-course check --feedback``) and
``recsys-course check --answers`` read them from the source notebook when they grade, and show
them after the learner's answer, labelled. A bundle without ``solutions/`` has none to show.

Pure functions over notebook dicts; no nbgrader import.
"""
from __future__ import annotations

from autograder import notebooks as _nb

#: The heading of the cell inserted after a written answer in the feedback page.
LABEL = "Model answer"
INTRO = ("shown after grading; it is one good answer, not the only one: compare the reasoning, "
         "not the wording")


def is_written_question(cell) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "markdown" and bool(meta.get("grade")) and bool(meta.get("solution"))


def model_answers(source_nb) -> dict[str, str]:
    """{grade_id: model answer (markdown)} for every written question of a source notebook, in
    notebook order: the text inside its ``### BEGIN SOLUTION`` / ``### END SOLUTION`` region(s)
    (the course's convention). A cell without that region has no model answer: in a released
    notebook (e.g. the ``check_source/`` of a class bundle) it holds nbgrader's placeholder."""
    answers: dict[str, str] = {}
    for cell in source_nb["cells"]:
        if not is_written_question(cell):
            continue
        _, inside = _nb.regions(_nb.source_text(cell), _nb.BEGIN_SOLUTION, _nb.END_SOLUTION)
        answer = "\n\n".join(part.strip("\n") for part in inside)
        if answer.strip():
            answers[_nb.grade_id(cell)] = answer.strip("\n")
    return answers


def answer_markdown(grade_id: str, answer: str) -> str:
    """The markdown of the cell shown after the learner's written answer ``grade_id``."""
    quoted = "\n".join("> " + line if line.strip() else ">" for line in answer.split("\n"))
    return f"**{LABEL}** for `{grade_id}` ({INTRO}):\n\n{quoted}"


def answer_cell(grade_id: str, answer: str) -> dict:
    """A markdown cell (nbformat 4 dict, no nbgrader metadata) holding ``answer_markdown``."""
    return {"cell_type": "markdown", "id": f"model-answer-{grade_id}"[:64],
            "metadata": {"model_answer": grade_id}, "source": answer_markdown(grade_id, answer)}


def with_answers(nb, answers: dict[str, str], make_cell=answer_cell):
    """``nb`` with an answer cell (``make_cell(grade_id, answer)``) after each written question
    that has a model answer; a question already followed by its answer gets no second one.
    Changes ``nb["cells"]`` in place and returns ``nb``."""
    cells, out = list(nb["cells"]), []
    for i, cell in enumerate(cells):
        out.append(cell)
        gid = _nb.grade_id(cell)
        if gid in answers and is_written_question(cell):
            following = cells[i + 1] if i + 1 < len(cells) else {}
            if following.get("metadata", {}).get("model_answer") != gid:
                out.append(make_cell(gid, answers[gid]))
    nb["cells"] = out
    return nb


def answers_text(answers: dict[str, str], width: int = 100, questions: int | None = None) -> str:
    """The model answers as plain text, for the terminal (``recsys-course check --answers``);
    ``questions``: how many written questions the module has (to say why none is shown)."""
    import textwrap

    if not answers:
        if questions:
            return ("The model answers of the written questions are not in this copy of the course "
                    "(they are in solutions/, which a class bundle leaves out).")
        return "This module has no written questions."
    out = [f"{LABEL}s of the written questions ({INTRO}):"]
    for gid, answer in answers.items():
        out += ["", f"--- {gid} ---"]
        for para in answer.split("\n"):
            out.extend(textwrap.wrap(para, width) or [""])
    return "\n".join(out)
