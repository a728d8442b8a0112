"""The documentation's Python examples (docs/*.md) are doctests, so the walkthrough and the pages cannot drift from the
code: each page's `>>>` blocks run in order in one namespace, in a temporary folder, and must print what the page
shows. An example that is not in doctest form is on a page of NOT_RUN, which says why."""

from __future__ import annotations

import doctest
import re
from pathlib import Path
from typing import NamedTuple

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
PAGES = sorted(page for page in DOCS.rglob("*.md") if not {"_build", "_generated"} & set(page.parts))

NOT_RUN = {
    "onnx.md": "its examples need the onnx extra (onnx, onnxruntime), and one the reader's own network.onnx",
    "pipelines.md": "its example needs the dask and zarr extras and a folder of frames",
}
"""Pages whose Python examples are not doctests, and why: the default test run has no extras and no reader's files."""

FENCE = re.compile(r"^```([^\n]*)\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


class Block(NamedTuple):
    source: str
    line: int  # of the block's first line in the page (0-based, as doctest counts)


def python_blocks(page: Path) -> list[Block]:
    """The page's fenced code blocks in Python (```python, ```py, ```pycon)."""
    text = page.read_text()
    return [Block(match.group(2), text.count("\n", 0, match.start(2)))
            for match in FENCE.finditer(text) if match.group(1).strip() in ("python", "py", "pycon")]  # fmt: skip


PAGES_WITH_EXAMPLES = [page for page in PAGES if any(">>>" in block.source for block in python_blocks(page))]


def test_every_python_example_is_a_doctest_or_its_page_says_why_not():
    not_doctests = {page.name for page in PAGES for block in python_blocks(page) if ">>>" not in block.source}
    assert not_doctests == set(NOT_RUN)
    for page in PAGES:
        for block in python_blocks(page):
            if ">>>" not in block.source:
                compile(block.source, f"{page}, line {block.line + 1}", "exec")  # not run, but it parses
    assert {"walkthrough.md", "getting_started.md", "index.md"} <= {page.name for page in PAGES_WITH_EXAMPLES}


@pytest.mark.parametrize("page", PAGES_WITH_EXAMPLES, ids=lambda page: str(page.relative_to(DOCS)))
def test_examples_print_what_the_page_shows(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # an example that writes a file writes it here
    namespace: dict = {}
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    report: list[str] = []
    for block in python_blocks(page):
        if ">>>" in block.source:
            test = doctest.DocTestParser().get_doctest(block.source, namespace, page.name, str(page), block.line)
            runner.run(test, out=report.append, clear_globs=False)
            namespace = test.globs  # the next block sees this one's names (each DocTest runs in a copy)
    assert runner.tries > 0
    assert runner.failures == 0, "".join(report)
