"""`python -m geo` is the `civicgrid` command."""

from geo.cli import main

main()
