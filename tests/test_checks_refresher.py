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
    (chk.check_chain_rule_value, (2 / 9,)),
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
    (chk.check_l2_norm, (lambda x: np.max(np.abs(x)),), "Abweichung"),
    (chk.check_central_difference, (lambda f, x, h: (f(x + h) - f(x)) / h,), "Vorwärts"),
    (chk.check_central_difference, (lambda f, x, h: (f(x) - f(x - h)) / h,), "Rückwärts"),
    (chk.check_central_difference, (lambda f, x, h: (f(x + h) - f(x - h)) / h,), "2h"),
    (chk.check_chain_rule_value, (1 / 9,), "2x"),
    (chk.check_chain_rule_value, (2 / 3,), "σ(u) selbst"),
    (chk.check_chain_rule_value, (0.3,), "0.3"),
    (chk.check_quadratic_gradient, (lambda A, x: 2 * A @ x,), "symmetrisch"),
    (chk.check_quadratic_gradient, (lambda A, x: A @ x,), "Summanden"),
    (chk.check_quadratic_gradient, (lambda A, x: (A + A.T) @ x + 1e-3,), "Abweichung"),
]

CHECKERS = [c for c, _ in GOOD]
N_ARGS = {c: len(a) for c, a in GOOD}


@pytest.mark.parametrize("checker, args", GOOD, ids=lambda v: getattr(v, "__name__", ""))
def test_correct_answer_passes(checker, args, capsys):
    fb = checker(*args)
    assert fb.ok
    out = capsys.readouterr().out
    assert "richtig!" in out and "noch nicht" not in out


@pytest.mark.parametrize("checker, args, fragment", WRONG)
def test_wrong_answer_fails_with_german_hint(checker, args, fragment, capsys):
    fb = checker(*args)
    assert not fb.ok
    out = capsys.readouterr().out
    assert "noch nicht richtig" in out
    assert fragment in out, out


@pytest.mark.parametrize("checker", CHECKERS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("bad", [Ellipsis, None, "text", 3, [1, 2], np.array([np.nan]),
                                 _stub_fn, _raising_fn],
                         ids=lambda v: getattr(v, "__name__", repr(v)))  # stable under xdist
def test_never_raises(checker, bad, capsys):
    fb = checker(*([bad] * N_ARGS[checker]))
    assert not fb.ok
    assert "noch nicht richtig" in capsys.readouterr().out


@pytest.mark.parametrize("checker", CHECKERS, ids=lambda c: c.__name__)
def test_stub_message(checker, capsys):
    checker(*([...] * N_ARGS[checker]))
    assert "Noch keine Antwort" in capsys.readouterr().out


def test_chain_rule_reference_matches_finite_difference():
    from dl_helpers.activations import sigmoid

    def g(x):
        return sigmoid(np.log1p(x * x))

    x, h = chk.CHAIN_RULE_POINT, 1e-5
    numeric = float((g(np.array(x + h)) - g(np.array(x - h))) / (2 * h))
    assert abs(numeric - chk.chain_rule_reference()) < 1e-9
    assert abs(chk.chain_rule_reference() - 2 / 9) < 1e-15
    # a second point, where the inner derivative is not 1
    x2 = 0.3
    numeric2 = float((g(np.array(x2 + h)) - g(np.array(x2 - h))) / (2 * h))
    assert abs(numeric2 - chk.chain_rule_reference(x2)) < 1e-9


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
def test_function_stub_message(checker, capsys):
    """An unsolved `def fn(...): ...` returns None: say so, without dumping test inputs."""
    fb = checker(_stub_fn)
    assert not fb.ok
    out = capsys.readouterr().out
    assert "gibt noch nichts zurück" in out and "Eingabe" not in out
