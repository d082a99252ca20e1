"""`python -m scanner` runs the keysweep command."""

from scanner.cli import main

main()
