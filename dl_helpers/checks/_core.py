"""Building blocks for exercise checkers (German feedback, never raising on a wrong answer).

Typical use inside a topic module::

    def check_l2_norm(student_fn):
        return check_function(student_fn, reference=lambda x: np.linalg.norm(x),
                              make_inputs=lambda rng: (rng.normal(size=5),),
                              task="L2-Norm", hint="Wurzel aus der Summe der Quadrate.")
"""
from __future__ import annotations

import traceback
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

__all__ = ["Feedback", "check_array", "check_function", "check_value", "run_student_code"]

_OK = "✅"
_FAIL = "❌"


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


def _report(ok: bool, task: str, detail: str, hint: str | None) -> Feedback:
    if ok:
        msg = f"{_OK} {task}: richtig! {detail}".rstrip()
    else:
        msg = f"{_FAIL} {task}: noch nicht richtig. {detail}".rstrip()
        if hint:
            msg += f"\n   Tipp: {hint}"
    print(msg)
    return Feedback(ok, msg)


def run_student_code(fn: Callable, *args, **kwargs) -> tuple[bool, Any]:
    """Call ``fn``; return ``(True, result)`` or ``(False, German error text)``. Never raises."""
    try:
        return True, fn(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - the student's code may raise anything
        tb = traceback.extract_tb(exc.__traceback__)
        where = f" (Zeile {tb[-1].lineno})" if tb else ""
        return False, f"Dein Code hat einen Fehler ausgelöst{where}: {type(exc).__name__}: {exc}"


def _compare(answer, expected, rtol: float, atol: float) -> tuple[bool, str]:
    """Compare an answer with the reference; explain the first difference in German."""
    if answer is None:
        return False, "Es wurde nichts zurückgegeben (None). Fehlt ein `return`?"
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
        if a.size == e.size:
            return False, (f"Die Form stimmt nicht: erwartet {e.shape}, erhalten {a.shape} "
                           "(gleiche Anzahl Einträge - vielleicht transponiert oder reshape vergessen?).")
        return False, f"Die Form stimmt nicht: erwartet {e.shape}, erhalten {a.shape}."
    if not np.all(np.isfinite(a)):
        return False, "Die Antwort enthält NaN oder unendlich."
    if np.allclose(a, e, rtol=rtol, atol=atol):
        return True, ""
    diff = np.abs(a - e)
    idx = np.unravel_index(np.argmax(diff), diff.shape) if diff.ndim else ()
    where = f" an Position {tuple(int(i) for i in idx)}" if diff.ndim else ""
    return False, (f"Größte Abweichung{where}: erhalten {a[idx]:.6g}, erwartet {e[idx]:.6g}.")


def check_value(answer, expected, *, task: str, hint: str | None = None,
                rtol: float = 1e-6, atol: float = 1e-9) -> Feedback:
    """Check a number or array the student computed against the reference value."""
    ok, detail = _compare(answer, expected, rtol, atol)
    return _report(ok, task, detail, hint)


check_array = check_value  # alias: reads better for matrices


def check_function(student_fn, reference: Callable, make_inputs: Callable[[np.random.Generator], tuple],
                   *, task: str, hint: str | None = None, n_trials: int = 5, seed: int = 0,
                   rtol: float = 1e-6, atol: float = 1e-9) -> Feedback:
    """Call ``student_fn`` and ``reference`` on ``n_trials`` random inputs and compare.

    ``make_inputs(rng)`` returns the positional arguments of one trial. The first failing
    trial is reported with its input; exceptions in the student's code become feedback.
    """
    if not callable(student_fn):
        return _report(False, task, f"Erwartet war eine Funktion, erhalten {type(student_fn).__name__}.",
                       hint)
    rng = np.random.default_rng(seed)
    for trial in range(n_trials):
        args = make_inputs(rng)
        expected = reference(*args)
        copies = tuple(np.copy(a) if isinstance(a, np.ndarray) else a for a in args)
        ran, result = run_student_code(student_fn, *copies)
        if not ran:
            return _report(False, task, result, hint)
        ok, detail = _compare(result, expected, rtol, atol)
        if not ok:
            shown = ", ".join(np.array2string(np.asarray(a), precision=3, threshold=12)
                              if isinstance(a, np.ndarray) else repr(a) for a in args)
            return _report(False, task, f"Test {trial + 1} mit Eingabe ({shown}): {detail}", hint)
    return _report(True, task, f"({n_trials} zufällige Tests bestanden)", hint)
