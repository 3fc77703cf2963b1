"""All configuration: environment variables with the `CRM_` prefix, also read from `.env`."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

import platformdirs
from pydantic import Field
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
    db_lock_timeout: float = Field(
        default=0.0, description="Seconds to wait for another process to release the database."
    )

    llm_model: str = "local/smollm2"
    llm_api_base: str = ""
    llm_api_key: str = ""
    llm_timeout: float = 120.0
    llm_rpm: int = 0
    llm_tpm: int = 0
    llm_concurrency: int = 4
    llm_max_cost: float = 0.0
    llm_max_attempts: int = 3
    llm_cache: bool = True

    @cached_property
    def database_url(self) -> str:
        """The configured URL, or a surrealkv file under the data dir."""
        if self.db_url:
            return self.db_url
        return f"surrealkv://{(self.data_dir / 'crm.db').resolve()}"


def load_settings() -> Settings:
    return Settings()
