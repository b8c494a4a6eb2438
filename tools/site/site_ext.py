"""Sphinx extension for the course site (loaded via ``sphinx.local_extensions`` in _config.yml).

- Solutions (code cells tagged ``solution``) are folded: in the instructor edition each such
  cell gets MyST-NB's ``hide-cell`` semantics (a closed ``<details>`` toggle, "Lösung anzeigen"),
  applied to the doctree, so the notebook files and their execution cache stay untouched.
  In the student edition (``site_edition = "student"``, set by tools/site/student.py) a solution
  cell must not exist at all: the build fails if one slipped through.
- Pages do not load sphinx-thebe (live code is switched off; its scripts only produce a console
  error "THEBE_JS_URL has already been declared" and name a CDN).
"""
from __future__ import annotations

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


def drop_thebe(app, pagename, templatename, context, doctree) -> None:
    """Remove sphinx-thebe's scripts from every page (thebe is disabled in _config.yml)."""
    scripts = context.get("script_files")
    if not scripts:
        return
    keep = []
    for js in scripts:
        name = str(getattr(js, "filename", js) or "")
        body = str(getattr(js, "attributes", {}).get("body", "")) if hasattr(js, "attributes") else ""
        if "sphinx-thebe" in name or "THEBE_JS_URL" in body or "thebe" in name.split("/")[-1]:
            continue
        keep.append(js)
    scripts[:] = keep


def setup(app):
    app.add_config_value("site_edition", "instructor", "env", [str])
    app.connect("doctree-read", fold_solutions)
    app.connect("html-page-context", drop_thebe, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
