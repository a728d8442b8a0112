"""Sphinx configuration of antialias_np's documentation site.

Build it (about a minute; the gallery's examples run, and the method lessons' figures are drawn from the methods):

    pip install -e ".[docs]"
    python -m sphinx -W --keep-going -b html docs docs/_build/html

Pages are Markdown (MyST); the API reference comes from the docstrings (autodoc, Google style through napoleon);
the gallery is sphinx-gallery's, from the scripts in docs/examples/.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS.parent))  # the study's harness (benchmark/), used from the repository as bench.py does
sys.path.insert(0, str(DOCS / "_ext"))
os.environ.setdefault("MPLBACKEND", "Agg")

import antialias_np  # noqa: E402

project = "antialias_np"
author = "antialias_np developers"
copyright = "antialias_np developers"  # noqa: A001 (Sphinx's name)
release = version = antialias_np.__version__

extensions = [
    "myst_parser",
    "sphinx_design",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx_gallery.gen_gallery",
    "method_lessons",
    "command_help",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "examples/README.txt", "auto_examples/*.ipynb",
                    "auto_examples/*.py", "auto_examples/*.zip", "sg_execution_times.rst"]
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3  # links to a section of another page: page.md#section-title
suppress_warnings = ["config.cache"]  # sphinx-gallery's configuration holds functions, which Sphinx cannot pickle

# The docstrings: Google style (Args, Returns, Raises) with the project's own "Equals" section (what the function
# equals, value for value) and doctest examples.
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_custom_sections = ["Equals"]
autodoc_member_order = "bysource"
autodoc_typehints = "signature"

sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",  # every example runs at each build
    "download_all_examples": False,
    "remove_config_comments": True,
    "matplotlib_animations": False,
    "within_subsection_order": "FileNameSortKey",
    "show_memory": False,
    "min_reported_time": 1,
}

html_theme = "pydata_sphinx_theme"
html_title = "antialias_np"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 8,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_sidebars = {"**": ["sidebar-nav-bs"], "index": []}
html_static_path: list[str] = []
html_show_sourcelink = False
