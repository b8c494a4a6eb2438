"""Answer screening shared by the checkers (stub, None, not a function).

Small guards that run before a checker compares anything, so that an unsolved stub or an
answer of the wrong kind gets a specific German message instead of a generic mismatch.
Built on :mod:`dl_helpers.checks._core`; none of these functions raises.
"""
from __future__ import annotations

from ._core import (NONE_MESSAGE, STUB_MESSAGE, Feedback, Hint, is_stub, reject_non_function,
                    report_stub, run_student_code)

__all__ = ["STUB_MESSAGE", "NONE_MESSAGE", "is_stub", "returns_none", "reject_non_function",
           "reject_unsolved_function", "reject_stub_value"]


def returns_none(fn, *args) -> bool:
    """True if calling ``fn(*args)`` works but gives None (the unsolved stub function)."""
    ran, out = run_student_code(fn, *args)
    return ran and out is None



def reject_unsolved_function(student_fn, task: str, hint: Hint, *probe_args) -> Feedback | None:
    """Like :func:`reject_non_function`, and also report a function that returns None.

    ``probe_args`` are valid inputs of the exercise; the unsolved stub ``def f(...): ...``
    returns None for them: "noch nicht gelöst" instead of a long test report.
    """
    if (rejected := reject_non_function(student_fn, task, hint)) is not None:
        return rejected
    if returns_none(student_fn, *probe_args):
        return report_stub(task, hint, NONE_MESSAGE)
    return None


def reject_stub_value(answer, task: str, hint: Hint) -> Feedback | None:
    """Report (and return the Feedback) if a value answer is still ``...``, else None."""
    if is_stub(answer):
        return report_stub(task, hint)
    return None
