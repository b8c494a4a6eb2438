"""Tests of dl_helpers.checks._core: German feedback, hint levels, never an exception."""
import numpy as np
import pytest
import torch

from dl_helpers.checks import tipp
from dl_helpers.checks._core import (WIDTH, Feedback, check_function, check_value, hint_levels,
                                     run_student_code)

LEVELS = ["Denk an die Idee.", "Schon näher dran.", "Formel: y = 2 x."]


class _NoArray:
    def __array__(self, *args, **kwargs):
        raise RuntimeError("boom")


@pytest.mark.parametrize("answer, text", [
    (None, "None"),
    ("0.5", "Text"),
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


def test_stub_is_not_solved_and_costs_no_hint(capsys):
    fb = check_value(..., 1.0, task="A", hint=LEVELS)
    out = capsys.readouterr().out
    assert not fb and "noch nicht gelöst" in out and "Du hast noch keine Lösung eingetragen" in out
    assert "Tipp" not in out and "richtig" not in out
    check_value(3.0, 1.0, task="A", hint=LEVELS)          # first real attempt: level 1
    assert "Tipp 1 von 3: Denk an die Idee." in capsys.readouterr().out


def test_stub_function_returning_none_is_not_solved(capsys):
    def stub(x):
        ...

    fb = check_function(stub, lambda x: 2 * x, lambda rng: (rng.normal(size=2),), task="f",
                        hint=LEVELS)
    out = " ".join(capsys.readouterr().out.split())   # lines are wrapped at word boundaries
    assert not fb and "noch nicht gelöst" in out and "noch keine Lösung eingetragen" in out
    assert "Tipp" not in out
    assert not check_function(..., lambda x: x, lambda rng: (1.0,), task="g")
    assert "noch nicht gelöst" in capsys.readouterr().out


def test_hint_levels_one_per_failed_attempt_formula_last(capsys):
    for level in (1, 2, 3, 3):
        check_value(5.0, 1.0, task="A", hint=LEVELS)
        out = capsys.readouterr().out
        assert f"Tipp {level} von 3: {LEVELS[level - 1]}" in out
        assert ("y = 2 x" in out) == (level == 3)          # the formula only at the last level
        assert ("weiteren Tipp" in out) == (level < 3)
    assert check_value(1.0, 1.0, task="A", hint=LEVELS)     # success resets the attempts
    capsys.readouterr()
    check_value(5.0, 1.0, task="A", hint=LEVELS)
    assert "Tipp 1 von 3" in capsys.readouterr().out


def test_hint_levels_are_counted_per_task(capsys):
    check_value(5.0, 1.0, task="A", hint=LEVELS)
    check_value(5.0, 1.0, task="B", hint=LEVELS)
    out = capsys.readouterr().out
    assert out.count("Tipp 1 von 3") == 2 and "Tipp 2" not in out
    assert hint_levels("x") == ("x",) and hint_levels(None) == () and hint_levels(["a", ""]) == ("a",)


def test_tipp_reveals_next_level_on_request(capsys):
    tipp()
    assert "Noch keine Aufgabe geprüft" in capsys.readouterr().out
    check_value(..., 1.0, task="A", hint=LEVELS)
    capsys.readouterr()
    tipp()                                              # after a stub: level 1
    assert "Tipp 1 von 3: Denk an die Idee." in capsys.readouterr().out
    check_value(5.0, 1.0, task="A", hint=LEVELS)        # the next failure continues at level 2
    assert "Tipp 2 von 3" in capsys.readouterr().out
    tipp()
    out = capsys.readouterr().out
    assert "Tipp 3 von 3: Formel: y = 2 x." in out and "letzte Tipp" in out
    tipp("A")
    assert "Tipp 3 von 3" in capsys.readouterr().out   # stays at the last level
    tipp("Unbekannt")
    assert "kenne ich noch keine Tipps" in capsys.readouterr().out
    check_value(1.0, 1.0, task="A", hint=LEVELS)
    capsys.readouterr()
    tipp()
    assert "schon richtig gelöst" in capsys.readouterr().out


def test_sign_flip_transpose_and_factor_get_their_own_messages(capsys):
    e = np.array([[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]])
    check_value(-e, e, task="A")
    assert "Vorzeichen ist umgedreht" in capsys.readouterr().out
    check_value(e.T, e, task="A")
    out = capsys.readouterr().out
    assert "Form ist transponiert" in out and "Werte stimmen, nur transponiert" in out
    sq = np.array([[1.0, 2.0], [3.0, 4.0]])
    check_value(sq.T, sq, task="A")
    assert "Transponierte" in capsys.readouterr().out
    check_value(2 * e, e, task="A")
    assert "überall das 2-fache" in capsys.readouterr().out
    check_value(e / 2, e, task="A")
    assert "das 1/2-fache" in capsys.readouterr().out
    check_value(0.8, 0.4, task="A")                      # a scalar: only simple factors
    assert "das 2-fache" in capsys.readouterr().out
    check_value(0.41, 0.4, task="A")
    out = capsys.readouterr().out
    assert "fache" not in out and "Erhalten 0.41, erwartet 0.4" in out


def test_booleans_are_spoken_of_as_true_false(capsys):
    check_value(False, True, task="A")
    out = capsys.readouterr().out
    assert "Erwartet True, erhalten False" in out and "0" not in out.split("A:")[1]
    check_value(1, True, task="A")
    assert "Erwartet war True oder False" in capsys.readouterr().out
    assert check_value(np.bool_(True), True, task="A")
    assert not check_function(lambda W: 0.0, lambda W: bool(W > 0), lambda rng: (1.0,), task="B")
    assert "Erwartet war True oder False" in capsys.readouterr().out


def test_trial_inputs_are_named_like_the_parameters(capsys):
    def he_variance(d_in):
        return 1.0 / d_in

    check_function(he_variance, lambda d_in: 2.0 / d_in, lambda rng: (1701,), task="He")
    out = capsys.readouterr().out
    assert "Test 1 von 5, Eingabe d_in = 1701:" in out and "das 1/2-fache" in out


def test_long_feedback_wraps_at_word_boundaries(capsys):
    words = [f"Wort{i}abc" for i in range(60)]
    check_value(2.0, 1.0, task="A", hint=" ".join(words))
    out = capsys.readouterr().out
    assert all(len(line) <= WIDTH for line in out.splitlines())
    assert set(" ".join(out.split()).split()) >= set(words)   # no word was split


def test_torch_answers_are_accepted_even_with_grad(capsys):
    t = torch.tensor([1.0, 2.0], requires_grad=True)
    assert check_value(t * 1.0, [1.0, 2.0], task="t")
    assert "richtig!" in capsys.readouterr().out


def test_check_function_reports_trial_input_and_exceptions(capsys):
    ref = lambda x: 2.0 * x  # noqa: E731
    inputs = lambda rng: (rng.normal(size=3),)  # noqa: E731
    assert check_function(lambda x: x + x, ref, inputs, task="f")
    assert not check_function(lambda x: 3.0 * x + 1.0, ref, inputs, task="f")
    assert "Test 1 von 5, Eingabe x = [" in capsys.readouterr().out
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
