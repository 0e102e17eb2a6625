"""nbgrader preprocessors used by the course configuration (see ``autograder.config``).

CourseExecute     nbgrader's Execute with the per-cell timeout chosen per module
LimitOutputSize   caps the characters of every text output (nbgrader's LimitOutput counts lines only)
HideHiddenTests   feedback without hidden tests: blanks hidden-test regions, reduces tracebacks of
                  test cells to their last line and drops hidden-test lines from their outputs
ModelAnswers      feedback: after each written answer, the model answer from the source notebook
                  (``autograder.answers``), labelled
"""
from __future__ import annotations

from pathlib import Path

from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from traitlets import Dict, Integer, Unicode

from autograder import config as _config
from autograder import notebooks as _nb


class CourseExecute(Execute):
    """Execute with ``timeout`` set from ``autograder.config.cell_timeout(assignment)``."""

    timeouts = Dict(
        {}, help="Per-assignment cell timeouts (seconds) overriding autograder.config.cell_timeout."
    ).tag(config=True)

    def _check_assign_resources(self, resources):
        # ExecutePreprocessor.preprocess re-runs NotebookClient.__init__, which resets ``timeout``
        # from the config; this hook runs right after that, so the per-module value sticks.
        super()._check_assign_resources(resources)
        assignment = (resources or {}).get("nbgrader", {}).get("assignment")
        timeout = self.timeouts.get(assignment)
        if timeout is None:
            timeout = max(int(self.timeout or 0), _config.cell_timeout(assignment))
        self.timeout = timeout


def _truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n... output truncated ({len(text):,} characters, limit {limit:,}) ...\n"


class LimitOutputSize(NbGraderPreprocessor):
    """Truncate text outputs longer than ``max_chars`` characters (stream text, text/* data,
    error values). Images are dropped when their encoded size exceeds ``max_chars`` x 20."""

    max_chars = Integer(_config.MAX_OUTPUT_CHARS, help="characters per text output").tag(config=True)

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type != "code":
            return cell, resources
        limit = self.max_chars
        for output in cell.outputs:
            if output.output_type == "stream":
                output.text = _truncate(output.text, limit)
            elif output.output_type in ("execute_result", "display_data"):
                for mime in list(output.get("data", {})):
                    value = output.data[mime]
                    if not isinstance(value, str):
                        continue
                    if mime.startswith("text/") or mime.endswith("json"):
                        output.data[mime] = _truncate(value, limit)
                    elif len(value) > 20 * limit:
                        del output.data[mime]
                        output.data.setdefault("text/plain", f"[{mime} output removed: too large]")
            elif output.output_type == "error":
                output.evalue = _truncate(output.evalue, limit)
        return cell, resources


class HideHiddenTests(NbGraderPreprocessor):
    """Remove hidden tests from what a student sees in feedback (upstream nbgrader #917)."""

    def preprocess(self, nb, resources):
        self._hidden = _nb.hidden_test_lines(nb, min_length=6)
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, cell_index):
        is_test = bool(cell.metadata.get("nbgrader", {}).get("grade")) and cell.cell_type == "code"
        if _nb.BEGIN_HIDDEN_TESTS in cell.source:
            cell.source = _nb.hide_hidden_tests(cell.source)
        if is_test:
            for output in cell.get("outputs", []):
                if output.output_type == "error":
                    # The traceback quotes the test cell's source, hidden part included.
                    output.traceback = [f"{output.ename}: {output.evalue}"]
                elif output.output_type == "stream":
                    output.text = self._redact(output.text)
                elif output.output_type in ("execute_result", "display_data"):
                    for mime, value in list(output.get("data", {}).items()):
                        if isinstance(value, str):
                            output.data[mime] = self._redact(value)
        return cell, resources

    def _redact(self, text: str) -> str:
        lines = text.split("\n")
        kept = [line for line in lines if line.strip() not in self._hidden
                and not any(h in line for h in self._hidden)]
        if len(kept) != len(lines):
            kept.append("[lines from hidden tests removed]")
        return "\n".join(kept)


class ModelAnswers(NbGraderPreprocessor):
    """Feedback: a labelled model answer after each written answer (``autograder.answers``).

    The answers are ``resources["nbgrader"]["model_answers"]`` when the caller gives them, else
    read from ``source_dir/ASSIGNMENT/ASSIGNMENT.ipynb`` (the course configuration sets
    ``source_dir`` to the course's source folder, so plain ``nbgrader generate_feedback`` shows
    them too)."""

    source_dir = Unicode("", help="folder holding ASSIGNMENT/ASSIGNMENT.ipynb, the source notebooks").tag(config=True)

    def preprocess(self, nb, resources):
        import nbformat

        from autograder import answers as _answers

        info = (resources or {}).get("nbgrader", {})
        found = info.get("model_answers")
        if found is None and self.source_dir and info.get("assignment"):
            assignment = info["assignment"]
            source = Path(self.source_dir) / assignment / f"{assignment}.ipynb"
            found = _answers.model_answers(_nb.read_json(source)) if source.is_file() else {}
        if found:
            _answers.with_answers(nb, found, make_cell=lambda gid, text: nbformat.from_dict(
                _answers.answer_cell(gid, text)))
        return nb, resources
