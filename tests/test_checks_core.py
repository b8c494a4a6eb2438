"""Tests of dl_helpers.checks._core: German feedback, never an exception for a wrong answer."""
import numpy as np
import pytest
import torch

from dl_helpers.checks._core import Feedback, check_function, check_value, run_student_code


class _NoArray:
    def __array__(self, *args, **kwargs):
        raise RuntimeError("boom")


@pytest.mark.parametrize("answer, text", [
    (None, "None"),
    ("0.5", "Text"),
    (Ellipsis, "keine Zahl"),
    (_NoArray(), "keine Zahl"),
    ([[1.0, 2.0], [3.0]], "keine Zahl"),
    (np.array([1 + 1j, 2.0]), "komplexe Zahlen"),
    (np.array([np.nan, 2.0]), "NaN"),
    (np.array([[1.0, 2.0]]), "Form stimmt nicht"),
    (np.array([1.0, 2.5]), "Position (1,)"),
])
def test_wrong_answers_give_feedback_not_exceptions(answer, text, capsys):
    fb = check_value(answer, np.array([1.0, 2.0]), task="Aufgabe", hint="Tipp-Text")
    out = capsys.readouterr().out
    assert isinstance(fb, Feedback) and not fb and fb.message in out
    assert text in out and "noch nicht richtig" in out and "Tipp: Tipp-Text" in out


def test_torch_answers_are_accepted_even_with_grad(capsys):
    t = torch.tensor([1.0, 2.0], requires_grad=True)
    assert check_value(t * 1.0, [1.0, 2.0], task="t")
    assert "richtig!" in capsys.readouterr().out


def test_check_function_reports_trial_input_and_exceptions(capsys):
    ref = lambda x: 2.0 * x  # noqa: E731
    inputs = lambda rng: (rng.normal(size=3),)  # noqa: E731
    assert check_function(lambda x: x + x, ref, inputs, task="f")
    assert not check_function(lambda x: 3.0 * x, ref, inputs, task="f")
    assert "Test 1 mit Eingabe" in capsys.readouterr().out
    assert not check_function(lambda x: 1 / 0, ref, inputs, task="f")
    assert "ZeroDivisionError" in capsys.readouterr().out
    assert not check_function(3, ref, inputs, task="f")
    assert "Funktion" in capsys.readouterr().out
    w = torch.tensor(2.0, requires_grad=True)
    assert check_function(lambda x: w * torch.as_tensor(x), ref, inputs, task="f")


def test_student_code_gets_copies():
    seen = []

    def student(x):
        x[:] = 0.0          # mutates its argument
        seen.append(x)
        return 2.0 * x

    args = []

    def inputs(rng):
        a = rng.normal(size=2)
        args.append(a)
        return (a,)

    check_function(student, lambda x: 2.0 * x, inputs, task="f", n_trials=1)
    assert not np.all(args[0] == 0.0) and seen[0] is not args[0]


def test_run_student_code_never_raises():
    ok, msg = run_student_code(lambda: [][1])
    assert not ok and "IndexError" in msg and "Zeile" in msg
    assert run_student_code(lambda a, b=1: a + b, 1, b=2) == (True, 3)
