"""dl_helpers.refresher_plots: the step-size study redraws in place (blitting) and renders a PNG."""
from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from PIL import Image  # noqa: E402

from dl_helpers.activations import sigmoid  # noqa: E402
from dl_helpers.refresher_plots import DifferenceFigure, render_fd_error  # noqa: E402


@pytest.fixture
def study():
    fig = Figure()
    ax_f, ax_e = fig.subplots(1, 2)
    return fig, DifferenceFigure(ax_f, ax_e)


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)


def test_update_numbers(study):
    _, s = study
    st = s.update(-3.0, 1.0)
    exact = float(sigmoid.derivative(1.0))
    assert st.h == pytest.approx(1e-3) and st.exact == exact
    assert st.forward == pytest.approx((sigmoid(1.001) - sigmoid(1.0)) / 1e-3, rel=1e-12)
    assert st.central == pytest.approx((sigmoid(1.001) - sigmoid(0.999)) / 2e-3, rel=1e-12)
    assert st.central_error < 1e-7 < st.forward_error < 1e-4
    assert s.state(-3.0, 1.0) == st                           # pure part, nothing drawn


def test_update_in_place(study):
    fig, s = study
    n_artists = [len(ax.lines) + len(ax.texts) for ax in fig.axes]
    s.update(0.0, 1.0)
    slope_big = np.diff(s.forward_line.get_ydata()) / np.diff(s.forward_line.get_xdata())
    s.update(-5.0, 0.5)
    slope_small = np.diff(s.forward_line.get_ydata()) / np.diff(s.forward_line.get_xdata())
    assert [len(ax.lines) + len(ax.texts) for ax in fig.axes] == n_artists   # nothing added
    assert len(fig.axes) == 2
    assert abs(slope_small[0] - sigmoid.derivative(0.5)) < abs(slope_big[0] - sigmoid.derivative(1.0))
    assert s.h_marker.get_xdata()[0] == pytest.approx(1e-5)
    # error curves follow x0
    ys = s.err_cen.get_ydata()
    assert ys.shape == (167,) and np.all(ys > 0)
    assert "1.0e-05" in s.readout_f.get_text()


def test_blit_equals_full_redraw():
    """A blitted move shows exactly the picture a fresh figure draws for the same values."""
    s = DifferenceFigure()
    s.update(0.0, 1.0)
    background = s._background
    s.update(-6.0, -2.0)                                       # blitted: background reused
    assert s._background is background
    fresh = DifferenceFigure()
    fresh.update(-6.0, -2.0)
    blitted, redrawn = _pixels(s.png()), _pixels(fresh.png())
    assert blitted.shape == redrawn.shape
    assert np.array_equal(blitted, redrawn)
    # and the moving artists really are in the picture (differs from another h)
    fresh.update(0.0, -2.0)
    assert not np.array_equal(_pixels(fresh.png()), redrawn)


def test_render_png():
    png = render_fd_error(-5.0, 1.0)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5_000
    render_fd_error(-2.0, 0.5)                               # the reused figure moves on
    assert render_fd_error(-5.0, 1.0) == png                 # same values, same picture


def test_other_activation():
    fig = Figure()
    st = DifferenceFigure(*fig.subplots(1, 2), activation="tanh").update(-4.0, 0.3)
    assert st.exact == pytest.approx(1 - np.tanh(0.3) ** 2)
    with pytest.raises(ValueError, match="activation"):
        DifferenceFigure(*Figure().subplots(1, 2), activation="relu6")


def test_bad_axes():
    ax = Figure().subplots()
    with pytest.raises(ValueError, match="ax_f and ax_e"):
        DifferenceFigure(ax)
    with pytest.raises(ValueError, match="same figure"):
        DifferenceFigure(ax, Figure().subplots())
