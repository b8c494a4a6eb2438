"""The exercise checkers of notebook 09: right answers pass, wrong answers and the ``...`` stubs
get German feedback and never raise."""
import numpy as np

from dl_helpers.checks import architectures as ck


def _stub(*args, **kwargs):
    ...  # what a student's unsolved cell returns


def test_conv_params(capsys):
    assert ck.check_conv_params(lambda c_in, c_out, k: c_out * c_in * k * k + c_out)
    assert not ck.check_conv_params(lambda c_in, c_out, k: c_out * c_in * k * k)       # no bias
    assert not ck.check_conv_params(lambda c_in, c_out, k: c_out * k * k + c_out)      # no c_in
    assert not ck.check_conv_params(_stub)
    assert not ck.check_conv_params(lambda *a: 1 / 0)
    assert not ck.check_conv_params(5)
    out = capsys.readouterr().out
    assert "richtig" in out and "Tipp" in out


def test_stacked_receptive_field():
    assert ck.check_stacked_receptive_field(lambda n, k: 1 + n * (k - 1))
    assert not ck.check_stacked_receptive_field(lambda n, k: n * k)
    assert not ck.check_stacked_receptive_field(lambda n, k: 2 * n + 1)     # only right for k = 3
    assert not ck.check_stacked_receptive_field(_stub)


def test_separable_saving():
    L = ck.SEPARABLE_LAYER
    M, N, K = L["c_in"], L["c_out"], L["kernel_size"]
    assert ck.check_separable_saving(M * N * K * K / (M * K * K + M * N))
    assert ck.check_separable_saving(1 / (1 / N + 1 / K ** 2))
    assert ck.check_separable_saving(8.69)                                # rounded to 2 decimals
    assert not ck.check_separable_saving(9.0)                             # 1/D_K² only
    assert not ck.check_separable_saving(1 / N + 1 / K ** 2)                 # ratio, not factor
    assert not ck.check_separable_saving(K * K)
    assert not ck.check_separable_saving(...)
    assert not ck.check_separable_saving("8.7")


def test_compound_flops():
    assert ck.check_compound_flops((1.2 * 1.1 ** 2 * 1.15 ** 2) ** 3)
    assert ck.check_compound_flops(7.08)                                  # rounded
    assert not ck.check_compound_flops(8.0)                               # 2^phi is only ≈
    assert not ck.check_compound_flops(2 ** 3 * 1.0 + 0.5)
    assert not ck.check_compound_flops((1.2 * 1.1 * 1.15) ** 3)
    assert not ck.check_compound_flops(...)


def test_attention(capsys):
    def right(Q, K, V):
        S = Q @ K.T / np.sqrt(Q.shape[1])
        A = np.exp(S - S.max(1, keepdims=True))
        return A / A.sum(1, keepdims=True) @ V

    def no_scale(Q, K, V):
        S = Q @ K.T
        A = np.exp(S - S.max(1, keepdims=True))
        return A / A.sum(1, keepdims=True) @ V

    def column_softmax(Q, K, V):
        S = Q @ K.T / np.sqrt(Q.shape[1])
        A = np.exp(S)
        return A / A.sum(0, keepdims=True) @ V

    assert ck.check_attention(right)
    assert not ck.check_attention(no_scale)
    assert not ck.check_attention(column_softmax)
    assert not ck.check_attention(_stub)
    assert not ck.check_attention(lambda Q, K, V: Q @ K @ V)                  # raises inside
    assert "Fehler" in capsys.readouterr().out
