"""The benchmark suite: `python -m bench` measures every scenario of the three APIs on
PostgreSQL and SQLite against a bare ASGI baseline doing the same SQL.

See bench/README.md for what it does and how to read its answer.
"""
