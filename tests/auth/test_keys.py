"""The service's secret key: the variable's, or a key file of its owner's only, made once."""

from __future__ import annotations

import stat
from pathlib import Path

from pydantic import SecretStr

from customer_registry.auth.keys import KEY_BYTES, service_key
from customer_registry.settings import Settings


def test_the_variable_wins(tmp_path: Path) -> None:
    settings = Settings(secret_key=SecretStr("given"), secret_key_file=str(tmp_path / "k"))
    assert service_key(settings) == b"given"
    assert not (tmp_path / "k").exists()


def test_a_key_file_is_made_once_and_private(tmp_path: Path) -> None:
    settings = Settings(secret_key_file=str(tmp_path / "k"))
    first = service_key(settings)
    assert len(first) == KEY_BYTES
    assert service_key(settings) == first
    mode = stat.S_IMODE((tmp_path / "k").stat().st_mode)
    assert mode & (stat.S_IRWXG | stat.S_IRWXO) == 0
