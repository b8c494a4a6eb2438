"""The exercise checkers of notebook 08: right answers pass, wrong answers and the ``...``
stubs get German feedback and never raise."""
from __future__ import annotations

import numpy as np

from dl_helpers.checks import conv as cc


def _stub(*args, **kwargs):
    ...  # what a student's unsolved cell returns


def test_output_size(capsys):
    assert cc.check_output_size(lambda h, k, s, p: (h + 2 * p - k) // s + 1)
    assert not cc.check_output_size(lambda h, k, s, p: (h + 2 * p - k) / s + 1)   # no floor
    assert not cc.check_output_size(lambda h, k, s, p: (h + p - k) // s + 1)       # P once
    assert not cc.check_output_size(lambda h, k, s, p: (h - k) // s + 1)           # no padding
    assert not cc.check_output_size(_stub)
    assert not cc.check_output_size(lambda h, k, s, p: 1 / 0)
    out = capsys.readouterr().out
    assert "richtig" in out and "Tipp" in out and "Fehler" in out


def test_avgpool_slide():
    x = cc.SLIDE_IMAGE
    right = np.array([[x[:2, :2].mean(), x[:2, 2:].mean()], [x[2:, :2].mean(), x[2:, 2:].mean()]])
    assert cc.check_avgpool_slide(right)
    assert cc.check_avgpool_slide(right.tolist())
    assert not cc.check_avgpool_slide(np.array([[6, 4], [3, 7]]))                # max, not mean
    assert not cc.check_avgpool_slide(right.T)
    assert not cc.check_avgpool_slide(right.ravel())
    assert not cc.check_avgpool_slide(...)
    assert not cc.check_avgpool_slide("3.75")


def test_maxpool_gradient():
    x, g = cc.SLIDE_IMAGE, cc.POOL_DOUT
    right = np.zeros((4, 4))
    for i in range(3):
        for j in range(3):
            m, n = np.unravel_index(np.argmax(x[i:i + 2, j:j + 2]), (2, 2))
            right[i + m, j + n] += g[i, j]
    assert right[1, 1] == g[0, 0] + g[0, 1] + g[1, 0] + g[1, 1]        # four windows share it
    assert cc.check_maxpool_gradient(right)
    overwritten = np.zeros((4, 4))
    for i in range(3):
        for j in range(3):
            m, n = np.unravel_index(np.argmax(x[i:i + 2, j:j + 2]), (2, 2))
            overwritten[i + m, j + n] = g[i, j]                          # = instead of +=
    assert not cc.check_maxpool_gradient(overwritten)
    assert not cc.check_maxpool_gradient(g)                              # wrong shape
    assert not cc.check_maxpool_gradient(...)


def test_conv_by_hand():
    x, k = cc.HAND_IMAGE, cc.HAND_KERNEL
    right = np.array([[np.sum(x[i:i + 2, j:j + 2] * k) for j in range(3)] for i in range(3)])
    flipped = np.array([[np.sum(x[i:i + 2, j:j + 2] * k[::-1, ::-1]) for j in range(3)]
                        for i in range(3)])
    assert cc.check_conv_by_hand(right)
    assert not cc.check_conv_by_hand(flipped)          # the mathematical convolution
    assert not cc.check_conv_by_hand(right.T)
    assert not cc.check_conv_by_hand(...)


def test_convolve():
    from dl_helpers.conv import correlate2d
    assert cc.check_convolve(lambda img, k: correlate2d(img, k[::-1, ::-1]))
    assert not cc.check_convolve(lambda img, k: correlate2d(img, k))
    assert not cc.check_convolve(lambda img, k: correlate2d(img, k[::-1]))           # one axis
    assert not cc.check_convolve(_stub)
