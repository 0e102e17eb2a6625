"""Static inspection of a submitted notebook before grading: which assignment it belongs to, which
locked cells were deleted or edited, and code that looks like tampering with the grader.

``inspect_submission(submitted_nb, source_nb, module)`` returns an ``Inspection`` with

* ``wrong_assignment``  a reason when none of the module's graded cells is in the notebook;
* ``flags``             tampering findings (each "what, where"): the notebook is graded as usual
                        (nbgrader restores locked cells, the checks are rebinding-proof) and
                        marked ``flagged`` for the instructor to review;
* ``notes``             harmless findings shown with the grade (deleted test cells put back,
                        syntax errors).

Rules (the README's instructor guide lists them too). Every code cell that differs from the
release is parsed (IPython syntax: magics and ``!`` shell lines included) and flagged when it

1. edits a locked cell (setup or test cell) or changes a graded cell's nbgrader metadata;
2. rebinds a name the locked cells import (``np``, ``pd``, ``check_*``, ...), or assigns, deletes or
   ``setattr``s an attribute of numpy, pandas, autograder, recsys_lib, sys or builtins
   (``np.testing.assert_allclose = ...``), or writes ``sys.modules``, ``__builtins__``,
   ``globals()``/``vars()``/``locals()`` entries;
3. runs code the grader cannot read: ``exec``, ``eval``, ``compile``, ``__import__``, ``importlib``;
4. reaches outside the notebook: shell commands (``!cmd``, ``%%bash``, ``os.system``, ``subprocess``),
   ``os.kill``/``signal``, ``ctypes``, ``sqlite3`` (the gradebook is an SQLite file), ``os.chdir``,
   any mention of ``gradebook``; a file write (``open(.., "w")``, ``Path.write_text``, ``os.remove``,
   ``shutil.*``, ...) whose path names a folder of the grader (``..``, an absolute path, ``~``,
   ``autograded``, ``submitted``, ``feedback``, ``source``, ``release``, ``work``, ``.db``, ...);
5. uses a magic other than the harmless ones (``%time``, ``%timeit``, ``%matplotlib``, ...);
6. in a graded answer cell, uses the toolbox's answer to that exercise (``autograder.toolbox_policy``:
   ``from recsys_lib.losses import sigmoid`` in module 02's sigmoid cell), the grader's own code
   (``autograder.*``) or a private toolbox helper (``autograder.toolbox_use`` does the inspection).

A flag is a reason to look, not a verdict: the score is still computed.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

from autograder import notebooks as _nb

PROTECTED_MODULES = frozenset({"numpy", "pandas", "autograder", "recsys_lib", "sys", "builtins",
                               "scipy", "sklearn"})
HARMLESS_MAGICS = frozenset({"time", "timeit", "matplotlib", "precision", "load_ext", "autoreload",
                             "capture", "who", "whos", "pprint", "config", "pdb", "debug", "prun",
                             "html", "markdown", "latex", "javascript", "svg"})
_DYNAMIC_CODE = frozenset({"exec", "eval", "compile", "__import__"})
_OUTSIDE_MODULES = {"subprocess": "runs shell commands", "ctypes": "loads native code (ctypes)",
                    "sqlite3": "opens SQLite databases (the gradebook is one)",
                    "signal": "sends or handles process signals", "importlib": "re-imports modules",
                    "pty": "runs shell commands", "multiprocessing": "starts processes"}
_OS_CALLS = {"system": "runs shell commands", "popen": "runs shell commands",
             "kill": "sends signals to processes", "killpg": "sends signals to processes",
             "chdir": "changes the working folder", "fork": "starts processes"}
_WRITE_FUNCS = {("os", "remove"), ("os", "unlink"), ("os", "rmdir"), ("os", "rename"),
                ("os", "replace"), ("os", "removedirs"), ("os", "makedirs"), ("os", "mkdir"),
                ("os", "chmod"), ("os", "symlink"), ("os", "link"), ("os", "truncate"),
                ("shutil", "rmtree"), ("shutil", "move"), ("shutil", "copy"), ("shutil", "copy2"),
                ("shutil", "copyfile"), ("shutil", "copytree")}
_WRITE_METHODS = {"write_text", "write_bytes", "unlink", "rmdir", "rename", "replace", "touch",
                  "chmod", "symlink_to", "to_csv", "to_parquet", "to_pickle", "savefig", "save"}
_SUSPICIOUS_PATH = re.compile(
    r"(^/|^~|\.\.|gradebook|\.db\b|nbgrader|autograded|submitted|feedback|(^|/)source(/|$)|"
    r"(^|/)release(/|$)|(^|/)work(/|$)|(^|/)solutions(/|$)|site-packages|autograder|recsys_lib)",
    re.IGNORECASE)


@dataclass
class Inspection:
    wrong_assignment: str | None = None
    flags: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def _is_locked(cell) -> bool:
    m = _meta(cell)
    return bool(m.get("locked")) or (bool(m.get("grade")) and not m.get("solution"))


def _visible_lines(text: str) -> list[str]:
    """A locked cell's source as the student saw it: hidden tests removed, blank lines and
    trailing spaces ignored."""
    try:
        text = _nb.hide_hidden_tests(text, placeholder="")
    except ValueError:
        pass
    return [line.rstrip() for line in text.split("\n") if line.strip()]


def _python_source(text: str) -> str:
    """Cell source with IPython syntax (magics, ``!``) turned into Python."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(text)


def _imports(tree: ast.AST) -> dict[str, str]:
    """Names bound by imports -> what they are bound to (dotted)."""
    out: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.asname:
                    out[a.asname] = a.name
                else:
                    root = a.name.split(".")[0]
                    out[root] = root
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for a in node.names:
                out[a.asname or a.name] = f"{node.module}.{a.name}"
    return out


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _dotted(node: ast.AST) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    elif isinstance(node, ast.Call):
        parts.append(_dotted(node.func) + "()")
    return ".".join(reversed(parts))


def _strings(node: ast.AST) -> list[str]:
    return [n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


class _Scanner(ast.NodeVisitor):
    def __init__(self, protected_names: dict[str, str], aliases: dict[str, str], where: str):
        self.protected_names = protected_names       # name -> binding in the locked cells
        self.aliases = aliases                       # every import binding seen (name -> dotted)
        self.where = where
        self.found: list[str] = []

    def _add(self, node: ast.AST, what: str) -> None:
        self.found.append(f"{what} ({self.where}, line {getattr(node, 'lineno', '?')})")

    def _module_of(self, name: str | None) -> str | None:
        if name is None:
            return None
        target = self.aliases.get(name, self.protected_names.get(name))
        if name in ("np", "pd") and target is None:
            target = {"np": "numpy", "pd": "pandas"}[name]
        if name in PROTECTED_MODULES and target is None:
            target = name
        if target and target.split(".")[0] in PROTECTED_MODULES:
            return target
        return None

    # -- stores --------------------------------------------------------------------------
    def _check_target(self, target: ast.AST, node: ast.AST, verb: str) -> None:
        if isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:
                self._check_target(elt, node, verb)
            return
        if isinstance(target, ast.Starred):
            self._check_target(target.value, node, verb)
            return
        if isinstance(target, ast.Name):
            if target.id in self.protected_names or target.id == "__builtins__":
                self._add(node, f"{verb} {target.id}, which the tests use")
            return
        if isinstance(target, ast.Attribute):
            root = _root_name(target)
            if root == "__builtins__" or self._module_of(root):
                self._add(node, f"{verb} {_dotted(target)}")
            return
        if isinstance(target, ast.Subscript):
            base = target.value
            text = _dotted(base)
            if text in ("sys.modules", "__builtins__", "globals()", "locals()", "vars()") \
                    or (isinstance(base, ast.Attribute) and self._module_of(_root_name(base))):
                self._add(node, f"{verb} an entry of {text}")

    def visit_Assign(self, node):
        for t in node.targets:
            self._check_target(t, node, "rebinds")
        self.generic_visit(node)

    def visit_AugAssign(self, node):
        self._check_target(node.target, node, "rebinds")
        self.generic_visit(node)

    def visit_AnnAssign(self, node):
        self._check_target(node.target, node, "rebinds")
        self.generic_visit(node)

    def visit_Delete(self, node):
        for t in node.targets:
            self._check_target(t, node, "deletes")
        self.generic_visit(node)

    def visit_For(self, node):
        self._check_target(node.target, node, "rebinds")
        self.generic_visit(node)

    def visit_With(self, node):
        for item in node.items:
            if item.optional_vars is not None:
                self._check_target(item.optional_vars, node, "rebinds")
        self.generic_visit(node)

    def visit_NamedExpr(self, node):
        self._check_target(node.target, node, "rebinds")
        self.generic_visit(node)

    def _def(self, node):
        if node.name in self.protected_names:
            self._add(node, f"redefines {node.name}, which the tests use")
        self.generic_visit(node)

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _def

    def visit_Global(self, node):
        for name in node.names:
            if name in self.protected_names:
                self._add(node, f"declares {name} global, which the tests use")

    def _import(self, node, bindings: dict[str, str]):
        for name, target in bindings.items():
            if name in self.protected_names and self.protected_names[name] != target:
                self._add(node, f"rebinds {name} to {target}, which the tests use")
            if target.split(".")[0] in _OUTSIDE_MODULES:
                self._add(node, f"imports {target.split('.')[0]}: {_OUTSIDE_MODULES[target.split('.')[0]]}")
        self.aliases.update(bindings)

    def visit_Import(self, node):
        b = {}
        for a in node.names:
            b[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
            if not a.asname and "." in a.name and a.name.split(".")[0] in _OUTSIDE_MODULES:
                b[a.name.split(".")[0]] = a.name
        self._import(node, b)

    def visit_ImportFrom(self, node):
        module = node.module or ""
        self._import(node, {a.asname or a.name: f"{module}.{a.name}" for a in node.names})

    # -- calls ---------------------------------------------------------------------------
    def visit_Call(self, node):
        func = node.func
        name = func.id if isinstance(func, ast.Name) else None
        attr = func.attr if isinstance(func, ast.Attribute) else None
        owner = self.aliases.get(_root_name(func.value), _root_name(func.value)) \
            if isinstance(func, ast.Attribute) else None
        if name in _DYNAMIC_CODE:
            self._add(node, f"runs code the grader cannot inspect ({name})")
        if name in ("setattr", "delattr") and node.args:
            root = _root_name(node.args[0])
            if root == "__builtins__" or self._module_of(root) \
                    or (isinstance(node.args[0], ast.Name) and node.args[0].id in self.protected_names):
                self._add(node, f"{name} on {_dotted(node.args[0]) or root}")
        if attr in ("update", "pop", "setdefault", "__setitem__", "__delitem__", "clear") \
                and _dotted(func.value) in ("sys.modules", "__builtins__", "globals()", "vars()", "locals()"):
            self._add(node, f"changes {_dotted(func.value)}")
        if attr in ("__setattr__", "__delattr__"):
            self._add(node, f"calls {attr}")
        if owner == "os" and attr in _OS_CALLS:
            self._add(node, f"os.{attr}: {_OS_CALLS[attr]}")
        if owner == "os" and attr and attr.startswith(("exec", "spawn")):
            self._add(node, f"os.{attr}: starts programs")
        if attr == "system" and _dotted(func.value) == "get_ipython()":
            self._add(node, "runs shell commands (!)")
        if attr in ("run_line_magic", "run_cell_magic") and node.args \
                and isinstance(node.args[0], ast.Constant):
            magic = str(node.args[0].value)
            if magic == "writefile":
                paths = _strings(node.args[1]) if len(node.args) > 1 else []
                if any(_SUSPICIOUS_PATH.search(p) for p in paths):
                    self._add(node, f"writes a file outside its folder ({paths[0][:60]!r})")
            elif magic not in HARMLESS_MAGICS:
                self._add(node, f"uses the %{magic} magic")
        writes = False
        if name == "open":
            mode = node.args[1] if len(node.args) > 1 else next(
                (k.value for k in node.keywords if k.arg == "mode"), None)
            writes = isinstance(mode, ast.Constant) and isinstance(mode.value, str) \
                and any(ch in mode.value for ch in "wax+")
        elif owner in ("os", "shutil") and (owner, attr) in _WRITE_FUNCS:
            writes = True
        elif attr in _WRITE_METHODS:
            writes = True
        if writes:
            paths = [s for s in _strings(node) if _SUSPICIOUS_PATH.search(s)]
            if paths:
                self._add(node, f"writes a file outside its folder ({paths[0][:60]!r})")
        self.generic_visit(node)

    def visit_Constant(self, node):
        if isinstance(node.value, str) and "gradebook" in node.value.lower():
            self._add(node, "mentions the gradebook")

    def visit_Name(self, node):
        if node.id == "__builtins__" and isinstance(node.ctx, ast.Load):
            pass   # reads are checked where they are written to or called


def _cell_label(cell, index: int) -> str:
    gid = _nb.grade_id(cell)
    return f"cell {gid}" if gid else f"cell {index + 1}"


def inspect_submission(submitted: dict, source: dict, module: str,
                       known_modules: dict[str, set[str]] | None = None) -> Inspection:
    """Inspect a submitted notebook (a parsed dict) against the module's source notebook.

    ``known_modules``: {module: its grade ids}, used to name the assignment a wrong notebook
    belongs to."""
    result = Inspection()
    src_cells = {_nb.grade_id(c): c for c in source["cells"] if _nb.grade_id(c)}
    sub_cells = [c for c in submitted.get("cells", []) if isinstance(c, dict)]
    sub_by_id: dict[str, dict] = {}
    for c in sub_cells:
        gid = _nb.grade_id(c)
        if gid and gid not in sub_by_id:
            sub_by_id[gid] = c

    # 0. the right assignment?
    graded_ids = {g for g, c in src_cells.items() if _meta(c).get("grade") or _meta(c).get("solution")}
    if graded_ids and not graded_ids & set(sub_by_id):
        theirs = sorted(set(sub_by_id))
        other = None
        for name, ids in (known_modules or {}).items():
            if name != module and ids & set(theirs):
                other = name
                break
        what = f"it is a notebook of {other}" if other else (
            f"its graded cells ({', '.join(theirs[:3])}{', ...' if len(theirs) > 3 else ''}) belong to "
            "another assignment" if theirs else "it has no graded cells")
        result.wrong_assignment = f"not a notebook of {module}: none of its graded cells is there ({what})"
        return result

    # 1. locked cells: deleted, edited, metadata changed
    missing = []
    for gid, cell in src_cells.items():
        if not _is_locked(cell):
            continue
        sub = sub_by_id.get(gid)
        if sub is None:
            if _meta(cell).get("grade"):
                missing.append(gid)
            else:
                result.notes.append(f"locked cell {gid} was deleted; nbgrader put it back")
            continue
        if _visible_lines(_nb.source_text(sub)) != _visible_lines(_nb.source_text(cell)):
            result.flags.append(f"edited the locked cell {gid} (nbgrader restored it before grading)")
    if missing:
        result.notes.append("deleted test cell(s) " + ", ".join(missing)
                            + "; nbgrader put them back and graded them")
    for gid, cell in src_cells.items():
        sub = sub_by_id.get(gid)
        if sub is None:
            continue
        want, got = _meta(cell), _meta(sub)
        changed = [k for k in ("grade", "solution", "locked", "points")
                   if bool(want.get(k)) != bool(got.get(k)) or
                   (k == "points" and want.get("grade") and want.get(k) != got.get(k))]
        if changed or cell.get("cell_type") != sub.get("cell_type"):
            result.flags.append(f"changed the nbgrader settings of cell {gid} "
                                f"({', '.join(changed) or 'cell type'})")

    # 2. code the student wrote
    protected: dict[str, str] = {}
    release_sources = set()
    for cell in source["cells"]:
        if cell.get("cell_type") != "code":
            continue
        text = _nb.source_text(cell)
        if _is_locked(cell):
            try:
                protected.update(_imports(ast.parse(_python_source(text))))
            except SyntaxError:
                pass
        if not _meta(cell).get("solution"):
            release_sources.add("\n".join(_visible_lines(text)))
    syntax_errors = []
    for index, cell in enumerate(sub_cells):
        if cell.get("cell_type") != "code" or _is_locked(src_cells.get(_nb.grade_id(cell), {})):
            continue
        text = _nb.source_text(cell)
        if "\n".join(_visible_lines(text)) in release_sources:
            continue
        where = _cell_label(cell, index)
        try:
            tree = ast.parse(_python_source(text))
        except (SyntaxError, ValueError) as exc:
            line = getattr(exc, "lineno", None)
            syntax_errors.append(f"{where}" + (f" line {line}" if line else ""))
            continue
        scanner = _Scanner(protected, dict(protected), where)
        scanner.visit(tree)
        for finding in scanner.found:
            if finding not in result.flags:
                result.flags.append(finding)
    if syntax_errors:
        result.notes.append("syntax error in " + ", ".join(syntax_errors))

    # 3. graded cells that use the toolbox's answer (autograder.toolbox_policy)
    from autograder.toolbox_use import toolbox_findings

    for finding in toolbox_findings(sub_cells, source, module):
        if finding not in result.flags:
            result.flags.append(finding)
    return result


def check_warnings(notebook: str | Path, source_notebook: str | Path, module: str) -> list[str]:
    """The lines ``recsys-course check`` prints after its table when an instructor's
    ``recsys-course grade`` would flag this notebook (tampering, or a graded cell that uses the
    toolbox's answer); empty when there is nothing to say or the notebook cannot be read (the
    grade itself reports that)."""
    import json

    try:
        submitted = json.loads(Path(notebook).read_text(encoding="utf-8"))
        source = json.loads(Path(source_notebook).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return []
    if not isinstance(submitted, dict) or not isinstance(submitted.get("cells"), list):
        return []
    inspection = inspect_submission(submitted, source, module)
    return [f"warning: possible tampering: {flag}" for flag in inspection.flags] + (
        ["(graded as usual; an instructor's `recsys-course grade` marks this notebook 'flagged' "
         "for review)"] if inspection.flags else [])
