"""python -m antialias_np: the antialias-np command line (antialias_np.cli)."""

import sys

from antialias_np.cli import main

sys.exit(main())
