"""dl_helpers.live_plots: slider figures of notebooks 01, 02, 04 update in place and blit right."""
from __future__ import annotations

import io
import zlib

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from dl_helpers import live_plots  # noqa: E402
from dl_helpers.approximation import least_squares_network  # noqa: E402
from dl_helpers.data import make_linearly_separable  # noqa: E402
from dl_helpers.live_plots import (PerceptronStepFigure, TrainingBoundaryFigure,  # noqa: E402
                                   WidthFitFigure, fast_png)
from dl_helpers.perceptron import misclassified, perceptron_train  # noqa: E402
from dl_helpers.plotting import decision_grid  # noqa: E402
from dl_helpers.interactive import interactive  # noqa: E402


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)


def _n_artists(fig) -> list[int]:
    return [len(ax.lines) + len(ax.texts) + len(ax.patches) + len(ax.collections)
            for ax in fig.axes]


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
    counts = _n_artists(fig.fig)
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
    assert _n_artists(fig.fig) == counts                  # nothing added


def test_perceptron_blit_equals_fresh_render(perceptron_case):
    X, y, res = perceptron_case
    moved = PerceptronStepFigure(X, y, res)
    moved.update(0)
    moved.update(2)                                       # blitted
    fresh = PerceptronStepFigure(X, y, res)
    fresh.update(2)
    assert np.array_equal(_pixels(moved.to_png()), _pixels(fresh.to_png()))
    fresh.update(3)
    assert not np.array_equal(_pixels(moved.to_png()), _pixels(fresh.to_png()))


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


def test_width_fit_figure():
    fig = WidthFitFigure()
    counts = _n_artists(fig.fig)
    fit = least_squares_network("wave", 12, "relu", seed=0)
    fig.update(fit)
    assert np.array_equal(fig.fit_line.get_ydata(), fit.y_hat)
    assert np.array_equal(fig.target_line.get_ydata(), fit.y)
    assert np.allclose(fig.err_line.get_ydata(), np.abs(fit.y_hat - fit.y))
    assert fig.max_line.get_ydata()[0] == pytest.approx(fit.max_error)
    assert "12 Neuronen, 37 Parameter" in fig.title_f.get_text()
    background = fig._background
    fig.update(least_squares_network("wave", 64, "relu", seed=0))
    assert fig._background is background                  # same target: blitted
    fig.update(least_squares_network("bump", 64, "relu", seed=0))
    assert fig._background is not background              # new target: new y-range
    lo, hi = fig.ax_f.get_ylim()
    assert lo < 0 < 1 < hi
    assert _n_artists(fig.fig) == counts


def test_width_fit_blit_equals_fresh_render():
    moved, fresh = WidthFitFigure(), WidthFitFigure()
    moved.update(least_squares_network("wave", 3, "tanh", seed=0))
    fit = least_squares_network("wave", 40, "tanh", seed=0)
    moved.update(fit)
    fresh.update(fit)
    assert np.array_equal(_pixels(moved.to_png()), _pixels(fresh.to_png()))


def test_width_fit_bad_input():
    with pytest.raises(TypeError, match="OneHiddenLayerFit"):
        WidthFitFigure().update(np.zeros(3))


# --- notebook 04: decision regions during training + loss curve -------------------------------

BOUNDS = (-1.5, 1.5, -1.2, 1.2)
LOSS = np.geomspace(0.7, 0.01, 12)                        # epochs 1..12


def _ring(radius: float, steepness: float = 4.0):
    """p(class 1) = σ(s (|x|² − r²)): the boundary p = 0.5 is the circle of radius r."""
    return lambda P: 1.0 / (1.0 + np.exp(-steepness * ((P ** 2).sum(axis=1) - radius ** 2)))


@pytest.fixture(scope="module")
def ring_data():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1.0, 1.0, size=(60, 2))
    y = ((X ** 2).sum(axis=1) > 0.5).astype(int)
    return X, y


def test_training_boundary_figure_shows_the_state(ring_data):
    X, y = ring_data
    fig = TrainingBoundaryFigure(X, y, LOSS, bounds=BOUNDS, grid_size=60)
    counts = _n_artists(fig.fig)
    assert fig.n_epochs == 12 and fig.ax_p.get_xlim() == BOUNDS[:2]
    fig.update(0, _ring(0.5))
    assert len(fig.marker.get_xdata()) == 0                # no loss before the first epoch
    assert fig.title.get_text().endswith("Epoche 0")
    background = fig._background
    for epoch, radius in ((3, 0.6), (12, 0.9)):
        fig.update(epoch, _ring(radius))
        grid = decision_grid(_ring(radius), X, grid_size=60, bounds=BOUNDS)
        assert np.array_equal(fig.image.get_array(), grid.zz)
        segments = fig.boundary.get_segments()
        assert segments and all(np.allclose(np.hypot(*s.T), radius, atol=0.01) for s in segments)
        assert np.allclose(np.ravel(fig.marker.get_data()), [epoch, LOSS[epoch - 1]])
        assert fig.title.get_text() == f"Wahrscheinlichkeit für Klasse 1, Epoche {epoch}"
    assert fig._background is background                  # every move was blitted
    fig.update(5, lambda P: np.full(len(P), 0.9))         # everywhere class 1: no boundary
    assert fig.boundary.get_segments() == []
    assert _n_artists(fig.fig) == counts                  # nothing added


def test_training_boundary_blit_equals_fresh_render(ring_data):
    X, y = ring_data
    moved = TrainingBoundaryFigure(X, y, LOSS, bounds=BOUNDS, grid_size=60)
    moved.update(0, _ring(0.4))
    moved.update(7, _ring(0.8))                           # blitted
    fresh = TrainingBoundaryFigure(X, y, LOSS, bounds=BOUNDS, grid_size=60)
    fresh.update(7, _ring(0.8))
    assert np.array_equal(_pixels(moved.to_png()), _pixels(fresh.to_png()))
    moved.full_redraw()                                   # blit == full draw of the same figure
    assert np.array_equal(_pixels(moved.to_png()), _pixels(fresh.to_png()))
    fresh.update(7, _ring(0.7))
    assert not np.array_equal(_pixels(moved.to_png()), _pixels(fresh.to_png()))


def test_training_boundary_slider(ring_data, monkeypatch):
    """interactive() over one reused figure: the picture of a value is that of a fresh figure."""
    monkeypatch.delenv("DL_HELPERS_SITE_ASSETS", raising=False)
    X, y = ring_data
    fig = TrainingBoundaryFigure(X, y, LOSS, bounds=BOUNDS, grid_size=30)
    radii = {0: 0.3, 4: 0.6, 12: 0.9}

    def render(epoch):
        fig.update(epoch, _ring(radii[epoch]))
        return fig.to_png()

    widget = interactive(render, labels={"epoch": "Epoche"}, epoch=list(radii))
    widget.controls["epoch"].value = 12
    widget.controls["epoch"].value = 4
    fresh = TrainingBoundaryFigure(X, y, LOSS, bounds=BOUNDS, grid_size=30)
    fresh.update(4, _ring(0.6))
    assert np.array_equal(_pixels(bytes(widget.image.value)), _pixels(fresh.to_png()))


def test_training_boundary_bad_input(ring_data):
    X, y = ring_data
    with pytest.raises(ValueError, match="X"):
        TrainingBoundaryFigure(X[:, :1], y, LOSS)
    with pytest.raises(ValueError, match="y"):
        TrainingBoundaryFigure(X, y[:-1], LOSS)
    with pytest.raises(ValueError, match="loss"):
        TrainingBoundaryFigure(X, y, np.r_[LOSS, 0.0])    # log scale
    with pytest.raises(ValueError, match="loss"):
        TrainingBoundaryFigure(X, y, np.c_[LOSS, LOSS])
    with pytest.raises(ValueError, match="bounds"):
        TrainingBoundaryFigure(X, y, LOSS, bounds=(1, -1, 0, 1))
    with pytest.raises(ValueError, match="grid_size"):
        TrainingBoundaryFigure(X, y, LOSS, grid_size=1)
    fig = TrainingBoundaryFigure(X, y, LOSS, grid_size=20)
    with pytest.raises(ValueError, match="epoch"):
        fig.update(13, _ring(0.5))
    with pytest.raises(TypeError, match="epoch"):
        fig.update(2.0, _ring(0.5))
    with pytest.raises(TypeError, match="predict"):
        fig.update(2, np.zeros(400))
    with pytest.raises(ValueError, match="predict"):
        fig.update(2, lambda P: np.zeros(3))
    with pytest.raises(ValueError, match="predict"):
        fig.update(2, lambda P: np.full(len(P), np.nan))


@pytest.mark.parametrize("shape", [(1, 1, 3), (7, 5, 3), (64, 33, 3), (7, 5, 4),
                                   (400, 300, 4)])
@pytest.mark.parametrize("level", [0, 1, 3])
def test_fast_png_decodes_to_the_same_pixels(shape, level):
    rgb = np.random.default_rng(0).integers(0, 256, size=shape, dtype=np.uint8)
    img = Image.open(io.BytesIO(fast_png(rgb, level)))
    assert img.mode == ("RGB" if shape[2] == 3 else "RGBA") and img.size == (shape[1], shape[0])
    np.testing.assert_array_equal(np.asarray(img), rgb)


@pytest.mark.parametrize("size", [0, 1000, 1 << 18, 3_000_001])
@pytest.mark.parametrize("level", [0, 1, 6, 9])
def test_two_half_deflate_is_a_valid_zlib_stream(size, level):
    """The parallel deflate (big PNGs) decompresses to the input, with zlib's own header."""
    data = np.random.default_rng(size).integers(0, 5, size, dtype=np.uint8).tobytes()
    out = live_plots._zlib_two_halves(memoryview(data), level)
    assert zlib.decompress(out) == data
    assert out[:2] == zlib.compress(data, level)[:2]


def test_fast_png_rejects_bad_input():
    with pytest.raises(ValueError, match="rgb"):
        fast_png(np.zeros((4, 4, 2), dtype=np.uint8))
    with pytest.raises(ValueError, match="rgb"):
        fast_png(np.zeros((4, 4, 3)))
