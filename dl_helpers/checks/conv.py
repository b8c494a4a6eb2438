"""Checkers for notebook 08 (CNN; Folien (66)–(84)).

Every checker prints German feedback and returns a :class:`~dl_helpers.checks.Feedback`;
none of them raises, whatever the student hands in (including the ``...`` stub).
The exercise data are module constants so that the notebook can show exactly what is checked.
"""
from __future__ import annotations

import numpy as np

from ..conv import (avgpool2d_forward, conv_output_size, convolve2d, correlate2d,
                    maxpool2d_backward, maxpool2d_forward)
from ._core import Feedback, check_function, check_value

__all__ = ["SLIDE_IMAGE", "HAND_IMAGE", "HAND_KERNEL", "POOL_DOUT", "check_output_size",
           "check_avgpool_slide", "check_maxpool_gradient", "check_conv_by_hand",
           "check_convolve"]

#: The 4×4 example of the pooling slide (max pooling 2×2 gives [[6, 4], [3, 7]]).
SLIDE_IMAGE = np.array([[1, 3, 2, 4], [5, 6, 1, 2], [3, 2, 4, 7], [1, 0, 3, 5]], dtype=float)
#: Image and kernel of the "conv by hand" exercise (no entry 0 or 1 in the kernel).
HAND_IMAGE = np.array([[2, 0, 1, 3], [1, 4, 2, 0], [3, 1, 0, 2], [0, 2, 5, 1]], dtype=float)
HAND_KERNEL = np.array([[2, -1], [3, -2]], dtype=float)
#: Upstream gradient ∂L/∂P (3×3) for the max-pooling backward exercise (2×2, stride 1).
POOL_DOUT = np.array([[0.5, -2.0, 1.5], [3.0, 2.5, -1.5], [2.0, -0.5, 4.0]])


def _slide(x):
    return np.asarray(x, dtype=float)[None, None]


def check_output_size(student_fn) -> Feedback:
    """``student_fn(size, kernel_size, stride, padding)`` -> H_out of a conv layer."""
    def inputs(rng):
        k = int(rng.integers(1, 8))
        p = int(rng.integers(0, 4))
        size = int(rng.integers(max(1, k - 2 * p), 40))
        return size, k, int(rng.integers(1, 5)), p

    return check_function(
        student_fn, reference=lambda h, k, s, p: conv_output_size(h, k, s, p),
        make_inputs=inputs, task="Ausgabegröße einer Faltungsschicht", n_trials=20,
        hint=["Zähle, wie viele Positionen das Fenster im gepolsterten Bild hat: die erste "
              "beginnt bei 0, jede weitere S Pixel weiter, und das Fenster muss ganz hineinpassen.",
              "Das gepolsterte Bild ist H + 2P groß; der Startpunkt des Fensters läuft von 0 bis "
              "H + 2P − K. Abrunden nicht vergessen (Ganzzahldivision //).",
              "H_out = (H + 2*P - K) // S + 1"])


def check_avgpool_slide(answer) -> Feedback:
    """2×2 average pooling (stride 2) of :data:`SLIDE_IMAGE`, shape (2, 2)."""
    expected = avgpool2d_forward(_slide(SLIDE_IMAGE), 2)[0][0, 0]
    return check_value(
        answer, expected, task="Average-Pooling 2×2 des Folienbeispiels",
        hint=["Jedes Ausgabefeld gehört zu einem eigenen 2×2-Block des Bildes (Schrittweite 2, "
              "keine Überlappung).",
              "Mittelwert statt Maximum: die vier Werte eines Blocks addieren und durch 4 teilen, "
              "z. B. oben links (1 + 3 + 5 + 6)/4."])


def check_maxpool_gradient(answer) -> Feedback:
    """∂L/∂X (4×4) of 2×2 max pooling with stride 1 (overlapping windows) on
    :data:`SLIDE_IMAGE` for ∂L/∂P = :data:`POOL_DOUT` (3×3)."""
    _, cache = maxpool2d_forward(_slide(SLIDE_IMAGE), 2, stride=1)
    expected = maxpool2d_backward(POOL_DOUT[None, None], cache)[0, 0]
    return check_value(
        answer, expected, task="Gradient durch Max-Pooling mit Überlappung",
        hint=["Der Gradient hat die Form der Eingabe (4×4). Mit Schrittweite 1 überlappen die "
              "Fenster: ein Eintrag kann in mehreren Fenstern das Maximum sein.",
              "Gehe die 9 Fenster durch: das Maximum jedes Fensters bekommt den Gradienten des "
              "Fensters aus POOL_DOUT (Folie (81)); ist ein Eintrag in mehreren Fenstern das "
              "Maximum, werden die Gradienten addiert. Alle anderen Einträge bleiben 0."])


def check_conv_by_hand(answer) -> Feedback:
    """Cross-correlation (what torch calls conv2d) of :data:`HAND_IMAGE` with
    :data:`HAND_KERNEL`, stride 1, no padding: shape (3, 3)."""
    return check_value(
        answer, correlate2d(HAND_IMAGE, HAND_KERNEL), task="Faltung von Hand (wie torch)",
        hint=["Die Ausgabe hat (4 − 2 + 1) × (4 − 2 + 1) = 3×3 Einträge. Der Kernel wird "
              "NICHT gespiegelt (Kreuzkorrelation, Folie (73)).",
              "Eintrag (i, j) = Summe über m, n von Bild[i+m, j+n] · Kernel[m, n], z. B. "
              "oben links 2·2 + 0·(−1) + 1·3 + 4·(−2)."])


def check_convolve(student_fn) -> Feedback:
    """``student_fn(image, kernel)`` -> mathematical convolution (66), mode "valid"."""
    def inputs(rng):
        kh, kw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        return (rng.normal(size=(int(rng.integers(kh, 7)), int(rng.integers(kw, 7)))),
                rng.normal(size=(kh, kw)))

    return check_function(
        student_fn, reference=convolve2d, make_inputs=inputs,
        task="Echte Faltung aus der Kreuzkorrelation",
        hint=["Die mathematische Faltung (66) läuft mit x − m rückwärts über den Kernel. Was "
              "musst du mit dem Kernel machen, damit die Kreuzkorrelation dasselbe rechnet?",
              "Spiegle den Kernel in beiden Achsen: correlate2d(image, kernel[::-1, ::-1])."])
