"""dl_helpers.perceptron_plots: the step figure of notebook 01 updates in place and blits right."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from figures import n_artists, pixels  # noqa: E402

from dl_helpers.data import make_linearly_separable  # noqa: E402
from dl_helpers.perceptron import misclassified, perceptron_train  # noqa: E402
from dl_helpers.perceptron_plots import PerceptronStepFigure  # noqa: E402


@pytest.fixture(scope="module")
def perceptron_case():
    X, y = make_linearly_separable(n_samples=30, margin=0.4, labels="pm1", seed=3)
    X = X + np.array([2.0, 1.0])
    res = perceptron_train(X, y, lr=1.0, max_epochs=100, mode="online")
    assert res.converged and res.n_updates >= 3
    return X, y, res


def test_perceptron_step_figure_shows_the_state(perceptron_case):
    X, y, res = perceptron_case
    fig = PerceptronStepFigure(X, y, res)
    counts = n_artists(fig.fig)
    assert fig.update(0) == len(X)                        # w = 0: every example is an error
    assert len(fig.line.get_xdata()) == 0 and not fig.arrow.get_visible()
    for u in (1, res.n_updates // 2, res.n_updates):
        n_err = fig.update(u)
        w, b = res.w_steps[u], res.b_steps[u]
        assert n_err == int(misclassified(X, y, w, b).sum())
        xs, ys = fig.line.get_data()
        assert np.allclose(w[0] * np.asarray(xs) + w[1] * np.asarray(ys) + b, 0, atol=1e-9)  # (19)
        tail, tip = (np.array(p) for p in fig.arrow._posA_posB)
        d = tip - tail
        assert abs(d[0] * w[1] - d[1] * w[0]) < 1e-9 and d @ w > 0   # parallel to w
        assert abs(w @ tail + b) < 1e-9                   # arrow starts on the line
        i = res.step_index[u - 1]
        assert np.allclose(np.ravel(fig.marker.get_data()), X[i])
        assert f"Update {u}/{res.n_updates}: {n_err} Fehler" == fig.title.get_text()
    assert fig.update(res.n_updates) == 0                 # converged
    assert n_artists(fig.fig) == counts                  # nothing added


def test_perceptron_blit_equals_fresh_render(perceptron_case):
    X, y, res = perceptron_case
    moved = PerceptronStepFigure(X, y, res)
    moved.update(0)
    moved.update(2)                                       # blitted
    fresh = PerceptronStepFigure(X, y, res)
    fresh.update(2)
    assert np.array_equal(pixels(moved.png()), pixels(fresh.png()))
    fresh.update(3)
    assert not np.array_equal(pixels(moved.png()), pixels(fresh.png()))


def test_perceptron_bad_input(perceptron_case):
    X, y, res = perceptron_case
    fig = PerceptronStepFigure(X, y, res)
    with pytest.raises(ValueError, match="step"):
        fig.update(res.n_updates + 1)
    with pytest.raises(TypeError, match="step"):
        fig.update(1.5)
    with pytest.raises(TypeError, match="result"):
        PerceptronStepFigure(X, y, object())
    with pytest.raises(ValueError, match="X"):
        PerceptronStepFigure(X[:, :1], y, res)


def test_perceptron_render_is_the_slider_function(perceptron_case):
    X, y, res = perceptron_case
    fig = PerceptronStepFigure(X, y, res)
    png = fig.render(step=2)
    fig.render(step=res.n_updates)
    assert fig.render(step=2) == png and png[:8] == b"\x89PNG\r\n\x1a\n"
