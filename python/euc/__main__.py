"""`python3 -m euc ARGS` runs the euc command line (the same code as build/bin/euc)."""

import sys

from . import main

sys.exit(main())
