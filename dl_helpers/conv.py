"""Convolutional layers from scratch (Folien CNN, (75)–(84)).

Shape letters used in every docstring: ``N`` batch, ``C`` channels, ``H × W`` spatial size,
``K`` kernel size, ``S`` stride, ``P`` padding, ``D`` dilation.

This module starts with the output-size formula that every convolution and pooling layer
shares; the layers themselves follow the package's layer protocol
(``out, cache = <layer>_forward(x, …)``, ``grads = <layer>_backward(dout, cache)``).
"""
from __future__ import annotations

from ._validation import check_positive_int

__all__ = ["conv_output_size"]


def conv_output_size(size: int, kernel_size: int, stride: int = 1, padding: int = 0,
                     dilation: int = 1, *, exact: bool = False) -> int:
    """Spatial output size of a convolution or pooling window along one axis.

        H_out = ⌊(H + 2P − D·(K − 1) − 1) / S⌋ + 1

    size : int        input size H along this axis (>= 1)
    kernel_size : int K (>= 1);  stride : int S (>= 1);  padding : int P (>= 0);  dilation : int D (>= 1)
    exact : bool      if True, reject sizes where the window does not end exactly on the padded
                      border (``(H + 2P − D·(K − 1) − 1)`` not divisible by ``S``), i.e. where the
                      last rows/columns of the input would be silently ignored.

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
    if exact and rest:
        raise ValueError(
            f"stride={stride} does not fit: (size + 2·padding − extent) = {padded - span} is not "
            f"divisible by the stride, the last {rest} row(s)/column(s) would be ignored "
            f"(size={size}, kernel_size={kernel_size}, padding={padding}, dilation={dilation})")
    return steps + 1
