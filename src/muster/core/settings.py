"""Typed configuration read from ``MUSTER_*`` environment variables."""

from datetime import date
from enum import StrEnum
from typing import Self

from pydantic import Field, FilePath, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_DEV_SECRET = "development-only-secret"  # noqa: S105 - refused outside development


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class Settings(BaseSettings):
    """Everything Muster can be configured with; built once per process."""

    model_config = SettingsConfigDict(env_prefix="MUSTER_", extra="ignore")

    env: Environment = Environment.DEVELOPMENT
    database_url: str = "sqlite+aiosqlite:///./muster.db"
    bus_url: str | None = Field(default=None, pattern=r"^$|^(redis|rediss|unix)://")
    bus_prefix: str = Field(default="muster", min_length=1, max_length=100)
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    secret_key: SecretStr = SecretStr(_DEV_SECRET)
    log_format: str = Field(default="auto", pattern="^(auto|json|text)$")
    log_level: str = "INFO"

    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    token_ttl_hours: int = Field(default=12, ge=1)
    login_attempts: int = Field(default=10, ge=1)
    login_window_s: int = Field(default=900, ge=1)
    duplicate_radius_m: float = Field(default=300.0, gt=0)
    duplicate_window_min: int = Field(default=30, gt=0)
    run_jobs: bool = True
    jobs_poll_s: float = Field(default=1.0, gt=0)
    db_pool_size: int = Field(default=10, ge=1)
    db_pool_pre_ping: bool = False
    db_pool_recycle_s: int = Field(default=1800, ge=1)
    # Shifts in reports: turns of ``report_shift_hours`` taken by the named
    # shifts in order, the first starting on the anchor date at the change hour
    # (local time). The default is a three-platoon 24-hour rotation.
    report_shift_names: str = Field(
        default="A,B,C", pattern=r"^[A-Za-z0-9 _-]{1,32}(,[A-Za-z0-9 _-]{1,32}){0,9}$"
    )
    report_shift_hours: int = Field(default=24, ge=1, le=24)
    report_shift_anchor: date = date(2026, 1, 1)
    report_shift_change_hour: int = Field(default=8, ge=0, le=23)
    # A TrueType font the PDF reports embed so they print any script it
    # covers; without one they use the built-in Helvetica (Windows-1252).
    pdf_font: FilePath | None = None
    # The utilisation report: hours on incidents a week past which a member's
    # time counts as overtime; position legs faster than the ceiling or fixes
    # less accurate than the limit count no distance.
    report_weekly_hours: float = Field(default=40.0, gt=0, le=168)
    report_max_speed_kmh: float = Field(default=200.0, gt=0, le=2000)
    report_max_accuracy_m: float = Field(default=100.0, gt=0)
    position_retention_days: int = Field(default=30, ge=1)
    position_stale_s: int = Field(default=300, ge=10)
    live_queue_size: int = Field(default=1000, ge=1)
    live_poll_s: float = Field(default=5.0, gt=0)
    live_heartbeat_s: float = Field(default=15.0, gt=0)
    live_reauth_s: float = Field(default=60.0, gt=0)
    # The pages' map background; browsers fetch the tiles themselves. Empty
    # means none: markers on a plain background, as when the tiles can't load.
    map_tiles_url: str = Field(
        default="https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        pattern=r"^$|^https?://",
        max_length=500,
    )
    map_attribution: str = Field(default="© OpenStreetMap contributors", max_length=300)

    smtp_host: str | None = None
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_from: str = "muster@localhost"
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    send_timeout_s: float = Field(default=10.0, gt=0)
    inbound_max_bytes: int = Field(default=64 * 1024, ge=1024)
    # Department archives: the largest upload ``POST /api/v1/import`` takes
    # (it is held in memory while it loads), and what any archive may unpack to.
    import_max_bytes: int = Field(default=256 * 1024 * 1024, ge=1024)
    import_max_unpacked_bytes: int = Field(default=8 * 1024**3, ge=1024)

    @model_validator(mode="after")
    def _refuse_placeholder_secret(self) -> Self:
        secret = self.secret_key.get_secret_value()
        if self.env is Environment.PRODUCTION and (
            secret == _DEV_SECRET or len(secret) < 32
        ):
            raise ValueError(
                "MUSTER_SECRET_KEY must be set to 32 or more random characters"
            )
        return self

    @property
    def async_database_url(self) -> str:
        """The database URL with the async driver SQLAlchemy needs."""
        return to_async_url(self.database_url)

    @property
    def is_sqlite(self) -> bool:
        return self.async_database_url.startswith("sqlite")


def to_async_url(url: str) -> str:
    """Map plain ``postgresql://`` and ``sqlite://`` URLs to their async drivers."""
    for plain, driver in (
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
        ("postgresql+psycopg://", "postgresql+asyncpg://"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    return url
