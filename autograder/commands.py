"""Sub-commands of ``recsys-course`` that belong to grading (filled in by the grading pipeline)."""
from __future__ import annotations


def add_commands(subparsers) -> None:
    """Register the grading sub-commands on the ``recsys-course`` parser."""
