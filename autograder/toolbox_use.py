"""Static detection of a graded answer cell that uses the toolbox's answer (``autograder.toolbox_policy``).

``toolbox_findings(cells, source, module)`` walks the submitted notebook's code cells in order, the
way the kernel runs them, and keeps a table of what each global name is bound to (imports,
aliases such as ``S = recsys_lib.losses.sigmoid``, functions the learner wrote in extra cells).
In every graded answer cell (a solution cell of the source notebook, matched by ``grade_id``) it
resolves each name, attribute chain, ``getattr(obj, "name")``, ``vars(obj)["name"]``,
``obj.__dict__["name"]``, ``sys.modules["..."]``, ``importlib.import_module("...")``,
``operator.attrgetter("...")`` and ``"recsys_lib...."`` string to a dotted path, and reports

* a path the policy forbids in that cell ("uses the toolbox's answer recsys_lib.losses.sigmoid"),
  also when it is reached through a helper the learner defined in an extra cell, or through a
  ``from recsys_lib... import *``;
* any use of the grader (``autograder.*``) or of a private toolbox helper (``recsys_lib..._name``);
* in a cell with rules, a ``getattr`` on the toolbox with a computed name, which static inspection
  cannot resolve.

Locked cells are read from the source notebook (nbgrader restores them before grading). Release
cells the learner did not change are trusted: a helper the course itself defines is not laundering.
Static inspection cannot follow everything (``exec`` and ``__import__`` are flagged by
``autograder.tamper`` instead); a finding is a reason to look, not a verdict.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

from autograder import notebooks as _nb
from autograder import toolbox_policy as P

_ROOTS = (P.TOOLBOX, P.GRADER)


@dataclass(frozen=True)
class _Binding:
    """What a global name holds: a dotted path (``target``) or the learner's own object, with the
    dotted paths its definition uses (``uses``) and the cell that defined it (``origin``)."""
    target: str | None = None
    uses: frozenset = frozenset()
    origin: str | None = None
    graded: bool = False          # bound by a graded cell (inspected there already)


def _rooted(path: str | None) -> bool:
    return bool(path) and path.split(".")[0] in _ROOTS


def _const_str(node) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the string constants that are docstrings (they are prose, not references)."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and _const_str(first.value) is not None:
                out.add(id(first.value))
    return out


class _Resolver:
    """Dotted paths of expressions, given the global bindings and a cell's own bindings."""

    def __init__(self, env: dict[str, _Binding], local: dict[str, _Binding] | None = None):
        self.env, self.local = env, local or {}

    def binding(self, name: str) -> _Binding | None:
        if name in self.local:
            return self.local[name]
        return self.env.get(name)

    def dotted(self, node) -> str | None:
        if isinstance(node, ast.Name):
            b = self.binding(node.id)
            if b is not None:
                return b.target
            return node.id if node.id in _ROOTS else None
        if isinstance(node, ast.Attribute):
            base = self.dotted(node.value)
            return f"{base}.{node.attr}" if base else None
        if isinstance(node, ast.Call):
            func, args = node.func, node.args
            fname = self.dotted(func) if not isinstance(func, ast.Name) or self.binding(func.id) else func.id
            if fname in ("getattr", "builtins.getattr") and len(args) >= 2 and _const_str(args[1]):
                base = self.dotted(args[0])
                return f"{base}.{_const_str(args[1])}" if base else None
            if fname in ("vars", "builtins.vars") and len(args) == 1:
                return self.dotted(args[0])
            if fname in ("importlib.import_module", "__import__", "builtins.__import__") and args \
                    and _const_str(args[0]):
                return _const_str(args[0])
            if isinstance(func, ast.Attribute) and func.attr == "__getattribute__" and args \
                    and _const_str(args[0]):
                base = self.dotted(func.value)
                return f"{base}.{_const_str(args[0])}" if base else None
            return None
        if isinstance(node, ast.Subscript):
            key = _const_str(node.slice)
            if key is None:
                return None
            value = node.value
            if isinstance(value, ast.Attribute) and value.attr == "__dict__":
                base = self.dotted(value.value)
                return f"{base}.{key}" if base else None
            if isinstance(value, ast.Call):
                base = self.dotted(value)        # vars(module)["name"]
                if base and isinstance(value.func, ast.Name) and value.func.id == "vars":
                    return f"{base}.{key}"
            if self.dotted(value) == "sys.modules" or (
                    isinstance(value, ast.Attribute) and value.attr == "modules"
                    and isinstance(value.value, ast.Name) and value.value.id == "sys"):
                return key
        return None


def _import_bindings(node) -> dict[str, str]:
    out = {}
    if isinstance(node, ast.Import):
        for a in node.names:
            out[a.asname] = a.name if a.asname else None
            if not a.asname:
                out[a.name.split(".")[0]] = a.name.split(".")[0]
        out.pop(None, None)
    elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
        for a in node.names:
            if a.name != "*":
                out[a.asname or a.name] = f"{node.module}.{a.name}"
    return out


def _star_modules(tree) -> list[str]:
    """Modules a cell star-imports (Python allows ``import *`` only at a module's top level)."""
    return [n.module for n in _top_level(tree) if isinstance(n, ast.ImportFrom) and n.module
            and any(a.name == "*" for a in n.names)]


def _references(tree, resolver: _Resolver, docstrings: set[int]):
    """(dotted path, line, via, graded) for every reference in ``tree``: resolved loads, imports
    and toolbox strings; ``via`` names the learner's helper a path was reached through, ``graded``
    is true for a name that an earlier graded cell bound."""
    out = []
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for target in _import_bindings(node).values():
                out.append((target, line, None, False))
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            b = resolver.binding(node.id)
            if b is not None and b.target:
                out.append((b.target, line, None, b.graded))
            elif b is not None and b.uses:
                out.extend((use, line, f"{node.id} (defined in {b.origin})", False) for use in sorted(b.uses))
            continue
        if isinstance(node, (ast.Attribute, ast.Call, ast.Subscript)) and \
                getattr(node, "ctx", ast.Load()).__class__ is ast.Load:
            path = resolver.dotted(node)
            if path:
                out.append((path, line, None, False))
            continue
        text = _const_str(node)
        if text is not None and id(node) not in docstrings and _rooted(text) and " " not in text:
            out.append((text, line, None, False))
    return out


def _local_bindings(tree, resolver: _Resolver) -> dict[str, _Binding]:
    """Every name a cell binds anywhere (parameters, assignments, defs) shadows the global one;
    imports and simple aliases inside the cell bind their dotted path."""
    local: dict[str, _Binding] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            local.setdefault(node.id, _Binding())
        elif isinstance(node, ast.arg):
            local.setdefault(node.arg, _Binding())
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            local.setdefault(node.name, _Binding())
    inner = _Resolver(resolver.env, local)
    for node in ast.walk(tree):
        for name, target in _import_bindings(node).items():
            local[name] = _Binding(target)
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            target = inner.dotted(node.value)
            if target:
                local[node.targets[0].id] = _Binding(target)
    return local


def _top_level(tree):
    """Statements that run at a cell's top level (into if/for/while/with/try, not into defs)."""
    stack = list(reversed(tree.body))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try)):
            children = list(node.body) + list(getattr(node, "orelse", [])) + list(getattr(node, "finalbody", []))
            for handler in getattr(node, "handlers", []):
                children.extend(handler.body)
            stack.extend(reversed(children))


def _update_env(env: dict[str, _Binding], tree, resolver: _Resolver, origin: str | None,
                graded: bool = False) -> None:
    """Apply a cell's top-level bindings to the global table. ``origin`` is the label of a cell
    the learner wrote outside the graded cells (its definitions carry the paths they use), None
    for a trusted cell; ``graded`` marks a graded cell's bindings."""
    docs = _docstrings(tree) if origin is not None else set()

    def uses(node) -> frozenset:
        if origin is None:
            return frozenset()
        return frozenset(p for p, *_ in _references(node, resolver, docs) if _rooted(p))

    def bind(target=None, used=frozenset(), where=None) -> _Binding:
        return _Binding(target, used, where, graded)

    for node in _top_level(tree):
        for name, target in _import_bindings(node).items():
            env[name] = bind(target)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            env[node.name] = bind(None, uses(node), origin)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and getattr(node, "value", None):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for tgt in targets:
                if isinstance(tgt, ast.Name):
                    path = resolver.dotted(node.value) if not isinstance(node, ast.AugAssign) else None
                    env[tgt.id] = bind(path, frozenset() if path else uses(node.value), origin)
                elif isinstance(tgt, (ast.Tuple, ast.List)) and isinstance(node.value, (ast.Tuple, ast.List)) \
                        and len(tgt.elts) == len(node.value.elts):
                    for t, v in zip(tgt.elts, node.value.elts):
                        if isinstance(t, ast.Name):
                            path = resolver.dotted(v)
                            env[t.id] = bind(path, frozenset() if path else uses(v), origin)
                else:
                    for n in ast.walk(tgt):
                        if isinstance(n, ast.Name):
                            env[n.id] = bind(None, uses(node.value), origin)
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.With, ast.AsyncWith)):
            targets = [node.target] if isinstance(node, (ast.For, ast.AsyncFor)) else \
                [i.optional_vars for i in node.items if i.optional_vars is not None]
            for tgt in targets:
                for n in ast.walk(tgt):
                    if isinstance(n, ast.Name):
                        env[n.id] = bind()
    for module in _star_modules(tree):
        if _rooted(module):
            env["*"] = bind(None, (env["*"].uses if "*" in env else frozenset()) | {module}, origin)


def _describe(forbidden: str) -> str:
    return "the toolbox's answer" if P.is_toolbox(forbidden) else "a library's answer"


def _cell_findings(tree, where: str, forbidden: tuple[str, ...], env: dict[str, _Binding],
                   reported: set[str]) -> list[str]:
    """Findings of one graded cell; ``reported``: the keys earlier graded cells were flagged for
    (a name such a cell bound is not reported again where a later cell uses it)."""
    resolver = _Resolver(env)
    local = _local_bindings(tree, resolver)
    resolver = _Resolver(env, local)
    docs = _docstrings(tree)
    found: dict[str, str] = {}

    def add(key: str, text: str) -> None:
        found.setdefault(key, text)

    for path, line, via, graded in _references(tree, resolver, docs):
        through = f" through {via}" if via else ""
        hit = next((f for f in forbidden if P.matches(path, f)), None)
        if graded and (hit or path) in reported:
            continue
        if hit:
            alias = "" if path == hit else f" as {path}"
            add(hit, f"cell {where} uses {_describe(hit)} {hit}{alias}{through} (line {line})")
        elif path.split(".")[0] == P.GRADER and "." in path:
            add(path, f"cell {where} uses the grader's code {path}{through} (line {line})")
        elif P.is_toolbox(path) and any(part.startswith("_") and not part.startswith("__")
                                        for part in path.split(".")[1:]):
            add(path, f"cell {where} uses a private toolbox helper {path}{through} (line {line})")
    if forbidden:
        last = {f.rsplit(".", 1)[-1]: f for f in forbidden}
        star = env.get("*")
        stars_here = [m for m in _star_modules(tree) if _rooted(m)]
        for node in ast.walk(tree):
            if stars_here and isinstance(node, ast.ImportFrom) and node.module in stars_here:
                add("*" + node.module, f"cell {where} imports * from {node.module}, which may bring in "
                                       f"{_describe(forbidden[0])} (line {node.lineno})")
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in last \
                    and resolver.binding(node.id) is None and star is not None:
                hit = last[node.id]
                add(hit, f"cell {where} uses {_describe(hit)} {hit} as {node.id} (from `from "
                         f"{', '.join(sorted(star.uses))} import *` in {star.origin}) (line {node.lineno})")
            if isinstance(node, ast.Call):
                fname = resolver.dotted(node.func) or (node.func.id if isinstance(node.func, ast.Name) else None)
                if fname in ("getattr", "builtins.getattr") and len(node.args) >= 2 \
                        and _const_str(node.args[1]) is None and _rooted(resolver.dotted(node.args[0])):
                    base = resolver.dotted(node.args[0])
                    add("getattr" + base, f"cell {where} looks up a name of {base} computed at run time "
                                          f"(getattr, line {node.lineno}): it may be {_describe(forbidden[0])}")
                if fname in ("operator.attrgetter", "operator.methodcaller") and node.args:
                    for arg in node.args:
                        text = _const_str(arg) or ""
                        hit = last.get(text.rsplit(".", 1)[-1])
                        if hit:
                            add(hit, f"cell {where} uses {_describe(hit)} {hit} through {fname}"
                                     f"({text!r}) (line {node.lineno})")
    # a chain is reported once, by its longest path (not also autograder.exercises, autograder...)
    longer = [k for k in found if k not in forbidden and any(o.startswith(k + ".") for o in found)]
    reported.update(found)
    return [text for key, text in found.items() if key not in longer]


def _parse(text: str, to_python) -> ast.AST:
    """A cell's syntax tree: plain Python parsed directly, IPython syntax (magics, ``!``) first
    turned into Python (the slow path)."""
    if not any(line.lstrip().startswith(("%", "!")) or line.rstrip().endswith("?")
               for line in text.split("\n")):
        try:
            return ast.parse(text)
        except SyntaxError:
            pass
    return ast.parse(to_python(text))


def toolbox_findings(cells: list[dict], source: dict, module: str) -> list[str]:
    """Findings (each "cell ..., what, line") for the graded answer cells of a submitted notebook's
    ``cells``, against ``module``'s ``source`` notebook (see the module docstring)."""
    from autograder.tamper import _is_locked, _meta, _python_source, _visible_lines

    src_cells = {_nb.grade_id(c): c for c in source.get("cells", []) if _nb.grade_id(c)}
    answers = {gid for gid, c in src_cells.items()
               if c.get("cell_type") == "code" and _meta(c).get("solution") and not _is_locked(c)}
    release = {"\n".join(_visible_lines(_nb.source_text(c))) for c in source.get("cells", [])
               if c.get("cell_type") == "code" and not _meta(c).get("solution")}
    env: dict[str, _Binding] = {}
    findings: list[str] = []
    reported: set[str] = set()
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        gid = _nb.grade_id(cell)
        original = src_cells.get(gid) if gid else None
        if original is not None and _is_locked(original):
            cell = original                       # nbgrader restores locked cells before grading
        text = _nb.source_text(cell)
        try:
            tree = _parse(text, _python_source)
        except (SyntaxError, ValueError):
            continue
        resolver = _Resolver(env)
        if gid in answers:
            findings.extend(_cell_findings(tree, gid, P.forbidden_names(module, gid), env, reported))
            origin = None                         # graded cells are inspected themselves
        elif original is None and "\n".join(_visible_lines(text)) not in release:
            origin = f"cell {index + 1}"          # a cell the learner wrote
        else:
            origin = None
        _update_env(env, tree, resolver, origin, graded=gid in answers)
    return findings
