"""Sphinx configuration of antialias_np's documentation site.

Build it (about a minute; the gallery's examples run, and the method lessons' figures are drawn from the methods):

    pip install -e ".[docs]"
    python -m sphinx -W --keep-going -b html docs docs/_build/html

Pages are Markdown (MyST); the API reference comes from the docstrings (autodoc, Google style through napoleon);
the gallery is sphinx-gallery's, from the scripts in docs/examples/.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS.parent))  # the study's harness (benchmark/), used from the repository as bench.py does
sys.path.insert(0, str(DOCS / "_ext"))
os.environ.setdefault("MPLBACKEND", "Agg")

import antialias_np  # noqa: E402

project = "antialias_np"
author = "antialias_np developers"
copyright = "antialias_np developers"
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
default_role = "code"  # `name` in a docstring is code, as its plain-text reader reads it

SECTION = re.compile(r"^(Args|Arguments|Returns|Yields|Raises|Equals|Example|Examples|Note|Notes):\s*$")
MARKUP = re.compile(r"(`[^`]*`)|([|]|\*(?=\S))")
"""A backtick span (kept as it is), or a character reStructuredText would read as markup in plain prose."""


def plain_text_docstring(app, what, name, obj, options, lines: list[str]) -> None:
    """Read the docstrings as their plain-text readers do (help(), an editor): each indented block after a blank
    line (a formula, a table of methods) is a block of plain text, and | and * in prose are characters, not markup.
    Runs before napoleon, which then turns the Args / Returns / Raises sections into fields."""
    result, in_block, in_section = [], False, False
    for index, line in enumerate(lines):
        indented = line.startswith("    ")
        after_blank = index > 0 and not lines[index - 1].strip()
        if SECTION.match(line):
            in_section, in_block = True, False
        elif line and not indented:
            in_section, in_block = False, False
        elif indented and after_blank and not in_section and not in_block and not line.lstrip().startswith(">>>"):
            in_block = True
            result += [".. code-block:: text", ""]
        if not in_block:
            line = MARKUP.sub(lambda m: m.group(1) or "\\" + m.group(2), line)
        result.append(line)
    lines[:] = result


def setup(app):
    app.connect("autodoc-process-docstring", plain_text_docstring, priority=400)  # before napoleon (500)

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
    "header_links_before_dropdown": 5,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
# The section navigation only where a section has pages of its own (the lessons, the gallery): the other pages
# would show an empty column.
SINGLE_PAGES = ["index", "getting_started", "choosing", "fidelity", "pipelines", "speed", "reference/index", "onnx",
                "how_it_works", "walkthrough", "changelog"]
html_sidebars = {page: [] for page in SINGLE_PAGES}
html_static_path: list[str] = []
html_show_sourcelink = False
