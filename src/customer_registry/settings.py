"""Settings, read once from `CUSTOMER_REGISTRY_*` environment variables and validated at start-up.

Every setting is a row of the table in docs/operating/settings.md; keep the two in step
(tests/test_docs_site.py checks the names).
"""

from __future__ import annotations

from functools import cached_property
from typing import Literal

from pydantic import Field, HttpUrl, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DialectName = Literal["sqlite", "postgresql"]
PoolerName = Literal["none", "pgbouncer"]
ServerName = Literal["uvicorn", "granian"]
# granian reads a request's headers for at most this long (its http1_header_read_timeout, in
# milliseconds, is capped at 60 s): a longer header timeout is refused, not shortened.
GRANIAN_MAX_HEADER_TIMEOUT_SECONDS = 60.0


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CUSTOMER_REGISTRY_", frozen=True)

    database_url: str = Field(
        default="sqlite:///customer-registry.db",
        description="sqlite:///PATH (default, relative to the working directory) "
        "or postgresql://user@host:port/db",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    server: ServerName = Field(
        default="uvicorn",
        description="the HTTP server `serve` runs: uvicorn, or granian (`--server` overrides)",
    )
    admin_username: str | None = None
    admin_password: SecretStr | None = None
    db_pool_size: int = Field(default=10, ge=1, le=200)
    statement_timeout_ms: int = Field(default=10_000, ge=100)
    db_pooler: PoolerName = Field(
        default="none",
        description="what stands between the service and PostgreSQL: none, or pgbouncer in "
        "transaction pooling mode (no statement cache, the statement timeout kept by the client)",
    )
    direct_database_url: str | None = Field(
        default=None,
        description="PostgreSQL itself, when database_url is a pooler's: backups and restores "
        "connect there, since pg_dump's and psql's session settings must not be lent on",
    )
    exact_total_limit: int = Field(default=10_000, ge=0)
    token_idle_seconds: int = Field(default=3 * 3600, ge=60)
    token_cache_seconds: float = Field(default=1.0, ge=0, le=60)
    token_touch_seconds: int = Field(default=60, ge=1)
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    body_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    body_deadline_seconds: float = Field(default=120.0, gt=0, le=3600)
    header_timeout_seconds: float = Field(default=10.0, gt=0, le=600)
    max_image_bytes: int = Field(default=2 * 1024 * 1024, ge=1024)
    max_image_pixels: int = Field(default=40_000_000, ge=10_000)
    max_image_decoded_bytes: int = Field(default=64 * 1024 * 1024, ge=1024 * 1024)
    image_threads: int = Field(default=2, ge=1, le=64)
    media_dir: str = "media"
    imports_dir: str = Field(
        default="imports",
        description="files uploaded to the console's imports, kept until they have run",
    )
    max_upload_bytes: int = Field(default=200 * 1024 * 1024, ge=1024)
    login_max_failures: int = Field(default=5, ge=1)
    login_max_failures_per_address: int = Field(default=50, ge=1)
    login_lockout_seconds: int = Field(default=15 * 60, ge=1)
    secret_key: SecretStr | None = Field(
        default=None,
        description="what webhooks' signing secrets are derived from (unset: the key file's)",
    )
    secret_key_file: str = "customer-registry.key"  # noqa: S105 (a file name)
    webhook_allow_private_addresses: bool = False
    webhook_lease_seconds: int = Field(default=60, ge=1, le=3600)
    history_days: int | None = Field(
        default=None,
        ge=1,
        description="customers' histories keep this many days of changes (unset: forever)",
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="/metrics answers requests bearing this token (unset: /metrics is a 404)",
    )
    log_format: Literal["text", "json"] = "text"
    access_log: bool = Field(default=True, description="a log line per request")
    shutdown_delay_seconds: float = Field(
        default=0.0,
        ge=0,
        le=300,
        description="after SIGTERM, keep serving this long with /readyz answering 503",
    )
    shutdown_timeout_seconds: int = Field(
        default=30,
        ge=1,
        le=3600,
        description="then stop accepting, and give requests in flight this long to finish",
    )
    public_url: str | None = Field(
        default=None,
        description="the URL clients reach the service at (http[s]://host[:port][/prefix]); "
        "the absolute URLs of its answers start with it",
    )

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, url: str) -> str:
        if _scheme(url) not in ("sqlite", "postgresql", "postgres"):
            raise ValueError("must start with sqlite:/// or postgresql://")
        return url

    @field_validator("direct_database_url")
    @classmethod
    def _postgresql(cls, url: str | None) -> str | None:
        if not url:
            return None
        if _scheme(url) not in ("postgresql", "postgres"):
            raise ValueError("must start with postgresql://")
        try:
            make_url(url).port  # noqa: B018 (parsed, its port read: a bad one raises)
        except (ValueError, ArgumentError):
            # Not the parser's words: they may quote the URL, password and all.
            raise ValueError("is not a database URL (postgresql://user@host:port/db)") from None
        return url

    @model_validator(mode="after")
    def _direct_only_behind_a_pooler(self) -> Settings:
        """Without a pooler the database URL is PostgreSQL itself: a second address could
        only be a mistake, and a restore would replace the database it names."""
        if self.direct_database_url and self.db_pooler == "none":
            raise ValueError(
                "CUSTOMER_REGISTRY_DIRECT_DATABASE_URL is for a database URL that is a "
                "pooler's: set CUSTOMER_REGISTRY_DB_POOLER too, or leave it unset"
            )
        return self

    @model_validator(mode="after")
    def _header_timeout_granian_keeps(self) -> Settings:
        if (
            self.server == "granian"
            and self.header_timeout_seconds > GRANIAN_MAX_HEADER_TIMEOUT_SECONDS
        ):
            raise ValueError(
                f"CUSTOMER_REGISTRY_HEADER_TIMEOUT_SECONDS above "
                f"{GRANIAN_MAX_HEADER_TIMEOUT_SECONDS:.0f} s cannot be kept by granian "
                f"(CUSTOMER_REGISTRY_SERVER): lower it, or serve with uvicorn"
            )
        return self

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, url: str | None) -> str | None:
        """Normalised (host lower-cased, IDNA-encoded) and without a trailing slash, so a
        path is appended to it as is. Credentials, a query or a fragment would end up in
        every link: refused."""
        if not url:
            return None
        parsed = HttpUrl(url)
        if parsed.username or parsed.password or parsed.query or parsed.fragment:
            raise ValueError("must be http[s]://host[:port][/path], nothing more")
        return str(parsed).rstrip("/")

    @cached_property
    def dialect(self) -> DialectName:
        return "sqlite" if self.database_url.startswith("sqlite") else "postgresql"

    @cached_property
    def sqlite_path(self) -> str:
        """The file behind a sqlite:/// URL (sqlite:///rel/path or sqlite:////abs/path)."""
        return self.database_url.split(":///", 1)[1] or "customer-registry.db"

    @cached_property
    def postgres_dsn(self) -> str:
        """A DSN asyncpg accepts: driver suffixes such as +asyncpg are dropped."""
        return _asyncpg_dsn(self.database_url)

    @cached_property
    def direct_postgres_dsn(self) -> str | None:
        """PostgreSQL itself, as asyncpg and libpq take it: the direct URL when one is set
        (only behind a pooler), else the database URL unless it is a pooler's (None then:
        there is no way there)."""
        if self.direct_database_url:
            return _asyncpg_dsn(self.direct_database_url)
        return self.postgres_dsn if self.db_pooler == "none" else None

    @cached_property
    def sqlalchemy_url(self) -> str:
        """The async SQLAlchemy URL Alembic uses to run migrations."""
        if self.dialect == "sqlite":
            return f"sqlite+aiosqlite:///{self.sqlite_path}"
        return "postgresql+asyncpg://" + self.postgres_dsn.split("://", 1)[1]


def _scheme(url: str) -> str:
    return url.split("://", 1)[0].split("+", 1)[0]


def _asyncpg_dsn(url: str) -> str:
    scheme, rest = url.split("://", 1)
    return f"postgresql://{rest}" if scheme.startswith("postgres") else url
