# Every name Any to pyright, as mypy's follow_imports = "skip" makes it: see [tool.pyright] in pyproject.toml.
from typing import Any

def __getattr__(name: str) -> Any: ...
