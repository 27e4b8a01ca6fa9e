"""``reports/data/<cohort_id>/index.html``: a page that lists a cohort's published tables.

Reviewers reach the tidy tables from the index. A link to the bare folder
works on a local disk but not on most web servers or document libraries, and
says nothing about the files, so each folder gets this page: every CSV with
its description and a table of its columns (name, Frictionless type, meaning),
taken from the folder's ``datapackage.json``. Like every page collab writes,
it is self-contained (inline CSS, no scripts) and escapes all text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from collablib.build.pages import render

__all__ = ["LISTING_NAME", "listing_page"]

#: The page's file name in each cohort's data folder.
LISTING_NAME = "index.html"


def listing_page(package: Mapping[str, Any], notice: str | None = None) -> str:
    """The listing page of a data package (:func:`collablib.build.export.data_package`)."""
    return render(
        "data_listing.html.j2",
        title=package["title"],
        description=package["description"],
        resources=package["resources"],
        notice=notice,
    )
