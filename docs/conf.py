"""Sphinx configuration for the genai-live documentation."""

from __future__ import annotations

import genai_live

project = "genai-live"
author = "genai-live contributors"
release = version = genai_live.__version__
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    "myst_parser",
]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
exclude_patterns = ["_build"]
html_theme = "furo"
html_title = f"genai-live {release}"
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "show-inheritance": True}
myst_heading_anchors = 3
nitpicky = False
suppress_warnings = ["myst.xref_missing"]
