"""What every HTML page collab writes shares: the template folder and the stylesheet.

The report renderings (:mod:`collablib.build.htmlexport`, through nbconvert),
the index (:mod:`collablib.build.index_page`) and each data folder's listing
(:mod:`collablib.build.data_listing`) all inline the same stylesheet, so each
page is one self-contained file that opens offline. The two plain pages are
rendered by :func:`render`, with autoescaping: any text from the data is
escaped. This module imports no nbconvert, so writing a listing in a report's
kernel or in ``collab export`` stays light.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2

__all__ = ["CSS_FILE", "TEMPLATE_DIR", "read_css", "render"]

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
CSS_FILE = TEMPLATE_DIR / "collab" / "static" / "collab.css"


def read_css() -> str:
    """The collab stylesheet, inlined into every page."""
    return CSS_FILE.read_text(encoding="utf-8")


def render(template: str, **values: Any) -> str:
    """A page from ``templates/<template>``, text escaped, the stylesheet passed as ``css``."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=True,
        keep_trailing_newline=True,
    )
    return env.get_template(template).render(css=read_css(), **values)
