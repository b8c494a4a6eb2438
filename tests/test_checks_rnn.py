"""Checkers of notebook 10: accept correct answers, reject typical mistakes with German feedback,
never raise (also not on the stub ``...`` or on code that raises)."""
import numpy as np
import pytest
import torch

from dl_helpers.checks import rnn as cr


def step_ok(x, h_prev, W_ih, W_hh, b_ih, b_hh):
    return np.tanh(x @ W_ih.T + h_prev @ W_hh.T + b_ih + b_hh)


def step_one_bias(x, h_prev, W_ih, W_hh, b_ih, b_hh):
    return np.tanh(x @ W_ih.T + h_prev @ W_hh.T + b_ih)


def step_no_tanh(x, h_prev, W_ih, W_hh, b_ih, b_hh):
    return x @ W_ih.T + h_prev @ W_hh.T + b_ih + b_hh


def delta_ok(delta_next, dh, h, W_hh):
    return (1 - h ** 2) * (dh + delta_next @ W_hh)


def delta_transposed(delta_next, dh, h, W_hh):
    return (1 - h ** 2) * (dh + delta_next @ W_hh.T)


def delta_no_direct(delta_next, dh, h, W_hh):
    return (1 - h ** 2) * (delta_next @ W_hh)


def raises(*args):
    raise RuntimeError("kaputt")


CASES = [
    (cr.check_rnn_step, step_ok, [step_one_bias, step_no_tanh]),
    (cr.check_bptt_delta, delta_ok, [delta_transposed, delta_no_direct]),
    (cr.check_cell_state, lambda f, i, g, c: f * c + i * g,
     [lambda f, i, g, c: f * g + i * c, lambda f, i, g, c: (f + i) * c]),
]


@pytest.mark.parametrize("checker,good,bad", CASES)
def test_function_checkers(checker, good, bad, capsys):
    assert checker(good)
    for wrong in [*bad, raises, ..., None, 3.0]:
        fb = checker(wrong)
        assert not fb
        assert "noch nicht richtig" in fb.message or "keine Lösung" in fb.message
    capsys.readouterr()


def test_gradient_factor(capsys):
    assert cr.check_gradient_factor(0.9 ** 20)
    for wrong in [0.9 * 20, 0.9 ** 19, 0.81 ** 20, ..., "0.12", None]:
        assert not cr.check_gradient_factor(wrong)
    capsys.readouterr()


def test_lstm_parameter_count(capsys):
    D, H = cr.COUNT_INPUT, cr.COUNT_HIDDEN
    assert sum(p.numel() for p in torch.nn.LSTM(D, H).parameters()) == 4 * (H * D + H * H + 2 * H)
    assert cr.check_lstm_parameter_count(4 * (H * D + H * H + 2 * H))
    for wrong in [4 * (H * D + H * H + H), 4 * H * (D + H), H * D + H * H + 2 * H, ...]:
        assert not cr.check_lstm_parameter_count(wrong)
    capsys.readouterr()
