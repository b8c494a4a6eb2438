r"""Sphinx extension for the course site (loaded via ``sphinx.local_extensions`` in _config.yml).

- Solutions (code cells tagged ``solution``) are folded: in the instructor edition each such
  cell gets MyST-NB's ``hide-cell`` semantics (a closed ``<details>`` toggle, "Lösung anzeigen"),
  applied to the doctree, so the notebook files and their execution cache stay untouched.
  In the student edition (``site_edition = "student"``, set by tools/site/student.py) a solution
  cell must not exist at all: the build fails if one slipped through.
- Kernel-free studies (tools/site/studies.py): the output of the notebook cell that shows a
  live slider widget is replaced by precomputed pictures switched in the browser.
- Pages without any widget view do not load the widget manager (3.6 MB) nor the state.
- Display math with a lecture equation number (``\tag{..}``) and a line break (``\\``, e.g.
  inside ``cases``): Sphinx wraps such a block in ``\begin{split}``, where MathJax refuses
  ``\tag`` ("\tag not allowed in split environment"). We emit it unwrapped instead
  (``\[ … \]``, or ``align*`` when the line breaks are at the top level).
- Pages do not load sphinx-thebe (live code is switched off; its scripts only produce a console
  error "THEBE_JS_URL has already been declared" and name a CDN).
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

from docutils import nodes
from sphinx.errors import ExtensionError
from sphinx.util import logging

logger = logging.getLogger(__name__)

SOLUTION_TAG = "solution"
PROMPT_SHOW = "Lösung anzeigen"
PROMPT_HIDE = "Lösung verbergen"


def _tags(node: nodes.Element) -> list[str]:
    meta = node.get("cell_metadata") or {}
    return list(meta.get("tags", []) or [])


def fold_solutions(app, doctree: nodes.document) -> None:
    edition = app.config.site_edition
    docname = app.env.docname
    for node in doctree.findall(nodes.container):
        if node.get("nb_element") != "cell_code" or SOLUTION_TAG not in _tags(node):
            continue
        if edition == "student":
            raise ExtensionError(f"{docname}: solution cell found in the student edition")
        node["hide_mode"] = "all"
        node["prompt_show"] = PROMPT_SHOW
        node["prompt_hide"] = PROMPT_HIDE
        node["classes"] = [*node.get("classes", []), "solution-cell"]


def _cell_source(cell: nodes.Element) -> str:
    for child in cell.children:
        if isinstance(child, nodes.container) and child.get("nb_element") == "cell_code_source":
            return child.astext()
    return ""


def insert_studies(app, doctree: nodes.document) -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    import studies

    docname = app.env.docname
    for study in studies.STUDIES:
        if study.doc != docname:
            continue
        cell = next((n for n in doctree.findall(nodes.container)
                     if n.get("nb_element") == "cell_code"
                     and re.search(study.match, _cell_source(n))), None)
        if cell is None:
            logger.warning(f"{docname}: no code cell matches {study.match!r} for the "
                           f"kernel-free study {study.id!r} (tools/site/studies.py)")
            continue
        stats = studies.render_all(study, Path(app.outdir) / "_studies" / study.id)
        logger.info(f"[site_ext] study {study.id}: {stats}")
        for out in [c for c in cell.children
                    if isinstance(c, nodes.container) and c.get("nb_element") == "cell_code_output"]:
            cell.remove(out)
        panel = nodes.container(nb_element="cell_code_output", classes=["cell_output"])
        panel += nodes.raw("", studies.panel_html(study, docname), format="html")
        cell += panel


_TEX_TOKEN = re.compile(r"\\begin\{[^}]*\}|\\end\{[^}]*\}|\\\\")


def _top_level_linebreak(tex: str) -> bool:
    depth = 0
    for tok in _TEX_TOKEN.findall(tex):
        if tok.startswith("\\begin"):
            depth += 1
        elif tok.startswith("\\end"):
            depth = max(0, depth - 1)
        elif depth == 0:
            return True
    return False


def tagged_math(tex: str) -> str | None:
    """Unwrapped MathJax source for a display block with ``\tag`` and ``\\``, else None."""
    if "\\tag" not in tex or "\\\\" not in tex:
        return None
    if len([p for p in tex.split("\n\n") if p.strip()]) != 1 or "\\begin{align" in tex:
        return None
    if _top_level_linebreak(tex):
        return "\\begin{align*}" + tex.strip() + "\\end{align*}"
    return "\\[" + tex.strip() + "\\]"


def fix_tagged_math(app, doctree: nodes.document) -> None:
    for node in doctree.findall(nodes.math_block):
        if node.get("nowrap") or node.get("label"):
            continue
        fixed = tagged_math(node.astext())
        if fixed is not None:
            node["nowrap"] = True
            node.children = []
            node += nodes.Text(fixed)


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_JS = ("_vendor/requirejs/", "_vendor/widgets-shim.js", "_vendor/@jupyter-widgets/")


def _has_widget_view(doctree) -> bool:
    if doctree is None:
        return False
    return any(WIDGET_VIEW in n.astext() for n in doctree.findall(nodes.raw))


def prune_scripts(app, pagename, templatename, context, doctree) -> None:
    """Drop sphinx-thebe's scripts (thebe is off) and, on pages without a widget view, the
    widget manager and the widget state."""
    scripts = context.get("script_files")
    if not scripts:
        return
    widgets_needed = _has_widget_view(doctree)
    keep = []
    for js in scripts:
        name = str(getattr(js, "filename", js) or "")
        attrs = getattr(js, "attributes", {}) or {}
        body = str(attrs.get("body", ""))
        if "sphinx-thebe" in name or "THEBE_JS_URL" in body:
            continue
        if not widgets_needed and (any(w in name for w in WIDGET_JS)
                                   or attrs.get("type") == WIDGET_STATE):
            continue
        keep.append(js)
    scripts[:] = keep


def setup(app):
    app.add_config_value("site_edition", "instructor", "env", [str])
    app.connect("doctree-read", fold_solutions)
    app.connect("doctree-read", insert_studies)
    app.connect("doctree-read", fix_tagged_math)
    app.connect("html-page-context", prune_scripts, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
