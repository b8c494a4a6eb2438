"""Exercise checkers with German feedback.

Each notebook's checkers live in a topic module (``dl_helpers.checks.refresher``,
``dl_helpers.checks.perceptron``, ...) and are built from the machinery in
:mod:`dl_helpers.checks._core`. A checker **never raises** on a wrong answer or on an
exception inside the student's code: it prints what is wrong (in German) with a hint and
returns a falsy :class:`Feedback`; on success it prints a short confirmation.

Hints come in levels: the first wrong try gets a conceptual hint, each further wrong try the
next level; ``tipp()`` shows the next level on request::

    from dl_helpers.checks import tipp
    tipp()          # next hint for the exercise checked last
"""
from ._core import (Feedback, check_array, check_function, check_value, reset_hints,
                    run_student_code, tipp)

__all__ = ["Feedback", "check_array", "check_function", "check_value", "reset_hints",
           "run_student_code", "tipp"]
