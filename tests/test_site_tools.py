"""Fast unit tests of the site machinery (tools/site/, dl_helpers.static_widgets).

The built site itself is tested in a browser by tests/browser/ (``make test-site``).
"""
from __future__ import annotations

import io
import json
import re
import sys
from pathlib import Path

import nbformat
import pytest
from docutils import nodes
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools" / "site"))

import site_ext  # noqa: E402
import student  # noqa: E402
import studies  # noqa: E402
import vendor  # noqa: E402

from dl_helpers import static_widgets as sw  # noqa: E402


# ---------------------------------------------------------------- student edition
def _exercise_notebook():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("## Aufgaben"),
        nbformat.v4.new_code_cell("answer = ...  # TODO"),
        nbformat.v4.new_code_cell("answer = 6 * 7  # the reference solution",
                                  metadata={"tags": ["solution"]}),
        nbformat.v4.new_code_cell("check_answer(answer)"),
        nbformat.v4.new_markdown_cell("## Zusammenfassung"),
        nbformat.v4.new_code_cell("print('end')"),
    ]
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="out\n")]
            cell.execution_count = 1
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    return nb


def test_student_notebook_removes_solutions_and_outputs():
    nb = student.student_notebook(_exercise_notebook())
    sources = [c.source for c in nb.cells]
    assert "answer = ...  # TODO" in sources
    assert not any("reference solution" in s for s in sources)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    assert "widgets" not in nb.metadata
    assert len(nb.cells) == 5


def test_student_site_notebook_keeps_outputs_but_not_checker_feedback():
    nb = student.student_site_notebook(_exercise_notebook())
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.source for c in code] == ["answer = ...  # TODO", "check_answer(answer)",
                                        "print('end')"]
    assert code[0].outputs and code[2].outputs      # ordinary outputs stay
    assert code[1].outputs == []                     # checker ran on the solution: cleared


def test_toc_files_reads_nested_entries(tmp_path):
    toc = tmp_path / "_toc.yml"
    toc.write_text("root: book/intro\nparts:\n  - chapters:\n    - file: a/b\n"
                   "    - file: c\n      sections:\n        - file: d\n")
    assert student.toc_files(toc) == ["book/intro", "a/b", "c", "d"]


# ---------------------------------------------------------------- Sphinx extension
class _Env:
    docname = "lecture_nb/99_x"


class _App:
    def __init__(self, edition):
        self.config = type("C", (), {"site_edition": edition})()
        self.env = _Env()


def _cell(tags):
    return nodes.container(nb_element="cell_code", cell_metadata={"tags": tags})


def test_fold_solutions_instructor_and_student():
    doc = nodes.document(None, None)
    sol, other = _cell(["solution"]), _cell(["hide-input"])
    doc += [sol, other]
    site_ext.fold_solutions(_App("instructor"), doc)
    assert sol["hide_mode"] == "all" and sol["prompt_show"] == "Lösung anzeigen"
    assert "hide_mode" not in other
    with pytest.raises(Exception, match="solution cell"):
        site_ext.fold_solutions(_App("student"), doc)


@pytest.mark.parametrize("tex, expected", [
    (r"f=\begin{cases}1&a\\ 0&b\end{cases}\tag{18}", r"\[f=\begin{cases}1&a\\ 0&b\end{cases}\tag{18}\]"),
    (r"a&=b\\ c&=d\tag{3}", r"\begin{align*}a&=b\\ c&=d\tag{3}\end{align*}"),
    (r"a=b\tag{3}", None),                 # no line break: Sphinx does not wrap it
    (r"a\\ b", None),                      # no tag: the split wrapper is fine
])
def test_tagged_math(tex, expected):
    assert site_ext.tagged_math(tex) == expected


# ---------------------------------------------------------------- vendored assets
def test_vendor_packages_are_pinned_exactly():
    for name, (version, integrity) in vendor.PACKAGES.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), name
        assert integrity.startswith("sha512-") and len(integrity) > 80, name


def test_vendor_integrity_matches_npm_format(tmp_path):
    f = tmp_path / "x.tgz"
    f.write_bytes(b"abc")
    # sha512("abc") in npm's "sha512-<base64>" notation
    assert vendor.integrity(f) == ("sha512-3a81oZNherrMQXNJriBBMRLm+k6JqX6iCp7u5ktV05ohkpkqJ0/"
                                   "BqDa6PCOj/uu9RU1EI2Q86A4qmslPpUyknw==")


def test_config_points_only_at_local_assets():
    cfg = (ROOT / "_config.yml").read_text()
    assert "mathjax_path" in cfg and "nb_ipywidgets_js" in cfg
    urls = re.findall(r"https?://[^\s\"']+", cfg)
    assert urls == [], f"_config.yml names remote assets: {urls}"


# ---------------------------------------------------------------- kernel-free studies
def test_study_grid_points_and_panel():
    study = studies.Study(id="s", doc="lecture_nb/07_x", match="X", render="m:f",
                          axes={"act": ("tanh", "relu"), "depth": (3, 10, 30)},
                          labels={"depth": "Tiefe L"})
    points = study.points()
    assert len(points) == 6
    assert points[0] == ((0, 0), {"act": "tanh", "depth": 3})
    html = studies.panel_html(study, study.doc)
    assert 'data-base="../_studies/s/"' in html
    assert html.count('class="static-study-control"') == 2
    assert 'type="range"' in html and "Tiefe L" in html
    first = re.search(r'src="\.\./_studies/s/([\d-]+)\.png"', html).group(1)
    assert tuple(map(int, first.split("-"))) in {p[0] for p in points}


def test_configured_studies_are_on_the_render_grid():
    from dl_helpers import init_study

    for study in studies.STUDIES:
        assert study.render.split(":")[0].startswith("dl_helpers.")
        for value in study.axes.get("variance_factor", ()):
            assert any(abs(value - v) < 1e-12 for v in init_study.VARIANCE_GRID)
        for value in study.axes.get("activation", ()):
            assert value in init_study.STUDY_ACTIVATIONS
        for value in study.axes.get("depth", ()):
            assert value in init_study.DEPTH_GRID


def test_render_all_uses_cache(tmp_path, monkeypatch):
    monkeypatch.setattr(studies, "CACHE", tmp_path / "cache")
    calls = []
    mod = type(sys)("fake_render_mod")

    def render(a, b):
        calls.append((a, b))
        return _png(color=(10 * a, 20 * b, 0))

    mod.render = render
    monkeypatch.setitem(sys.modules, "fake_render_mod", mod)
    study = studies.Study(id="t", doc="d", match="x", render="fake_render_mod:render",
                          axes={"a": (1, 2), "b": (1, 2, 3)})
    stats = studies.render_all(study, tmp_path / "out", workers=1)
    assert stats["rendered"] == 6 and len(calls) == 6
    assert sorted(p.name for p in (tmp_path / "out").iterdir())[0] == "0-0.png"
    stats = studies.render_all(study, tmp_path / "out2", workers=1)
    assert stats == {"rendered": 0, "cached": 6, "bytes": stats["bytes"]} and len(calls) == 6


# ---------------------------------------------------------------- dl_helpers.static_widgets
def _png(color=(200, 30, 30), size=(40, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format="PNG")
    return buf.getvalue()


def test_static_grid_widget_structure_and_select():
    seen = []

    def render(kind, n):
        seen.append((kind, n))
        return _png(color=(50 * n, 100 if kind == "a" else 0, 0))

    w = sw.static_grid_widget(render, {"kind": ["a", "b"], "n": [1, 2, 3]}, colors=None)
    assert len(seen) == 6
    assert set(w.controls) == {"kind", "n"}
    assert len(w.stack.children) == 2 and len(w.stack.children[0].children) == 3
    img = sw.select(w, kind="b", n=3)
    assert img.value == render("b", 3)
    assert sw.select(w).value == render("a", 1)
    with pytest.raises(ValueError, match="not on the grid"):
        sw.select(w, n=7)
    with pytest.raises(ValueError, match="unknown axis"):
        sw.select(w, depth=1)


def test_static_grid_widget_links_controls_in_the_browser():
    w = sw.static_grid_widget(lambda x, y: _png(), {"x": [1, 2], "y": ["a", "b", "c"]},
                              colors=None)
    assert len(w.links) == 1 + 2          # one stack for x, one per x value for y
    sources = [link.source for link in w.links]
    assert sources.count((w.controls["x"], "index")) == 1
    assert sources.count((w.controls["y"], "index")) == 2
    targets = {id(link.target[0]) for link in w.links}
    assert id(w.stack) in targets and all(id(c) in targets for c in w.stack.children)
    assert all(link.target[1] == "selected_index" for link in w.links)


def test_static_widget_input_errors():
    with pytest.raises(TypeError, match="render"):
        sw.static_grid_widget(None, {"x": [1]})
    with pytest.raises(ValueError, match="axes"):
        sw.static_grid_widget(lambda: b"", {})
    with pytest.raises(ValueError, match="empty"):
        sw.static_grid_widget(lambda x: b"", {"x": []})
    with pytest.raises(TypeError, match="PNG bytes"):
        sw.static_grid_widget(lambda x: "no", {"x": [1]})
    with pytest.raises(ValueError, match="colors"):
        sw.compress_png(_png(), colors=1)
    with pytest.raises(TypeError, match="png"):
        sw.compress_png("x")


def test_compress_png_keeps_size_and_never_grows():
    import numpy as np

    rng = np.random.default_rng(0)
    noisy = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (60, 80, 3), dtype=np.uint8)).save(noisy, format="PNG")
    for png in (_png(), noisy.getvalue()):
        out = sw.compress_png(png, colors=16)
        assert len(out) <= len(png)
        assert Image.open(io.BytesIO(out)).size == Image.open(io.BytesIO(png)).size


def test_page_weight_file_is_json_if_present():
    f = ROOT / "_build" / "screenshots" / "page_weight.json"
    if f.exists():
        assert isinstance(json.loads(f.read_text()), dict)
