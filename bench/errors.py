"""The one error the benchmark raises: something made the measurement impossible or invalid."""

from __future__ import annotations


class BenchError(Exception):
    """Printed as one line; `python -m bench` then exits with status 2."""
