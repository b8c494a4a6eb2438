"""Shared helpers for the figure tests (``from figures import pixels, n_artists``; pytest puts
``tests/`` on ``sys.path``, as for ``strategies``)."""
from __future__ import annotations

import io

import numpy as np
from PIL import Image


def pixels(png: bytes) -> np.ndarray:
    """RGB pixels of a PNG, shape (H, W, 3), int16 (differences do not wrap around)."""
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)


def n_artists(fig) -> list[int]:
    """Number of lines, texts, patches and collections per axes of ``fig``."""
    return [len(ax.lines) + len(ax.texts) + len(ax.patches) + len(ax.collections)
            for ax in fig.axes]
