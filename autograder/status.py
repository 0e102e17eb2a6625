"""The names the grading pipeline uses for states and steps, as enums.

They are ``StrEnum``s: each member compares equal to its value and prints as it, so the grade CSV,
the cached JSON results and older callers that compare with plain strings (``row.status ==
"graded"``) keep working, while code inside ``autograder`` names the members and a typo fails at
import time instead of silently matching nothing.
"""
from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """A student's row in the grade CSV (``recsys-course grade``); the summary lists them in this order."""

    GRADED = "graded"                      # graded; ``reason`` holds notes
    COULD_NOT_GRADE = "could_not_grade"    # no grade, and not a zero
    MISSING = "missing"                    # on the roster without a submission, or an empty folder
    FLAGGED = "flagged"                    # looks like tampering: graded as usual, to review

    @property
    def has_notice_page(self) -> bool:
        """Students with this status get a short "could not be graded / missing" feedback page."""
        return self in (Status.MISSING, Status.COULD_NOT_GRADE)


class ExerciseStatus(StrEnum):
    """One graded cell of one graded notebook."""

    PASSED = "passed"
    FAILED = "failed"
    PARTIAL = "partial"
    MANUAL = "manual"                  # a written answer, graded by a person
    NOT_GRADED = "not graded"          # NULL score: the grader failed on this notebook


class Step(StrEnum):
    """What a grading child process did, one JSON line each in its ``steps.jsonl``."""

    GENERATE = "generate"              # nbgrader generate_assignment (once per batch)
    AUTOGRADE = "autograde"            # nbgrader autograde of one student
    FEEDBACK = "feedback"              # the student's feedback page
    RECORD = "record"                  # the result saved in the durable gradebook
