"""A byte cap on the outputs of each cell, part of every autograde run (``autograder.config``).

nbgrader's ``LimitOutput`` counts lines and ``autograder.preprocessors.LimitOutputSize`` caps the
characters of each single output. Neither bounds a cell that makes thousands of outputs, or text
whose characters take several bytes each. ``LimitCellBytes`` keeps a code cell's outputs, in
order, until their UTF-8 size reaches ``max_bytes``, truncates the output that crosses the
limit, drops the rest and says so in a final stream output. Images count with their base64 size.
"""
from __future__ import annotations

import json

from nbformat.v4 import new_output
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Integer

#: Default total size of a code cell's outputs (bytes of UTF-8 JSON text).
MAX_CELL_OUTPUT_BYTES = 512 * 1024


def _size(output) -> int:
    return len(json.dumps(output, ensure_ascii=False).encode("utf-8"))


def _cut(text: str, budget: int) -> str:
    return text.encode("utf-8")[:max(budget, 0)].decode("utf-8", errors="ignore")


class LimitCellBytes(NbGraderPreprocessor):
    """Cap the total UTF-8 size of every code cell's outputs at ``max_bytes``."""

    max_bytes = Integer(MAX_CELL_OUTPUT_BYTES, help="bytes of output per code cell").tag(config=True)

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type != "code" or not cell.get("outputs"):
            return cell, resources
        total = sum(_size(o) for o in cell.outputs)
        if total <= self.max_bytes:
            return cell, resources
        kept, used = [], 0
        for output in cell.outputs:
            size = _size(output)
            if used + size <= self.max_bytes:
                kept.append(output)
                used += size
                continue
            budget = self.max_bytes - used - 200
            if budget > 0 and output.output_type == "stream":
                output.text = _cut(output.text, budget)
                kept.append(output)
            elif budget > 0 and output.output_type == "error":
                output.evalue = _cut(output.evalue, budget)
                output.traceback = [f"{output.ename}: {output.evalue}"]
                kept.append(output)
            break
        note = (f"\n... output truncated: this cell printed {total:,} bytes "
                f"(limit {self.max_bytes:,} bytes per cell) ...\n")
        kept.append(new_output("stream", name="stdout", text=note))
        # An error output must stay visible: the grade of a test cell depends on it.
        errors = [o for o in cell.outputs if o.output_type == "error"]
        if errors and not any(o.output_type == "error" for o in kept):
            err = errors[-1]
            err.evalue = _cut(err.evalue, 2000)
            err.traceback = [f"{err.ename}: {err.evalue}"]
            kept.append(err)
        cell.outputs = kept
        return cell, resources
