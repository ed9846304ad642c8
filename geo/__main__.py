"""`python -m geo` is the `civicgrid` command."""

from geo.cli import main

if __name__ == "__main__":  # not when a spawned worker imports it (`civicgrid demo`)
    main()
