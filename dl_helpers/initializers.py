"""Weight initialisation schemes (Skript §5) with the variance each one targets.

A weight matrix has the lecture's shape W_l ∈ R^{d_l × d_{l−1}}, i.e. ``(d_out, d_in)`` like
``torch.nn.Linear.weight``; ``fan_in = d_in`` (= d_{l−1}) and ``fan_out = d_out`` (= d_l).

==================  =====================================  ================================
scheme              distribution                           target Var(w)
==================  =====================================  ================================
``zeros``           all 0                                  0
``constant``        all ``value``                          0 (symmetry is never broken)
``normal``          N(0, std²)                             std²
``uniform``         U(−limit, limit)                       limit²/3
``lecun_normal``    N(0, gain²/fan_in)                     gain²/fan_in
``lecun_uniform``   U(±gain·√(3/fan_in))                   gain²/fan_in
``glorot_normal``   N(0, 2 gain²/(fan_in+fan_out))         2 gain²/(fan_in + fan_out)
``glorot_uniform``  U(±gain·√(6/(fan_in+fan_out)))         2 gain²/(fan_in + fan_out)
``he_normal``       N(0, 2 gain²/fan_in)                   2 gain²/fan_in
``he_uniform``      U(±gain·√(6/fan_in))                   2 gain²/fan_in
==================  =====================================  ================================

``gain`` defaults to 1. The Skript's derivation (§5.2) gives Var(w) = 1/(σ'(0)² d_{n−1}),
i.e. LeCun with ``gain = 1/σ'(0)`` (e.g. ``gain=4`` for the sigmoid, σ'(0) = 1/4).
"Xavier" and "Glorot" are the same person and scheme (Xavier Glorot & Yoshua Bengio, 2010):
Var(w) = 2/(fan_in + fan_out), the harmonic compromise between the forward (1/fan_in) and the
backward (1/fan_out) condition.

Lecture error (Skript §5.2, Bsp. 5.2.2): the Skript calls U(−√3/√d_{n−1}, √3/√d_{n−1})
"Xavier". That distribution has variance 1/d_{n−1}; it is LeCun uniform. Glorot/Xavier
uniform is U(±√6/√(d_{n−1}+d_n)). (The Skript's closing remark "proportional to
1/(d_{n−1}+d_n)" is right; the constant is 2.)

Torch twins (see :data:`INITIALIZERS`): ``xavier_normal_``/``xavier_uniform_`` (Glorot),
``kaiming_normal_``/``kaiming_uniform_`` with ``nonlinearity="relu"`` (He; torch uses fan_in by
default, i.e. ``mode="fan_in"``) and with ``nonlinearity="linear"`` (LeCun).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

from ._validation import check_choice, check_positive_float, check_positive_int, check_rng

__all__ = ["Initializer", "INITIALIZERS", "init_weight", "target_variance", "initializer_names",
           "init_weight_torch"]


@dataclass(frozen=True)
class Initializer:
    """One initialisation scheme.

    Attributes
    ----------
    name : str
    distribution : str
        ``"constant"``, ``"normal"`` or ``"uniform"``.
    variance : callable, (fan_in, fan_out, **kw) -> float
        The target Var(w) (documented per scheme).
    init_torch : callable, (Tensor, generator, **kw) -> Tensor
        The same scheme via ``torch.nn.init`` (in place on the tensor, which is returned).
    description : str
        LaTeX of the distribution for tables in the notebooks.
    """

    name: str
    distribution: str
    variance: Callable[..., float]
    init_torch: Callable[..., torch.Tensor]
    description: str


_ALLOWED_KW = {"zeros": (), "constant": ("value",), "normal": ("std",), "uniform": ("limit",)}


def _kw(kw: dict, scheme: str) -> None:
    """Reject keywords that ``scheme`` does not use (TypeError naming them and the allowed ones)."""
    allowed = _ALLOWED_KW.get(scheme, ("gain",))
    extra = set(kw) - set(allowed)
    if extra:
        allowed_txt = ", ".join(allowed) if allowed else "none"
        raise TypeError(f"unexpected keyword(s) {', '.join(sorted(extra))} for init scheme "
                        f"{scheme!r}; allowed: {allowed_txt}")


def _gain(kw) -> float:
    return check_positive_float(kw.get("gain", 1.0), "gain")


def _var_zeros(fan_in, fan_out, **kw):
    return 0.0


def _var_constant(fan_in, fan_out, **kw):
    return 0.0


def _var_normal(fan_in, fan_out, **kw):
    return check_positive_float(kw.get("std", 0.01), "std", allow_zero=True) ** 2


def _var_uniform(fan_in, fan_out, **kw):
    return check_positive_float(kw.get("limit", 0.05), "limit", allow_zero=True) ** 2 / 3.0


def _var_lecun(fan_in, fan_out, **kw):
    return _gain(kw) ** 2 / fan_in


def _var_glorot(fan_in, fan_out, **kw):
    return 2.0 * _gain(kw) ** 2 / (fan_in + fan_out)


def _var_he(fan_in, fan_out, **kw):
    return 2.0 * _gain(kw) ** 2 / fan_in


# torch twins ------------------------------------------------------------------------------
def _t_zeros(w, generator=None, **kw):
    return torch.nn.init.zeros_(w)


def _t_constant(w, generator=None, **kw):
    return torch.nn.init.constant_(w, kw.get("value", 0.5))


def _t_normal(w, generator=None, **kw):
    return torch.nn.init.normal_(w, 0.0, kw.get("std", 0.01), generator=generator)


def _t_uniform(w, generator=None, **kw):
    lim = kw.get("limit", 0.05)
    return torch.nn.init.uniform_(w, -lim, lim, generator=generator)


def _t_kaiming(nonlinearity: str, uniform: bool) -> Callable[..., torch.Tensor]:
    """Torch twin of LeCun (``nonlinearity="linear"``) or He (``"relu"``), normal or uniform.

    ``torch.nn.init.kaiming_*_`` with ``mode="fan_in"`` (default) draws Var(w) = g²/fan_in with
    g = 1 (linear) or g = √2 (relu); our extra ``gain`` multiplies the drawn weights.
    """
    draw = torch.nn.init.kaiming_uniform_ if uniform else torch.nn.init.kaiming_normal_

    def init(w, generator=None, **kw):
        with torch.no_grad():
            draw(w, nonlinearity=nonlinearity, generator=generator)
            return w.mul_(kw.get("gain", 1.0))

    return init


_t_lecun_normal = _t_kaiming("linear", uniform=False)
_t_lecun_uniform = _t_kaiming("linear", uniform=True)
_t_he_normal = _t_kaiming("relu", uniform=False)
_t_he_uniform = _t_kaiming("relu", uniform=True)


def _t_glorot_normal(w, generator=None, **kw):
    return torch.nn.init.xavier_normal_(w, gain=kw.get("gain", 1.0), generator=generator)


def _t_glorot_uniform(w, generator=None, **kw):
    return torch.nn.init.xavier_uniform_(w, gain=kw.get("gain", 1.0), generator=generator)


INITIALIZERS: dict[str, Initializer] = {
    s.name: s for s in (
        Initializer("zeros", "constant", _var_zeros, _t_zeros, r"w_{ij} = 0"),
        Initializer("constant", "constant", _var_constant, _t_constant, r"w_{ij} = c"),
        Initializer("normal", "normal", _var_normal, _t_normal, r"\mathcal N(0, \mathrm{std}^2)"),
        Initializer("uniform", "uniform", _var_uniform, _t_uniform, r"U(-a, a)"),
        Initializer("lecun_normal", "normal", _var_lecun, _t_lecun_normal,
                    r"\mathcal N\!\left(0, \tfrac{1}{d_{\mathrm{in}}}\right)"),
        Initializer("lecun_uniform", "uniform", _var_lecun, _t_lecun_uniform,
                    r"U\!\left(\pm\sqrt{3/d_{\mathrm{in}}}\right)"),
        Initializer("glorot_normal", "normal", _var_glorot, _t_glorot_normal,
                    r"\mathcal N\!\left(0, \tfrac{2}{d_{\mathrm{in}}+d_{\mathrm{out}}}\right)"),
        Initializer("glorot_uniform", "uniform", _var_glorot, _t_glorot_uniform,
                    r"U\!\left(\pm\sqrt{6/(d_{\mathrm{in}}+d_{\mathrm{out}})}\right)"),
        Initializer("he_normal", "normal", _var_he, _t_he_normal,
                    r"\mathcal N\!\left(0, \tfrac{2}{d_{\mathrm{in}}}\right)"),
        Initializer("he_uniform", "uniform", _var_he, _t_he_uniform,
                    r"U\!\left(\pm\sqrt{6/d_{\mathrm{in}}}\right)"),
    )
}
#: Aliases accepted by :func:`init_weight` (Xavier = Glorot, Kaiming = He).
ALIASES = {"xavier_normal": "glorot_normal", "xavier_uniform": "glorot_uniform",
           "kaiming_normal": "he_normal", "kaiming_uniform": "he_uniform"}


def initializer_names() -> list[str]:
    """Names in :data:`INITIALIZERS` (aliases ``xavier_*``/``kaiming_*`` are accepted too)."""
    return list(INITIALIZERS)


def _scheme(scheme) -> Initializer:
    if isinstance(scheme, Initializer):
        return scheme
    if isinstance(scheme, str) and scheme.lower() in ALIASES:
        scheme = ALIASES[scheme.lower()]
    return INITIALIZERS[check_choice(scheme, "init scheme", INITIALIZERS)]


def target_variance(scheme: str, d_in: int, d_out: int, **kw) -> float:
    """Variance Var(w_ij) that ``scheme`` targets for a (d_out, d_in) weight matrix.

    Parameters
    ----------
    scheme : str
        One of :func:`initializer_names` (or an alias such as ``"xavier_uniform"``).
    d_in, d_out : int
        fan_in = d_{l−1} and fan_out = d_l.
    **kw
        ``std`` (normal), ``limit`` (uniform), ``value`` (constant), ``gain`` (LeCun/Glorot/He).

    Returns
    -------
    float
    """
    init = _scheme(scheme)
    d_in = check_positive_int(d_in, "d_in")
    d_out = check_positive_int(d_out, "d_out")
    _kw(kw, init.name)
    return float(init.variance(d_in, d_out, **kw))


def init_weight(scheme: str, d_in: int, d_out: int, rng: np.random.Generator, **kw) -> np.ndarray:
    """Draw a weight matrix W of shape (d_out, d_in) (Skript §5).

    Parameters
    ----------
    scheme : str
        ``zeros``, ``constant`` (kw ``value``, default 0.5), ``normal`` (kw ``std``, default
        0.01), ``uniform`` (kw ``limit``, default 0.05), ``lecun_normal``, ``lecun_uniform``,
        ``glorot_normal``, ``glorot_uniform``, ``he_normal``, ``he_uniform`` (kw ``gain``,
        default 1); aliases ``xavier_*`` and ``kaiming_*``.
    d_in, d_out : int
        Input width d_{l−1} (fan_in) and output width d_l (fan_out).
    rng : numpy.random.Generator
        Source of randomness (required even for deterministic schemes, for a uniform call).

    Returns
    -------
    W : ndarray of shape (d_out, d_in)
        Entries with mean 0 (``constant``: ``value``) and variance :func:`target_variance`.

    Examples
    --------
    >>> W = init_weight("he_normal", 784, 256, np.random.default_rng(0))
    >>> W.shape
    (256, 784)
    """
    init = _scheme(scheme)
    d_in = check_positive_int(d_in, "d_in")
    d_out = check_positive_int(d_out, "d_out")
    rng = check_rng(rng)
    _kw(kw, init.name)
    var = init.variance(d_in, d_out, **kw)  # also validates the keyword values
    shape = (d_out, d_in)
    if init.name == "zeros":
        return np.zeros(shape)
    if init.name == "constant":
        value = kw.get("value", 0.5)
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
                or not np.isfinite(value):
            raise ValueError(f"value must be a finite number, got {value!r}")
        return np.full(shape, float(value))
    if init.distribution == "normal":
        return rng.normal(0.0, math.sqrt(var), size=shape)
    limit = math.sqrt(3.0 * var)  # Var(U(-a, a)) = a²/3
    return rng.uniform(-limit, limit, size=shape)


def init_weight_torch(scheme: str, d_in: int, d_out: int, generator: torch.Generator | None = None,
                      dtype=torch.float64, **kw) -> torch.Tensor:
    """The same scheme drawn with ``torch.nn.init`` (twin of :func:`init_weight`).

    Parameters
    ----------
    scheme, d_in, d_out, **kw
        As in :func:`init_weight`.
    generator : torch.Generator, optional
        Source of randomness; None uses torch's global generator (seed it yourself).
    dtype : torch.dtype
        float64 by default (comparisons with NumPy).

    Returns
    -------
    W : Tensor of shape (d_out, d_in)
        Like ``torch.nn.Linear(d_in, d_out).weight``.
    """
    init = _scheme(scheme)
    d_in = check_positive_int(d_in, "d_in")
    d_out = check_positive_int(d_out, "d_out")
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator or None, "
                        f"got {type(generator).__name__}")
    _kw(kw, init.name)
    init.variance(d_in, d_out, **kw)
    w = torch.empty(d_out, d_in, dtype=dtype)
    return init.init_torch(w, generator=generator, **kw)
