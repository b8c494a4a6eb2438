"""dl_helpers.interactive: argument checks, the live widget, the site build's pictures and HTML."""
from __future__ import annotations

import html
import io
import json
import re

import matplotlib
import numpy as np
import pytest
from PIL import Image

matplotlib.use("Agg")

from dl_helpers import interactive as ia  # noqa: E402
from dl_helpers.interactive import interactive  # noqa: E402


def _png(color=(200, 30, 30), size=(40, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format="PNG")
    return buf.getvalue()


class Render:
    """A render function that records its calls; the picture's colour encodes the values."""

    def __init__(self):
        self.calls = []

    def __call__(self, depth, act="relu"):
        self.calls.append({"depth": depth, "act": act})
        return _png(color=(10 * depth % 256, {"relu": 0, "tanh": 120, "sigmoid": 250}[act], 7))


@pytest.fixture
def kernel(monkeypatch):
    monkeypatch.delenv(ia.SITE_ASSETS_ENV, raising=False)


@pytest.fixture
def site(monkeypatch, tmp_path):
    monkeypatch.setenv(ia.SITE_ASSETS_ENV, str(tmp_path))
    return tmp_path


# ---------------------------------------------------------------- argument checks
@pytest.mark.parametrize("kwargs, error, match", [
    (dict(render=None, depth=[1]), TypeError, "render must be callable"),
    (dict(), ValueError, "at least one grid"),
    (dict(depth=[]), ValueError, "grid 'depth' is empty"),
    (dict(depth=3), TypeError, "grid 'depth' must be a list"),
    (dict(depth="abc"), TypeError, "grid 'depth' must be a list"),
    (dict(depth=[1, None]), TypeError, "plain values must be numbers or strings"),
    (dict(depth=[1, ("zwei", 2)]), ValueError, "mixes"),
    (dict(depth=[1, 2, 1]), ValueError, "value 1 twice"),
    (dict(act=[("a", "relu"), ("a", "tanh")]), ValueError, "duplicate display labels"),
    (dict(labels={"width": "Breite"}, depth=[1]), ValueError, r"labels names unknown.*width"),
    (dict(labels={"depth": 3}, depth=[1]), TypeError, r"labels\['depth'\] must be a string"),
    (dict(initial={"width": 1}, depth=[1]), ValueError, r"initial names unknown.*width"),
    (dict(initial={"depth": 4}, depth=[1, 2]), ValueError, r"initial\['depth'\] = 4 is not in"),
    (dict(depth=list(range(20)), act=[str(i) for i in range(11)]), ValueError,
     r"220 combinations .*at most 200"),
])
def test_argument_errors_name_the_argument(kernel, kwargs, error, match):
    render = kwargs.pop("render", Render())
    with pytest.raises(error, match=match):
        interactive(render, **kwargs)


def test_controls_kinds_labels_and_start():
    controls = ia.make_controls(Render(), {"depth": "Tiefe L"}, {"act": "tanh", "c": 0.5},
                                {"depth": [1, 5, 20], "act": [("ReLU", "relu"), ("tanh", "tanh")],
                                 "c": [2.0 ** -1.5, 0.5, 1.0], "scheme": ["he", "lecun"],
                                 "pair_numbers": [("klein", 0.1), ("groß", 10.0)]})
    by = {c.name: c for c in controls}
    assert [c.name for c in controls] == ["depth", "act", "c", "scheme", "pair_numbers"]
    assert by["depth"].slider and by["depth"].label == "Tiefe L" and by["depth"].start == 0
    assert not by["act"].slider and by["act"].start == 1 and by["act"].label == "act"
    assert by["c"].slider and [lab for lab, _ in by["c"].options] == ["0.354", "0.5", "1"]
    assert by["c"].start == 1
    assert not by["scheme"].slider and by["scheme"].options[0] == ("he", "he")
    assert by["pair_numbers"].slider
    # labels stay distinct when three digits are not enough
    close = ia.make_controls(Render(), None, None, {"x": [0.1001, 0.1002]})[0]
    assert len({lab for lab, _ in close.options}) == 2
    # numpy numbers are numbers
    assert ia.make_controls(Render(), None, None, {"x": list(np.arange(3))})[0].slider


def test_exactly_200_combinations_are_allowed(kernel):
    w = interactive(lambda a, b: _png(), a=list(range(20)), b=list(range(10)))
    assert len(w.controls) == 2


# ---------------------------------------------------------------- kernel: live widgets
def test_live_widget_updates_its_one_picture_on_every_change(kernel):
    import ipywidgets as W

    render = Render()
    w = interactive(render, labels={"depth": "Tiefe L", "act": "Aktivierung"},
                    initial={"depth": 5}, depth=[1, 5, 20],
                    act=[("ReLU", "relu"), ("tanh", "tanh"), ("Sigmoid", "sigmoid")])
    assert isinstance(w.controls["depth"], W.SelectionSlider)
    assert isinstance(w.controls["act"], W.Dropdown)
    assert w.controls["depth"].description == "Tiefe L"
    assert w.controls["act"].description == "Aktivierung"
    assert list(w.controls["depth"].options) == [("1", 1), ("5", 5), ("20", 20)]  # the grid
    assert render.calls == [{"depth": 5, "act": "relu"}]
    assert bytes(w.image.value) == Render()(5, "relu")
    image = w.image
    w.controls["depth"].value = 20                                  # runs the observer
    assert render.calls[-1] == {"depth": 20, "act": "relu"}
    assert w.image is image and bytes(w.image.value) == Render()(20, "relu")
    w.controls["act"].value = "sigmoid"
    assert render.calls[-1] == {"depth": 20, "act": "sigmoid"}
    assert bytes(w.image.value) == Render()(20, "sigmoid")
    assert w.values() == {"depth": 20, "act": "sigmoid"}
    assert len(render.calls) == 3
    # the controls sit in one row above the picture
    row, picture = w.widget.children
    assert picture is w.image and list(row.children) == list(w.controls.values())
    bundle = w._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_live_widget_accepts_a_figure_and_closes_pyplot_figures(kernel):
    import matplotlib.pyplot as plt

    def render(slope):
        fig, ax = plt.subplots(figsize=(2, 1.5), dpi=50)
        ax.plot([0, 1], [0, slope])
        return fig

    before = len(plt.get_fignums())
    w = interactive(render, slope=[1.0, 2.0])
    png = bytes(w.image.value)
    assert png.startswith(b"\x89PNG") and Image.open(io.BytesIO(png)).size == (100, 75)
    w.controls["slope"].value = 2.0
    assert bytes(w.image.value) != png
    assert len(plt.get_fignums()) == before     # the inline backend shows nothing twice


def test_render_must_return_a_picture(kernel):
    with pytest.raises(TypeError, match="Figure or PNG bytes"):
        interactive(lambda x: "no picture", x=[1])
    with pytest.raises(ValueError, match="not a PNG"):
        interactive(lambda x: b"GIF89a", x=[1])


# ---------------------------------------------------------------- site build
def test_site_mode_writes_one_picture_per_combination(site):
    render = Render()
    out = interactive(render, labels={"depth": "Tiefe L"}, initial={"act": "tanh"},
                      depth=[1, 5, 20], act=[("ReLU", "relu"), ("tanh", "tanh")])
    assert isinstance(out, ia.StaticInteractive)
    assert len(render.calls) == 6 and len(out.files) == 6
    folder = site / out.key
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"{i}-{j}.png" for i in range(3) for j in range(2))
    # the same picture for the same values: file i-j is render(depth[i], act[j]) (quantised)
    for i, depth in enumerate([1, 5, 20]):
        for j, act in enumerate(["relu", "tanh"]):
            got = Image.open(folder / f"{i}-{j}.png").convert("RGB")
            want = Image.open(io.BytesIO(Render()(depth, act))).convert("RGB")
            assert got.tobytes() == want.tobytes()
    # same grids and pictures -> same folder (a rebuild rewrites nothing new)
    again = interactive(Render(), labels={"depth": "Tiefe L"}, initial={"act": "tanh"},
                        depth=[1, 5, 20], act=[("ReLU", "relu"), ("tanh", "tanh")])
    assert again.key == out.key and len(list(site.iterdir())) == 1


def test_site_html_lists_the_same_controls_values_and_start(site):
    out = interactive(Render(), labels={"depth": "Tiefe L", "act": "Aktivierung σ"},
                      initial={"depth": 5, "act": "tanh"}, depth=[1, 5, 20],
                      act=[("ReLU", "relu"), ("tanh", "tanh"), ("Sigmoid", "sigmoid")])
    page = out._repr_html_()
    assert "require" not in page and "widget" not in page
    base = f"{ia.SITE_BASE}/{out.key}/"
    assert f'data-base="{base}"' in page
    assert f'src="{base}1-1.png"' in page                      # start picture = initial values
    slider = re.search(r'<input type="range" min="0" max="(\d+)" step="1" value="(\d+)" '
                       r'data-labels="([^"]*)"', page)
    assert slider.group(1, 2) == ("2", "1")
    assert json.loads(html.unescape(slider.group(3))) == ["1", "5", "20"]
    assert re.findall(r'<option value="(\d)"( selected)?>([^<]*)</option>', page) == [
        ("0", "", "ReLU"), ("1", " selected", "tanh"), ("2", "", "Sigmoid")]
    assert "Tiefe L" in page and "Aktivierung σ" in page
    assert 'width="40" height="30"' in page
    assert page.rstrip().endswith("</script>") and "document.currentScript" in page


def test_compress_png_keeps_size_and_never_grows():
    rng = np.random.default_rng(0)
    noisy = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (60, 80, 3), dtype=np.uint8)).save(noisy, format="PNG")
    for png in (_png(), noisy.getvalue()):
        out = ia.compress_png(png, colors=16)
        assert len(out) <= len(png)
        assert Image.open(io.BytesIO(out)).size == Image.open(io.BytesIO(png)).size
    with pytest.raises(ValueError, match="colors"):
        ia.compress_png(_png(), colors=1)
    with pytest.raises(TypeError, match="png"):
        ia.compress_png("x")


def test_long_slider_labels_get_a_full_readout(kernel):
    """Labels longer than the slider's own readout (which cuts them) show in a Label beside it."""
    import ipywidgets as W

    grid = [("0.35 (≈ Heuristik)", 0.35), ("1 (LeCun/Glorot)", 1.0), ("2 (He)", 2.0)]
    w = interactive(lambda c: _png(), c=grid)
    slider = w.controls["c"]
    box = w.widget.children[0].children[0]
    assert not slider.readout and isinstance(box, W.HBox) and box.children[0] is slider
    readout = box.children[1]
    assert readout.value == "0.35 (≈ Heuristik)"
    slider.value = 1.0
    assert readout.value == "1 (LeCun/Glorot)"
    short = interactive(lambda d: _png(), d=[1, 2, 3]).controls["d"]
    assert short.readout                              # short labels keep the slider's readout
