"""Exercise checkers with German feedback.

Each notebook's checkers live in a topic module (``dl_helpers.checks.refresher``,
``dl_helpers.checks.perceptron``, ...) and are built from the machinery in
:mod:`dl_helpers.checks._core`. A checker **never raises** on a wrong answer or on an
exception inside the student's code: it prints what is wrong (in German) with a hint and
returns ``False``; on success it prints a short confirmation and returns ``True``.
"""
from ._core import Feedback, check_array, check_function, check_value, run_student_code

__all__ = ["Feedback", "check_array", "check_function", "check_value", "run_student_code"]
