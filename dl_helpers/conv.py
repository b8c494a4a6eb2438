"""Convolution, pooling and flatten layers from scratch (Folien CNN, (66)–(84)).

Shape letters used in every docstring: ``N`` batch, ``C`` channels (``C_in``, ``C_out``),
``H × W`` spatial size, ``K`` kernel size (``K_h × K_w``), ``S`` stride, ``P`` padding,
``D`` dilation. Layouts are torch's: images ``(N, C, H, W)`` ("channels first"), conv weights
``(C_out, C_in, K_h, K_w)``. The slides write ``X ∈ R^{H×W×C}`` and ``W_{m,n,c,k}``: the same
numbers in another order (``W[k, c, m, n]`` here).

Every layer follows the package's layer protocol (:mod:`dl_helpers.layers`; layers without
parameters -- pooling, flatten -- return ``dx`` alone)::

    out, cache = conv2d_forward(x, W, b, stride=1, padding=0, dilation=1)
    dx, dW, db = conv2d_backward(dout, cache)
    out_t = conv2d_forward_torch(x_t, W_t, b_t, stride=1, padding=0, dilation=1)  # = F.conv2d

What torch (and the slides' (73), (75)) call "convolution" is a **cross-correlation**: the kernel
is *not* flipped, ``out[i, j] = Σ_{m,n} x[i+m, j+n] · K[m, n]``. The mathematical convolution
(66) flips it: ``(x ∗ K)[i, j] = Σ_{m,n} x[i−m, j−n] · K[m, n]``; see :func:`correlate2d` and
:func:`convolve2d` (one channel, "valid"/"full").

Implementation: the padded input is cut into all its (strided, dilated) windows with
``numpy.lib.stride_tricks.sliding_window_view`` (a view, no copy), the windows are laid out as
rows of one matrix ("im2col") and the whole layer is one matrix product. The backward pass
scatters window gradients back with one vectorised addition per kernel *offset* (K_h·K_w of them,
never a loop over pixels): :func:`_add_windows`.

The backward pass of a convolution is again a convolution (Folien (78)–(80)):

* ``dx`` = full correlation of the (stride-dilated) ``dout`` with the **flipped** kernel, whose
  input/output channels are swapped -- :func:`conv2d_input_grad_as_conv`;
* ``dW`` = correlation of the input ``x`` with ``dout`` (batch and channels swapped; ``dout`` is
  the kernel, dilated by the stride) -- :func:`conv2d_weight_grad_as_conv`.

Both are computed with :func:`conv2d_forward` itself and tested equal to :func:`conv2d_backward`.

Max-pooling ties: of several equal maxima in a window, the **first one in row-major order**
(top row first, left to right) gets the whole gradient, like torch's CPU kernel (it keeps the
first maximum it sees); :func:`numpy.argmax` has the same rule. If windows overlap (stride <
kernel), an input that is the maximum of several windows collects all their gradients.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F
from numpy.lib.stride_tricks import sliding_window_view

from ._validation import as_array, check_positive_int

__all__ = [
    "conv_output_size",
    "Conv2dCache", "conv2d_forward", "conv2d_backward", "conv2d_forward_torch",
    "conv2d_input_grad_as_conv", "conv2d_weight_grad_as_conv",
    "PoolCache", "maxpool2d_forward", "maxpool2d_backward", "maxpool2d_forward_torch",
    "avgpool2d_forward", "avgpool2d_backward", "avgpool2d_forward_torch",
    "FlattenCache", "flatten_forward", "flatten_backward", "flatten_forward_torch",
    "correlate2d", "convolve2d",
]


def conv_output_size(size: int, kernel_size: int, stride: int = 1, padding: int = 0,
                     dilation: int = 1, *, exact: bool = False) -> int:
    """Spatial output size of a convolution or pooling window along one axis.

        H_out = ⌊(H + 2P − D·(K − 1) − 1) / S⌋ + 1

    size : int        input size H along this axis (>= 1)
    kernel_size : int K (>= 1);  stride : int S (>= 1);  padding : int P (>= 0);  dilation : int D (>= 1)
    exact : bool      if True, reject sizes where the last rows/columns of the *input* would be
                      silently ignored: the last window stops ``rest = (H + 2P − D·(K − 1) − 1) mod S``
                      rows before the padded border, which only loses data if ``rest > P`` (rows
                      of zero padding that no window reaches are harmless, e.g. 224 → 112 with
                      K = 7, S = 2, P = 3).

    Raises ValueError, naming the argument and the sizes, if the (dilated) kernel is larger
    than the padded input.
    """
    size = check_positive_int(size, "size")
    kernel_size = check_positive_int(kernel_size, "kernel_size")
    stride = check_positive_int(stride, "stride")
    padding = check_positive_int(padding, "padding", minimum=0)
    dilation = check_positive_int(dilation, "dilation")
    span = dilation * (kernel_size - 1) + 1          # extent of the dilated kernel
    padded = size + 2 * padding
    if span > padded:
        raise ValueError(
            f"kernel_size={kernel_size} (dilation={dilation}, extent {span}) is larger than the "
            f"padded input (size={size} + 2·padding={padding} = {padded})")
    steps, rest = divmod(padded - span, stride)
    if exact and rest > padding:
        raise ValueError(
            f"stride={stride} does not fit: (size + 2·padding − extent) = {padded - span} is not "
            f"divisible by the stride, the last {rest - padding} row(s)/column(s) of the input "
            f"would be ignored (size={size}, kernel_size={kernel_size}, padding={padding}, "
            f"dilation={dilation})")
    return steps + 1


# --------------------------------------------------------------------------------------------
# windows: the one place where the geometry lives
# --------------------------------------------------------------------------------------------
def _image(x, name: str = "x") -> np.ndarray:
    """A float array of shape (N, C, H, W); float32 stays float32, everything else -> float64."""
    return as_array(x, name, ndim=4, dtype=None)


def _pad(x: np.ndarray, padding: int, value: float = 0.0, spatial_axis: int = 2) -> np.ndarray:
    """Pad the two spatial axes (spatial_axis, spatial_axis + 1) by ``padding`` on both sides."""
    if not padding:
        return x
    widths = [(0, 0)] * x.ndim
    widths[spatial_axis] = widths[spatial_axis + 1] = (padding, padding)
    return np.pad(x, widths, constant_values=value)


def _windows(xp: np.ndarray, k_h: int, k_w: int, stride: int, dilation: int,
             spatial_axis: int = 2) -> np.ndarray:
    """View of all windows of the padded input ``xp`` (no copy); window axes are appended.

    For (N, C, H_p, W_p) (``spatial_axis=2``) the view has shape (N, C, H_out, W_out, K_h, K_w)
    with ``windows[n, c, i, j, m, l] = xp[n, c, S·i + D·m, S·j + D·l]``; for channels-last
    (N, H_p, W_p, C) (``spatial_axis=1``) it is (N, H_out, W_out, C, K_h, K_w).
    """
    span_h, span_w = dilation * (k_h - 1) + 1, dilation * (k_w - 1) + 1
    a = spatial_axis
    v = sliding_window_view(xp, (span_h, span_w), axis=(a, a + 1))
    idx = [slice(None)] * v.ndim
    idx[a] = idx[a + 1] = slice(None, None, stride)
    idx[-2] = idx[-1] = slice(None, None, dilation)
    return v[tuple(idx)]


def _add_windows(block, padded_shape: tuple, k_h: int, k_w: int, stride: int, dilation: int,
                 spatial_axis: int = 2) -> np.ndarray:
    """Adjoint of :func:`_windows`: add every window's gradient back onto the padded input.

    ``block(m, l)`` returns the gradient arriving at kernel offset (m, l) from all windows at
    once, shaped like the output (spatial axes at ``spatial_axis``); it is added to the input
    pixels ``(S·i + D·m, S·j + D·l)``. One vectorised addition per kernel offset (K_h·K_w of
    them, no loop over pixels); overlapping windows add up. Returns an array of padded_shape.
    """
    out = None
    a = spatial_axis
    for m in range(k_h):
        for l in range(k_w):
            g = block(m, l)
            if out is None:
                out = np.zeros(padded_shape, dtype=g.dtype)
            rows = slice(dilation * m, dilation * m + stride * (g.shape[a] - 1) + 1, stride)
            cols = slice(dilation * l, dilation * l + stride * (g.shape[a + 1] - 1) + 1, stride)
            out[(slice(None),) * a + (rows, cols)] += g
    return out


def _geometry(x_shape: tuple, k_h: int, k_w: int, stride, padding, dilation, *,
              kernel_name: str = "W") -> tuple[int, int, int, int, int]:
    """Validate the layer options and return (stride, padding, dilation, H_out, W_out)."""
    stride = check_positive_int(stride, "stride")
    padding = check_positive_int(padding, "padding", minimum=0)
    dilation = check_positive_int(dilation, "dilation")
    h, w = x_shape[2:]
    sizes = []
    for axis, size, k in (("height", h, k_h), ("width", w, k_w)):
        try:
            sizes.append(conv_output_size(size, k, stride, padding, dilation))
        except ValueError as exc:
            raise ValueError(f"{kernel_name}: kernel {axis} {k} does not fit the input {axis} of "
                             f"x with shape {x_shape}: {exc}") from None
    return stride, padding, dilation, sizes[0], sizes[1]


# --------------------------------------------------------------------------------------------
# conv2d
# --------------------------------------------------------------------------------------------
class Conv2dCache(NamedTuple):
    """What :func:`conv2d_backward` needs.

    cols : (N·H_out·W_out, K_h·K_w·C_in)  the im2col matrix: one window per row, in the order
           (m, l, c) (channels innermost, so building it copies contiguous runs of C_in values)
    W : (C_out, C_in, K_h, K_w);  x_shape : shape of x;  stride, padding, dilation : int
    """

    cols: np.ndarray
    W: np.ndarray
    x_shape: tuple
    stride: int
    padding: int
    dilation: int


def _check_conv_args(x, W, b):
    x = _image(x, "x")
    W = as_array(W, "W", ndim=4, dtype=x.dtype)
    c_out, c_in = W.shape[:2]
    if x.shape[1] != c_in:
        raise ValueError(f"channel mismatch: x has C_in={x.shape[1]} channels (shape {x.shape}) "
                         f"but W expects C_in={c_in} (W shape (C_out, C_in, K_h, K_w) = {W.shape})")
    b = as_array(b, "b", shape=(c_out,), dtype=x.dtype)
    return x, W, b


def conv2d_forward(x, W, b, stride: int = 1, padding: int = 0, dilation: int = 1):
    """2-D convolution layer (cross-correlation, as in torch and Folien (75)).

        out[n, k, i, j] = b[k] + Σ_{c, m, l} W[k, c, m, l] · x_p[n, c, S·i + D·m, S·j + D·l]

    x : (N, C_in, H, W);  W : (C_out, C_in, K_h, K_w);  b : (C_out,)
    stride S, padding P (zeros on all four sides), dilation D : int
    Returns ``out`` of shape (N, C_out, H_out, W_out) (:func:`conv_output_size`) and a
    :class:`Conv2dCache`. float32 inputs are computed in float32.

    im2col: all windows become the rows of one matrix ``cols`` and the layer is one matrix
    product ``cols @ W_mat.T``. (Internally channels-last, so that the copy and the product
    run over contiguous memory; ``out`` is a (N, C_out, H_out, W_out) view of that result.)
    """
    x, W, b = _check_conv_args(x, W, b)
    c_out, c_in, k_h, k_w = W.shape
    stride, padding, dilation, h_out, w_out = _geometry(x.shape, k_h, k_w, stride, padding,
                                                        dilation)
    n = x.shape[0]
    xp = _pad(x.transpose(0, 2, 3, 1), padding, spatial_axis=1)         # (N, H_p, W_p, C_in)
    win = _windows(xp, k_h, k_w, stride, dilation, spatial_axis=1)      # (N, Ho, Wo, C, Kh, Kw)
    cols = win.transpose(0, 1, 2, 4, 5, 3).reshape(n * h_out * w_out, -1)
    W_mat = W.transpose(0, 2, 3, 1).reshape(c_out, -1)                  # (C_out, Kh·Kw·C_in)
    out = cols @ W_mat.T + b                                            # (N·Ho·Wo, C_out)
    out = out.reshape(n, h_out, w_out, c_out).transpose(0, 3, 1, 2)
    return out, Conv2dCache(cols, W, x.shape, stride, padding, dilation)


def conv2d_backward(dout, cache: Conv2dCache):
    """Gradients of :func:`conv2d_forward` (Folien (78), (80)).

        dW[k, c, m, l] = Σ_{n,i,j} dout[n, k, i, j] · x_p[n, c, S·i + D·m, S·j + D·l]   (78)
        dx_p[n, c, S·i + D·m, S·j + D·l] += Σ_k dout[n, k, i, j] · W[k, c, m, l]         (80)
        db[k] = Σ_{n,i,j} dout[n, k, i, j]

    dout : (N, C_out, H_out, W_out). Returns ``(dx, dW, db)`` with the shapes of x, W, b.
    ``dW`` is one matrix product with the cached windows; ``dx`` is one product per kernel
    offset (m, l), added at the shifted positions. Both are again convolutions:
    :func:`conv2d_input_grad_as_conv`, :func:`conv2d_weight_grad_as_conv`.
    """
    c_out, c_in, k_h, k_w = cache.W.shape
    n, _, h, w = cache.x_shape
    s, p, d = cache.stride, cache.padding, cache.dilation
    h_out, w_out = conv_output_size(h, k_h, s, p, d), conv_output_size(w, k_w, s, p, d)
    dout = as_array(dout, "dout", shape=(n, c_out, h_out, w_out), dtype=cache.W.dtype)
    dmat = dout.transpose(0, 2, 3, 1).reshape(-1, c_out)                # (N·Ho·Wo, C_out)
    # (cols.T @ dmat).T == dmat.T @ cols; this order is ~3× faster in OpenBLAS (long inner dim)
    dW = (cache.cols.T @ dmat).T.reshape(c_out, k_h, k_w, c_in).transpose(0, 3, 1, 2)
    db = dout.sum(axis=(0, 2, 3))
    W_t = cache.W.transpose(2, 3, 0, 1)                                 # (Kh, Kw, C_out, C_in)

    def block(m, l):                  # gradient reaching input offset (m, l) of every window
        return (dmat @ W_t[m, l]).reshape(n, h_out, w_out, c_in)

    dxp = _add_windows(block, (n, h + 2 * p, w + 2 * p, c_in), k_h, k_w, s, d, spatial_axis=1)
    return dxp[:, p:p + h, p:p + w].transpose(0, 3, 1, 2), np.ascontiguousarray(dW), db


def conv2d_forward_torch(x: torch.Tensor, W: torch.Tensor, b: torch.Tensor, stride: int = 1,
                         padding: int = 0, dilation: int = 1) -> torch.Tensor:
    """Torch twin of :func:`conv2d_forward`: ``torch.nn.functional.conv2d`` (same arguments)."""
    return F.conv2d(x, W, b, stride=stride, padding=padding, dilation=dilation)


def _dilate(a: np.ndarray, factor: int) -> np.ndarray:
    """Insert factor−1 zeros between neighbouring pixels of a (N, C, H, W) array."""
    if factor == 1:
        return a
    n, c, h, w = a.shape
    out = np.zeros((n, c, factor * (h - 1) + 1, factor * (w - 1) + 1), dtype=a.dtype)
    out[:, :, ::factor, ::factor] = a
    return out


def conv2d_input_grad_as_conv(dout, W, x_shape, stride: int = 1, padding: int = 0,
                              dilation: int = 1) -> np.ndarray:
    """``dx`` of a conv layer, written as one more convolution (Folie (80): "umgedrehte Filter").

    dx = correlate(dout dilated by S, zero-padded by D·(K−1); kernel W flipped in both spatial
    axes with C_in/C_out swapped; dilation D), then the padding P is cut off again.
    That is a *full* correlation with the flipped kernel = a true convolution (66) with W.

    dout : (N, C_out, H_out, W_out);  W : (C_out, C_in, K_h, K_w);  x_shape : (N, C_in, H, W)
    Returns dx of shape x_shape.
    """
    W = as_array(W, "W", ndim=4)
    dout = as_array(dout, "dout", ndim=4)
    if len(x_shape) != 4 or x_shape[1] != W.shape[1] or dout.shape[:2] != (x_shape[0], W.shape[0]):
        raise ValueError(f"shapes do not fit: x_shape {tuple(x_shape)} must be (N, C_in, H, W) "
                         f"with C_in = W.shape[1] (W {W.shape}) and dout {dout.shape} must be "
                         "(N, C_out, H_out, W_out)")
    n, c_in, h, w = x_shape
    _, _, k_h, k_w = W.shape
    flipped = W[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)                # (C_in, C_out, Kh, Kw)
    dd = _dilate(dout, stride)
    # pad by the kernel extent − 1 on every side ("full" correlation); equal for both axes
    # only if K_h = K_w, so pad each axis on its own and use padding=0 in the call
    ph, pw = dilation * (k_h - 1), dilation * (k_w - 1)
    dd = np.pad(dd, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    full, _ = conv2d_forward(dd, flipped, np.zeros(c_in), dilation=dilation)
    # rows/columns the forward pass never reached (stride did not fit) get gradient 0
    hp, wp = h + 2 * padding, w + 2 * padding
    full = np.pad(full, ((0, 0), (0, 0), (0, hp - full.shape[2]), (0, wp - full.shape[3])))
    return full[:, :, padding:padding + h, padding:padding + w]


def conv2d_weight_grad_as_conv(x, dout, kernel_size: tuple[int, int], stride: int = 1,
                               padding: int = 0, dilation: int = 1) -> np.ndarray:
    """``dW`` of a conv layer as a convolution of the input with ``dout`` (Folie (78)).

    Swap batch and channels: x → (C_in, N, H_p, W_p), dout → (C_out, N, H_out, W_out) is the
    kernel (its "channels" are the batch), with dilation S (the layer's stride) and stride D
    (the layer's dilation). The result (C_in, C_out, ≥K_h, ≥K_w) is cut to K and transposed.

    x : (N, C_in, H, W);  dout : (N, C_out, H_out, W_out);  kernel_size : (K_h, K_w)
    Returns dW of shape (C_out, C_in, K_h, K_w).
    """
    x = as_array(x, "x", ndim=4)
    dout = as_array(dout, "dout", ndim=4)
    if dout.shape[0] != x.shape[0]:
        raise ValueError(f"x {x.shape} and dout {dout.shape} must have the same batch size N")
    k_h, k_w = kernel_size
    xt = _pad(x, padding).transpose(1, 0, 2, 3)
    kern = dout.transpose(1, 0, 2, 3)
    corr, _ = conv2d_forward(xt, kern, np.zeros(kern.shape[0]), stride=dilation,
                             dilation=stride)
    return corr[:, :, :k_h, :k_w].transpose(1, 0, 2, 3)


# --------------------------------------------------------------------------------------------
# one channel: correlation vs. convolution (kernel flip)
# --------------------------------------------------------------------------------------------
def _single(img, kernel, mode: str):
    img = as_array(img, "image", ndim=2)
    kernel = as_array(kernel, "kernel", ndim=2)
    if mode not in ("valid", "full"):
        raise ValueError(f"unknown mode {mode!r}; choose one of: valid, full")
    if mode == "full":
        ph, pw = kernel.shape[0] - 1, kernel.shape[1] - 1
        img = np.pad(img, ((ph, ph), (pw, pw)))
    for axis, (s, k) in enumerate(zip(img.shape, kernel.shape)):
        if k > s:
            raise ValueError(f"kernel shape {kernel.shape} is larger than the image shape "
                             f"{img.shape} along axis {axis} (mode={mode!r})")
    return img, kernel


def correlate2d(image, kernel, mode: str = "valid") -> np.ndarray:
    """Cross-correlation of one image with one kernel (no flip; Folien (73), what torch does).

        out[i, j] = Σ_{m,n} image[i + m, j + n] · kernel[m, n]

    image : (H, W);  kernel : (K_h, K_w);  mode : "valid" (H−K_h+1, W−K_w+1) or "full"
    (zero padding K−1, (H+K_h−1, W+K_w−1)).
    """
    img, kernel = _single(image, kernel, mode)
    out, _ = conv2d_forward(img[None, None], kernel[None, None], np.zeros(1))
    return out[0, 0]


def convolve2d(image, kernel, mode: str = "valid") -> np.ndarray:
    """Mathematical 2-D convolution (Folie (66)): correlation with the flipped kernel.

        out[i, j] = Σ_{m,n} image[i − m, j − n] · kernel[m, n]   (= scipy.signal.convolve2d)

    image : (H, W);  kernel : (K_h, K_w);  mode : "valid" or "full" as in :func:`correlate2d`.
    """
    kernel = as_array(kernel, "kernel", ndim=2)
    return correlate2d(image, kernel[::-1, ::-1], mode)


# --------------------------------------------------------------------------------------------
# pooling
# --------------------------------------------------------------------------------------------
class PoolCache(NamedTuple):
    """What the pooling backward passes need.

    x_shape : shape of x;  kernel_size, stride, padding : int
    argmax : (N, C, H_out, W_out) index of the maximum inside each window (row-major, K·K
             entries), or None for average pooling
    """

    x_shape: tuple
    kernel_size: int
    stride: int
    padding: int
    argmax: np.ndarray | None


def _pool_geometry(x, kernel_size, stride, padding):
    x = _image(x, "x")
    kernel_size = check_positive_int(kernel_size, "kernel_size")
    stride = kernel_size if stride is None else stride
    padding = check_positive_int(padding, "padding", minimum=0)
    if 2 * padding > kernel_size:
        raise ValueError(f"padding={padding} must be at most half of kernel_size={kernel_size} "
                         "(as in torch)")
    stride, padding, _, h_out, w_out = _geometry(x.shape, kernel_size, kernel_size, stride,
                                                 padding, 1, kernel_name="kernel_size")
    return x, kernel_size, stride, padding, h_out, w_out


def maxpool2d_forward(x, kernel_size: int, stride: int | None = None, padding: int = 0):
    """Max pooling (Folien (68), (72), (74)): the maximum of each K×K window, per channel.

        out[n, c, i, j] = max_{m,l} x_p[n, c, S·i + m, S·j + l]     (padding with −∞)

    x : (N, C, H, W);  kernel_size K;  stride S (default K, like torch);  padding P ≤ K/2
    Returns out (N, C, H_out, W_out) and a :class:`PoolCache` with the position of each
    maximum (the "switch variables" of Folie (81); ties: the first maximum in row-major order).
    """
    x, k, stride, padding, h_out, w_out = _pool_geometry(x, kernel_size, stride, padding)
    win = _windows(_pad(x, padding, -np.inf), k, k, stride, 1)
    flat = win.reshape(*win.shape[:4], k * k)                            # copy, (N, C, Ho, Wo, K²)
    arg = flat.argmax(axis=-1)
    out = np.take_along_axis(flat, arg[..., None], axis=-1)[..., 0]
    return out, PoolCache(x.shape, k, stride, padding, arg)


def maxpool2d_backward(dout, cache: PoolCache) -> np.ndarray:
    """Gradient of :func:`maxpool2d_forward` (Folie (81)): each window's gradient goes to its
    maximum only; overlapping windows add up. dout : (N, C, H_out, W_out). Returns ``dx``."""
    n, c, h, w = cache.x_shape
    k, p = cache.kernel_size, cache.padding
    dout = as_array(dout, "dout", shape=(n, c) + cache.argmax.shape[2:], dtype=None)
    dxp = _add_windows(lambda m, l: np.where(cache.argmax == m * k + l, dout, 0.0),
                       (n, c, h + 2 * p, w + 2 * p), k, k, cache.stride, 1)
    return dxp[:, :, p:p + h, p:p + w]


def maxpool2d_forward_torch(x: torch.Tensor, kernel_size: int, stride: int | None = None,
                            padding: int = 0) -> torch.Tensor:
    """Torch twin of :func:`maxpool2d_forward`: ``torch.nn.functional.max_pool2d``."""
    return F.max_pool2d(x, kernel_size, stride=stride, padding=padding)


def avgpool2d_forward(x, kernel_size: int, stride: int | None = None, padding: int = 0):
    """Average pooling (Folie (69)): the mean of each K×K window, per channel.

        out[n, c, i, j] = 1/K² · Σ_{m,l} x_p[n, c, S·i + m, S·j + l]

    Padding adds zeros that count in the mean (torch's default ``count_include_pad=True``).
    x : (N, C, H, W);  kernel_size K;  stride S (default K);  padding P ≤ K/2.
    Returns out (N, C, H_out, W_out) and a :class:`PoolCache` (``argmax=None``).
    """
    x, k, stride, padding, _, _ = _pool_geometry(x, kernel_size, stride, padding)
    win = _windows(_pad(x, padding), k, k, stride, 1)
    return win.mean(axis=(4, 5)), PoolCache(x.shape, k, stride, padding, None)


def avgpool2d_backward(dout, cache: PoolCache) -> np.ndarray:
    """Gradient of :func:`avgpool2d_forward` (Folie (82)): every entry of a window receives
    1/K² of the window's gradient; overlapping windows add up. Returns ``dx`` (N, C, H, W)."""
    n, c, h, w = cache.x_shape
    k, p = cache.kernel_size, cache.padding
    h_out = conv_output_size(h, k, cache.stride, p)
    w_out = conv_output_size(w, k, cache.stride, p)
    dout = as_array(dout, "dout", shape=(n, c, h_out, w_out), dtype=None)
    share = dout / (k * k)
    dxp = _add_windows(lambda m, l: share, (n, c, h + 2 * p, w + 2 * p), k, k, cache.stride, 1)
    return dxp[:, :, p:p + h, p:p + w]


def avgpool2d_forward_torch(x: torch.Tensor, kernel_size: int, stride: int | None = None,
                            padding: int = 0) -> torch.Tensor:
    """Torch twin of :func:`avgpool2d_forward`: ``torch.nn.functional.avg_pool2d``."""
    return F.avg_pool2d(x, kernel_size, stride=stride, padding=padding)


# --------------------------------------------------------------------------------------------
# flatten
# --------------------------------------------------------------------------------------------
class FlattenCache(NamedTuple):
    """x_shape : the shape before flattening."""

    x_shape: tuple


def flatten_forward(x):
    """Feature maps → vectors for the dense layers (Folie (75), step 5).

    x : (N, C, H, W) (any ndim >= 2). Returns out (N, C·H·W) (torch's order: channel-major)
    and a :class:`FlattenCache`."""
    x = as_array(x, "x", ndim=(2, 3, 4, 5), dtype=None)
    return x.reshape(x.shape[0], -1), FlattenCache(x.shape)


def flatten_backward(dout, cache: FlattenCache) -> np.ndarray:
    """Gradient of :func:`flatten_forward`: reshape back. Returns ``dx``."""
    size = int(np.prod(cache.x_shape[1:]))
    dout = as_array(dout, "dout", shape=(cache.x_shape[0], size), dtype=None)
    return dout.reshape(cache.x_shape)


def flatten_forward_torch(x: torch.Tensor) -> torch.Tensor:
    """Torch twin of :func:`flatten_forward`: ``x.flatten(1)``."""
    return x.flatten(1)
