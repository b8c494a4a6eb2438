"""Answer screening shared by the checkers of notebooks 00-02 (refresher, perceptron, mlp).

Small guards that run before a checker compares anything, so that an unsolved stub or an
answer of the wrong kind gets a specific German message instead of a generic mismatch.
Built on :mod:`dl_helpers.checks._core`; none of these functions raises.
"""
from __future__ import annotations

from ._core import Feedback, _report, run_student_code

__all__ = ["STUB_MESSAGE", "NONE_MESSAGE", "is_stub", "returns_none", "reject_non_function",
           "reject_unsolved_function", "reject_stub_value"]

#: Feedback for an answer that is still the placeholder ``...``.
STUB_MESSAGE = "Noch keine Antwort eingetragen (die Zelle enthält noch `...`)."
#: Feedback for a function that runs but returns None (the stub ``def f(...): ...``).
NONE_MESSAGE = ("Deine Funktion gibt noch nichts zurück (None): steht noch `...` darin, oder "
                "fehlt das `return`?")


def is_stub(answer) -> bool:
    """True if ``answer`` is the unsolved placeholder ``...``."""
    return answer is Ellipsis


def returns_none(fn, *args) -> bool:
    """True if calling ``fn(*args)`` works but gives None (the unsolved stub function)."""
    ran, out = run_student_code(fn, *args)
    return ran and out is None


def reject_non_function(student_fn, task: str, hint: str | None) -> Feedback | None:
    """Report (and return the Feedback) if ``student_fn`` is not a function, else None.

    Usage in a checker: ``if (fb := reject_non_function(fn, task, hint)) is not None: return fb``.
    """
    if is_stub(student_fn):
        return _report(False, task, STUB_MESSAGE, hint)
    if not callable(student_fn):
        return _report(False, task, "Erwartet war eine Funktion, erhalten "
                                    f"{type(student_fn).__name__}.", hint)
    return None


def reject_unsolved_function(student_fn, task: str, hint: str | None, *probe_args) -> Feedback | None:
    """Like :func:`reject_non_function`, and also report a function that returns None.

    ``probe_args`` are valid inputs of the exercise; the unsolved stub ``def f(...): ...``
    returns None for them, which deserves a plain message instead of a long test report.
    """
    if (rejected := reject_non_function(student_fn, task, hint)) is not None:
        return rejected
    if returns_none(student_fn, *probe_args):
        return _report(False, task, NONE_MESSAGE, hint)
    return None


def reject_stub_value(answer, task: str, hint: str | None) -> Feedback | None:
    """Report (and return the Feedback) if a value answer is still ``...``, else None."""
    if is_stub(answer):
        return _report(False, task, STUB_MESSAGE, hint)
    return None
