"""dl_helpers.refresher: difference quotients, their error study, unit balls."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dl_helpers import refresher as rf
from dl_helpers.activations import sigmoid

finite = st.floats(-3.0, 3.0, allow_nan=False)


@settings(max_examples=40, deadline=None)
@given(x=finite)
def test_central_difference_matches_autograd(x):
    """Central difference of σ vs torch autograd of σ (float64): O(h²) + round-off."""
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    torch.sigmoid(xt).backward()
    exact = xt.grad.item()
    assert abs(rf.central_difference(sigmoid, x, 1e-5) - exact) < 1e-10
    assert abs(rf.forward_difference(sigmoid, x, 1e-7) - exact) < 1e-7


def test_quadratic_exactness():
    """Central differences are exact for quadratics (up to round-off); forward ones are not."""
    f = lambda x: 3 * x ** 2 - x + 2  # noqa: E731
    x = np.linspace(-2, 2, 9)
    assert np.max(np.abs(rf.central_difference(f, x, 0.5) - (6 * x - 1))) < 1e-12
    assert np.allclose(rf.forward_difference(f, x, 0.5) - (6 * x - 1), 3 * 0.5)  # = a·h


def test_difference_errors_orders_and_floor():
    hs = np.logspace(-16, 0, 161)
    e = rf.difference_errors(np.sin, np.cos, 1.0, hs)
    assert e.h.shape == e.forward.shape == e.central.shape == (161,)
    assert abs(rf.fitted_order(e.h, e.forward, 1e-4, 1e-1) - 1.0) < 0.05
    assert abs(rf.fitted_order(e.h, e.central, 1e-3, 1e-1) - 2.0) < 0.05
    # round-off floor: the best central error is far below the best forward error,
    # and both grow again for tiny h
    assert e.central.min() < 1e-9 < e.forward.min() < 1e-6
    assert e.forward[0] > 1e3 * e.forward.min() and e.central[0] > 1e3 * e.central.min()
    # the optimal h lie near sqrt(eps) resp. eps^(1/3)
    assert 1e-10 < e.h[np.argmin(e.forward)] < 1e-6
    assert 1e-7 < e.h[np.argmin(e.central)] < 1e-3


def test_difference_errors_consistent_with_helpers():
    hs = np.array([1e-1, 1e-3])
    e = rf.difference_errors(np.exp, np.exp, 0.5, hs)
    for i, h in enumerate(hs):
        assert e.forward[i] == abs(rf.forward_difference(np.exp, 0.5, h) - np.exp(0.5))
        assert e.central[i] == abs(rf.central_difference(np.exp, 0.5, h) - np.exp(0.5))


@pytest.mark.parametrize("p", [1, 1.5, 2, 3, np.inf])
def test_unit_ball_on_sphere(p):
    pts = rf.unit_ball(p, n_points=101)
    assert pts.shape == (101, 2)
    assert np.max(np.abs(np.linalg.norm(pts, ord=p, axis=1) - 1.0)) < 1e-12
    assert np.array_equal(pts[0], pts[-1])


def test_unit_balls_nested():
    """||x||_∞ ≤ ||x||_2 ≤ ||x||_1: the L1 ball lies inside the L2 ball inside the L∞ ball."""
    for p_in, p_out in [(1, 2), (2, np.inf)]:
        pts = rf.unit_ball(p_in)
        assert np.all(np.linalg.norm(pts, ord=p_out, axis=1) <= 1 + 1e-12)


@pytest.mark.parametrize("call, match", [
    (lambda: rf.forward_difference(np.sin, 1.0, 0.0), "h"),
    (lambda: rf.central_difference(np.sin, 1.0, -1e-3), "h"),
    (lambda: rf.central_difference("sin", 1.0, 1e-3), "f must be callable"),
    (lambda: rf.forward_difference(np.sin, "x", 1e-3), "x"),
    (lambda: rf.difference_errors(np.sin, np.cos, 1.0, [1e-3, 0.0]), "hs"),
    (lambda: rf.difference_errors(np.sin, None, 1.0, [1e-3]), "df"),
    (lambda: rf.difference_errors(np.sin, np.cos, [1.0, 2.0], [1e-3]), "x"),
    (lambda: rf.fitted_order([1e-3, 1e-2], [1e-6, 1e-4], 1e-1, 1e-2), "h_min"),
    (lambda: rf.fitted_order([1e-3, 1e-2], [0.0, 1e-4], 1e-4, 1.0), "at least two"),
    (lambda: rf.fitted_order([1e-3, 1e-2], [1e-6], 1e-4, 1.0), "err"),
    (lambda: rf.unit_ball(0.5), "p must be >= 1"),
    (lambda: rf.unit_ball("inf"), "p must be a number"),
    (lambda: rf.unit_ball(2, n_points=3), "n_points"),
])
def test_bad_input_names_argument(call, match):
    with pytest.raises((TypeError, ValueError), match=match):
        call()
