"""Exercise checkers for notebook 12 (GANs; Folien (111)–(115), WGAN).

German feedback, never raising (also not on ``...`` or on an exception in the student's code).
References: ``torch.nn.functional.binary_cross_entropy`` and plain NumPy.

Checkers::

    check_optimal_discriminator(fn)  fn(p_data, p_g) (n,) -> D* (n,)                  (115)
    check_non_saturating_loss(fn)    fn(d_fake) (m,) -> −mean log D(G(z))            (114)
    check_gradient_penalty(fn)       fn(grads) (n, d) -> mean (‖g_i‖₂ − 1)²           WGAN-GP
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from ._core import Feedback
from .vae import check_with_diagnosis

__all__ = ["check_optimal_discriminator", "check_non_saturating_loss", "check_gradient_penalty"]


def _density_inputs(rng):
    n = int(rng.integers(3, 9))
    return rng.uniform(0.01, 2.0, n), rng.uniform(0.01, 2.0, n)


def check_optimal_discriminator(student_fn) -> Feedback:
    """``student_fn(p_data, p_g)`` must return D* = p_data / (p_data + p_g) elementwise."""
    return check_with_diagnosis(
        student_fn, lambda p, q: p / (p + q), _density_inputs,
        lambda p, q: {"Zähler und Nenner passen, aber du hast p_data und p_g vertauscht: D* soll bei "
                      "echten Daten groß sein.": q / (p + q),
                      "Das ist p_data / p_g; im Nenner steht die Summe beider Dichten.": p / q},
        task="Optimaler Diskriminator (115)",
        hints=["Für festes x maximiert D* den Ausdruck p_data·log D + p_g·log(1 − D): setze die Ableitung "
               "nach D gleich 0.", "D* = p_data / (p_data + p_g)"])


def _d_inputs(rng):
    return (rng.uniform(0.02, 0.98, int(rng.integers(3, 9))),)


def _nonsat_reference(d):
    t = torch.tensor(d)
    return float(F.binary_cross_entropy(t, torch.ones_like(t)))


def check_non_saturating_loss(student_fn) -> Feedback:
    """``student_fn(d_fake)`` with D(G(z)) values (m,) must return −mean log D(G(z))  (114)."""
    return check_with_diagnosis(
        student_fn, _nonsat_reference, _d_inputs,
        lambda d: {"Das ist der ursprüngliche, sättigende Verlust (113) mean log(1 − D).": np.mean(np.log1p(-d)),
                   "Das Vorzeichen fehlt: der Generator minimiert −log D (sonst würde er D verkleinern).":
                       np.mean(np.log(d)),
                   "Du summierst statt zu mitteln.": -np.sum(np.log(d))},
        task="Nicht-sättigender Generator-Verlust (114)",
        hints=["Der Generator soll D(G(z)) groß machen; der Verlust ist die Kreuzentropie mit dem Ziel "
               "'echt' (1), gemittelt über die Stichprobe.", "L_G = -np.mean(np.log(d_fake))"])


def _grad_inputs(rng):
    return (rng.normal(scale=0.9, size=(int(rng.integers(3, 8)), 2)),)


def check_gradient_penalty(student_fn) -> Feedback:
    """``student_fn(grads)`` with grads (n, d) must return mean_i (‖g_i‖₂ − 1)²."""
    return check_with_diagnosis(
        student_fn, lambda g: float(np.mean((np.linalg.norm(g, axis=1) - 1.0) ** 2)), _grad_inputs,
        lambda g: {"Du benutzt die quadrierte Norm ‖g‖² statt der Norm ‖g‖.":
                       float(np.mean((np.sum(g ** 2, axis=1) - 1.0) ** 2)),
                   "Du nimmst die Norm über die ganze Matrix; gesucht ist eine Norm pro Zeile (axis=1).":
                       float((np.linalg.norm(g) - 1.0) ** 2),
                   "Du summierst statt zu mitteln.": float(np.sum((np.linalg.norm(g, axis=1) - 1.0) ** 2))},
        task="Gradient Penalty (WGAN-GP)",
        hints=["Die Strafe misst, wie weit die Steigung des Critics an jedem Punkt von 1 abweicht: "
               "eine euklidische Norm pro Punkt (Zeile), dann der Mittelwert.",
               "np.mean((np.linalg.norm(grads, axis=1) - 1) ** 2)"])
