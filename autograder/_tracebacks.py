"""Where, in the learner's own code, did an exception happen? Used by ``autograder.checks.call``
to turn an exception raised by a learner's function into feedback that shows the exception and
the learner's lines (the notebook cell), never the grader's internals.

A frame belongs to the learner when its file is none of: this package (``autograder``), the
toolbox (``recsys_lib``), the Python installation (standard library, ``site-packages``) or a
frozen module. Notebook cells (``/tmp/ipykernel_*/*.py``, ``<ipython-input-...>``) and a
learner's own scripts are theirs.
"""
from __future__ import annotations

import os as _os
import sys as _sys
import sysconfig as _sysconfig
import traceback as _traceback
from pathlib import Path as _Path

_extract_tb = _traceback.extract_tb
_realpath = _os.path.realpath
_sep = _os.sep

_PACKAGE_ROOT = _Path(__file__).resolve().parent                    # .../autograder
_NOT_LEARNER = tuple(sorted({
    _realpath(p).rstrip(_sep) + _sep
    for p in [str(_PACKAGE_ROOT), str(_PACKAGE_ROOT.parent / "recsys_lib"), _sys.prefix, _sys.base_prefix,
              _sys.exec_prefix, *(_sysconfig.get_paths().get(k) for k in ("stdlib", "platstdlib", "purelib",
                                                                         "platlib"))]
    if p and _realpath(p).rstrip(_sep)}))        # never "/" (that would disown every file)

#: at most this many of the learner's frames are shown (the innermost ones)
MAX_FRAMES = 3


def is_learner_file(filename: str) -> bool:
    """True when ``filename`` (a traceback frame's file) is the learner's code."""
    if not filename or filename.startswith("<frozen"):
        return False
    if filename.startswith("<"):               # <ipython-input-3-...>, <string> of a learner's cell
        return True
    path = _realpath(filename)
    return not path.startswith(_NOT_LEARNER)


def _where_library(filename: str) -> str:
    """'numpy', 'scipy.sparse', 'recsys_lib.losses', 'the Python standard library' or 'the grader'."""
    path = _realpath(filename)
    if path.startswith(_realpath(str(_PACKAGE_ROOT)) + _sep):
        return "the grader"
    parts = _Path(path).with_suffix("").parts
    for anchor in ("site-packages", "dist-packages"):
        if anchor in parts:
            rest = [p for p in parts[parts.index(anchor) + 1:] if p != "__init__"]
            return ".".join(rest[:2]) if rest else "an installed package"
    if "recsys_lib" in parts:
        rest = [p for p in parts[parts.index("recsys_lib"):] if p != "__init__"]
        return ".".join(rest)
    return "the Python standard library"


def learner_traceback(exc: BaseException, limit: int = MAX_FRAMES) -> list[str]:
    """Lines describing where ``exc`` happened in the learner's code, innermost last::

        In your code (most recent call last):
          line 7 in recommend_item_based: scores = np.asarray(X[rows] @ S)
        (raised inside scipy.sparse, called from the last line above)

    Empty when no frame of the traceback belongs to the learner."""
    frames = _extract_tb(exc.__traceback__)
    mine = [i for i, f in enumerate(frames) if is_learner_file(f.filename)]
    if not mine:
        return []
    lines = ["In your code (most recent call last):"]
    for i in mine[-limit:]:
        f = frames[i]
        code = (f.line or "").strip()
        lines.append(f"  line {f.lineno} in {f.name}" + (f": {code}" if code else ""))
    if mine[-1] != len(frames) - 1:
        lines.append(f"(raised inside {_where_library(frames[-1].filename)}, called from the last line above)")
    return lines
