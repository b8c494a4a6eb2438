"""Checkers of notebook 10: accept correct answers, name typical mistakes in German, never raise
(also not on the stub ``...``, a stub function, or code that raises)."""
import numpy as np
import pytest
import torch

from dl_helpers.checks import rnn as cr


def _sig(z):
    return 1 / (1 + np.exp(-z))


def _stub_fn(*args):   # what `def f(...): ...  # TODO` returns
    return None


def _raising_fn(*args):
    raise RuntimeError("kaputt")


D, H = cr.COUNT_INPUT, cr.COUNT_HIDDEN
GOOD = [
    (cr.check_rnn_step, lambda x, h, Wi, Wh, bi, bh: np.tanh(x @ Wi.T + h @ Wh.T + bi + bh)),
    (cr.check_bptt_delta, lambda dn, dh, h, W: (1 - h ** 2) * (dh + dn @ W)),
    (cr.check_cell_state, lambda f, i, g, c: f * c + i * g),
    (cr.check_gradient_factor, 0.9 ** 20),
    (cr.check_lstm_parameter_count, 4 * (H * D + H * H + 2 * H)),
]
WRONG = [
    (cr.check_rnn_step, lambda x, h, Wi, Wh, bi, bh: np.tanh(x @ Wi.T + h @ Wh.T + bi), "b_hh"),
    (cr.check_rnn_step, lambda x, h, Wi, Wh, bi, bh: x @ Wi.T + h @ Wh.T + bi + bh,
     "Aktivierung fehlt"),
    (cr.check_rnn_step, lambda x, h, Wi, Wh, bi, bh: _sig(x @ Wi.T + h @ Wh.T + bi + bh),
     "Sigmoid"),
    (cr.check_rnn_step, lambda x, h, Wi, Wh, bi, bh: np.tanh(x @ Wi.T + bi + bh), "h_prev fehlt"),
    (cr.check_rnn_step, lambda x, h, Wi, Wh, bi, bh: np.tanh(x @ Wi.T + h @ Wh + bi + bh),
     "transponiert"),
    (cr.check_rnn_step, lambda x, h, Wi, Wh, bi, bh: np.tanh(x @ Wi.T + h @ Wh.T) + bi + bh,
     "noch nicht richtig"),
    (cr.check_bptt_delta, lambda dn, dh, h, W: (1 - h ** 2) * (dh + dn @ W.T), "transponiert"),
    (cr.check_bptt_delta, lambda dn, dh, h, W: (1 - h ** 2) * (dn @ W), "direkte Gradient"),
    (cr.check_bptt_delta, lambda dn, dh, h, W: (1 - h ** 2) * dh + dn @ W, "SUMME"),
    (cr.check_bptt_delta, lambda dn, dh, h, W: (1 - h) * (dh + dn @ W), "1 − h²"),
    (cr.check_bptt_delta, lambda dn, dh, h, W: dh + dn @ W, "Ableitung 1 − h² fehlt"),
    (cr.check_cell_state, lambda f, i, g, c: f * g + i * c, "vertauscht"),
    (cr.check_cell_state, lambda f, i, g, c: f * c + g, "Input-Gate fehlt"),
    (cr.check_cell_state, lambda f, i, g, c: c + i * g, "Forget-Gate fehlt"),
    (cr.check_cell_state, lambda f, i, g, c: (1 - f) * c + i * g, "BLEIBT"),
    (cr.check_cell_state, lambda f, i, g, c: f @ c.T, "noch nicht richtig"),
    (cr.check_gradient_factor, 0.9 * 20, "multipliziert"),
    (cr.check_gradient_factor, 0.9 ** 19, "zu wenig"),
    (cr.check_gradient_factor, 0.81 ** 20, "nicht um s²"),
    (cr.check_gradient_factor, 0.5, "noch nicht richtig"),
    (cr.check_lstm_parameter_count, 4 * (H * D + H * H + H), "ZWEI Bias"),
    (cr.check_lstm_parameter_count, 4 * H * (D + H), "Biases fehlen"),
    (cr.check_lstm_parameter_count, H * D + H * H + 2 * H, "vier Blöcke"),
    (cr.check_lstm_parameter_count, 3 * (H * D + H * H + 2 * H), "Kandidat"),
    (cr.check_lstm_parameter_count, 1234, "noch nicht richtig"),
]


@pytest.mark.parametrize("checker,answer", GOOD, ids=lambda v: getattr(v, "__name__", ""))
def test_correct_answer_passes(checker, answer, feedback):
    assert checker(answer)
    assert "richtig!" in feedback()


@pytest.mark.parametrize("checker,answer,fragment", WRONG,
                         ids=[f"{c.__name__}-{i}" for i, (c, _, _) in enumerate(WRONG)])
def test_typical_mistakes_are_named(checker, answer, fragment, feedback):
    fb = checker(answer)
    assert not fb
    out = feedback()
    assert "noch nicht richtig" in out and fragment in out, out


@pytest.mark.parametrize("checker", [c for c, _ in GOOD], ids=lambda c: c.__name__)
@pytest.mark.parametrize("bad", [Ellipsis, None, "text", 3, [1, 2], np.array([np.nan]),
                                 _stub_fn, _raising_fn],
                         ids=lambda v: getattr(v, "__name__", repr(v)))
def test_never_raises(checker, bad, feedback):
    assert not checker(bad)
    out = feedback()
    assert "noch nicht richtig" in out or "noch nicht gelöst" in out


@pytest.mark.parametrize("checker", [c for c, _ in GOOD], ids=lambda c: c.__name__)
def test_stub_message_uses_no_hint(checker, feedback):
    checker(...)
    out = feedback()
    assert "Du hast noch keine Lösung eingetragen" in out and "Tipp" not in out


def test_hint_levels_step_from_idea_to_formula(feedback):
    wrong = lambda f, i, g, c: f * c - i * g  # noqa: E731  (matches no named mistake)
    cr.check_cell_state(wrong)
    first = feedback()
    assert "Forget-Gate entscheidet" in first and "c = f * c_prev" not in first
    cr.check_cell_state(wrong)
    cr.check_cell_state(wrong)
    assert "c = f * c_prev + i * g" in feedback()


def test_parameter_count_matches_torch():
    assert sum(p.numel() for p in torch.nn.LSTM(D, H).parameters()) == 4 * (H * D + H * H + 2 * H)
