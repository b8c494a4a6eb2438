"""Shared hypothesis strategies for the dl_helpers tests.

Import them in a test module with ``from strategies import ...`` (pytest puts ``tests/`` on
``sys.path`` because the test files are not in a package) or ``from tests.strategies import``.
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

__all__ = [
    "finite_floats", "small_floats", "extreme_floats", "float_arrays", "batch_shapes",
    "logit_matrices", "class_problems", "binary_problems", "pm1_problems", "regression_problems",
    "probability_vectors", "seeds",
]

#: Seeds for the data generators and numpy Generators.
seeds = st.integers(min_value=0, max_value=2**32 - 1)


def finite_floats(bound: float = 1e3) -> st.SearchStrategy[float]:
    """Finite float64 numbers in [−bound, bound] (no NaN/inf, no subnormals)."""
    return st.floats(-bound, bound, allow_nan=False, allow_infinity=False, allow_subnormal=False,
                     width=64)


#: Moderate numbers where float64 comparisons with torch are meaningful.
small_floats = finite_floats(20.0)
#: Values up to ±1000: the "stable extremes" regime (exp would overflow naively).
extreme_floats = st.one_of(finite_floats(1000.0), st.sampled_from([-1000.0, 1000.0, -745.0, 710.0]))


def float_arrays(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=6),
                 elements=small_floats) -> st.SearchStrategy[np.ndarray]:
    """float64 arrays of the given shape (strategy) with the given elements."""
    return hnp.arrays(np.float64, shape, elements=elements)


@st.composite
def batch_shapes(draw, max_m: int = 8, max_k: int = 5):
    """(m, K) with m examples in a batch and K outputs."""
    return draw(st.integers(1, max_m)), draw(st.integers(1, max_k))


@st.composite
def logit_matrices(draw, elements=small_floats, max_m: int = 8, min_k: int = 2, max_k: int = 6):
    """A logit matrix Z of shape (m, K), K ≥ ``min_k``."""
    m = draw(st.integers(1, max_m))
    k = draw(st.integers(min_k, max_k))
    return draw(hnp.arrays(np.float64, (m, k), elements=elements))


@st.composite
def class_problems(draw, elements=small_floats, one_hot: bool | None = None):
    """(Z, y): logits (m, K) and int labels (m,) -- or one-hot (m, K) if ``one_hot``."""
    Z = draw(logit_matrices(elements=elements))
    m, k = Z.shape
    labels = np.array(draw(st.lists(st.integers(0, k - 1), min_size=m, max_size=m)), dtype=np.int64)
    if one_hot is None:
        one_hot = draw(st.booleans())
    if one_hot:
        Y = np.zeros((m, k))
        Y[np.arange(m), labels] = 1.0
        return Z, Y
    return Z, labels


@st.composite
def binary_problems(draw, elements=small_floats, column: bool | None = None):
    """(z, y): scores of shape (m,) or (m, 1) and labels y ∈ {0, 1} of shape (m,)."""
    m = draw(st.integers(1, 10))
    z = draw(hnp.arrays(np.float64, (m,), elements=elements))
    y = np.array(draw(st.lists(st.sampled_from([0.0, 1.0]), min_size=m, max_size=m)))
    if column is None:
        column = draw(st.booleans())
    return (z[:, None] if column else z), y


@st.composite
def pm1_problems(draw, elements=small_floats):
    """(f, y): scores (m,) and labels y ∈ {−1, +1} (m,)."""
    z, y = draw(binary_problems(elements=elements, column=False))
    return z, 2.0 * y - 1.0


@st.composite
def regression_problems(draw, elements=small_floats):
    """(y_hat, y) of equal shape (m,) or (m, K)."""
    m, k = draw(batch_shapes())
    shape = draw(st.sampled_from([(m,), (m, k)]))
    return (draw(hnp.arrays(np.float64, shape, elements=elements)),
            draw(hnp.arrays(np.float64, shape, elements=elements)))


@st.composite
def probability_vectors(draw, max_m: int = 6, max_k: int = 5, eps: float = 1e-6):
    """Row-stochastic matrices P of shape (m, K) with entries ≥ ``eps``."""
    m = draw(st.integers(1, max_m))
    k = draw(st.integers(2, max_k))
    raw = draw(hnp.arrays(np.float64, (m, k), elements=st.floats(eps, 1.0)))
    return raw / raw.sum(axis=1, keepdims=True)
