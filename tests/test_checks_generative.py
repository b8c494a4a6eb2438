"""Checkers of notebooks 11 and 12: a right answer passes, wrong ones get German feedback and never raise."""
from __future__ import annotations

import numpy as np
import pytest

from dl_helpers.checks import gan as cg
from dl_helpers.checks import vae as cv


def _kl(mu, lv):
    return 0.5 * np.sum(mu ** 2 + np.exp(lv) - 1 - lv, axis=1)


RIGHT = [
    (cv.check_kl_divergence, _kl),
    (cv.check_reparameterize, lambda mu, lv, e: mu + np.exp(0.5 * lv) * e),
    (cv.check_reparam_gradient, (1.4, 2.6)),
    (cg.check_optimal_discriminator, lambda p, q: p / (p + q)),
    (cg.check_non_saturating_loss, lambda d: -np.mean(np.log(d))),
    (cg.check_gradient_penalty, lambda g: np.mean((np.linalg.norm(g, axis=1) - 1) ** 2)),
]

# (checker, wrong answer, a word the German feedback must contain)
WRONG = [
    (cv.check_kl_divergence, lambda mu, lv: -_kl(mu, lv), "Folie (107)"),
    (cv.check_kl_divergence, lambda mu, lv: np.sum(_kl(mu, lv)), "pro Beispiel"),
    (cv.check_kl_divergence, lambda mu, lv: 1 / 0, "Fehler ausgelöst"),
    (cv.check_reparameterize, lambda mu, lv, e: mu + np.exp(lv) * e, "Varianz"),
    (cv.check_reparameterize, lambda mu, lv, e: mu, "Rauschen"),
    (cv.check_reparam_gradient, (1.4, 0.0), "σ²"),
    (cv.check_reparam_gradient, "1.4", "nicht richtig"),
    (cg.check_optimal_discriminator, lambda p, q: q / (p + q), "vertauscht"),
    (cg.check_optimal_discriminator, 3, "Funktion"),
    (cg.check_non_saturating_loss, lambda d: np.mean(np.log1p(-d)), "sättigende"),
    (cg.check_non_saturating_loss, lambda d: np.mean(np.log(d)), "Vorzeichen"),
    (cg.check_gradient_penalty, lambda g: np.mean((np.sum(g ** 2, axis=1) - 1) ** 2), "quadrierte"),
    (cg.check_gradient_penalty, lambda g: (np.linalg.norm(g) - 1) ** 2, "pro Zeile"),
]


@pytest.mark.parametrize("checker, answer", RIGHT)
def test_right_answers_pass(checker, answer, capsys):
    assert checker(answer)
    assert "richtig!" in capsys.readouterr().out


@pytest.mark.parametrize("checker, answer, word", WRONG)
def test_wrong_answers_get_german_feedback(checker, answer, word, capsys):
    fb = checker(answer)
    out = capsys.readouterr().out
    assert not fb
    assert "noch nicht richtig" in out
    assert word in " ".join(out.split())   # feedback lines are wrapped


def test_function_returning_none_is_unsolved_not_wrong(capsys):
    assert not cv.check_kl_divergence(lambda mu, lv: None)
    out = capsys.readouterr().out
    assert "noch nicht gelöst" in out and "noch nicht richtig" not in out


@pytest.mark.parametrize("checker", [c for c, _ in RIGHT])
def test_stub_never_raises(checker, capsys):
    assert not checker(...)
    assert capsys.readouterr().out
