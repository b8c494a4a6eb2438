"""The exercise checkers of notebooks 06 and 07: right answers pass, wrong answers and the
``...`` stubs get German feedback and never raise."""
from __future__ import annotations

import numpy as np
import pytest

from dl_helpers.checks import activations as ca


def _stub(*args, **kwargs):
    ...  # what a student's unsolved cell returns


def test_sigmoid_derivative(feedback):
    assert ca.check_sigmoid_derivative(lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2)
    assert not ca.check_sigmoid_derivative(lambda z: 1 / (1 + np.exp(-z)))
    assert not ca.check_sigmoid_derivative(_stub)
    assert not ca.check_sigmoid_derivative(lambda z: 1 / 0)
    out = feedback()
    assert "richtig" in out and "Tipp" in out and "Fehler" in out


def test_vanishing_depth():
    assert ca.check_vanishing_depth(10)
    assert ca.check_vanishing_depth(np.int64(10))
    assert ca.check_vanishing_depth(10.0)
    assert not ca.check_vanishing_depth(9)
    assert not ca.check_vanishing_depth(9.97)
    assert not ca.check_vanishing_depth(...)
    assert not ca.check_vanishing_depth("10")


def test_dead_fraction():
    assert ca.check_dead_fraction(lambda Z: np.mean(np.all(Z <= 0, axis=0)))
    assert not ca.check_dead_fraction(lambda Z: np.mean(np.all(Z < 0, axis=0)))  # z = 0 case
    assert not ca.check_dead_fraction(lambda Z: np.mean(Z <= 0))
    assert not ca.check_dead_fraction(lambda Z: np.mean(np.all(Z <= 0, axis=1)))
    assert not ca.check_dead_fraction(_stub)


def test_leaky_relu_derivative():
    assert ca.check_leaky_relu_derivative(lambda z: np.where(z > 0, 1.0, 0.01))
    assert not ca.check_leaky_relu_derivative(lambda z: np.where(z >= 0, 1.0, 0.01))
    assert not ca.check_leaky_relu_derivative(lambda z: (z > 0).astype(float))
    assert not ca.check_leaky_relu_derivative(_stub)


def test_chain_factor():
    assert ca.check_chain_factor(1.5 ** 12, w=6, L=12)
    assert not ca.check_chain_factor(0.25 ** 12, w=6, L=12)
    assert not ca.check_chain_factor(..., w=6, L=12)


# --- notebook 07 -------------------------------------------------------------------------
from dl_helpers.checks import initialization as ci  # noqa: E402


def test_he_variance():
    assert ci.check_he_variance(lambda d: 2 / d)
    assert not ci.check_he_variance(lambda d: 1 / d)
    assert not ci.check_he_variance(_stub)


def test_glorot_limit():
    assert ci.check_glorot_limit(lambda a, b: np.sqrt(6 / (a + b)))
    assert not ci.check_glorot_limit(lambda a, b: np.sqrt(3 / a))  # the Skript's "Xavier"
    assert not ci.check_glorot_limit(lambda a, b: 2 / (a + b))     # variance, not limit
    assert not ci.check_glorot_limit(_stub)


def test_predicted_var_z():
    assert ci.check_predicted_var_z(lambda d, v, x: d * v * np.mean(np.square(x)))
    assert not ci.check_predicted_var_z(lambda d, v, x: d * v * np.var(x))
    assert not ci.check_predicted_var_z(_stub)


def test_sigmoid_factor():
    assert ci.check_sigmoid_factor(16)
    assert not ci.check_sigmoid_factor(4)
    assert not ci.check_sigmoid_factor(...)


def test_identical_units():
    assert ci.check_identical_units(lambda W: np.all(W == W[0]))
    assert not ci.check_identical_units(lambda W: np.allclose(W, W[0], atol=1e-2))
    assert not ci.check_identical_units(lambda W: np.all(W[:, 0] == W[0, 0]))
    assert not ci.check_identical_units(_stub)
    assert not ci.check_identical_units("no function")


# --- lecture errors are flagged in the notebooks and in the fragments for book/hinweise.md ---
def test_lecture_errors_flagged():
    from pathlib import Path

    import nbformat

    root = Path(__file__).resolve().parent.parent
    for nb_name, fragment, minimum in (
            ("06_vanishing_gradients_activations.ipynb", "06_activations.md", 2),
            ("07_initialization.ipynb", "07_init.md", 3)):
        nb = nbformat.read(root / "lecture_nb" / nb_name, as_version=4)
        notes = sum(c.source.count("{admonition} Hinweis zur Vorlesung")
                    for c in nb.cells if c.cell_type == "markdown")
        assert notes >= minimum, nb_name
        text = (root / "book" / "_hinweise" / fragment).read_text(encoding="utf-8")
        assert text.startswith("### ") and text.count("\n- **") >= minimum, fragment


def test_identical_units_speaks_of_true_false(feedback):
    assert ci.check_identical_units(lambda W: bool(np.all(W == W[0])))
    assert ci.check_identical_units(lambda W: np.all(W == W[0]))           # np.bool_ is fine
    feedback()
    assert not ci.check_identical_units(lambda W: not np.all(W == W[0]))
    out = feedback()
    assert "erhalten False" in out or "erhalten True" in out
    assert "erhalten 0" not in out and "erwartet 1" not in out
    assert not ci.check_identical_units(lambda W: 1.0)
    assert "Erwartet war True oder False" in feedback()


def test_he_variance_names_the_input_and_the_factor(feedback):
    assert not ci.check_he_variance(lambda d_in: 1 / d_in)
    out = feedback()
    assert "Eingabe d_in = " in out and "1/2-fache" in out
    assert "2 / d_in" not in out                       # level 1 does not give the formula


def test_glorot_first_hint_does_not_give_the_answer(feedback):
    assert not ci.check_glorot_limit(lambda d_in, d_out: np.sqrt(2 / (d_in + d_out)))
    out = feedback()
    assert "Tipp 1 von 3" in out and "sqrt(6" not in out
