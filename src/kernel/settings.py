"""All configuration: environment variables with the `CRM_` prefix, also read from `.env`."""

from __future__ import annotations

import os
import secrets
import socket
from functools import cached_property
from pathlib import Path

import platformdirs
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("crm-toolkit", appauthor=False))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CRM_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir)
    db_url: str = ""
    db_namespace: str = "crm"
    db_database: str = "main"
    db_user: str = ""
    db_password: str = ""
    workspace: str = Field(
        default="main", description="The workspace local commands work in (id or name)."
    )
    db_lock_timeout: float = Field(
        default=0.0, description="Seconds to wait for another process to release the database."
    )
    keep_open: float = Field(
        default=0.0,
        ge=0,
        description="Seconds a background process keeps a large embedded database open after "
        "the last command that used it (0, the default: never start one; SurrealDB 3 opens a "
        "100,000-contact file in about 0.03 s).",
    )
    keep_open_from_mb: float = Field(
        default=16.0, ge=0, description="The embedded database size from which it is kept open."
    )

    log_level: str = Field(default="info", description="debug, info, warning or error")
    log_file: Path | None = Field(default=None, description="Default: data_dir/crm.log.")
    llm_model: str = "local/smollm2"
    llm_api_base: str = ""
    llm_api_key: str = ""
    llm_timeout: float = 120.0
    llm_rpm: int = 0
    llm_tpm: int = 0
    llm_concurrency: int = 4
    llm_max_cost: float = 0.0
    llm_max_attempts: int = 3
    llm_truncated_retries: int = 3
    llm_cache: bool = True

    # campaigns
    outbox_dir: Path | None = Field(
        default=None, description="Where the outbox channel writes; default data_dir/outbox."
    )
    smtp_url: str = Field(
        default="", description="smtp://user:pass@host:587 (STARTTLS) or smtps://… (TLS)."
    )
    smtp_timeout: float = 30.0
    base_url: str = "http://127.0.0.1:8000"
    secret_key: SecretStr = SecretStr("")
    from_email: str = "hello@example.com"
    sender_name: str = "Example"
    postal_address: str = ""
    unsubscribe_mailto: str = ""
    require_consent: bool = False
    dkim_domain: str = ""
    dkim_selector: str = ""
    dkim_key_file: Path | None = None
    send_concurrency: int = 8
    send_rate: float = Field(default=0.0, description="Messages/second per channel; 0 = no cap.")
    send_batch_size: int = 100
    send_claim_group: int = Field(
        default=8,
        ge=1,
        le=100,
        description="Deliveries a send worker claims (and completes) per database round trip.",
    )
    send_window: str = Field(default="", description="At most N per period, e.g. '1000/1h'.")
    send_error_threshold: int = 20
    send_max_attempts: int = 3
    email_frequency_hours: float = 24.0
    webhook_url: str = ""
    social_webhook_url: str = ""

    @cached_property
    def outbox_path(self) -> Path:
        return self.outbox_dir or self.data_dir / "outbox"

    @cached_property
    def log_path(self) -> Path:
        return self.log_file or self.data_dir / "crm.log"

    def signing_key(self) -> str:
        """CRM_SECRET_KEY, else a key generated once into data_dir/secret_key (mode 0600)."""
        if self.secret_key.get_secret_value():
            return self.secret_key.get_secret_value()
        path = self.data_dir / "secret_key"
        try:
            return path.read_text().strip()
        except FileNotFoundError:
            pass
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".secret_key.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(48))
        # link() is atomic and refuses an existing name: of two racing processes one key wins,
        # and nobody ever reads a half-written file.
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
        return path.read_text().strip()

    # api
    api_keys: str = Field(
        default="",
        description="Comma-separated API keys accepted besides those made with "
        "`crm apikeys create`.",
    )
    session_hours: float = Field(
        default=12.0, gt=0, description="How long a browser sign-in lasts."
    )
    invitation_hours: float = Field(
        default=72.0, gt=0, description="How long an invitation's set-password link works."
    )
    reset_hours: float = Field(
        default=1.0, gt=0, description="How long a password reset link works."
    )
    login_max_failures: int = Field(
        default=5, ge=1, description="Failed sign-ins of one account that lock it."
    )
    login_max_failures_per_ip: int = Field(
        default=20, ge=1, description="Failed sign-ins from one IP address that lock it out."
    )
    login_window_minutes: float = Field(
        default=15.0, gt=0, description="The period failed sign-ins are counted over."
    )
    login_lockout_minutes: float = Field(
        default=15.0, gt=0, description="How long a locked account or IP address waits."
    )
    api_url: str = Field(default="", description="A crm server the CLI talks to (its base URL).")
    api_key: str = Field(default="", description="The key the CLI sends to `api_url`.")
    api_rate_limit: int = Field(default=600, description="Requests per minute per API key.")
    api_max_body: int = Field(default=1_000_000, description="Largest request body, in bytes.")
    api_max_upload: int = Field(
        default=100_000_000, description="Largest CSV file `POST /contacts/import` takes."
    )
    form_rate_limit: int = Field(
        default=10, description="Landing page form submissions per minute per client IP."
    )
    form_min_seconds: float = Field(
        default=3.0,
        description="Forms sent sooner than this after the page was served are "
        "treated as bots (answered like a success, stored nowhere).",
    )

    # scheduler
    worker_id: str = Field(
        default_factory=lambda: f"{socket.gethostname()}-{os.getpid()}",
        description="Names this worker in leases and logs; unique per running worker.",
    )
    worker_poll_seconds: float = Field(default=5.0, gt=0, description="How often to look for work.")
    worker_concurrency: int = Field(default=4, ge=1, description="Runs one worker executes.")
    lease_seconds: float = Field(
        default=60.0,
        gt=0,
        description="A run whose worker stopped renewing it for this long is "
        "taken over by another worker.",
    )
    misfire_grace_seconds: float = Field(
        default=300.0,
        ge=0,
        description="Claimed later than this after its due time, an "
        "occurrence counts as missed and the schedule's missed-run policy applies.",
    )
    shutdown_grace_seconds: float = Field(
        default=30.0,
        ge=0,
        description="On SIGTERM, how long running work may finish before "
        "its claim is released for another worker.",
    )

    @cached_property
    def database_url(self) -> str:
        """The configured URL, or a surrealkv file under the data dir."""
        if self.db_url:
            return self.db_url
        return f"surrealkv://{(self.data_dir / 'crm.db').resolve()}"


def load_settings() -> Settings:
    return Settings()
