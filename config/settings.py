"""Configuration from ENVADMIN_* environment variables (pydantic-settings)."""
from __future__ import annotations

import base64
import os
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
    apply_chunk: int = Field(500, ge=1)
    lease_seconds: float = Field(60.0, gt=0)
    public_url: str = "http://localhost:8000"
    mail_url: str | None = None
    master_key: str | None = None
    invite_ttl_days: float = Field(7.0, gt=0)
    mail_max_attempts: int = Field(5, ge=1)
    publish_batch: int = Field(500, ge=1, le=5000)
    job_batch: int = Field(2000, ge=1)  # rows of an onboarding file journalled per transaction
    api_max_body_bytes: int = Field(1024 * 1024, ge=1024)  # an HTTP request body; more gets 413
    api_read_timeout_seconds: float = Field(10.0, gt=0)  # to send a request's headers, then its body; else 408

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
    def effective_mail_url(self) -> str:
        return self.mail_url or f"file://{(self.data_dir / 'outbox').resolve()}"

    def master_key_bytes(self) -> bytes:
        """ENVADMIN_MASTER_KEY (base64 of 32 bytes); embedded, a key made once and kept in the data dir."""
        if self.master_key:
            key = base64.b64decode(self.master_key, validate=True)
            if len(key) != 32:
                raise ValueError("ENVADMIN_MASTER_KEY must be the base64 of 32 bytes")
            return key
        path = (self.data_dir / "master.key").resolve()
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            draft = path.with_name(f".master.key.{os.getpid()}")
            descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w") as file:
                file.write(base64.b64encode(os.urandom(32)).decode())
            try:
                os.link(draft, path)  # atomic, and the first process to get there wins
            except FileExistsError:
                pass
            finally:
                draft.unlink()
        return base64.b64decode(path.read_text().strip())

    @property
    def broker_folder(self) -> Path:
        return (self.data_dir / "broker").resolve()


def load_settings(**overrides) -> Settings:
    """Settings from the environment, with explicit overrides on top."""
    return Settings(**overrides)
