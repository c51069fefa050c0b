"""`python -m portfolio`: the command line, which lives in `adapters.cli` (a driving adapter)."""

from adapters.cli import console

if __name__ == "__main__":
    console()
