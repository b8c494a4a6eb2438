"""Checkers for notebook 09 (CNN architectures, Folien (85)–(95)).

Every checker prints German feedback and returns a :class:`~dl_helpers.checks.Feedback`;
none of them raises, whatever the student hands in (including the ``...`` stub). Hints come in
levels: the first names the idea, the last gives the formula.
"""
from __future__ import annotations

from ..architecture_studies import compound_scaling, receptive_field, separable_counts
from ..architectures import conv_params
from ..attention import scaled_dot_product_attention
from ._core import Feedback, check_function, check_value

__all__ = ["check_conv_params", "check_stacked_receptive_field", "SEPARABLE_LAYER",
           "check_separable_saving", "check_compound_flops", "check_attention"]


def check_conv_params(student_fn) -> Feedback:
    """``student_fn(c_in, c_out, k)`` -> parameters of a k×k conv layer with bias."""
    def inputs(rng):
        return int(rng.integers(2, 300)), int(rng.integers(2, 300)), int(rng.choice([3, 5, 7]))

    return check_function(
        student_fn, reference=lambda c_in, c_out, k: conv_params(c_in, c_out, k),
        make_inputs=inputs, task="Parameter einer Conv-Schicht",
        hint=["Jede Ausgabe-Feature-Map hat einen eigenen Filter, und jeder Filter reicht über "
              "alle Eingabekanäle. Hast du auch den Bias mitgezählt?",
              "Ein Filter hat c_in · k · k Gewichte; dazu kommt ein Bias pro Ausgabekanal.",
              "Parameter = c_out · c_in · k² + c_out."])


def check_stacked_receptive_field(student_fn) -> Feedback:
    """``student_fn(n, k)`` -> receptive field of n stacked k×k convs with stride 1: 1 + n(k−1)."""
    def inputs(rng):
        return int(rng.integers(2, 12)), int(rng.choice([3, 5, 7]))

    return check_function(
        student_fn, reference=lambda n, k: float(receptive_field([k] * n)[-1]),
        make_inputs=inputs, task="Rezeptives Feld gestapelter Convs",
        hint=["Jede weitere Schicht schaut auf k benachbarte Positionen der vorigen Schicht; "
              "wie viele Eingabepixel kommen dadurch pro Schicht dazu?",
              "Eine k×k-Schicht mit Stride 1 vergrößert das Feld um k − 1 Pixel (Start: 1 Pixel).",
              "Rezeptives Feld = 1 + n · (k − 1); für k = 3 also 2n + 1."])


#: The layer of the depthwise-separable exercise: M = c_in, N = c_out, D_K, output side D_F.
SEPARABLE_LAYER = {"c_in": 128, "c_out": 256, "kernel_size": 3, "out_size": 28}


def check_separable_saving(answer) -> Feedback:
    """Factor standard / depthwise separable (parameters) of :data:`SEPARABLE_LAYER`."""
    counts = separable_counts(**SEPARABLE_LAYER)
    return check_value(
        answer, counts.params_standard / counts.params_separable, rtol=1e-3,
        task="Einsparfaktor der depthwise separable Convolution",
        hint=["Gefragt ist Standard geteilt durch separabel, also ein Faktor größer als 1. "
              "Die separable Version besteht aus zwei Schichten: beide zählen.",
              "Depthwise: ein k×k-Filter pro Eingabekanal (M · D_K²); pointwise: 1×1-Conv (M · N).",
              "Faktor = M·N·D_K² / (M·D_K² + M·N) = 1 / (1/N + 1/D_K²)."])


def check_compound_flops(answer, phi: int = 3) -> Feedback:
    """FLOPs factor ``(α·β²·γ²)^φ`` of EfficientNet's compound scaling with the paper's α, β, γ."""
    return check_value(
        answer, compound_scaling(phi).flops_factor, rtol=1e-3,
        task=f"Rechenaufwand bei Compound Scaling mit φ = {phi}",
        hint=["Der Aufwand einer Conv-Schicht wächst linear mit der Tiefe, aber quadratisch mit "
              "Breite und Auflösung.",
              "Pro Schritt in φ wächst der Aufwand um den Faktor α·β²·γ² (≈ 1,92).",
              f"Faktor = (1,2 · 1,1² · 1,15²)^{phi}."])


def check_attention(student_fn) -> Feedback:
    """``student_fn(Q, K, V)`` -> ``softmax(Q Kᵀ/√d_k) V`` for 2-D Q (n_q, d_k), K (n_k, d_k), V (n_k, d_v)."""
    def inputs(rng):
        n_q, n_k, d_k, d_v = (int(v) for v in rng.integers(2, 7, size=4))
        return rng.normal(size=(n_q, d_k)), rng.normal(size=(n_k, d_k)), rng.normal(size=(n_k, d_v))

    return check_function(
        student_fn, reference=scaled_dot_product_attention, make_inputs=inputs,
        task="Scaled Dot-Product Attention",
        hint=["Jede Zeile der Gewichtsmatrix ist eine Wahrscheinlichkeitsverteilung über die "
              "Keys: die Softmax läuft über die letzte Achse (Zeilen), nicht über Spalten.",
              "Skaliere die Scores Q Kᵀ mit 1/√d_k, d_k = Q.shape[-1], bevor du die Softmax nimmst.",
              "S = Q @ K.T / np.sqrt(d_k); A = np.exp(S - S.max(1, keepdims=True)); "
              "A /= A.sum(1, keepdims=True); Ergebnis A @ V."])

