"""Shared checks for every layer of the layer protocol (dense, activation, softmax, conv, RNN, …).

A layer is described by one :class:`LayerCase`; two checks prove its backward pass:

* :func:`assert_layer_matches_torch` -- forward output and every gradient equal torch autograd
  on the ``*_forward_torch`` twin, in float64, to ``TOL_TORCH`` (1e-10);
* :func:`assert_layer_gradcheck` -- every gradient equals a centred finite difference of the
  scalar ``sum(out * dout)`` (``dl_helpers.gradcheck``), relative error < ``TOL_GRADCHECK``.

Usage in another test file (``tests/`` is on ``sys.path`` under pytest)::

    from layer_checks import LayerCase, assert_layer_gradcheck, assert_layer_matches_torch

    CASES = [LayerCase("conv2d", conv2d_forward, conv2d_backward, conv2d_forward_torch,
                       lambda rng: ((rng.normal(size=(2, 3, 5, 5)), rng.normal(size=(4, 3, 3, 3)),
                                     rng.normal(size=4)), {"stride": 1}))]

    @pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
    def test_conv_matches_torch(case):
        assert_layer_matches_torch(case)
"""
from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np
import torch

from dl_helpers.gradcheck import gradient_check

TOL_TORCH = 1e-10
TOL_GRADCHECK = 1e-7


class LayerCase(NamedTuple):
    """One layer under test.

    name : str                      test id
    forward : callable              ``out, cache = forward(*arrays, **options)``
    backward : callable             ``grads = backward(dout, cache)``: a tuple with one gradient
                                    per array of ``make_inputs`` (or a single array if there is
                                    only one input)
    forward_torch : callable        torch twin, same arguments as tensors, differentiable
    make_inputs : callable          ``rng -> (arrays, options)``: a tuple of float64 arrays
                                    (input first, then the parameters) and a dict of options
    seeds : tuple of int            rngs the checks run with
    """

    name: str
    forward: Callable
    backward: Callable
    forward_torch: Callable
    make_inputs: Callable
    seeds: tuple = (0, 1)


def _grads_tuple(grads, n: int) -> tuple:
    if isinstance(grads, np.ndarray):
        grads = (grads,)
    grads = tuple(grads)
    assert len(grads) == n, f"backward returned {len(grads)} gradients for {n} inputs"
    return grads


def run_layer(case: LayerCase, seed: int):
    """Inputs, options, output, upstream gradient ``dout`` and NumPy gradients of one case."""
    rng = np.random.default_rng(seed)
    arrays, options = case.make_inputs(rng)
    arrays = tuple(np.asarray(a, dtype=np.float64) for a in arrays)
    out, cache = case.forward(*arrays, **options)
    dout = rng.normal(size=np.shape(out))
    grads = _grads_tuple(case.backward(dout, cache), len(arrays))
    for i, (g, a) in enumerate(zip(grads, arrays)):
        assert g.shape == a.shape, f"{case.name}: gradient {i} has shape {g.shape}, input {a.shape}"
    return arrays, options, out, dout, grads


def assert_layer_matches_torch(case: LayerCase, tol: float = TOL_TORCH) -> None:
    """Forward output and all gradients == torch autograd on the twin (float64, ≤ ``tol``)."""
    for seed in case.seeds:
        arrays, options, out, dout, grads = run_layer(case, seed)
        tensors = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
        out_t = case.forward_torch(*tensors, **options)
        out_t.backward(torch.tensor(dout))
        err = np.max(np.abs(out - out_t.detach().numpy()), initial=0.0)
        assert err <= tol, f"{case.name} (seed {seed}): forward differs from torch by {err:.2e}"
        for i, (g, t) in enumerate(zip(grads, tensors)):
            ref = t.grad.numpy() if t.grad is not None else np.zeros_like(g)
            err = np.max(np.abs(g - ref), initial=0.0)
            assert err <= tol, (f"{case.name} (seed {seed}): gradient of argument {i} differs "
                                f"from torch autograd by {err:.2e}")


def assert_layer_gradcheck(case: LayerCase, tol: float = TOL_GRADCHECK) -> None:
    """Every gradient == centred finite difference of ``sum(out * dout)`` (rel. error < ``tol``)."""
    for seed in case.seeds:
        arrays, options, _, dout, grads = run_layer(case, seed)
        for i, g in enumerate(grads):
            def f(xi, i=i):
                args = arrays[:i] + (xi,) + arrays[i + 1:]
                return float(np.sum(case.forward(*args, **options)[0] * dout))

            res = gradient_check(f, lambda xi, g=g: g, arrays[i], tol=tol)
            assert res.ok, (f"{case.name} (seed {seed}): gradient of argument {i} fails the "
                            f"gradient check, rel. error {res.rel_error:.2e}")
