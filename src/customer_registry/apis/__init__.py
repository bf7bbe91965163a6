"""The three HTTP surfaces. Translation only: names, shapes, error formats; rules live in core."""
