"""Fast unit tests of the site machinery (tools/site/).

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
import vendor  # noqa: E402


def _png(color=(200, 30, 30), size=(40, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format="PNG")
    return buf.getvalue()


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


# ---------------------------------------------------------------- interactive figures
class _Builder:
    def __init__(self, outdir):
        self.outdir = str(outdir)


def _static_figure(store, monkeypatch):
    from dl_helpers import interactive as ia

    monkeypatch.setenv(ia.SITE_ASSETS_ENV, str(store))
    return ia.interactive(lambda depth: _png(color=(depth, 0, 0)), labels={"depth": "Tiefe L"},
                          depth=[1, 2, 3])


def test_link_interactive_points_pages_at_the_copied_pictures(tmp_path, monkeypatch):
    fig = _static_figure(tmp_path / "store", monkeypatch)
    app = _Builder(tmp_path / "html")
    context = {"body": f"<p>Text</p>{fig._repr_html_()}"}
    site_ext.link_interactive(app, "lecture_nb/07_x", "page.html", context, None)
    body = context["body"]
    assert site_ext.SITE_BASE not in body
    assert f'data-base="../_interactive/{fig.key}/"' in body
    assert f'src="../_interactive/{fig.key}/0.png"' in body
    copied = tmp_path / "html" / "_interactive" / fig.key
    assert sorted(p.name for p in copied.iterdir()) == ["0.png", "1.png", "2.png"]
    top = {"body": fig._repr_html_()}
    site_ext.link_interactive(app, "intro", "page.html", top, None)    # page at the root
    assert f'src="_interactive/{fig.key}/0.png"' in top["body"]


def test_link_interactive_fails_clearly_without_pictures(tmp_path, monkeypatch):
    fig = _static_figure(tmp_path / "store", monkeypatch)
    monkeypatch.setenv(site_ext.SITE_ASSETS_ENV, str(tmp_path / "empty"))
    with pytest.raises(Exception, match="pictures of an interactive figure"):
        site_ext.link_interactive(_Builder(tmp_path / "html"), "a/b", "page.html",
                                  {"body": fig._repr_html_()}, None)


def _widget_output(model_id):
    out = nodes.container(nb_element="cell_code_output")
    bundle = nodes.container(nb_element="mime_bundle")
    view = json.dumps({"version_major": 2, "version_minor": 0, "model_id": model_id})
    bundle += nodes.raw("", f'<script type="{site_ext.WIDGET_VIEW}">{view}</script>',
                        format="html")
    out += bundle
    return out


def _page_with_widgets(monkeypatch, state, *model_ids):
    """A page whose one cell shows the widget views ``model_ids``; returns (doc, cell, warnings)."""
    monkeypatch.setattr(site_ext, "_widget_state", lambda app, docname: state)
    warnings = []
    monkeypatch.setattr(site_ext.logger, "warning", warnings.append)
    doc = nodes.document(None, None)
    cell = _cell([])
    for model_id in model_ids:
        cell += _widget_output(model_id)
    doc += cell
    return doc, cell, warnings


def test_drop_widget_views_removes_finished_progress_bars(monkeypatch):
    state = {"bar": {"state": {"layout": "IPY_MODEL_lay"}},
             "lay": {"state": {"visibility": "hidden"}},
             "live": {"state": {"layout": "IPY_MODEL_lay2"}}, "lay2": {"state": {}}}
    doc, cell, warnings = _page_with_widgets(monkeypatch, state, "bar")
    site_ext.drop_widget_views(_App("instructor"), doc)
    assert not list(doc.findall(nodes.raw)) and not warnings
    assert not any(n.get("nb_element") == "cell_code_output" for n in doc.findall(nodes.container))
    cell += _widget_output("live")
    site_ext.drop_widget_views(_App("instructor"), doc)
    assert len(warnings) == 1 and "dl_helpers.interactive" in warnings[0]


class _Asset(str):
    def __new__(cls, filename, **attributes):
        obj = super().__new__(cls, filename or "")
        obj.filename, obj.attributes = filename, attributes
        return obj


def test_prune_scripts_drops_unused_assets():
    def context(body):
        return {"body": body,
                "script_files": [_Asset("_static/sphinx-thebe.js"), _Asset("_static/design-tabs.js"),
                                 _Asset(None, type=site_ext.WIDGET_STATE, body="{}"),
                                 _Asset("_static/doctools.js")],
                "css_files": [_Asset("_static/sphinx-design.min.css"),
                              _Asset("_static/sphinx-thebe.css"), _Asset("_static/site.css")]}

    plain = context("<p>Text</p>")
    site_ext.prune_scripts(None, "a", "page.html", plain, None)
    assert plain["script_files"] == ["_static/doctools.js"]
    assert plain["css_files"] == ["_static/site.css"]
    design = context('<div class="sd-card sd-shadow">x</div>')
    site_ext.prune_scripts(None, "a", "page.html", design, None)
    assert "_static/design-tabs.js" in design["script_files"]
    assert "_static/sphinx-design.min.css" in design["css_files"]


def test_theme_macros_copy_differs_only_by_fontawesome():
    import pydata_sphinx_theme

    theme = (Path(pydata_sphinx_theme.__file__).parent / "theme" / "pydata_sphinx_theme"
             / "static" / "webpack-macros.html").read_text()
    ours = (ROOT / "book" / "_templates" / "static" / "webpack-macros.html").read_text()

    def body(text):
        lines = text.split("-->", 1)[1].splitlines()
        return [ln for ln in lines if "fontawesome" not in ln and "custom icons" not in ln]

    assert body(ours) == body(theme)
    assert "fontawesome.js'" not in ours.split("-->", 1)[1]


def test_page_weight_file_is_json_if_present():
    f = ROOT / "_build" / "screenshots" / "page_weight.json"
    if f.exists():
        assert isinstance(json.loads(f.read_text()), dict)


def test_drop_widget_views_removes_visible_and_closed_progress_bars(monkeypatch):
    """A tqdm bar left visible (leave=True) or closed (model gone) has nothing to show on the
    site either; a widget that is not a progress bar still warns."""
    state = {"bar": {"model_name": "HBoxModel",
                     "state": {"children": ["IPY_MODEL_t", "IPY_MODEL_p", "IPY_MODEL_n"]}},
             "t": {"model_name": "HTMLModel", "state": {}},
             "p": {"model_name": "FloatProgressModel", "state": {}},
             "n": {"model_name": "HTMLModel", "state": {}},
             "slider": {"model_name": "VBoxModel", "state": {"children": ["IPY_MODEL_t"]}}}
    doc, cell, warnings = _page_with_widgets(monkeypatch, state, "bar", "closed")
    site_ext.drop_widget_views(_App("instructor"), doc)
    assert not list(doc.findall(nodes.raw)) and not warnings
    cell += _widget_output("slider")
    site_ext.drop_widget_views(_App("instructor"), doc)
    assert len(warnings) == 1
