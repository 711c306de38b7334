"""Settings from the environment or a .env file (see the README's settings table)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from handlers import DEFAULT_BOT_NAME
from storage import DEFAULT_DATABASE_URL

TELEGRAM_API_URL = "https://api.telegram.org"
# Messages a second overall, a little under Telegram's 30 so that timing jitter never crosses it.
MESSAGES_PER_SECOND = 29
# An operator's figures look back this many days at most; older facts are deleted.
FACTS_RETENTION_DAYS = 400
# Seconds from SIGTERM to the process's end: under the 30 s most platforms wait before SIGKILL.
SHUTDOWN_TIMEOUT = 20.0
# Seconds any one database wait may take: a connection, a statement, a free pooled connection.
DATABASE_TIMEOUT = 5.0
# Web connections open at once, well within the common limit of 1,024 open files.
MAX_CONNECTIONS = 512
# The page's rules (webapp/ has the same defaults; importing it here would load the web stack for
# every command): initData at most an hour old (see webapp/init_data.py), 60 calls a minute a person.
INIT_DATA_MAX_AGE = 3600
WEBAPP_CALLS_PER_MINUTE = 60


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
    # Announcements sent as paid broadcasts (allow_paid_broadcast, Telegram Stars per message past
    # the free rate): set it with a higher TELEGRAM_MESSAGES_PER_SECOND.
    telegram_paid_broadcast: bool = False
    # Chats of the people who run the bot: /stats and /announce answer them, and every figure leaves them out.
    operator_chat_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    # Days the facts behind the figures are kept (each day a chat was there, each step change, nudge...).
    facts_retention_days: int = Field(default=FACTS_RETENTION_DAYS, ge=7, le=3650)
    # The operator's roadmap folders (os.pathsep or commas between them), served beside the
    # built-in roadmaps unless ROADMAPS_BUILTIN is false.
    roadmaps_dir: Annotated[list[Path], NoDecode] = Field(default_factory=list)
    roadmaps_builtin: bool = True
    # The name the bot calls itself in /help, on the progress card and in the export.
    bot_name: str = Field(default=DEFAULT_BOT_NAME, min_length=1, max_length=64)
    # /metrics: on a port of its own (kept off the load balancer), and/or on PORT to the bearer of
    # a token; with neither, it is not served.
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    metrics_token: SecretStr | None = None
    # The page's API: how old Telegram's initData may be, in seconds; calls a person may make a minute.
    init_data_max_age: int = Field(default=INIT_DATA_MAX_AGE, ge=60, le=86_400)
    webapp_calls_per_minute: int = Field(default=WEBAPP_CALLS_PER_MINUTE, ge=1, le=6_000)
    # The clocks: web connections open at once, seconds from SIGTERM to exit, seconds a database wait may take.
    max_connections: int = Field(default=MAX_CONNECTIONS, ge=16, le=100_000)
    shutdown_timeout: float = Field(default=SHUTDOWN_TIMEOUT, ge=2, le=300)
    database_timeout: float = Field(default=DATABASE_TIMEOUT, gt=0, le=300)

    @field_validator("operator_chat_ids", mode="before")
    @classmethod
    def _chat_ids(cls, value: object) -> object:
        """`-1001234567890,42`: chat ids separated by commas (or spaces)."""
        if isinstance(value, str):
            return [int(part) for part in value.replace(",", " ").split()]
        return value

    @field_validator("roadmaps_dir", mode="before")
    @classmethod
    def _folders(cls, value: object) -> object:
        """`/srv/roadmaps:/srv/more` (or commas between them): one or more folders."""
        if isinstance(value, str):
            return [Path(part.strip()) for part in re.split(rf"[,{re.escape(os.pathsep)}]", value) if part.strip()]
        return value

    @model_validator(mode="after")
    def _something_to_serve(self) -> Settings:
        """With the built-in roadmaps off, the operator's folders are all there is."""
        if not self.roadmaps_builtin and not self.roadmaps_dir:
            raise ValueError("ROADMAPS_BUILTIN is false, so ROADMAPS_DIR must name a folder of roadmaps")
        return self

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

    @field_validator("metrics_token")
    @classmethod
    def _a_token_worth_its_name(cls, value: SecretStr | None) -> SecretStr | None:
        """A bearer token is a password: long enough not to be guessed, and one word of a header."""
        if value is not None and not re.fullmatch(r"[A-Za-z0-9._~+/=-]{24,256}", value.get_secret_value()):
            raise ValueError("METRICS_TOKEN must be 24 to 256 characters of A-Z, a-z, 0-9 and ._~+/=-")
        return value

    @model_validator(mode="after")
    def _webhook_needs_a_secret(self) -> Settings:
        """A webhook without a secret would take updates from anyone who finds the URL."""
        if self.webhook_url and not self.webhook_secret:
            raise ValueError("WEBHOOK_URL is set, so WEBHOOK_SECRET must be set too")
        return self

    @model_validator(mode="after")
    def _metrics_port_of_its_own(self) -> Settings:
        """Metrics on PORT would be public: METRICS_PORT must be another port."""
        if self.metrics_port is not None and self.metrics_port == self.port:
            raise ValueError("METRICS_PORT must differ from PORT (use METRICS_TOKEN to serve metrics on PORT)")
        return self

    @property
    def token(self) -> str | None:
        """The bot token in clear, for the Telegram client only."""
        return self.telegram_bot_token.get_secret_value() if self.telegram_bot_token else None

    def secrets(self) -> list[str]:
        """Every secret setting in clear, for the log scrubber to remove."""
        secrets = (self.telegram_bot_token, self.webhook_secret, self.metrics_token)
        return [secret.get_secret_value() for secret in secrets if secret]
