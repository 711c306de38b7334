"""Settings from the environment or a .env file (see the README's settings table)."""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from handlers import DEFAULT_BOT_NAME
from storage import DEFAULT_DATABASE_URL

TELEGRAM_API_URL = "https://api.telegram.org"
# Messages a second overall, a little under Telegram's 30 so that timing jitter never crosses it.
MESSAGES_PER_SECOND = 29


class Settings(BaseSettings):
    """Everything an operator can set; the token is a secret and never printed."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr | None = None
    database_url: str = DEFAULT_DATABASE_URL
    telegram_api_url: str = TELEGRAM_API_URL
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    port: int = 8080
    # The Mini App's public HTTPS address (`https://<host>/app/`): the menu button and "Open as
    # page" buttons lead there, and the bot serves the page on PORT (in polling mode too).
    webapp_url: str | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_format: Literal["text", "json"] = "text"
    # A chat (the operator's) that gets a short summary of each error, at most one a minute.
    error_chat_id: int | None = None
    # Telegram allows about 30 messages a second; paid broadcasts raise that to 1000.
    telegram_messages_per_second: float = Field(default=MESSAGES_PER_SECOND, gt=0, le=1000)
    # The name the bot calls itself in /help, on the progress card and in the export.
    bot_name: str = Field(default=DEFAULT_BOT_NAME, min_length=1, max_length=64)

    @field_validator("log_level", "log_format", mode="before")
    @classmethod
    def _any_case(cls, value: object, info: ValidationInfo) -> object:
        """Accept `info` as well as `INFO`, `JSON` as well as `json`."""
        if not isinstance(value, str):
            return value
        return value.lower() if info.field_name == "log_format" else value.upper()

    @field_validator("telegram_api_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        """`http://host:8081/` and `http://host:8081` mean the same server."""
        return value.rstrip("/")

    @field_validator("webapp_url")
    @classmethod
    def _https_page(cls, value: str | None) -> str | None:
        """Telegram opens Mini Apps from HTTPS addresses only; the bot adds `?roadmap=` to it."""
        if not value:
            return None
        parts = urlsplit(value)
        if parts.scheme != "https" or not parts.netloc or parts.query or parts.fragment:
            raise ValueError("WEBAPP_URL must be an https:// address without ?query or #fragment")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _telegram_secret(cls, value: SecretStr | None) -> SecretStr | None:
        """Telegram accepts 1 to 256 characters of A-Z, a-z, 0-9, _ and -."""
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()):
            raise ValueError("WEBHOOK_SECRET must be 1 to 256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @model_validator(mode="after")
    def _webhook_needs_a_secret(self) -> Settings:
        """A webhook without a secret would take updates from anyone who finds the URL."""
        if self.webhook_url and not self.webhook_secret:
            raise ValueError("WEBHOOK_URL is set, so WEBHOOK_SECRET must be set too")
        return self

    @property
    def token(self) -> str | None:
        """The bot token in clear, for the Telegram client only."""
        return self.telegram_bot_token.get_secret_value() if self.telegram_bot_token else None

    def secrets(self) -> list[str]:
        """Every secret setting in clear, for the log scrubber to remove."""
        return [secret.get_secret_value() for secret in (self.telegram_bot_token, self.webhook_secret) if secret]
