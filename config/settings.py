"""Configuration from ENVADMIN_* environment variables (pydantic-settings)."""
from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretBytes, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from config.master_key import (
    KEY_FILE,
    MasterKeyError,
    install_key_file,
    missing_key,
    parse_key,
    parse_key_list,
    read_old_keys_file,
    read_or_make_key_file,
)
from config.texts import N_, Text, joined

__all__ = ["MIN_SECRET_CHARS", "MasterKeyError", "Settings", "SettingsError", "check_secret", "load_settings"]

MIN_SECRET_CHARS = 16  # a shared secret shorter than this could be guessed, lockout or not
MAKE_A_SECRET = "openssl rand -base64 24"


class SettingsError(ValueError):
    """A setting that cannot be used: the message (a config.texts.Text, `message`) names each ENVADMIN_* variable
    and what is wrong, never a value. `problems`: each one, a Text, or (variable, pydantic's own error) for the CLI
    to word in its language."""

    def __init__(self, message: Text, problems: list | None = None):
        super().__init__(message)
        self.message = message
        self.problems = problems if problems is not None else [message]


def check_secret(value: str, variable: str) -> str:
    """The secret, if long enough to be worth guessing at; SettingsError naming `variable` otherwise."""
    if len(value) < MIN_SECRET_CHARS:
        raise SettingsError(Text(N_("%(variable)s must be at least %(count)s characters long, or it could be "
                                    "guessed; make one with `%(make_one)s`"), variable=variable,
                                 count=MIN_SECRET_CHARS, make_one=MAKE_A_SECRET))
    return value


class Settings(BaseSettings):
    """Where the store and the broker are, and how the pipeline behaves."""

    model_config = SettingsConfigDict(env_prefix="ENVADMIN_", extra="ignore")

    data_dir: Path = Path("var")
    database_url: str | None = None
    broker_url: str | None = None
    queue: str = "envadmin"
    # On RabbitMQ, the type of the queues envadmin declares: quorum queues are replicated over a cluster's nodes.
    # An existing queue cannot change type in place (docs/operations.md, "Moving the queues to another type").
    rabbitmq_queue_type: Literal["classic", "quorum"] = "classic"
    requests_queue: str = Field("envadmin.requests", min_length=1, max_length=255)  # upstream requests, by broker
    # How long a broker request is found again by its message_id, and its commands' outcomes find its reply_to:
    # longer than an invite lives, for a pending grant's late outcome.
    broker_request_retention_days: float = Field(30.0, ge=1)
    # How long what nothing needs any more is kept before the prune removes it (store/retention.py).
    command_retention_days: float = Field(400.0, ge=1)  # finished commands; finished jobs with their rows
    audit_retention_days: float = Field(400.0, ge=1)  # the audit trail
    invite_retention_days: float = Field(400.0, ge=1)  # closed invites, their envelopes and closed grants
    mail_retention_days: float = Field(30.0, ge=1)  # mails sent or given up
    outcome_retention_days: float = Field(30.0, ge=1)  # outcome events delivered (the /v1/events feed)
    dead_letter_retention_days: float = Field(90.0, ge=1)  # dead letters whose command is finished
    prune_interval_minutes: float = Field(60.0, gt=0)  # how often beat prunes
    relay_after_seconds: float = Field(30.0, gt=0)
    relay_interval_seconds: float = Field(5.0, gt=0)
    max_attempts: int = Field(5, ge=1)
    visibility_timeout_seconds: int = Field(900, ge=10)
    apply_chunk: int = Field(2000, ge=1)  # a chunk's statements and transactions are paid once for all of them
    lease_seconds: float = Field(60.0, gt=0)
    public_url: str = "http://localhost:8000"
    service_name: str = Field("envadmin", min_length=1, max_length=60)  # how pages and mails name the service
    web_session_idle_minutes: float = Field(30.0, gt=0)  # a web session ends after this long without a request
    web_session_lifetime_hours: float = Field(12.0, gt=0)  # and this long after signing in, however active
    web_posts_per_minute: int = Field(30, ge=1)  # forms one client address may post in a minute, per web process
    mail_url: str | None = None
    master_key: SecretStr | None = None  # base64 of 32 bytes; secret: never in a repr, a log or an error
    old_master_keys: SecretStr | None = None  # during a rotation: keys that still open, comma-separated
    invite_ttl_days: float = Field(7.0, gt=0)
    # Invite and activation mails (resends included) an account may send; 0: no limit. docs/invites-and-identities.md.
    invites_per_account_per_hour: int = Field(10_000, ge=0)
    invites_per_recipient_per_day: int = Field(5, ge=0)  # by one account to one email
    mail_max_attempts: int = Field(5, ge=1)
    publish_batch: int = Field(2000, ge=1, le=5000)  # an onboarding job's transaction of rows is one message
    job_batch: int = Field(2000, ge=1)  # rows of an onboarding file journalled per transaction
    task_soft_time_limit_seconds: float = Field(300.0, gt=0)  # a task is told to stop
    task_time_limit_seconds: float = Field(330.0, gt=0)  # its process is killed
    api_max_body_bytes: int = Field(1024 * 1024, ge=1024)  # an HTTP request body; more gets 413
    api_read_timeout_seconds: float = Field(10.0, gt=0)  # to send a request's headers, then its body; else 408
    idempotency_key_hours: float = Field(24.0, ge=24)  # an Idempotency-Key's first answer is kept this long, at least
    web_upload_max_bytes: int = Field(50 * 1024 * 1024, ge=1024)  # an onboarding file uploaded in the console
    web_upload_read_timeout_seconds: float = Field(300.0, gt=0)  # to send that upload's body; else 408
    password_reset_minutes: float = Field(30.0, gt=0)  # how long a forgotten-password link works (once)
    password_resets_per_email_per_hour: int = Field(3, ge=1)  # forgotten-password mails asked for one email
    password_resets_per_client_per_hour: int = Field(10, ge=1)  # forgotten-password requests from one client
    ops_password: SecretStr | None = None  # HTTP Basic password of user `ops` on /ops and /metrics; unset: refused
    api_token: SecretStr | None = None  # the bearer token of the HTTP API (/v1); unset: the API refuses every request
    trusted_proxies: str = ""  # addresses or networks whose X-Forwarded-For/-Proto are believed; empty: nobody's

    @field_validator("ops_password", "api_token")
    @classmethod
    def _long_enough(cls, value: SecretStr | None, info) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None  # set but empty, as compose passes an unset variable: not configured
        check_secret(value.get_secret_value(), f"ENVADMIN_{info.field_name.upper()}")
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _addresses(cls, value: str) -> str:
        for entry in value.replace(",", " ").split():
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise SettingsError(Text(N_("ENVADMIN_TRUSTED_PROXIES: %(entry)r is not an IP address or network "
                                            "(expected e.g. 10.0.0.5, 10.0.0.0/8 or ::1, separated by commas)"),
                                         entry=entry)) from None
        return value

    @property
    def trusted_proxy_list(self) -> list[str]:
        """The addresses and networks of ENVADMIN_TRUSTED_PROXIES, as uvicorn's proxy-headers middleware takes them."""
        return self.trusted_proxies.replace(",", " ").split()

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

    @property
    def is_embedded(self) -> bool:
        """The embedded default: no database URL and no broker URL, one host."""
        return self.database_url is None and self.broker_url is None

    @property
    def master_key_file(self) -> Path | None:
        """The file that holds the master key: only on the embedded default without ENVADMIN_MASTER_KEY."""
        return (self.data_dir / KEY_FILE).resolve() if self.master_key is None and self.is_embedded else None

    def master_key_secrets(self) -> tuple[SecretBytes, list[SecretBytes]]:
        """The master key that wraps new secrets, and older keys that still open (ENVADMIN_OLD_MASTER_KEYS).

        Outside the embedded default the key must be set: a key made per host would leave each worker
        unable to open what the others sealed. Embedded, a key is made once in the data dir.
        """
        older = parse_key_list(self.old_master_keys.get_secret_value(), "ENVADMIN_OLD_MASTER_KEYS") \
            if self.old_master_keys is not None else []
        if self.master_key is not None:
            return parse_key(self.master_key.get_secret_value(), "ENVADMIN_MASTER_KEY"), older
        if not self.is_embedded:
            raise missing_key()
        return read_or_make_key_file(self.data_dir), [*older, *read_old_keys_file(self.data_dir)]

    def install_master_key_file(self, new: SecretBytes) -> None:
        """Embedded, key from the data dir: make `new` the key there, the replaced one kept as an old key."""
        if self.master_key_file is None:
            raise MasterKeyError(Text(N_("the master key is not kept in a file here (ENVADMIN_MASTER_KEY is set, "
                                         "or the store is not the embedded default)")))
        install_key_file(self.data_dir, new)

    @property
    def broker_folder(self) -> Path:
        return (self.data_dir / "broker").resolve()


def load_settings(**overrides) -> Settings:
    """Settings from the environment, with explicit overrides on top; SettingsError naming each variable that
    cannot be used."""
    try:
        return Settings(**overrides)
    except ValidationError as e:
        problems = [_problem(error) for error in e.errors()]
        raise SettingsError(joined([problem for problem, _ in problems]), [found for _, found in problems]) from None


def _problem(error) -> tuple[Text, Text | tuple[str, dict]]:
    """One problem of a setting as a person reads it: the variable and the reason, never the value; and the same
    as the CLI words it in its language (the variable and pydantic's error)."""
    if isinstance(error.get("ctx", {}).get("error"), SettingsError):
        return error["ctx"]["error"].message, error["ctx"]["error"].message
    variable = "ENVADMIN_" + "_".join(str(part) for part in error["loc"]).upper()
    return (Text(N_("%(variable)s: %(problem)s"), variable=variable, problem=error["msg"].removeprefix("Value error, ")),
            (variable, error))
