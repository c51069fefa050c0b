"""`python -m portfolio`: the command line, which lives in `adapters.cli` (a driving adapter)."""

import sys

from adapters.cli import main

if __name__ == "__main__":
    sys.exit(main())
