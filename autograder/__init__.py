"""Grading for the course: check functions with diagnostic feedback, the nbgrader wrapper,
mistake fixtures."""
