"""Display layer of notebook 00's step-size study (numbers from :mod:`dl_helpers.refresher`).

* :class:`DifferenceFigure` -- two panels on an existing figure: left the function with its
  tangent and the forward/central secants at ``x0``, right the log-log error curves of both
  difference quotients with a marker at the current ``h``. :meth:`DifferenceFigure.update`
  changes the existing artists in place (``set_data``), it never creates a new figure.
* :func:`render_difference_png` -- the same picture as PNG bytes for one ``(log10_h, x0)``;
  the static site can precompute a grid of them (no kernel needed).
"""
from __future__ import annotations

import io
from typing import NamedTuple

import numpy as np

from .activations import get_activation
from .refresher import central_difference, difference_errors, forward_difference

__all__ = ["DifferenceFigure", "DifferenceState", "render_difference_png", "WIDGET_HS",
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


class DifferenceFigure:
    """Tangent vs. secants and error vs. step size, drawn on two given axes.

    Parameters
    ----------
    ax_f, ax_e : matplotlib Axes
        Left (function, tangent, secants) and right (log-log errors) panel.
    activation : str
        Name of the function studied (from ``dl_helpers.activations``), default ``"sigmoid"``.
    """

    def __init__(self, ax_f, ax_e, activation: str = "sigmoid"):
        self.act = get_activation(activation)
        self.ax_f, self.ax_e = ax_f, ax_e
        zz = np.linspace(-6, 6, 400)
        fz = self.act.f(zz)
        ax_f.plot(zz, fz, color=_COLORS["f"], lw=1.5,
                  label=r"$\sigma$" if self.act.name == "sigmoid" else self.act.name)
        (self.tangent,) = ax_f.plot([], [], color=_COLORS["tangent"], lw=1.5, label="Tangente")
        (self.forward_line,) = ax_f.plot([], [], "--", color=_COLORS["forward"],
                                         label="Sekante vorwärts")
        (self.central_line,) = ax_f.plot([], [], "--", color=_COLORS["central"],
                                         label="Sekante zentral")
        (self.points,) = ax_f.plot([], [], "o", color=_COLORS["points"], ms=4)
        pad = 0.2 * (fz.max() - fz.min())
        ax_f.set(xlim=(-6, 6), ylim=(fz.min() - pad, fz.max() + pad), xlabel="$x$")
        ax_f.legend(fontsize=8, loc="upper left")
        (self.err_fwd,) = ax_e.loglog([], [], color=_COLORS["forward"], label="vorwärts")
        (self.err_cen,) = ax_e.loglog([], [], color=_COLORS["central"], label="zentral")
        (self.dot_fwd,) = ax_e.loglog([], [], "o", color=_COLORS["forward"])
        (self.dot_cen,) = ax_e.loglog([], [], "o", color=_COLORS["central"])
        self.h_marker = ax_e.axvline(1.0, color=_COLORS["points"], lw=1)
        ax_e.set(xlabel="$h$", ylabel="absoluter Fehler", xlim=(WIDGET_HS[0], WIDGET_HS[-1]),
                 ylim=(1e-14, 1))
        ax_e.legend(fontsize=8, loc="lower left")
        self._x0 = None

    def update(self, log10_h: float, x0: float = 1.0) -> DifferenceState:
        """Show step ``h = 10**log10_h`` at the point ``x0``; returns the numbers shown."""
        h, x0 = 10.0 ** float(log10_h), float(x0)
        f = self.act.f
        d_fwd = float(forward_difference(f, x0, h))
        d_cen = float(central_difference(f, x0, h))
        d_exact = float(self.act.derivative(np.float64(x0)))
        state = DifferenceState(h, x0, d_fwd, d_cen, d_exact)
        if x0 != self._x0:  # the error curves depend on x0 only
            e = difference_errors(f, self.act.derivative, x0, WIDGET_HS)
            self.err_fwd.set_data(e.h, np.maximum(e.forward, _FLOOR))
            self.err_cen.set_data(e.h, np.maximum(e.central, _FLOOR))
            self._x0 = x0
        fx = float(f(np.array(x0)))
        half = max(2.5, 1.5 * h)
        span = np.array([x0 - half, x0 + half])
        self.tangent.set_data(span, fx + d_exact * (span - x0))
        self.forward_line.set_data(span, fx + d_fwd * (span - x0))
        self.central_line.set_data(span, float(f(np.array(x0 - h))) + d_cen * (span - x0 + h))
        xs = np.array([x0 - h, x0, x0 + h])
        self.points.set_data(xs, f(xs))
        self.dot_fwd.set_data([h], [max(state.forward_error, _FLOOR)])
        self.dot_cen.set_data([h], [max(state.central_error, _FLOOR)])
        self.h_marker.set_xdata([h, h])
        self.ax_f.set_title(f"h = {h:.1e}: vorwärts {d_fwd:.6f}, zentral {d_cen:.6f}, "
                            f"exakt {d_exact:.6f}", fontsize=9)
        self.ax_e.set_title(f"Fehler vorwärts {state.forward_error:.1e}, "
                            f"zentral {state.central_error:.1e}", fontsize=9)
        return state


def render_difference_png(log10_h: float, x0: float = 1.0, activation: str = "sigmoid",
                          dpi: int = 80) -> bytes:
    """PNG of :class:`DifferenceFigure` for one ``(log10_h, x0)`` (no pyplot, no display)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 3.8))
    FigureCanvasAgg(fig)
    ax_f, ax_e = fig.subplots(1, 2)
    DifferenceFigure(ax_f, ax_e, activation).update(log10_h, x0)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()
