"""Exceptions of the course tools, each carrying the exit code ``recsys-course`` returns for it.

The command handlers decide exit codes by exception type (``exc.exit_code``), never by reading
the message text::

    CourseToolError            3  the tool itself failed
      UsageError               2  bad input on the command line (no such file, unknown module, ...)
        UnknownModule          2  a module name that is not in solutions/
      GradingError             3  nbgrader's pipeline failed (not a student's notebook)
      BatchError               3  a class batch cannot run (nbgrader cannot set up the assignment)
        UnknownModuleInBatch   2  ... because the module does not exist (a usage error)

``autograder.lms.SubmissionsError`` and ``autograder.release.CourseRootNotFound`` are usage errors too.
"""
from __future__ import annotations

EXIT_OK = 0
EXIT_POINTS_LOST = 1        # check: graded, some points lost
EXIT_ATTENTION = 1          # grade: finished, some rows need attention; release --check: drift
EXIT_USAGE = 2
EXIT_GRADER_FAILED = 3      # check: could not grade; grade/release: the grader failed
EXIT_INTERRUPTED = 130


class CourseToolError(Exception):
    """Base class; ``exit_code`` is what the command returns when this reaches it."""

    exit_code = EXIT_GRADER_FAILED


class UsageError(CourseToolError, ValueError):
    """The command was given something it cannot use."""

    exit_code = EXIT_USAGE


class UnknownModule(UsageError, LookupError):
    """A module name that is not a folder of solutions/ (``known`` lists the ones that are)."""

    exit_code = EXIT_USAGE

    def __init__(self, modules, known):
        self.modules = [modules] if isinstance(modules, str) else list(modules)
        self.known = list(known)
        names = ", ".join(repr(m) for m in self.modules)
        super().__init__(f"unknown module {names}; known: {', '.join(self.known)}")

    def __str__(self) -> str:          # LookupError would quote the message like a KeyError
        return self.args[0]


class GradingError(CourseToolError, RuntimeError):
    """The grading pipeline itself failed (not a student's notebook)."""

    exit_code = EXIT_GRADER_FAILED


class BatchError(CourseToolError, RuntimeError):
    """The batch itself cannot run (nbgrader cannot set up the assignment or the gradebook)."""

    exit_code = EXIT_GRADER_FAILED


class UnknownModuleInBatch(BatchError, UnknownModule):
    """``grade_class`` was given a module that does not exist: a usage error, and a BatchError
    for callers that catch those."""

    exit_code = EXIT_USAGE
