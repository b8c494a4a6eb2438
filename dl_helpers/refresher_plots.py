"""Display layer of notebook 00's step-size study (numbers from :mod:`dl_helpers.refresher`).

* :class:`DifferenceFigure` -- two panels on an existing figure: left the function with its
  tangent and the forward/central secants at ``x0``, right the log-log error curves of both
  difference quotients with a marker at the current ``h``. :meth:`DifferenceFigure.update`
  changes the existing artists in place (``set_data``) and redraws only them on a cached
  background (blitting); it never creates a new figure. :meth:`DifferenceFigure.png`
  gives the picture for an ``ipywidgets.Image``.
* :func:`render_fd_error` -- the same picture as PNG bytes for one ``(log10_h, x0)``;
  the static site can precompute a grid of them (no kernel needed).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .activations import get_activation
from .plotting import BlitFigure, new_figure
from .refresher import central_difference, difference_errors, forward_difference

__all__ = ["DifferenceFigure", "DifferenceState", "render_fd_error", "WIDGET_HS",
           "LOG10_H_RANGE", "X0_RANGE"]

#: Step sizes of the error curves (a little beyond h = 1 so that large steps are visible).
WIDGET_HS = np.logspace(-16, 0.5, 167)
#: Slider ranges used by the notebook (log10 h and x0).
LOG10_H_RANGE = (-15.0, 0.5)
X0_RANGE = (-4.0, 4.0)

_FLOOR = 1e-20  # exact zeros cannot be drawn on a log axis
_COLORS = {"f": "#000000", "tangent": "#009E73", "forward": "#0072B2", "central": "#E69F00",
           "points": "#7F7F7F"}


class DifferenceState(NamedTuple):
    """The numbers shown for one ``(h, x0)``: both quotients, the exact derivative, errors."""

    h: float
    x0: float
    forward: float
    central: float
    exact: float

    @property
    def forward_error(self) -> float:
        return abs(self.forward - self.exact)

    @property
    def central_error(self) -> float:
        return abs(self.central - self.exact)


class DifferenceFigure(BlitFigure):
    """Tangent vs. secants and error vs. step size; a slider move redraws only what changed.

    Everything static (the curve of ``f``, axes, ticks, legends, titles) is drawn once and
    kept as a pixel background. :meth:`update` changes the data of the existing artists
    (``set_data``), restores that background and draws only the changed artists on top
    (matplotlib "blitting", see :class:`dl_helpers.plotting.BlitFigure`). It never creates
    a new figure or new artists.

    Parameters
    ----------
    ax_f, ax_e : matplotlib Axes, optional
        Left (function, tangent, secants) and right (log-log errors) panel of an existing
        figure. If both are None (default), a new figure with its own Agg canvas is created
        (no pyplot: it is never shown twice by the inline backend).
    activation : str
        Name of the function studied (from ``dl_helpers.activations``), default ``"sigmoid"``.
    figsize : (float, float)
        Size of the new figure (ignored when axes are given).
    dpi : float
        Resolution of the new figure; 80 keeps a slider move well below 100 ms.

    Use :meth:`update`, then :meth:`png` (PNG bytes, e.g. for ``ipywidgets.Image``) or
    ``display(study)``. (A plain ``display(study.fig)`` leaves out the moving artists: they
    are "animated", which a normal ``savefig`` skips.)
    """

    def __init__(self, ax_f=None, ax_e=None, activation: str = "sigmoid", *,
                 figsize: tuple[float, float] = (10.0, 3.8), dpi: float = 80.0):
        self.act = get_activation(activation)
        if (ax_f is None) != (ax_e is None):
            raise ValueError("give both axes ax_f and ax_e, or neither (a new figure is created)")
        own_figure = ax_f is None
        if own_figure:
            _, (ax_f, ax_e) = new_figure(1, 2, figsize=figsize, dpi=dpi)
        elif ax_f.figure is not ax_e.figure:
            raise ValueError("ax_f and ax_e must belong to the same figure")
        super().__init__(ax_f.figure)
        self.ax_f, self.ax_e = ax_f, ax_e
        name = r"$\sigma$" if self.act.name == "sigmoid" else self.act.name
        zz = np.linspace(-6, 6, 400)
        fz = self.act.f(zz)
        ax_f.plot(zz, fz, color=_COLORS["f"], lw=1.5, label=name)

        def moving(ax, *args, **kw):
            (line,) = ax.plot(*args, animated=True, **kw)
            return line

        self.tangent = moving(ax_f, [], [], color=_COLORS["tangent"], lw=1.5, label="Tangente")
        self.forward_line = moving(ax_f, [], [], "--", color=_COLORS["forward"],
                                   label="Sekante vorwärts")
        self.central_line = moving(ax_f, [], [], "--", color=_COLORS["central"],
                                   label="Sekante zentral")
        self.points = moving(ax_f, [], [], "o", color=_COLORS["points"], ms=4)
        pad = 0.2 * (fz.max() - fz.min())
        ax_f.set(xlim=(-6, 6), ylim=(fz.min() - pad, fz.max() + pad), xlabel="$x$",
                 ylabel="Funktionswert")
        ax_f.set_title(f"{name}, Tangente und Sekanten bei $x_0$", fontsize=10)
        ax_f.legend(fontsize=8, loc="upper left")
        ax_e.set_xscale("log")
        ax_e.set_yscale("log")
        self.err_fwd = moving(ax_e, [], [], color=_COLORS["forward"], label="vorwärts")
        self.err_cen = moving(ax_e, [], [], color=_COLORS["central"], label="zentral")
        self.dot_fwd = moving(ax_e, [], [], "o", color=_COLORS["forward"])
        self.dot_cen = moving(ax_e, [], [], "o", color=_COLORS["central"])
        self.h_marker = ax_e.axvline(1.0, color=_COLORS["points"], lw=1, animated=True)
        ax_e.set(xlabel="Schrittweite $h$", ylabel="absoluter Fehler",
                 xlim=(WIDGET_HS[0], WIDGET_HS[-1]), ylim=(1e-14, 1))
        ax_e.set_title("Fehler der Differenzenquotienten bei $x_0$", fontsize=10)
        ax_e.legend(fontsize=8, loc="lower left")
        text_kw = dict(fontsize=8, family="monospace", multialignment="left", animated=True,
                       bbox=dict(facecolor="white", alpha=0.85, edgecolor="none"))
        self.readout_f = ax_f.text(0.98, 0.03, "", transform=ax_f.transAxes, ha="right",
                                   va="bottom", **text_kw)
        self.readout_e = ax_e.text(0.5, 0.97, "", transform=ax_e.transAxes, ha="center",
                                   va="top", **text_kw)
        for artist in (self.tangent, self.forward_line, self.central_line, self.points,
                       self.err_fwd, self.err_cen, self.h_marker, self.dot_fwd, self.dot_cen,
                       self.readout_f, self.readout_e):
            self.animate(artist)  # the moving part, blitted on the cached background
        self._x0 = None
        if own_figure:
            self.fig.tight_layout()

    # ---------------------------------------------------------------- numbers
    def state(self, log10_h: float, x0: float = 1.0) -> DifferenceState:
        """The numbers for ``h = 10**log10_h`` at ``x0`` (pure computation, nothing drawn)."""
        h, x0 = 10.0 ** float(log10_h), float(x0)
        f = self.act.f
        return DifferenceState(h, x0, float(forward_difference(f, x0, h)),
                               float(central_difference(f, x0, h)),
                               float(self.act.derivative(np.float64(x0))))

    def update(self, log10_h: float, x0: float = 1.0) -> DifferenceState:
        """Show step ``h = 10**log10_h`` at the point ``x0``; returns the numbers shown.

        Only the data of existing artists change; the figure's pixel buffer is current
        afterwards (:meth:`~dl_helpers.plotting.BlitFigure.redraw`).
        """
        state = self.state(log10_h, x0)
        h, x0 = state.h, state.x0
        f = self.act.f
        if x0 != self._x0:  # the error curves depend on x0 only
            e = difference_errors(f, self.act.derivative, x0, WIDGET_HS)
            self.err_fwd.set_data(e.h, np.maximum(e.forward, _FLOOR))
            self.err_cen.set_data(e.h, np.maximum(e.central, _FLOOR))
            self._x0 = x0
        fx = float(f(np.array(x0)))
        half = max(2.5, 1.5 * h)
        span = np.array([x0 - half, x0 + half])
        self.tangent.set_data(span, fx + state.exact * (span - x0))
        self.forward_line.set_data(span, fx + state.forward * (span - x0))
        self.central_line.set_data(span, float(f(np.array(x0 - h)))
                                   + state.central * (span - x0 + h))
        xs = np.array([x0 - h, x0, x0 + h])
        self.points.set_data(xs, f(xs))
        self.dot_fwd.set_data([h], [max(state.forward_error, _FLOOR)])
        self.dot_cen.set_data([h], [max(state.central_error, _FLOOR)])
        self.h_marker.set_xdata([h, h])
        self.readout_f.set_text(f"x0 = {x0:g}, h = {h:.1e}\n"
                                f"vorwärts {state.forward:.8f}\n"
                                f"zentral  {state.central:.8f}\n"
                                f"exakt    {state.exact:.8f}")
        self.readout_e.set_text(f"Fehler vorwärts {state.forward_error:.1e}\n"
                                f"Fehler zentral  {state.central_error:.1e}")
        self.redraw()
        return state


_FIGURES: dict[str, DifferenceFigure] = {}


def render_fd_error(log10_h: float, x0: float = 1.0, activation: str = "sigmoid") -> bytes:
    """PNG of :class:`DifferenceFigure` for one ``(log10_h, x0)``: the slider's render function.

    Grids for :func:`dl_helpers.interactive.interactive`: ``log10_h`` on e.g.
    ``np.arange(-15, 0.51, 0.5)`` (inside ``LOG10_H_RANGE``), ``x0`` on e.g.
    ``[-2.0, -1.0, 0.0, 1.0, 2.0]`` (inside ``X0_RANGE``). One figure per activation is reused.
    """
    figure = _FIGURES.get(activation)
    if figure is None:
        figure = _FIGURES[activation] = DifferenceFigure(activation=activation)
    figure.update(log10_h, x0)
    return figure.png()
