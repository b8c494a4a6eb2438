"""pytest configuration shared by all test files.

Tests run on two xdist workers on a 2-core machine: each worker uses one intra-op thread,
otherwise torch's and BLAS's thread pools oversubscribe the cores and tiny tensors get slow.

Every test also gets a private copy of matplotlib's rcParams: a test that calls
``plotting.use_style()`` must not change the fonts of figures in later tests on the same
worker (the study figure's per-panel redraw depends on the text extents). The checkers' hint levels
are reset before and after every test.
"""
import matplotlib
import pytest
import torch

torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _fresh_hint_levels():
    """Every test starts with no failed attempts (hint levels of dl_helpers.checks)."""
    from dl_helpers.checks import reset_hints

    reset_hints()
    yield
    reset_hints()


@pytest.fixture
def feedback(capsys):
    """``feedback()`` -> the checker output printed since the last call, line wraps joined."""
    return lambda: " ".join(capsys.readouterr().out.split())


@pytest.fixture(autouse=True)
def _isolated_rcparams():
    with matplotlib.rc_context():
        yield
