"""Faster start-up of the processes the course tools start: skip one optional import nothing uses.

jsonschema (imported by nbformat, hence by nbgrader and nbclient) imports ``rfc3987_syntax`` when it
is installed, to check the JSON-schema string formats "iri" and "iri-reference"; that module builds a
Lark parser at import time, which took 1-2 s on the course's 2-core machine, more than the rest of
nbgrader's import. No notebook or nbgrader schema uses those formats. Importing this module before
jsonschema makes that optional import fail, so jsonschema leaves the two formats unchecked exactly as
when the package is not installed.

Imported only by processes the course tools own (grading child processes, the ``recsys-course``
grading commands), never as a side effect of importing a library module.
"""
from __future__ import annotations

import sys

if "jsonschema" not in sys.modules:
    sys.modules.setdefault("rfc3987_syntax", None)
