"""Tests for dl_helpers.rnn_study and rnn_plots: gradient-flow norms == torch autograd, the memory
task, seeded training, the gate trace replays the trained torch LSTM, render is deterministic."""
import io

import numpy as np
import pytest
import torch

from dl_helpers.rnn import lstm_forward_torch, rnn_forward_torch
from dl_helpers.rnn_plots import plot_gate_trace, plot_learning_curves, render_gradient_flow
from dl_helpers.rnn_study import (gradient_flow_setup, input_gradient_norms, lstm_gate_trace,
                                  memory_task, train_memory_task)


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_input_gradient_norms_match_autograd(cell):
    kw = dict(forget_bias=1.0, hidden_size=5, input_size=3, batch=4, seed=3)
    s = gradient_flow_setup(cell, 7, 1.3, **kw)
    x = torch.tensor(s.x, requires_grad=True)
    params = [torch.tensor(p) for p in s.params]
    hs = rnn_forward_torch(x, None, *params) if cell == "rnn" else \
        lstm_forward_torch(x, None, None, *params)
    (hs[:, -1] * torch.tensor(s.g)).sum().backward()
    ref = x.grad.norm(dim=2).mean(0).numpy()
    assert np.max(np.abs(input_gradient_norms(cell, 7, 1.3, **kw) - ref)) <= 1e-10


def test_weight_scale_is_spectral_radius_and_forget_bias_block():
    s = gradient_flow_setup("lstm", 3, 0.7, forget_bias=2.0, hidden_size=4)
    for k in range(4):
        block = s.params.W_hh[4 * k:4 * (k + 1)]
        assert np.allclose(np.linalg.svd(block, compute_uv=False), 0.7)
    assert np.all(s.params.b_ih[4:8] == 2.0) and np.all(s.params.b_ih[:4] == 0.0)


def test_vanishing_and_exploding_over_time():
    small = input_gradient_norms("rnn", 40, 0.5)
    large = input_gradient_norms("rnn", 40, 3.0)
    kept = input_gradient_norms("lstm", 40, 1.0, forget_bias=3.0)
    assert small[0] < 1e-8 * small[-1]
    assert large[0] > 1e3 * large[-1]
    assert kept[0] > 0.1 * kept[-1]


def test_memory_task():
    x, y = memory_task(50, 6, np.random.default_rng(0))
    assert x.shape == (50, 6, 2) and y.shape == (50,) and x.dtype == np.float32
    assert np.array_equal(x[:, 0, 0], 2 * y - 1) and np.all(x[:, 1:, 0] == 0)
    with pytest.raises(ValueError, match="seq_len"):
        memory_task(5, 0, np.random.default_rng(0))
    with pytest.raises(TypeError, match="rng"):
        memory_task(5, 3, 0)


def test_training_is_seeded_and_gate_trace_replays_torch():
    kw = dict(hidden_size=4, steps=6, batch=8, eval_every=3, n_test=16, forget_bias=1.0)
    a = train_memory_task("lstm", 5, seed=1, **kw)
    b = train_memory_task("lstm", 5, seed=1, **kw)
    assert np.array_equal(a.loss, b.loss) and a.loss.shape == (6,)
    assert np.array_equal(a.eval_steps, [3, 6]) and a.accuracy.shape == (2,)
    x, _ = memory_task(1, 5, np.random.default_rng(2))
    trace = lstm_gate_trace(a.model, x[0])
    with torch.no_grad():
        ref = a.model.rnn(torch.tensor(x))[0][0].numpy()
    assert np.max(np.abs(trace["h"] - ref)) < 1e-6      # torch model runs in float32
    assert set(trace) == {"i", "f", "g", "o", "c", "h"} and trace["f"].shape == (5, 4)
    with pytest.raises(TypeError, match="cell='lstm'"):
        lstm_gate_trace(train_memory_task("rnn", 3, seed=0, **kw).model, x[0])


def _png(fig):
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def test_render_is_a_pure_function():
    assert _png(render_gradient_flow(10, 1.2, 1.0)) == _png(render_gradient_flow(10, 1.2, 1.0))


def test_other_figures_draw():
    kw = dict(hidden_size=3, steps=10, batch=4, eval_every=5, n_test=8)
    runs = {"RNN": train_memory_task("rnn", 4, **kw), "LSTM": train_memory_task("lstm", 4, **kw)}
    assert len(plot_learning_curves(runs).axes) == 2
    x, _ = memory_task(2, 4, np.random.default_rng(0))
    m = runs["LSTM"].model
    fig = plot_gate_trace(lstm_gate_trace(m, x[0]), lstm_gate_trace(m, x[1]), x[0], x[1])
    assert len(fig.axes) == 3


def test_rnn_learns_the_memory_task_for_short_sequences():
    """Notebook 10 says: for short sequences the plain RNN learns the task as well."""
    assert train_memory_task("rnn", 10, seed=0).accuracy[-1] > 0.9
