"""The README is a front door and the documentation site is whole: its links resolve and its pages render.

The tests of the built site read docs/_build/html (or ANTIALIAS_NP_DOCS_HTML) and are skipped when it has not been
built (`pip install -e ".[docs]"` then `python -m sphinx -W --keep-going -b html docs docs/_build/html`); the
browser test needs Chromium (Debian's package `chromium`) and is skipped without it. With ANTIALIAS_NP_NO_SKIP=1 (as CI
runs them) a missing site or browser fails instead.
"""

from __future__ import annotations

import html.parser
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

import numpy as np
import pytest
from optional import unavailable

import antialias_np

REPOSITORY = Path(__file__).resolve().parents[1]
README = REPOSITORY / "README.md"
HTML = Path(os.environ.get("ANTIALIAS_NP_DOCS_HTML", REPOSITORY / "docs" / "_build" / "html"))
METHODS = antialias_np.METHODS + antialias_np.EXTRA_METHODS
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars"]



# The README


def test_readme_is_a_front_door_of_at_most_200_lines():
    text = README.read_text()
    assert len(text.splitlines()) <= 200
    for needed in ("python bench.py", "python -m pytest -q", "https://arxiv.org/abs/2003.00196",
                   "https://ai.aioz.io/guides/ml-ops/anti_alias_interpolation/", "## Which method"):
        assert needed in text, needed


def test_readme_links_and_images_point_to_files():
    text = README.read_text()
    targets = re.findall(r"\]\(([^)\s]+)\)", text)
    local = [target for target in targets if not urlsplit(target).scheme]
    assert local, "the README links into the site"
    missing = [target for target in local if not (REPOSITORY / urlsplit(target).path).exists()]
    assert not missing


def test_user_facing_text_has_no_issue_numbers():
    pages = [README, REPOSITORY / "CHANGELOG.md", *(REPOSITORY / "docs").rglob("*.md"),
             *(REPOSITORY / "docs" / "examples").glob("*.py")]
    pages = [page for page in pages if "_build" not in page.parts and "_generated" not in page.parts]
    found = {page.name: re.findall(r"(?i)\bissues?\s*#?\d+|(?<![\w&])#\d+\b", page.read_text()) for page in pages}
    assert not {name: hits for name, hits in found.items() if hits}


# The built site


class PageParser(html.parser.HTMLParser):
    """The ids a page defines and the local links (href, src) it makes."""

    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.add(attributes["id"])
        for name in ("href", "src"):
            value = attributes.get(name)
            if value and not urlsplit(value).scheme and not value.startswith("//"):
                self.links.append(value)


def parse(page: Path) -> PageParser:
    parser = PageParser()
    parser.feed(page.read_text(errors="replace"))
    return parser


@pytest.fixture(scope="module")
def site() -> Path:
    if not (HTML / "index.html").is_file():
        unavailable(f"the site is not built in {HTML}")
    return HTML


def test_internal_links_and_anchors_resolve(site):
    pages = sorted(page for page in site.rglob("*.html") if "_static" not in page.relative_to(site).parts)
    parsed = {page: parse(page) for page in pages}
    broken = []
    for page, parser in parsed.items():
        for link in parser.links:
            parts = urlsplit(link)
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{page.relative_to(site)}: {link}")
            elif parts.fragment and target.suffix == ".html":
                ids = parsed[target].ids if target in parsed else parse(target).ids
                if unquote(parts.fragment) not in ids:
                    broken.append(f"{page.relative_to(site)}: {link} (no such anchor)")
    assert not broken, "\n".join(broken)
    assert len(pages) > 25


def test_the_api_reference_documents_every_public_name(site):
    ids = parse(site / "reference" / "index.html").ids
    missing = [name for name in antialias_np.__all__ if f"antialias_np.{name}" not in ids]
    assert not missing


def test_every_method_has_a_lesson_with_its_figures(site):
    for method in METHODS:
        links = parse(site / "methods" / f"{method}.html").links
        figures = [link for link in links if link.endswith((f"{method}_photo.png", f"{method}_response.png"))]
        assert len(figures) == 2, method


def test_the_gallery_ran_and_drew_its_figures(site):
    examples = sorted((site / "auto_examples").glob("plot_*.html"))
    assert len(examples) >= 4
    for example in examples:
        text = example.read_text()
        assert "Traceback" not in text, example.name
        assert "sphx-glr-single-img" in text or "sphx-glr-multi-img" in text, example.name


def chromium(*arguments: str, profile: Path) -> subprocess.CompletedProcess:
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        unavailable("Chromium is not installed (apt-get install chromium)")
    command = [executable, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *arguments]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


RENDERED = {
    "index.html": ["antialias_np", "Choosing a method", "API reference"],
    "choosing.html": ["The answer", "gaussian9", "error vs truth", "Pareto front"],
    "reference/index.html": ["antialias_np.downsample", "antialias_np.interpolate", "channel_axis"],
    "methods/median.html": ["measured on sinusoids", "When to use it"],
    "auto_examples/plot_zone_plate_aliasing.html": ["Aliasing on a zone plate", "Nyquist"],
}
"""Pages opened in the browser, and text each must show once its scripts have run."""


@pytest.mark.parametrize("page", sorted(RENDERED))
def test_pages_render_in_headless_chromium(site, page, tmp_path):
    result = chromium("--virtual-time-budget=5000", "--dump-dom", (site / page).as_uri(), profile=tmp_path)
    dom = result.stdout
    assert "<title>" in dom, result.stderr[-2000:]
    for text in RENDERED[page]:
        assert text in dom, f"{page}: {text!r} not rendered"
    assert 'class="bd-main"' in dom or "bd-main" in dom  # the theme's layout, laid out by its scripts


def test_front_page_screenshot_is_a_drawn_page(site, tmp_path):
    import imageio.v3 as iio

    screenshot = Path(os.environ.get("ANTIALIAS_NP_DOCS_SCREENSHOTS", tmp_path)) / "index.png"
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    chromium("--window-size=1280,900", "--virtual-time-budget=5000", f"--screenshot={screenshot}",
             (site / "index.html").as_uri(), profile=Path(tempfile.mkdtemp(dir=tmp_path)))
    pixels = iio.imread(screenshot)
    assert pixels.shape[:2] == (900, 1280)
    colours = np.unique(pixels.reshape(-1, pixels.shape[-1]), axis=0)
    assert len(colours) > 50  # text, cards and code, not a blank or error page
