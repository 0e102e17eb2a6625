"""The ``recsys-course`` console script: the toolbox's sub-commands (``recsys_lib.cli``) and the
grader's (``autograder.commands``) composed on one parser.

``recsys_lib`` never imports ``autograder``; this module is the one place that knows both. Each
entry of ``REGISTRARS`` adds its sub-commands; handlers import their heavy dependencies lazily,
so ``recsys-course --help`` is instant.
"""
from __future__ import annotations

import argparse
import sys

from autograder import commands as _grading
from autograder import student_commands as _student
from recsys_lib import cli as _toolbox

#: functions ``add_commands(subparsers)`` that register sub-commands, in ``--help`` order
REGISTRARS = (_toolbox.add_commands, _grading.add_commands, _student.add_commands)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="recsys-course",
        description="Course tools: generate ShopSim data, release and grade notebooks.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for register in REGISTRARS:
        register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
