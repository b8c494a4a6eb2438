"""Checkers of notebook 00: accept the right answers, reject typical mistakes, never raise."""
from __future__ import annotations

import numpy as np
import pytest

from dl_helpers.checks import refresher as chk


def _central(f, x, h):
    return (f(x + h) - f(x - h)) / (2 * h)


def _stub_fn(*args):  # what `def fn(...): ...  # TODO` returns
    return None


def _raising_fn(*args):
    raise RuntimeError("boom")


GOOD = [
    (chk.check_layer_shapes, ((5, 3), (3,), 15)),
    (chk.check_l2_norm, (lambda x: np.sqrt(np.sum(x ** 2)),)),
    (chk.check_central_difference, (_central,)),
    (chk.check_chain_rule, (chk.chain_rule_reference,)),
    (chk.check_quadratic_gradient, (lambda A, x: A @ x + A.T @ x,)),
]

WRONG = [
    # (checker, args, a fragment the German feedback must contain)
    (chk.check_layer_shapes, ((3, 5), (3,), 15), "Spaltenform"),
    (chk.check_layer_shapes, ((5, 3), (1, 3), 15), "1-D"),
    (chk.check_layer_shapes, ((5, 3), (3,), 12), "Bias"),
    (chk.check_layer_shapes, ((5, 4), (4,), 20), "stimmt nicht"),
    (chk.check_l2_norm, (lambda x: np.sum(x ** 2),), "Wurzel"),
    (chk.check_l2_norm, (lambda x: np.sum(np.abs(x)),), "L1"),
    (chk.check_l2_norm, (lambda x: np.max(np.abs(x)),), "Erhalten"),
    (chk.check_central_difference, (lambda f, x, h: (f(x + h) - f(x)) / h,), "Vorwärts"),
    (chk.check_central_difference, (lambda f, x, h: (f(x) - f(x - h)) / h,), "Rückwärts"),
    (chk.check_central_difference, (lambda f, x, h: (f(x + h) - f(x - h)) / h,), "2-fache"),
    (chk.check_chain_rule, (lambda x: chk.chain_rule_reference(x) / (2 * x),), "unvollständig"),
    (chk.check_chain_rule, (lambda x: chk.chain_rule_reference(x) * (1 + x * x),),
     "Logarithmus fehlt"),
    (chk.check_chain_rule, (lambda x: chk.chain_rule_reference(x) * (1 + x * x) / (2 * x),),
     "innere Ableitung fehlt ganz"),
    (chk.check_chain_rule, (lambda x: 1 / (1 + np.exp(-np.log1p(x * x))),), "σ(u) selbst"),
    (chk.check_chain_rule, (lambda x: 0.3,), "Erhalten 0.3"),
    (chk.check_chain_rule, (2 / 9,), "Funktion dfdx(x)"),
    (chk.check_quadratic_gradient, (lambda A, x: 2 * A @ x,), "symmetrisch"),
    (chk.check_quadratic_gradient, (lambda A, x: A @ x,), "Summanden"),
    (chk.check_quadratic_gradient, (lambda A, x: (A + A.T) @ x + 1e-3,), "Abweichung"),
]

CHECKERS = [c for c, _ in GOOD]
N_ARGS = {c: len(a) for c, a in GOOD}


@pytest.mark.parametrize("checker, args", GOOD, ids=lambda v: getattr(v, "__name__", ""))
def test_correct_answer_passes(checker, args, feedback):
    fb = checker(*args)
    assert fb.ok
    out = feedback()
    assert "richtig!" in out and "noch nicht" not in out


@pytest.mark.parametrize("checker, args, fragment", WRONG)
def test_wrong_answer_fails_with_german_hint(checker, args, fragment, feedback):
    fb = checker(*args)
    assert not fb.ok
    out = feedback()
    assert "noch nicht richtig" in out
    assert fragment in out, out


@pytest.mark.parametrize("checker", CHECKERS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("bad", [Ellipsis, None, "text", 3, [1, 2], np.array([np.nan]),
                                 _stub_fn, _raising_fn],
                         ids=lambda v: getattr(v, "__name__", repr(v)))  # stable under xdist
def test_never_raises(checker, bad, feedback):
    fb = checker(*([bad] * N_ARGS[checker]))
    assert not fb.ok
    assert "noch nicht richtig" in feedback() or bad in (Ellipsis, _stub_fn)


@pytest.mark.parametrize("checker", CHECKERS, ids=lambda c: c.__name__)
def test_stub_message(checker, feedback):
    checker(*([...] * N_ARGS[checker]))
    out = feedback()
    assert "noch nicht gelöst" in out and "Du hast noch keine Lösung eingetragen" in out
    assert "Tipp" not in out


def test_first_hint_is_conceptual_formula_last(feedback):
    """Level 1 names the idea, not the formula; the formula comes at the last level."""
    wrong = lambda x: chk.chain_rule_reference(x) / (2 * x)  # noqa: E731
    chk.check_chain_rule(wrong)
    first = feedback()
    assert "Tipp 1 von 3" in first and "2x / (1 + x²)" not in first
    chk.check_chain_rule(wrong)
    chk.check_chain_rule(wrong)
    assert "Tipp 3 von 3" in feedback()


def test_chain_rule_points_make_every_factor_matter():
    """No factor of the chain rule is 0 or ±1 at a check point (x = 1 made 2x/(1+x²) = 1)."""
    for x in chk.CHAIN_RULE_POINTS:
        factors = chk.chain_rule_factors(x)
        products = list(factors.values()) + [factors["2x"] * factors["1/(1+x²)"]]
        assert all(abs(abs(f) - 1.0) > 0.05 and abs(f) > 0.05 for f in products), (x, factors)


def test_chain_rule_reference_matches_finite_difference():
    from dl_helpers.activations import sigmoid

    def g(x):
        return sigmoid(np.log1p(x * x))

    h = 1e-5
    for x in (1.0,) + chk.CHAIN_RULE_POINTS:
        numeric = float((g(np.array(x + h)) - g(np.array(x - h))) / (2 * h))
        assert abs(numeric - chk.chain_rule_reference(x)) < 1e-9
    assert abs(chk.chain_rule_reference(1.0) - 2 / 9) < 1e-15


def test_quadratic_gradient_reference_is_the_gradient():
    """The checker's reference (A + Aᵀ)x agrees with torch autograd for a non-symmetric A."""
    import torch

    rng = np.random.default_rng(3)
    A, x = rng.normal(size=(4, 4)), rng.normal(size=4)
    xt = torch.tensor(x, requires_grad=True)
    (xt @ torch.tensor(A) @ xt).backward()
    assert np.max(np.abs(xt.grad.numpy() - (A + A.T) @ x)) <= 1e-12


@pytest.mark.parametrize("checker", [chk.check_l2_norm, chk.check_central_difference,
                                     chk.check_quadratic_gradient], ids=lambda c: c.__name__)
def test_function_stub_message(checker, feedback):
    """An unsolved `def fn(...): ...` returns None: say so, without dumping test inputs."""
    fb = checker(_stub_fn)
    assert not fb.ok
    out = feedback()
    assert "gibt noch nichts zurück" in out and "Eingabe" not in out
