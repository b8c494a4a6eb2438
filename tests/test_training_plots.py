"""dl_helpers.training_plots: the epoch figure of notebook 04 updates in place and blits right."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from figures import n_artists, pixels  # noqa: E402

from dl_helpers.plotting import decision_grid  # noqa: E402
from dl_helpers.training_plots import TrainingBoundaryFigure  # noqa: E402


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
    counts = n_artists(fig.fig)
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
    assert n_artists(fig.fig) == counts                  # nothing added


def test_training_boundary_blit_equals_fresh_render(ring_data):
    X, y = ring_data
    moved = TrainingBoundaryFigure(X, y, LOSS, bounds=BOUNDS, grid_size=60)
    moved.update(0, _ring(0.4))
    moved.update(7, _ring(0.8))                           # blitted
    fresh = TrainingBoundaryFigure(X, y, LOSS, bounds=BOUNDS, grid_size=60)
    fresh.update(7, _ring(0.8))
    assert np.array_equal(pixels(moved.png()), pixels(fresh.png()))
    moved.full_redraw()                                   # blit == full draw of the same figure
    assert np.array_equal(pixels(moved.png()), pixels(fresh.png()))
    fresh.update(7, _ring(0.7))
    assert not np.array_equal(pixels(moved.png()), pixels(fresh.png()))


def test_training_boundary_render_is_the_slider_function(ring_data):
    """render(epoch) shows the classifier that predict_at gives for that epoch."""
    X, y = ring_data
    radii = {0: 0.3, 4: 0.6, 12: 0.9}
    fig = TrainingBoundaryFigure(X, y, LOSS, bounds=BOUNDS, grid_size=30,
                                 predict_at=lambda epoch: _ring(radii[epoch]))
    png = fig.render(4)
    fig.render(12)
    fresh = TrainingBoundaryFigure(X, y, LOSS, bounds=BOUNDS, grid_size=30)
    fresh.update(4, _ring(0.6))
    assert np.array_equal(pixels(fig.render(4)), pixels(png))
    assert np.array_equal(pixels(png), pixels(fresh.png()))
    with pytest.raises(ValueError, match="predict_at"):
        fresh.render(4)
    with pytest.raises(TypeError, match="predict_at"):
        TrainingBoundaryFigure(X, y, LOSS, predict_at="not callable")


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
