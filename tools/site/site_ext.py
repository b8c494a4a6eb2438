r"""Sphinx extension for the course site (loaded via ``sphinx.local_extensions`` in _config.yml).

- Solutions (code cells tagged ``solution``) are folded: in the instructor edition each such
  cell gets MyST-NB's ``hide-cell`` semantics (a closed ``<details>`` toggle, "Lösung anzeigen"),
  applied to the doctree, so the notebook files and their execution cache stay untouched.
  In the student edition (``site_edition = "student"``, set by tools/site/student.py) a solution
  cell must not exist at all: the build fails if one slipped through.
- Interactive figures (``dl_helpers.interactive.interactive``): executed for the site, a cell
  shows a small HTML control whose pictures were written to the picture store
  (``_build/interactive/<key>/``); each page gets its relative path to ``_interactive/`` and
  the picture folders it uses are copied there.
- No ipywidgets on the site (no widget manager, no require.js): views of ``tqdm`` progress
  bars (finished, hidden or closed) are removed, any other widget view is a build warning (= error);
  the widget state is not embedded.
- Display math with a lecture equation number (``\tag{..}``) and a line break (``\\``, e.g.
  inside ``cases``): Sphinx wraps such a block in ``\begin{split}``, where MathJax refuses
  ``\tag`` ("\tag not allowed in split environment"). We emit it unwrapped instead
  (``\[ … \]``, or ``align*`` when the line breaks are at the top level).
- Pages do not load sphinx-thebe (live code is switched off; its scripts only produce a console
  error "THEBE_JS_URL has already been declared" and name a CDN).
"""
from __future__ import annotations

import json
import os
import posixpath
import re
import shutil
import sys
from pathlib import Path

from docutils import nodes
from sphinx.errors import ExtensionError
from sphinx.util import logging

logger = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from dl_helpers.interactive import SITE_ASSETS_ENV, SITE_BASE  # noqa: E402

INTERACTIVE_DIR = "_interactive"   # the pictures' folder in the site

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
_MODEL_ID = re.compile(r'"model_id":\s*"([^"]+)"')


def _widget_state(app, docname: str) -> dict:
    from myst_nb.core.render import WIDGET_STATE_MIMETYPE
    from myst_nb.sphinx_ import NbMetadataCollector

    for _uri, kwargs in NbMetadataCollector.get_js_files(app.env, docname).values():
        if kwargs.get("type") == WIDGET_STATE_MIMETYPE:
            return json.loads(kwargs.get("body") or "{}").get("state", {})
    return {}


_PROGRESS_MODELS = {"FloatProgressModel", "IntProgressModel"}


def _hidden(state: dict, model_id: str) -> bool:
    """A widget with nothing to show on a static page: a ``tqdm`` progress bar (finished,
    hidden with ``leave=False``, or closed so that its model is gone from the state)."""
    if model_id not in state:           # closed widget: no model, nothing to show
        return True
    model = state[model_id].get("state", {})
    layout = str(model.get("layout", ""))
    layout_state = state.get(layout.removeprefix("IPY_MODEL_"), {}).get("state", {})
    children = [state.get(str(c).removeprefix("IPY_MODEL_"), {}).get("model_name")
                for c in model.get("children", [])]
    return layout_state.get("visibility") == "hidden" or bool(_PROGRESS_MODELS & set(children))


def drop_widget_views(app, doctree: nodes.document) -> None:
    """The site has no ipywidgets manager: remove the views of hidden widgets (finished
    progress bars); any other widget is an error -- interactive figures use
    ``dl_helpers.interactive.interactive``, which the build turns into plain HTML."""
    docname = app.env.docname
    views = [n for n in doctree.findall(nodes.raw) if WIDGET_VIEW in n.astext()]
    if not views:
        return
    state = _widget_state(app, docname)
    for node in views:
        match = _MODEL_ID.search(node.astext())
        if match is None or not _hidden(state, match.group(1)):
            logger.warning(f"{docname}: a cell shows an ipywidget, which the site cannot "
                           "show (no widget manager); write interactive figures with "
                           "dl_helpers.interactive.interactive(render, **grids)")
        parent = node.parent
        parent.remove(node)
        while parent is not None and not parent.children and parent.get("nb_element") in (
                "mime_bundle", "cell_code_output"):
            grand = parent.parent
            grand.remove(parent)
            parent = grand


def interactive_store() -> Path:
    """Where the notebook execution wrote the interactive figures' pictures."""
    return Path(os.environ.get(SITE_ASSETS_ENV) or ROOT / "_build" / "interactive")


def link_interactive(app, pagename, templatename, context, doctree) -> None:
    """Point the pictures of interactive figures (``dl_helpers.interactive``) at this page's
    copy under ``_interactive/`` and copy the picture folders the page uses into the site."""
    body = context.get("body")
    if not body or SITE_BASE not in body:
        return
    rel = posixpath.relpath(INTERACTIVE_DIR, posixpath.dirname(pagename) or ".")
    context["body"] = body.replace(SITE_BASE, rel)
    for key in sorted(set(re.findall(re.escape(SITE_BASE) + r"/([0-9a-f]+)/", body))):
        target = Path(app.outdir) / INTERACTIVE_DIR / key
        if target.is_dir():
            continue
        source = interactive_store() / key
        if not source.is_dir():
            raise ExtensionError(
                f"{pagename}: the pictures of an interactive figure ({source}) are missing; "
                "rebuild with `tools/site/build.py --force` (the execution cache is older "
                "than the picture store)")
        shutil.copytree(source, target)


_SD_CLASS = re.compile(r'class="(?:[^"]*\s)?sd-')


def prune_scripts(app, pagename, templatename, context, doctree) -> None:
    """Drop what a page does not use: sphinx-thebe's script and style (thebe is off), the
    ipywidgets state (no manager), and sphinx-design's style and tab script on pages without
    sphinx-design elements (``sd-`` classes)."""
    uses_design = _SD_CLASS.search(context.get("body") or "") is not None
    for key in ("script_files", "css_files"):
        assets = context.get(key)
        if not assets:
            continue
        keep = []
        for asset in assets:
            name = str(getattr(asset, "filename", asset) or "")
            attrs = getattr(asset, "attributes", {}) or {}
            body = str(attrs.get("body", ""))
            if ("sphinx-thebe" in name or "THEBE_JS_URL" in body
                    or attrs.get("type") == WIDGET_STATE
                    or (not uses_design and ("sphinx-design" in name or "design-tabs" in name))):
                continue
            keep.append(asset)
        assets[:] = keep


def setup(app):
    app.add_config_value("site_edition", "instructor", "env", [str])
    app.connect("doctree-read", fold_solutions)
    app.connect("doctree-read", drop_widget_views)
    app.connect("doctree-read", fix_tagged_math)
    app.connect("html-page-context", prune_scripts, priority=900)
    app.connect("html-page-context", link_interactive)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
