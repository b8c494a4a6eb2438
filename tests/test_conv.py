"""Tests for dl_helpers.conv (output size: formula vs torch; errors name the argument)."""
import pytest
import torch

from dl_helpers.conv import conv_output_size


@pytest.mark.parametrize("size,k,s,p,d", [
    (8, 3, 1, 0, 1), (8, 3, 1, 1, 1), (7, 3, 2, 1, 1), (32, 5, 2, 2, 1), (6, 1, 1, 0, 1),
    (9, 3, 2, 0, 2), (224, 11, 4, 2, 1), (5, 4, 3, 2, 1),
])
def test_output_size_matches_torch(size, k, s, p, d):
    conv = torch.nn.Conv2d(1, 1, k, stride=s, padding=p, dilation=d)
    out = conv(torch.zeros(1, 1, size, size))
    assert conv_output_size(size, k, s, p, d) == out.shape[-1]


def test_kernel_larger_than_padded_input():
    with pytest.raises(ValueError, match="kernel_size=5.*padded input"):
        conv_output_size(3, 5, padding=0)


def test_exact_rejects_ignored_border():
    assert conv_output_size(8, 3, stride=2) == 3
    with pytest.raises(ValueError, match="stride=2"):
        conv_output_size(8, 3, stride=2, exact=True)


@pytest.mark.parametrize("kwargs,name", [({"size": 0}, "size"), ({"stride": 0}, "stride"),
                                         ({"padding": -1}, "padding"), ({"kernel_size": 2.5}, "kernel_size")])
def test_bad_arguments_are_named(kwargs, name):
    args = {"size": 8, "kernel_size": 3} | kwargs
    with pytest.raises((ValueError, TypeError), match=name):
        conv_output_size(**args)
