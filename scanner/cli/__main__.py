"""`python -m scanner.cli`: the same as the `keysweep` command."""

from scanner.cli import main

main()
