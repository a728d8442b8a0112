"""The FOMM downsampling study's benchmark: `python bench.py --help`. The code is in the benchmark/ package."""

import sys

from benchmark.cli import main

if __name__ == "__main__":
    sys.exit(main())
