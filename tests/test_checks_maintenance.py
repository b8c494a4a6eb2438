"""The exercise checkers of notebook 13: right answers pass, typical wrong answers and the
``...`` stubs get German feedback and never raise."""
from __future__ import annotations

import numpy as np

from dl_helpers.checks import maintenance as cm


def _stub(*args, **kwargs):
    ...  # what a student's unsolved cell returns


def test_capped_rul(feedback):
    assert cm.check_capped_rul(lambda rul, cap: np.minimum(rul, cap))
    assert not cm.check_capped_rul(lambda rul, cap: np.maximum(rul, cap))
    assert not cm.check_capped_rul(lambda rul, cap: np.clip(rul, 0, cap) / cap)
    assert not cm.check_capped_rul(_stub)
    assert not cm.check_capped_rul(...)
    out = feedback()
    assert "richtig" in out and "Tipp" in out and "noch keine Lösung" in out


def _phm(y_pred, y_true):
    d = y_pred - y_true
    return np.sum(np.where(d < 0, np.exp(-d / 13) - 1, np.exp(d / 10) - 1))


def test_phm_score(feedback):
    assert cm.check_phm_score(_phm)
    assert not cm.check_phm_score(lambda p, t: _phm(t, p))                  # sign of d flipped
    assert not cm.check_phm_score(lambda p, t: _phm(p, t) / len(p))        # mean, not sum
    assert not cm.check_phm_score(lambda p, t: 1 / 0)
    assert not cm.check_phm_score(_stub)
    out = feedback()
    assert "richtig" in out and "Fehler" in out


def _zscore(sensors, condition, train_rows):
    out = np.empty_like(sensors)
    for k in np.unique(condition):
        fit = sensors[train_rows & (condition == k)]
        rows = condition == k
        out[rows] = (sensors[rows] - fit.mean(0)) / fit.std(0)
    return out


def test_condition_zscore(feedback):
    assert cm.check_condition_zscore(_zscore)
    assert not cm.check_condition_zscore(lambda s, c, t: _zscore(s, c, np.ones_like(t)))
    assert "Datenleck" in feedback()
    assert not cm.check_condition_zscore(
        lambda s, c, t: (s - s[t].mean(0)) / s[t].std(0))
    assert "Zustand" in feedback()
    assert not cm.check_condition_zscore(_stub)
    assert not cm.check_condition_zscore(...)
    assert not cm.check_condition_zscore(3)
    assert not cm.check_condition_zscore(lambda s, c, t: s.missing)


def test_late_equivalent():
    assert cm.check_late_equivalent(200 / 13)
    assert cm.check_late_equivalent(15.3846)
    assert not cm.check_late_equivalent(20.0)
    assert not cm.check_late_equivalent(26.0)
    assert not cm.check_late_equivalent(...)
    assert not cm.check_late_equivalent("15")
