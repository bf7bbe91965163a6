"""Customer Registry: one customer registry behind three published customer APIs."""

__version__ = "0.1.0"
