import pytest


@pytest.fixture(autouse=True)
def _fast_hashing(fast_password_hashing: None) -> None:
    """The sales tests make many users: see tests/conftest.py's fast_password_hashing."""
