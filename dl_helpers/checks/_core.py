"""Building blocks for exercise checkers (German feedback, never raising on a wrong answer).

Hints come in levels (contract 3): ``hint`` is a string or a sequence of strings. The first
failed attempt shows level 1 (conceptual: which idea is missing, never the formula), every
further failed attempt of the same task reveals the next level; the last level may give the
formula. :func:`tipp` reveals the next level on request. An unanswered stub (``...`` or a
function that still returns None) is "noch nicht gelöst" and costs no hint level.

Typical use inside a topic module::

    def check_l2_norm(student_fn):
        return check_function(student_fn, reference=lambda x: np.linalg.norm(x),
                              make_inputs=lambda rng: (rng.normal(size=5),),
                              task="L2-Norm",
                              hint=["Die Norm misst die Länge des Vektors (Pythagoras).",
                                    "Wurzel aus der Summe der Quadrate: np.sqrt(np.sum(x**2))."])
"""
from __future__ import annotations

import inspect
import textwrap
import traceback
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable, Sequence, Union

import numpy as np

__all__ = ["Feedback", "Hint", "STUB_MESSAGE", "NONE_MESSAGE", "check_array", "check_function",
           "check_value", "compare", "hint_levels", "is_stub", "reject_non_function", "report", "report_stub",
           "reset_hints", "run_student_code", "tipp"]

Hint = Union[str, Sequence[str], None]

_OK = "✅"
_FAIL = "❌"
_OPEN = "✏️"
WIDTH = 88          # feedback lines are wrapped at word boundaries to this width
_INDENT = "   "

#: Feedback for an answer that is still the placeholder ``...``.
STUB_MESSAGE = "Du hast noch keine Lösung eingetragen (in der Zelle steht noch `...`)."
#: Feedback for a function that runs but returns None (the stub ``def f(...): ...``).
NONE_MESSAGE = ("Deine Funktion gibt noch nichts zurück (None): Du hast noch keine Lösung "
                "eingetragen, oder es fehlt das `return`.")

# Hint state of this kernel: failed attempts per task, the hint levels seen per task and the
# task checked last (for tipp()).
_attempts: dict[str, int] = {}
_levels_of: dict[str, tuple[str, ...]] = {}
_solved: set[str] = set()
_last_task: list[str] = []


@dataclass
class Feedback:
    """Result of a check; ``bool(fb)`` is True when the answer is correct.

    The checker prints ``message`` already; the object is returned so that tests (and
    curious students) can inspect it. In a notebook its repr is suppressed.
    """

    ok: bool
    message: str

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:  # shown if a student evaluates the result in a cell
        return f"Feedback(ok={self.ok})"

    def _repr_html_(self) -> str:  # keep notebook output to the printed message
        return ""


def hint_levels(hint: Hint) -> tuple[str, ...]:
    """The hint levels as a tuple of non-empty strings (a single string is one level)."""
    if hint is None:
        return ()
    if isinstance(hint, str):
        return (hint,) if hint else ()
    return tuple(str(h) for h in hint if h)


def is_stub(answer) -> bool:
    """True if ``answer`` is the unsolved placeholder ``...``."""
    return answer is Ellipsis


def _wrap(text: str) -> str:
    """Wrap every line at word boundaries (never inside a word); continuation lines indented."""
    out = []
    for line in text.splitlines():
        lead = line[:len(line) - len(line.lstrip())]
        out.append(textwrap.fill(line, WIDTH, initial_indent="", subsequent_indent=lead + _INDENT,
                                 break_long_words=False, break_on_hyphens=False,
                                 drop_whitespace=True) if line.strip() else line)
    return "\n".join(out)


def _hint_line(levels: tuple[str, ...], level: int) -> str:
    n = len(levels)
    label = "Tipp" if n == 1 else f"Tipp {level} von {n}"
    line = f"{_INDENT}{label}: {levels[level - 1]}"
    if level < n:
        line += "\n" + _INDENT + "(Der nächste Versuch oder tipp() zeigt einen weiteren Tipp.)"
    return line


def _remember(task: str, levels: tuple[str, ...]) -> None:
    _levels_of[task] = levels
    _last_task[:] = [task]
    _offer_tipp()


def _offer_tipp() -> None:
    """Make ``tipp()`` callable in the notebook without an import (the feedback mentions it);
    a name ``tipp`` the student defined is left alone."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None:
        shell.user_ns.setdefault("tipp", tipp)


def report(ok: bool, task: str, detail: str, hint: Hint = None) -> Feedback:
    """Print and return the feedback of one check; a failure reveals the next hint level."""
    levels = hint_levels(hint)
    _remember(task, levels)
    if ok:
        _attempts.pop(task, None)
        _solved.add(task)
        msg = f"{_OK} {task}: richtig! {detail}".rstrip()
    else:
        _solved.discard(task)
        _attempts[task] = _attempts.get(task, 0) + 1
        msg = f"{_FAIL} {task}: noch nicht richtig. {detail}".rstrip()
        if levels:
            msg += "\n" + _hint_line(levels, min(_attempts[task], len(levels)))
    msg = _wrap(msg)
    print(msg)
    return Feedback(ok, msg)


def report_stub(task: str, hint: Hint = None, detail: str = STUB_MESSAGE) -> Feedback:
    """Feedback for an unanswered exercise: "noch nicht gelöst", no hint level used up."""
    _remember(task, hint_levels(hint))
    _solved.discard(task)
    msg = _wrap(f"{_OPEN} {task}: noch nicht gelöst. {detail}")
    print(msg)
    return Feedback(False, msg)


def reject_non_function(student_fn, task: str, hint: Hint = None) -> Feedback | None:
    """Feedback when ``student_fn`` is still the stub or not callable, else None.

    Usage in a checker: ``if (fb := reject_non_function(fn, task, hint)) is not None: return fb``.
    """
    if is_stub(student_fn):
        return report_stub(task, hint)
    if not callable(student_fn):
        return report(False, task, f"Erwartet war eine Funktion, erhalten {type(student_fn).__name__}.",
                      hint)
    return None


def tipp(task: str | None = None) -> None:
    """Show the next hint level of the exercise checked last (or of ``task``)."""
    if task is None:
        if not _last_task:
            print("Noch keine Aufgabe geprüft: führe zuerst die Zelle mit dem check_…-Aufruf aus.")
            return
        task = _last_task[0]
    levels = _levels_of.get(task)
    if levels is None:
        known = ", ".join(sorted(_levels_of)) or "keine"
        print(_wrap(f"Zur Aufgabe {task!r} kenne ich noch keine Tipps (geprüft wurden: {known})."))
        return
    if task in _solved:
        print(_wrap(f"{_OK} {task}: schon richtig gelöst, dafür gibt es keinen Tipp mehr."))
        return
    if not levels:
        print(_wrap(f"Zu {task} gibt es keine weiteren Tipps."))
        return
    level = min(_attempts.get(task, 0) + 1, len(levels))
    _attempts[task] = level
    msg = f"{task}:\n" + _hint_line(levels, level)
    if level == len(levels) and len(levels) > 1:
        msg += "\n" + _INDENT + "(Das war der letzte Tipp.)"
    print(_wrap(msg))


def reset_hints() -> None:
    """Forget all attempts (a fresh start for every exercise; used by the tests)."""
    _attempts.clear()
    _levels_of.clear()
    _solved.clear()
    _last_task.clear()


def run_student_code(fn: Callable, *args, **kwargs) -> tuple[bool, Any]:
    """Call ``fn``; return ``(True, result)`` or ``(False, German error text)``. Never raises."""
    try:
        return True, fn(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - the student's code may raise anything
        tb = traceback.extract_tb(exc.__traceback__)
        where = f" (Zeile {tb[-1].lineno})" if tb else ""
        return False, f"Dein Code hat einen Fehler ausgelöst{where}: {type(exc).__name__}: {exc}"


def _is_bool(x) -> bool:
    return isinstance(x, (bool, np.bool_)) or (isinstance(x, np.ndarray) and x.dtype == bool)


def _compare_bool(answer, expected) -> tuple[bool, str]:
    e = np.asarray(expected, dtype=bool)
    if answer is None:
        return False, "Es wurde nichts zurückgegeben (None). Fehlt ein `return`?"
    if not _is_bool(answer):
        return False, (f"Erwartet war True oder False, erhalten {answer!r} "
                       f"(Typ {type(answer).__name__}).")
    a = np.asarray(answer, dtype=bool)
    if a.shape != e.shape:
        return False, f"Die Form stimmt nicht: erwartet {e.shape}, erhalten {a.shape}."
    if np.array_equal(a, e):
        return True, ""
    if e.ndim == 0:
        return False, f"Erwartet {bool(e)}, erhalten {bool(a)}."
    idx = tuple(int(i) for i in np.argwhere(a != e)[0])
    return False, f"An Position {idx}: erwartet {bool(e[idx])}, erhalten {bool(a[idx])}."


def _factor_text(c: float) -> str | None:
    """'2', '1/2', '-3', ... for a simple factor c, else None."""
    frac = Fraction(c).limit_denominator(12)
    if frac in (0, 1, -1) or abs(float(frac) - c) > 1e-9 * max(1.0, abs(c)):
        return None
    if abs(frac.numerator) > 12:
        return None
    return str(frac)


def _diagnose(a: np.ndarray, e: np.ndarray, rtol: float, atol: float) -> str | None:
    """Name a typical slip: sign flip, transpose, a constant factor. None if none fits."""
    def close(x, y):
        return x.shape == y.shape and np.allclose(x, y, rtol=rtol, atol=atol)

    nonzero = np.abs(e) > atol
    if np.any(nonzero) and close(a, -e):
        return ("Das Vorzeichen ist umgedreht: deine Antwort ist genau das Negative der "
                "erwarteten.")
    if e.ndim == 2 and e.shape[0] == e.shape[1] and not close(e, e.T) and close(a, e.T):
        return ("Deine Antwort ist die Transponierte der erwarteten: Zeilen und Spalten "
                "vertauscht.")
    if np.count_nonzero(nonzero) >= 1:
        c = float(np.sum(a * e) / np.sum(e * e))
        if np.isfinite(c) and close(a, c * e) and not np.isclose(c, 1.0, rtol=rtol):
            text = _factor_text(c)
            several = np.count_nonzero(nonzero) >= 2
            if text is not None:
                return (f"Deine Antwort ist {'überall ' if several else ''}das {text}-fache der "
                        "erwarteten: fehlt ein konstanter Faktor (oder ist einer zu viel)?")
            if several:
                return (f"Deine Antwort ist überall das {c:.4g}-fache der erwarteten: die "
                        "Richtung stimmt, ein konstanter Faktor fehlt oder ist zu viel.")
    return None


def compare(answer, expected, rtol: float = 1e-6, atol: float = 1e-9, *,
            name_slips: bool = True) -> tuple[bool, str]:
    """Compare an answer with the reference; explain the first difference in German.

    ``expected`` may be a number, an array or a bool (then the answer must be True/False).
    With ``name_slips`` a sign flip, a transpose or a constant factor is named (a checker
    with its own, more specific diagnosis passes False).
    """
    if _is_bool(expected):
        return _compare_bool(answer, expected)
    if answer is None:
        return False, "Es wurde nichts zurückgegeben (None). Fehlt ein `return`?"
    if is_stub(answer):
        return False, STUB_MESSAGE
    if isinstance(answer, (str, bytes)):
        return False, f"Erwartet war eine Zahl bzw. ein Array, nicht der Text {answer!r}."
    try:
        if hasattr(answer, "detach") and hasattr(answer, "requires_grad"):
            answer = answer.detach().cpu()   # torch tensor, possibly part of an autograd graph
        raw = np.asarray(answer)
        if raw.dtype.kind == "c":
            return False, ("Die Antwort enthält komplexe Zahlen; erwartet war ein reelles "
                           "Ergebnis (Wurzel oder Logarithmus einer negativen Zahl?).")
        a = raw.astype(np.float64)
    except Exception:  # noqa: BLE001 - any conversion failure is feedback, never an error
        return False, f"Die Antwort vom Typ {type(answer).__name__} ist keine Zahl und kein Array."
    e = np.asarray(expected, dtype=np.float64)
    if a.shape != e.shape:
        if a.ndim == 2 and a.shape == e.T.shape:
            extra = ""
            if np.allclose(a.T, e, rtol=rtol, atol=atol):
                extra = " Die Werte stimmen, nur transponiert."
            return False, (f"Die Form ist transponiert: erwartet {e.shape}, erhalten {a.shape}. "
                           f"Vertauschte Zeilen und Spalten?{extra}")
        if a.size == e.size:
            return False, (f"Die Form stimmt nicht: erwartet {e.shape}, erhalten {a.shape} "
                           "(gleiche Anzahl Einträge - vielleicht reshape vergessen?).")
        return False, f"Die Form stimmt nicht: erwartet {e.shape}, erhalten {a.shape}."
    if not np.all(np.isfinite(a)):
        return False, "Die Antwort enthält NaN oder unendlich."
    if np.allclose(a, e, rtol=rtol, atol=atol):
        return True, ""
    slip = _diagnose(a, e, rtol, atol) if name_slips else None
    if a.ndim == 0:
        msg = f"Erhalten {float(a):.6g}, erwartet {float(e):.6g}."
    else:
        diff = np.abs(a - e)
        idx = np.unravel_index(np.argmax(diff), diff.shape)
        msg = (f"Größte Abweichung an Position {tuple(int(i) for i in idx)}: erhalten "
               f"{a[idx]:.6g}, erwartet {e[idx]:.6g}.")
    return False, f"{slip} {msg}" if slip else msg



def check_value(answer, expected, *, task: str, hint: Hint = None,
                rtol: float = 1e-6, atol: float = 1e-9) -> Feedback:
    """Check a number, array or bool the student computed against the reference value."""
    if is_stub(answer):
        return report_stub(task, hint)
    ok, detail = compare(answer, expected, rtol, atol)
    return report(ok, task, detail, hint)


check_array = check_value  # alias: reads better for matrices


def _arg_names(student_fn, reference, n: int) -> list[str]:
    for fn in (student_fn, reference):
        try:
            params = [p.name for p in inspect.signature(fn).parameters.values()
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        except (TypeError, ValueError):
            continue
        if len(params) >= n:
            return params[:n]
    return [f"Argument {i + 1}" for i in range(n)]


def _show(value) -> str:
    if isinstance(value, np.ndarray):
        text = np.array2string(value, precision=3, threshold=12, separator=", ")
        text = " ".join(text.split())
        return f"{text} (Form {value.shape})" if value.ndim > 1 else text
    if isinstance(value, float):
        return f"{value:.6g}"
    if callable(value):
        return getattr(value, "__name__", "eine Funktion")
    return repr(value)


def describe_inputs(student_fn, reference, args: tuple) -> str:
    """German 'x = …, W = …' description of one trial's inputs, named like the parameters."""
    names = _arg_names(student_fn, reference, len(args))
    return ", ".join(f"{n} = {_show(a)}" for n, a in zip(names, args))


def check_function(student_fn, reference: Callable, make_inputs: Callable[[np.random.Generator], tuple],
                   *, task: str, hint: Hint = None, n_trials: int = 5, seed: int = 0,
                   rtol: float = 1e-6, atol: float = 1e-9) -> Feedback:
    """Call ``student_fn`` and ``reference`` on ``n_trials`` random inputs and compare.

    ``make_inputs(rng)`` returns the positional arguments of one trial. The first failing
    trial is reported with its named inputs; exceptions in the student's code become
    feedback; a stub that returns None is "noch nicht gelöst". A reference returning a bool
    asks for True/False.
    """
    if (feedback := reject_non_function(student_fn, task, hint)) is not None:
        return feedback
    rng = np.random.default_rng(seed)
    for trial in range(n_trials):
        args = make_inputs(rng)
        expected = reference(*args)
        copies = tuple(np.copy(a) if isinstance(a, np.ndarray) else a for a in args)
        ran, result = run_student_code(student_fn, *copies)
        if not ran:
            return report(False, task, result, hint)
        if result is None and trial == 0:
            return report_stub(task, hint, NONE_MESSAGE)
        ok, detail = compare(result, expected, rtol, atol)
        if not ok:
            shown = describe_inputs(student_fn, reference, args)
            return report(False, task, f"Test {trial + 1} von {n_trials}, Eingabe {shown}:\n"
                                       f"{_INDENT}{detail}", hint)
    return report(True, task, f"({n_trials} zufällige Tests bestanden)", hint)
