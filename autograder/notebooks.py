"""Notebook helpers: nbgrader marker regions, hidden-test text, normalisation for committing.

Pure functions over ``nbformat`` notebooks (``NotebookNode`` or plain dicts); no nbgrader import.
"""
from __future__ import annotations

import copy
import json
import re
from pathlib import Path

BEGIN_SOLUTION = "BEGIN SOLUTION"
END_SOLUTION = "END SOLUTION"
BEGIN_HIDDEN_TESTS = "BEGIN HIDDEN TESTS"
END_HIDDEN_TESTS = "END HIDDEN TESTS"
MARKERS = (BEGIN_SOLUTION, END_SOLUTION, BEGIN_HIDDEN_TESTS, END_HIDDEN_TESTS)

HIDDEN_PLACEHOLDER = "# (hidden tests are not shown)"

#: Notebook metadata every committed notebook gets (and nothing else).
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
LANGUAGE_INFO = {"name": "python"}
#: Cell metadata keys kept when normalising.
KEPT_CELL_METADATA = ("nbgrader", "deletable", "editable", "tags")

_VALID_ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


def source_text(cell) -> str:
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


def regions(text: str, begin: str, end: str) -> tuple[str, list[str]]:
    """Split ``text`` into (text outside the regions, [text of each region]).

    A region runs from a line containing ``begin`` to a line containing ``end`` (marker lines
    belong to neither part). Raises ValueError on nested or unterminated regions.
    """
    outside: list[str] = []
    inside: list[list[str]] = []
    current: list[str] | None = None
    for line in text.split("\n"):
        if begin in line:
            if current is not None:
                raise ValueError(f"nested {begin!r} region")
            current = []
        elif end in line:
            if current is None:
                raise ValueError(f"{end!r} without {begin!r}")
            inside.append(current)
            current = None
        elif current is None:
            outside.append(line)
        else:
            current.append(line)
    if current is not None:
        raise ValueError(f"{begin!r} region is not terminated")
    return "\n".join(outside), ["\n".join(r) for r in inside]


def hide_hidden_tests(text: str, placeholder: str = HIDDEN_PLACEHOLDER) -> str:
    """Replace every hidden-test region of a cell source (markers included) by ``placeholder``."""
    lines_out: list[str] = []
    in_region = False
    for line in text.split("\n"):
        if BEGIN_HIDDEN_TESTS in line:
            if not in_region:
                indent = line[: len(line) - len(line.lstrip())]
                lines_out.append(indent + placeholder)
            in_region = True
        elif END_HIDDEN_TESTS in line and in_region:
            in_region = False
        elif not in_region:
            lines_out.append(line)
    return "\n".join(lines_out)


def hidden_test_lines(nb, min_length: int = 12) -> set[str]:
    """The distinctive lines (stripped, at least ``min_length`` characters) of every hidden-test
    region of a notebook, minus lines that also occur outside such regions."""
    hidden: set[str] = set()
    public: set[str] = set()
    for cell in nb["cells"]:
        outside, inside = regions(source_text(cell), BEGIN_HIDDEN_TESTS, END_HIDDEN_TESTS)
        public.update(line.strip() for line in outside.split("\n"))
        for region in inside:
            hidden.update(line.strip() for line in region.split("\n"))
    return {line for line in hidden - public if len(line) >= min_length}


def solution_lines(nb, min_length: int = 12) -> set[str]:
    """The distinctive lines of every solution region (code cells) of a notebook, minus lines that
    also occur outside solution regions (so a shared ``return result`` does not count)."""
    inside_lines: set[str] = set()
    public: set[str] = set()
    for cell in nb["cells"]:
        outside, inside = regions(source_text(cell), BEGIN_SOLUTION, END_SOLUTION)
        outside, _ = regions(outside, BEGIN_HIDDEN_TESTS, END_HIDDEN_TESTS)
        public.update(line.strip() for line in outside.split("\n"))
        if cell["cell_type"] == "code":
            for region in inside:
                inside_lines.update(line.strip() for line in region.split("\n"))
    return {line for line in inside_lines - public
            if len(line) >= min_length and not line.startswith("#")}


def grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def find_cell(nb, wanted_grade_id: str):
    """The cell whose nbgrader grade_id is ``wanted_grade_id`` (KeyError if none)."""
    for cell in nb["cells"]:
        if grade_id(cell) == wanted_grade_id:
            return cell
    raise KeyError(f"no cell with grade_id {wanted_grade_id!r}")


def normalise(nb) -> dict:
    """A copy of ``nb`` with outputs cleared and metadata normalised, ready to commit.

    Keeps only nbgrader/locking/tags cell metadata, a fixed kernelspec and language_info, and
    gives every cell a stable id (its nbgrader grade_id when it has one, else ``cell-NNN`` by
    position, unless it already has a valid unique id).
    """
    nb = copy.deepcopy(dict(nb))
    nb["nbformat"], nb["nbformat_minor"] = 4, 5
    nb["metadata"] = {"kernelspec": dict(KERNELSPEC), "language_info": dict(LANGUAGE_INFO)}
    seen: set[str] = set()
    cells = []
    for index, cell in enumerate(nb["cells"]):
        cell = dict(cell)
        cell["source"] = source_text(cell)
        meta = cell.get("metadata", {})
        cell["metadata"] = {k: copy.deepcopy(meta[k]) for k in KEPT_CELL_METADATA if k in meta}
        cid = grade_id(cell) or cell.get("id")
        if not (isinstance(cid, str) and _VALID_ID.match(cid)) or cid in seen:
            cid = f"cell-{index:03d}"
        seen.add(cid)
        cell["id"] = cid
        if cell["cell_type"] == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        else:
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
        if "attachments" in cell and not cell["attachments"]:
            del cell["attachments"]
        cells.append(cell)
    nb["cells"] = cells
    return nb


def dumps(nb) -> str:
    """Serialise a notebook the way the repository stores it (stable key order, 1-space indent)."""
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def read_json(path: str | Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def write(nb, path: str | Path) -> None:
    Path(path).write_text(dumps(nb), encoding="utf-8")
