"""Tests for dl_helpers.rnn: NumPy RNN/LSTM == torch.nn.RNN/LSTM (float64, <= 1e-10), gradient
checks by central differences, weight copies both ways, the slides' layout, clear errors."""
import numpy as np
import pytest
import torch

from dl_helpers.gradcheck import gradient_check
from dl_helpers.rnn import (GATE_NAMES, RecurrentParams, gru_backward, gru_forward,
                            gru_forward_torch, init_recurrent, lstm_backward,
                            lstm_forward, lstm_forward_torch, lstm_from_lecture, lstm_gates,
                            lstm_to_lecture, params_from_torch, params_to_torch, rnn_backward,
                            rnn_cell_backward, rnn_cell_forward, rnn_deltas, rnn_forward,
                            rnn_forward_torch)

TOL = 1e-10
# (N, T, D, H): including sequence length 1 and batch 1
SHAPES = [(3, 5, 4, 6), (1, 7, 3, 5), (4, 1, 2, 3), (1, 1, 1, 1), (2, 12, 5, 8)]


def _case(cell, shape, seed, with_state=True):
    N, T, D, H = shape
    rng = np.random.default_rng(seed)
    params = init_recurrent(cell, D, H, rng)
    x = rng.normal(size=(N, T, D))
    h0 = rng.normal(size=(N, H)) if with_state else None
    c0 = rng.normal(size=(N, H)) if with_state else None
    dhs = rng.normal(size=(N, T, H))
    dh_n, dc_n = rng.normal(size=(N, H)), rng.normal(size=(N, H))
    return params, x, h0, c0, dhs, dh_n, dc_n


def _t(a):
    return None if a is None else torch.tensor(a, requires_grad=True)


#: one-state cells: (name, forward, backward, torch twin, seed of the case)
ONE_STATE_CELLS = [("rnn", rnn_forward, rnn_backward, rnn_forward_torch, 1),
                   ("gru", gru_forward, gru_backward, gru_forward_torch, 8)]


@pytest.mark.parametrize("with_state", [True, False])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("cell", ONE_STATE_CELLS, ids=lambda c: c[0])
def test_one_state_cell_matches_torch(cell, shape, with_state):
    name, forward, backward, forward_torch, seed = cell
    params, x, h0, _, dhs, _, _ = _case(name, shape, seed, with_state)
    hs, cache = forward(x, h0, *params)
    grads = backward(dhs, cache)
    inputs = [_t(x), _t(h0), *map(_t, params)]
    out = forward_torch(*inputs)
    (out * torch.tensor(dhs)).sum().backward()
    assert np.max(np.abs(out.detach().numpy() - hs)) <= TOL
    for arg, g, ref in zip(["x", "h0", *RecurrentParams._fields], grads, inputs):
        if ref is None:   # h0 = None means zeros: the gradient still exists
            assert g.shape == (shape[0], shape[3])
            continue
        assert np.max(np.abs(g - ref.grad.numpy())) <= TOL, arg


@pytest.mark.parametrize("with_state", [True, False])
@pytest.mark.parametrize("shape", SHAPES)
def test_lstm_matches_torch(shape, with_state):
    params, x, h0, c0, dhs, dh_n, dc_n = _case("lstm", shape, 2, with_state)
    hs, cache = lstm_forward(x, h0, c0, *params)
    grads = lstm_backward(dhs, cache, dh_n=dh_n, dc_n=dc_n)
    inputs = [_t(x), _t(h0), _t(c0), *map(_t, params)]
    out, h_n, c_n = lstm_forward_torch(*inputs, return_state=True)
    loss = (out * torch.tensor(dhs)).sum() + (h_n * torch.tensor(dh_n)).sum() \
        + (c_n * torch.tensor(dc_n)).sum()
    loss.backward()
    assert np.max(np.abs(out.detach().numpy() - hs)) <= TOL
    assert np.max(np.abs(h_n.detach().numpy() - hs[:, -1])) <= TOL
    assert np.max(np.abs(c_n.detach().numpy() - cache.cs[:, -1])) <= TOL
    for name, g, ref in zip(["x", "h0", "c0", *RecurrentParams._fields], grads, inputs):
        if ref is not None:
            assert np.max(np.abs(g - ref.grad.numpy())) <= TOL, name


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_gradient_check_every_argument(cell):
    params, x, h0, c0, dhs, dh_n, dc_n = _case(cell, (2, 4, 3, 3), 3)
    args = [x, h0, c0, *params] if cell == "lstm" else [x, h0, *params]

    def loss_and_grads(values):
        if cell == "lstm":
            hs, cache = lstm_forward(*values)
            loss = np.sum(hs * dhs) + np.sum(hs[:, -1] * dh_n) + np.sum(cache.cs[:, -1] * dc_n)
            return loss, lstm_backward(dhs, cache, dh_n=dh_n, dc_n=dc_n)
        hs, cache = rnn_forward(*values)
        return np.sum(hs * dhs), rnn_backward(dhs, cache)

    for k in range(len(args)):
        def f(v, k=k):
            return loss_and_grads(args[:k] + [v] + args[k + 1:])[0]

        def grad_f(v, k=k):
            return loss_and_grads(args[:k] + [v] + args[k + 1:])[1][k]

        res = gradient_check(f, grad_f, args[k])
        assert res.ok, (cell, k, res.rel_error)


def test_rnn_deltas_follow_the_recursion():
    params, x, h0, _, dhs, _, _ = _case("rnn", (2, 6, 3, 4), 4)
    hs, cache = rnn_forward(x, h0, *params)
    delta = rnn_deltas(dhs, cache)
    # δ_T = (1 − h_T²) ∘ ∂L/∂h_T and δ_t = (1 − h_t²) ∘ (∂L/∂h_t + W_hhᵀ δ_{t+1}), batch rows
    assert np.allclose(delta[:, -1], (1 - hs[:, -1] ** 2) * dhs[:, -1], atol=1e-15)
    for t in range(4, -1, -1):
        expected = (1 - hs[:, t] ** 2) * (dhs[:, t] + delta[:, t + 1] @ params.W_hh)
        assert np.allclose(delta[:, t], expected, atol=1e-15)
    # δ_t is ∂L/∂z_t: compare with torch autograd on the pre-activations
    W_ih, W_hh, b_ih, b_hh = map(torch.tensor, params)
    h = torch.tensor(h0, requires_grad=True)
    zs = []
    for t in range(6):
        z = torch.tensor(x[:, t]) @ W_ih.T + b_ih + h @ W_hh.T + b_hh
        z.retain_grad()
        zs.append(z)
        h = torch.tanh(z)
    hs_t = torch.stack([torch.tanh(z) for z in zs], 1)
    (hs_t * torch.tensor(dhs)).sum().backward()
    for t in range(6):
        assert np.max(np.abs(zs[t].grad.numpy() - delta[:, t])) <= TOL


def test_rnn_cell_is_one_step():
    params, x, h0, _, dhs, _, _ = _case("rnn", (3, 1, 4, 5), 5)
    h, cache = rnn_cell_forward(x[:, 0], h0, *params)
    hs, _ = rnn_forward(x, h0, *params)
    assert np.array_equal(h, hs[:, 0])
    dx, dh_prev, *dparams = rnn_cell_backward(dhs[:, 0], cache)
    ref = rnn_backward(dhs, rnn_forward(x, h0, *params)[1])
    assert np.allclose(dx, ref[0][:, 0]) and np.allclose(dh_prev, ref[1])
    for a, b in zip(dparams, ref[2:]):
        assert np.allclose(a, b)


def test_both_biases_get_the_same_gradient():
    params, x, h0, c0, dhs, _, _ = _case("lstm", (2, 3, 2, 3), 6)
    grads = lstm_backward(dhs, lstm_forward(x, h0, c0, *params)[1])
    assert np.array_equal(grads[-1], grads[-2])


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_weights_copy_both_ways(cell):
    torch.manual_seed(0)
    layer = (torch.nn.RNN if cell == "rnn" else torch.nn.LSTM)(3, 4, batch_first=True,
                                                                dtype=torch.float64)
    params = params_from_torch(layer)
    back = params_to_torch(params, cell)
    for p, q in zip(layer.parameters(), back.parameters()):
        assert torch.equal(p, q)
    x = np.random.default_rng(0).normal(size=(2, 5, 3))
    ours = (rnn_forward(x, None, *params) if cell == "rnn"
            else lstm_forward(x, None, None, *params))[0]
    assert np.max(np.abs(layer(torch.tensor(x))[0].detach().numpy() - ours)) <= TOL


def test_lstm_gate_order_is_torchs():
    """Only the block at rows H:2H acts as forget gate: with i = 0 (bias −∞-ish) and f = 1, the
    cell state is carried unchanged."""
    H, D = 3, 2
    params = init_recurrent("lstm", D, H, np.random.default_rng(0))
    W_ih, W_hh, b_ih, b_hh = (p * 0 for p in params)
    b_ih[:H], b_ih[H:2 * H] = -50.0, 50.0            # i ≈ 0, f ≈ 1
    c0 = np.array([[0.3, -0.7, 1.1]])
    _, cache = lstm_forward(np.ones((1, 4, D)), None, c0, W_ih, W_hh, b_ih, b_hh)
    assert np.allclose(cache.cs[0], c0, atol=1e-15)
    assert set(lstm_gates(cache)) == set(GATE_NAMES)


def test_lecture_layout_round_trip_and_equations():
    D, H = 3, 4
    rng = np.random.default_rng(7)
    params = init_recurrent("lstm", D, H, rng)
    lec = lstm_to_lecture(params)
    assert list(lec) == ["f", "i", "C", "o"]
    assert lec["f"][0].shape == (H, H + D)
    # slides (96)–(104) for one example, column vectors, [h_{t−1}, x_t]
    x = rng.normal(size=(5, D))
    h, c = np.zeros(H), np.zeros(H)
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    hs = []
    for t in range(5):
        v = np.concatenate([h, x[t]])
        f = sig(lec["f"][0] @ v + lec["f"][1])
        i = sig(lec["i"][0] @ v + lec["i"][1])
        C_tilde = np.tanh(lec["C"][0] @ v + lec["C"][1])
        c = f * c + i * C_tilde
        o = sig(lec["o"][0] @ v + lec["o"][1])
        h = o * np.tanh(c)
        hs.append(h)
    ours, _ = lstm_forward(x[None], None, None, *params)
    assert np.max(np.abs(ours[0] - np.array(hs))) <= TOL
    back = lstm_from_lecture(lec, D)
    assert np.allclose(back.W_ih, params.W_ih) and np.allclose(back.W_hh, params.W_hh)
    assert np.allclose(back.b_ih + back.b_hh, params.b_ih + params.b_hh)


def test_float32_stays_float32():
    params = init_recurrent("lstm", 3, 4, np.random.default_rng(0), dtype=np.float32)
    x = np.ones((2, 3, 3), dtype=np.float32)
    hs, cache = lstm_forward(x, None, None, *params)
    grads = lstm_backward(np.ones_like(hs), cache)
    assert hs.dtype == np.float32 and all(g.dtype == np.float32 for g in grads)


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_bad_input_is_named(cell):
    params = init_recurrent(cell, 3, 4, np.random.default_rng(0))
    fwd = rnn_forward if cell == "rnn" else (lambda x, h0, *p: lstm_forward(x, h0, None, *p))
    with pytest.raises(ValueError, match="input size D=5.*expects D=3"):
        fwd(np.ones((2, 6, 5)), None, *params)
    with pytest.raises(ValueError, match="empty sequence"):
        fwd(np.ones((2, 0, 3)), None, *params)
    with pytest.raises(ValueError, match=r"h0 must have shape \(2, 4\)"):
        fwd(np.ones((2, 6, 3)), np.zeros((2, 5)), *params)
    with pytest.raises(ValueError, match="x must have 3 dimension"):
        fwd(np.ones((6, 3)), None, *params)
    with pytest.raises(ValueError, match="W_hh must have shape"):
        fwd(np.ones((2, 6, 3)), None, params.W_ih, params.W_hh[:, :3], params.b_ih, params.b_hh)
    hs, cache = fwd(np.ones((2, 6, 3)), None, *params)
    bwd = rnn_backward if cell == "rnn" else lstm_backward
    with pytest.raises(ValueError, match=r"dhs must have shape \(2, 6, 4\)"):
        bwd(np.ones((2, 5, 4)), cache)


def test_lstm_c0_and_layout_errors():
    params = init_recurrent("lstm", 3, 4, np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"c0 must have shape \(1, 4\)"):
        lstm_forward(np.ones((1, 2, 3)), None, np.zeros((1, 3)), *params)
    with pytest.raises(ValueError, match=r"W_ih must have shape \(4·H, D\)"):
        lstm_forward(np.ones((1, 2, 3)), None, None, params.W_ih[:7], params.W_hh[:7],
                     params.b_ih[:7], params.b_hh[:7])
    with pytest.raises(ValueError, match="unknown cell .vanilla."):
        init_recurrent("vanilla", 3, 4, np.random.default_rng(0))
    with pytest.raises(TypeError, match="torch.nn.RNN, torch.nn.LSTM or torch.nn.GRU"):
        params_from_torch(torch.nn.Linear(2, 2))
    with pytest.raises(ValueError, match="missing: o"):
        lstm_from_lecture({k: v for k, v in lstm_to_lecture(params).items() if k != "o"}, 3)


def test_gru_gradient_check_and_torch_copy():
    params, x, h0, _, dhs, _, _ = _case("gru", (2, 4, 3, 3), 9)
    args = [x, h0, *params]
    for k in range(len(args)):
        def f(v, k=k):
            return np.sum(gru_forward(*(args[:k] + [v] + args[k + 1:]))[0] * dhs)

        def grad_f(v, k=k):
            return gru_backward(dhs, gru_forward(*(args[:k] + [v] + args[k + 1:]))[1])[k]

        assert gradient_check(f, grad_f, args[k]).ok, k
    layer = params_to_torch(params, "gru")
    assert isinstance(layer, torch.nn.GRU)
    assert all(np.array_equal(a, b) for a, b in zip(params_from_torch(layer), params))
