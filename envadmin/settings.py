"""Configuration from ENVADMIN_* environment variables (pydantic-settings)."""
from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Where the store and the broker are, and how the pipeline behaves."""

    model_config = SettingsConfigDict(env_prefix="ENVADMIN_", extra="ignore")

    data_dir: Path = Path("var")
    database_url: str | None = None
    broker_url: str | None = None
    queue: str = "envadmin"
    relay_after_seconds: float = Field(30.0, gt=0)
    relay_interval_seconds: float = Field(5.0, gt=0)
    max_attempts: int = Field(5, ge=1)
    visibility_timeout_seconds: int = Field(900, ge=10)
    apply_chunk: int = Field(200, ge=1)
    lease_seconds: float = Field(60.0, gt=0)
    publish_batch: int = Field(500, ge=1, le=5000)

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'envadmin.db').resolve()}"

    @property
    def effective_broker_url(self) -> str:
        return self.broker_url or "filesystem://"

    @property
    def is_embedded_broker(self) -> bool:
        return self.effective_broker_url.startswith("filesystem://")

    @property
    def broker_folder(self) -> Path:
        return (self.data_dir / "broker").resolve()


def load_settings(**overrides) -> Settings:
    """Settings from the environment, with explicit overrides on top."""
    return Settings(**overrides)
