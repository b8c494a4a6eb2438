"""Tests of dl_helpers.gradcheck: central differences on arrays of any shape, rel_error, checks."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dl_helpers.gradcheck import GradCheckResult, gradient_check, numerical_gradient, rel_error
from strategies import float_arrays, finite_floats


def _f(x):
    return float(np.sum(np.sin(x) * x ** 2) + np.prod(np.cos(x)) * 0.1)


def _grad_torch(x):
    t = torch.tensor(x, requires_grad=True)
    (torch.sum(torch.sin(t) * t ** 2) + torch.prod(torch.cos(t)) * 0.1).backward()
    return t.grad.numpy()


@settings(max_examples=40, deadline=None)
@given(x=float_arrays(elements=finite_floats(3.0)))
def test_numerical_gradient_matches_autograd_any_shape(x):
    num = numerical_gradient(_f, x)
    assert num.shape == x.shape
    assert rel_error(num, _grad_torch(x)) < 1e-7 or np.max(np.abs(num - _grad_torch(x))) < 1e-8


def test_scalar_input():
    g = numerical_gradient(lambda v: float(v) ** 3, np.array(2.0))
    assert g.shape == () and g == pytest.approx(12.0, rel=1e-9)


def test_input_not_modified_and_fresh_copies():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    x_before = x.copy()
    seen = []

    def f(v):
        seen.append(v)
        v *= 2  # a careless f that mutates its argument must not corrupt the check
        return float(np.sum(v))

    g = numerical_gradient(f, x)
    assert np.array_equal(x, x_before)
    assert np.allclose(g, 2.0)
    assert all(s is not x for s in seen)


def test_central_difference_is_second_order():
    """Error of the central quotient ∝ ε², of the one-sided one ∝ ε (Folien Refresher)."""
    f, x0, exact = np.exp, 1.0, np.exp(1.0)
    errs = [abs(numerical_gradient(lambda v: float(f(v[0])), np.array([x0]), eps=e)[0] - exact)
            for e in (1e-2, 1e-3)]
    assert 80 < errs[0] / errs[1] < 120  # ratio ≈ 100 for ε ↓ 10×


def test_rel_error_properties():
    a = np.array([1.0, 2.0, 3.0])
    assert rel_error(a, a) == 0.0
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0
    assert rel_error(a, -a) == pytest.approx(1.0)
    assert rel_error(a, a * (1 + 1e-9)) == pytest.approx(0.5e-9, rel=1e-3)
    assert rel_error(a, 2 * a) == rel_error(2 * a, a)


@settings(max_examples=40, deadline=None)
@given(a=float_arrays(), scale=st.floats(1e-6, 1e6))
def test_rel_error_scale_invariant_and_bounded(a, scale):
    b = a + 0.5
    r = rel_error(a, b)
    assert 0.0 <= r <= 1.0
    assert rel_error(scale * a, scale * b) == pytest.approx(r, rel=1e-9, abs=1e-15)


def test_gradient_check_accepts_correct_and_rejects_wrong_gradient():
    x = np.random.default_rng(0).normal(size=(3, 4))
    good = gradient_check(_f, _grad_torch, x)
    assert isinstance(good, GradCheckResult) and good.ok and bool(good)
    assert good.rel_error < 1e-7 and good.max_abs_diff < 1e-7
    assert good.numeric.shape == good.analytic.shape == x.shape
    bad = gradient_check(_f, lambda v: 1.01 * _grad_torch(v), x)
    assert not bad.ok and bad.rel_error > 1e-3
    transposed_bug = gradient_check(lambda W: float(np.sum(W @ np.arange(4.0))),
                                    lambda W: np.tile(np.arange(3.0), (4, 1)).T, x)
    assert not transposed_bug.ok


def test_gradient_check_tolerance_argument():
    x = np.array([1.0, 2.0])
    res = gradient_check(lambda v: float(v @ v), lambda v: 2 * v * (1 + 1e-5), x, tol=1e-3)
    assert res.ok and res.tol == 1e-3


def test_bad_input():
    with pytest.raises(TypeError, match=r"\bf\b.*callable"):
        numerical_gradient(3, np.zeros(2))
    with pytest.raises(ValueError, match=r"\bx\b.*NaN"):
        numerical_gradient(np.sum, np.array([np.nan]))
    with pytest.raises(ValueError, match=r"\beps\b"):
        numerical_gradient(np.sum, np.zeros(2), eps=0.0)
    with pytest.raises(ValueError, match=r"\bf\b.*scalar"):
        numerical_gradient(lambda v: v * 2, np.zeros(2))
    with pytest.raises(ValueError, match=r"grad_f\(x\).*shape"):
        gradient_check(np.sum, lambda v: np.ones(3), np.zeros(2))
    with pytest.raises(TypeError, match=r"grad_f.*callable"):
        gradient_check(np.sum, None, np.zeros(2))
    with pytest.raises(ValueError, match=r"\ba\b and \bb\b.*same shape"):
        rel_error(np.zeros(2), np.zeros(3))


def test_gradient_check_validates_everything_before_calling_grad_f():
    calls = []

    def grad_f(v):
        calls.append(1)
        return np.ones_like(v)

    with pytest.raises(ValueError, match=r"\beps\b"):
        gradient_check(np.sum, grad_f, np.zeros(2), eps=-1.0)
    with pytest.raises(TypeError, match=r"\bf\b.*callable"):
        gradient_check("sum", grad_f, np.zeros(2))
    with pytest.raises(ValueError, match=r"\btol\b"):
        gradient_check(np.sum, grad_f, np.zeros(2), tol=0.0)
    assert calls == []
    assert gradient_check(np.sum, grad_f, np.zeros(2)).ok and calls == [1]
