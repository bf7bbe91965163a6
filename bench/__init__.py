"""The benchmark: `python -m bench` measures GET /v1/customers/<id> against a bare baseline.

See bench/README.md for what it does and how to read its answer.
"""
